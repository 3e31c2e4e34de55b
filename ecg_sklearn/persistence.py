"""Saving and loading fitted pipelines, and the plain-array files of the shipped models.

A model file of :func:`save_model` is one ``.npz`` archive, read with
``allow_pickle=False``: a JSON description (format, package version, kind) and arrays.

* ``format="arrays"`` (the default) holds a fitted :func:`~ecg_sklearn.default_pipeline`
  as its parameters and network weights. Loading it builds the pipeline anew from them
  and runs no code from the file.
* ``format="pickle"`` holds any fitted pipeline pickled by joblib inside the archive.
  Unpickling can run any code the file contains: :func:`load_model` refuses it unless
  ``trusted=True``, and reads the description (is it an ecg_sklearn model, which
  version wrote it) before anything is unpickled.

Every file is written whole or not at all (a temporary file beside it, then renamed).
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._files import write_bytes_atomically
from ._model_files import npz_bytes
from ._version import __version__

__all__ = ["save_model", "load_model"]


_MODEL_FORMAT = 1  # of save_model's archives


_DESCRIPTION = "ecg_sklearn_model"  # the archive member with the JSON description


_PICKLE = "pickled_pipeline"  # the archive member with joblib's bytes (format="pickle")


_WEIGHT = "weight__"  # prefix of the network's weights in the archive


_RUNTIME_PARAMS = ("verbose", "n_jobs", "n_threads")  # how to run, not what was fitted


# ---------------------------------------------------------------------- pipelines as arrays
def _is_plain(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _same(a, b) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:  # e.g. arrays: not comparable as one truth value
        return False


def stored_params(pipe, default) -> dict:
    """The parameters of ``pipe``'s steps that a model file keeps: those that JSON holds
    as they are (numbers, strings, None), but for those that only say how to run it
    (verbosity, threads, callbacks). Raises ``ValueError`` for any other parameter
    that differs from ``default``'s (a pipeline of the same steps)."""
    defaults = default.get_params(deep=True)
    params, unstorable = {}, []
    for key, value in pipe.get_params(deep=True).items():
        if "__" not in key or "callbacks__" in key or key.endswith(_RUNTIME_PARAMS):
            continue
        if _is_plain(value):
            params[key] = value
        elif not (key in defaults and _same(value, defaults[key])):
            unstorable.append(key)
    if unstorable:
        raise ValueError(
            f"format='arrays' cannot store the parameters {sorted(unstorable)} (objects, "
            "classes or lists other than the default's). Save with format='pickle' and "
            "load with trusted=True."
        )
    return params


def describe_pipeline(pipe, *, leads=None) -> tuple[dict, dict]:
    """A fitted default pipeline as a JSON-able description and the network's weights.

    Raises ``ValueError`` when the pipeline is not a fitted
    :func:`~ecg_sklearn.default_pipeline` (same steps) or holds a parameter that JSON
    cannot keep (an object, a class, a list) and that differs from the default's.
    """
    from sklearn.utils.validation import check_is_fitted

    from .pipeline import ChunkedPipeline, default_pipeline

    if not (isinstance(pipe, ChunkedPipeline) and [n for n, _ in pipe.steps] == [
        "filter", "segment", "cnn"
    ]):  # fmt: skip
        raise ValueError(
            "format='arrays' stores a default_pipeline (ChunkedPipeline with steps filter, "
            f"segment, cnn); got {type(pipe).__name__} with steps "
            f"{[n for n, _ in getattr(pipe, 'steps', [])]}. Save it with format='pickle'."
        )
    default = default_pipeline(pipe["filter"].fs, verbose=0)
    for (_, step), (_, reference) in zip(pipe.steps, default.steps, strict=True):
        if type(step) is not type(reference):
            raise ValueError(
                f"format='arrays' stores the default steps; {type(step).__name__} is not "
                f"{type(reference).__name__}. Save it with format='pickle'."
            )
    check_is_fitted(pipe["cnn"])
    params = stored_params(pipe, default)
    cnn = pipe["cnn"]
    info = {
        "fs": float(pipe["filter"].fs),
        "leads": None if leads is None else list(leads),
        "n_channels": int(pipe["filter"].n_features_in_),
        "n_timepoints": int(pipe["filter"].n_timepoints_in_),
        "classes": [str(c) for c in cnn.classes_],
        "class_weight": None if cnn.class_weight_ is None else cnn.class_weight_.tolist(),
        "class_prior": None if cnn.class_prior_ is None else cnn.class_prior_.tolist(),
        "params": params,
    }
    weights = {k: v.detach().cpu().numpy() for k, v in cnn.module_.state_dict().items()}
    return info, weights


def pipeline_from_description(info, weights, *, name="the model"):
    """The fitted pipeline that :func:`describe_pipeline` described (no code is run from
    the description: the pipeline is built from the package's classes)."""

    from .pipeline import default_pipeline

    needed = {"fs", "n_timepoints", "classes", "params"}
    if missing := needed - set(info):
        raise ValueError(f"{name} is not a model description (lacks {sorted(missing)})")
    params = info["params"]
    if not isinstance(params, dict) or any(
        not str(k).startswith(("filter__", "segment__", "cnn__")) or not _is_plain(v)
        for k, v in params.items()
    ):
        raise ValueError(f"{name}: parameters must be plain values of the filter, segment "
                         "and cnn steps")  # fmt: skip
    pipe = default_pipeline(info["fs"], verbose=0)
    try:
        pipe.set_params(**params)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} has parameters this version does not know: {exc}") from exc
    # The filter and segmenter keep only the window layout from fit: fitting them on
    # one window of the right shape restores them exactly.
    segment = pipe["segment"]
    extra = int(segment.beat_channel) + int(segment.rr_context)  # channels after the leads
    n_channels = int(info.get("n_channels") or len(info.get("leads") or ()) + extra)
    n_times = int(info["n_timepoints"])
    window = np.zeros((1, n_channels, n_times), dtype=np.float32)
    if segment.beat_channel:
        window[0, n_channels - extra, n_times // 2] = 1.0
    layout = pipe[:-1].fit_transform(window).layout
    try:
        pipe["cnn"].restore(
            layout, info["classes"], weights, class_weight=info.get("class_weight"),
            class_prior=info.get("class_prior"),
        )  # fmt: skip
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    return pipe


# ---------------------------------------------------------------------- save / load
def save_model(pipeline, path, *, format="arrays", leads=None) -> Path:
    """Save a fitted pipeline to one file, written whole or not at all.

    Parameters
    ----------
    pipeline : ChunkedPipeline
        Fitted. With ``format="arrays"``, a :func:`~ecg_sklearn.default_pipeline`
        (any plain parameters: numbers, strings, None).
    path : path-like
        The file to write (its folder is created if needed). Any extension; ``.npz``
        is the natural one.
    format : {"arrays", "pickle"}, default="arrays"
        ``"arrays"``: parameters and weights only; :func:`load_model` rebuilds the
        pipeline from them and runs nothing from the file. ``"pickle"``: any pipeline,
        pickled with joblib; loading it needs ``trusted=True``.
    leads : list of str, optional
        The leads the pipeline was fitted on, recorded in the file.

    Returns
    -------
    path : Path
    """
    if format not in ("arrays", "pickle"):
        raise ValueError(f"format must be 'arrays' or 'pickle'; got {format!r}")
    header = {"format": _MODEL_FORMAT, "kind": format, "ecg_sklearn_version": __version__}
    if format == "arrays":
        info, weights = describe_pipeline(pipeline, leads=leads)
        arrays = {f"{_WEIGHT}{k}": v for k, v in weights.items()}
        header["pipeline"] = info
    else:
        import joblib

        buffer = io.BytesIO()
        joblib.dump(pipeline, buffer)
        arrays = {_PICKLE: np.frombuffer(buffer.getvalue(), dtype=np.uint8)}
        header["leads"] = None if leads is None else list(leads)
    arrays[_DESCRIPTION] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    return write_bytes_atomically(path, npz_bytes(arrays))


def _read_model_archive(path) -> tuple[dict, zipfile.ZipFile]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{str(path)!r} is not a model file of ecg_sklearn.save_model (not an .npz "
            "archive; pickle and joblib files are not loaded)"
        )
    try:
        archive = np.load(path, allow_pickle=False)
        header = json.loads(archive[_DESCRIPTION].tobytes())
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{str(path)!r} is not a model file of ecg_sklearn.save_model, or is damaged "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(header, dict) or header.get("format") != _MODEL_FORMAT:
        raise ValueError(
            f"{str(path)!r}: model file format {header.get('format')!r} "
            f"(this version reads {_MODEL_FORMAT})"
        )
    return header, archive


def load_model(path, *, trusted=False):
    """Load a pipeline saved by :func:`save_model`; warn if another version saved it.

    Parameters
    ----------
    path : path-like
    trusted : bool, default=False
        Needed for files saved with ``format="pickle"``: unpickling a file can run any
        code it contains, so load such files only when you made them or trust who did.
        Files saved with ``format="arrays"`` load without it and run nothing.

    Returns
    -------
    pipeline : ChunkedPipeline
    """
    path = Path(path)
    header, archive = _read_model_archive(path)
    with archive:
        kind = header.get("kind")
        if kind == "pickle" and not trusted:
            raise ValueError(
                f"{str(path)!r} holds a pickled pipeline: loading it can run any code the "
                "file contains. Pass trusted=True (command line: --trust-model) only for "
                "a file you made or whose author you trust."
            )
        if kind not in ("arrays", "pickle"):
            raise ValueError(f"{str(path)!r}: unknown kind of model file {kind!r}")
        version = header.get("ecg_sklearn_version")
        if version != __version__:
            warnings.warn(
                f"Model {path.name} was saved with ecg_sklearn {version}; this is "
                f"{__version__}. Predictions may differ.",
                UserWarning,
                stacklevel=2,
            )
        if kind == "pickle":
            import joblib

            return joblib.load(io.BytesIO(archive[_PICKLE].tobytes()))
        weights = {k[len(_WEIGHT) :]: archive[k] for k in archive.files if k.startswith(_WEIGHT)}
        return pipeline_from_description(header["pipeline"], weights, name=repr(str(path)))
