"""Pretrained pipelines shipped with the package: list, load and rebuild them.

Each model is two files in ``ecg_sklearn/data/pretrained/``: ``NAME.npz``, the network's
weights as plain arrays (read without pickle), and ``NAME.json``, what is needed to
rebuild the pipeline around them (its parameters, sampling rate, window layout,
classes) with the training provenance and the SHA-256 of the weights. The model cards
(training data, figures, intended use and limits) are in ``docs/models.md``.
"""

from __future__ import annotations

import json
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder

from . import __version__
from .persistence import read_arrays, write_model_files
from .pipeline import default_pipeline

__all__ = [
    "PRETRAINED",
    "list_pretrained",
    "load_pretrained",
    "pretrained_info",
    "save_pretrained",
    "train_pretrained",
]

#: What each shipped model is trained on. ``split`` is a :func:`~ecg_sklearn.datasets.load_mitdb`
#: split; the pipeline is :func:`~ecg_sklearn.default_pipeline` with ``random_state=seed``.
PRETRAINED = {
    "mitdb-ds1": {
        "split": "DS1",
        "seed": 0,
        "description": "default pipeline trained on MIT-BIH DS1 (22 records, MLII, 360 Hz); "
        "its DS2 figures are inter-patient",
    },
}
_FORMAT = 1


def _folder() -> Path:
    return Path(str(resources.files("ecg_sklearn").joinpath("data", "pretrained")))


def _check_name(name):
    if name not in PRETRAINED:
        raise ValueError(f"Unknown pretrained model {name!r}; available: {list_pretrained()}")


def list_pretrained() -> list[str]:
    """Names of the pretrained pipelines shipped with the package.

    Examples
    --------
    >>> from ecg_sklearn import list_pretrained
    >>> list_pretrained()
    ['mitdb-ds1']
    """
    return sorted(PRETRAINED)


def pretrained_info(name: str = "mitdb-ds1", *, folder=None) -> dict:
    """The metadata shipped with a pretrained pipeline.

    Returns
    -------
    info : dict
        ``name``, ``description``, ``fs`` (Hz), ``leads``, ``n_timepoints`` (window
        length in samples), ``classes``, ``params`` (the pipeline's parameters),
        ``training`` (split, records, beats per class, seed, the command that rebuilt
        it), the versions it was built with and ``weights_sha256``.
    """
    _check_name(name)
    path = Path(folder or _folder()) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"Pretrained model file {str(path)!r} not found")
    try:
        info = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{str(path)!r} is not a pretrained model description: {exc}") from exc
    needed = {"format", "fs", "leads", "n_timepoints", "classes", "params"}
    missing = needed - set(info) if isinstance(info, dict) else needed
    if missing:
        raise ValueError(f"{str(path)!r} is not a pretrained model description (lacks {missing})")
    return info


def load_pretrained(name: str = "mitdb-ds1", *, folder=None):
    """A fitted pipeline shipped with the package, ready to ``predict``.

    Parameters
    ----------
    name : str, default="mitdb-ds1"
        One of :func:`list_pretrained`.
    folder : path-like, optional
        Where the model files are (default: the package's ``data/pretrained``).

    Returns
    -------
    pipeline : ChunkedPipeline
        The fitted filter -> segmenter -> CNN pipeline; it expects beat windows as the
        loaders make them at ``pretrained_info(name)["fs"]`` Hz, or whole records
        through :func:`ecg_sklearn.annotate_record` (any sampling rate).

    Examples
    --------
    >>> from ecg_sklearn import load_pretrained
    >>> from ecg_sklearn.datasets import load_sample
    >>> pipe = load_pretrained("mitdb-ds1")
    >>> data = load_sample(["100"])
    >>> pipe.predict(data.X[:5])
    array(['N', 'N', 'N', 'N', 'N'], dtype='<U1')
    """
    folder = Path(folder or _folder())
    info = pretrained_info(name, folder=folder)
    if info["format"] != _FORMAT:
        raise ValueError(f"{name}: model format {info['format']!r}; this package reads {_FORMAT}")
    if info.get("ecg_sklearn_version") != __version__:
        warnings.warn(
            f"Pretrained model {name} was built with ecg_sklearn "
            f"{info.get('ecg_sklearn_version')}; this is {__version__}. Predictions may differ.",
            UserWarning,
            stacklevel=2,
        )
    arrays = read_arrays(folder / f"{name}.npz", info.get("weights_sha256"))
    state = {k: torch.from_numpy(v) for k, v in arrays.items()}
    pipe = default_pipeline(info["fs"], verbose=0)
    pipe.set_params(**info["params"])
    # The filter and segmenter keep only the window layout from fit: fitting them on
    # one window of the right shape restores them exactly.
    n_leads, n_times = len(info["leads"]), info["n_timepoints"]
    rr_context = bool(info["params"].get("segment__rr_context", False))
    window = np.zeros((1, n_leads + 1 + rr_context, n_times), dtype=np.float32)
    window[0, n_leads, n_times // 2] = 1.0
    rows = pipe[:-1].fit_transform(window)
    _restore_classifier(pipe["cnn"], rows.layout, info, state)
    return pipe


def _restore_classifier(cnn, layout, info, state):
    """Set the fitted state of ``cnn`` for rows of ``layout`` (the segmenter's)."""
    cnn.n_features_in_ = layout.n_features
    cnn.label_encoder_ = LabelEncoder().fit(info["classes"])
    cnn._set_layout(cnn._fit_layout(layout, layout.n_features))
    weights = info.get("class_weight")
    cnn.class_weight_ = None if weights is None else np.asarray(weights, dtype=float)
    prior = info.get("class_prior")
    if prior is None and cnn.prior_power:
        raise ValueError("The model's .json lacks class_prior, which prior_power needs")
    cnn.class_prior_ = None if prior is None else np.asarray(prior, dtype=float)
    cnn._rhythm_models()  # checked
    with torch.random.fork_rng(devices=[]):  # initialisation draws from torch's RNG
        cnn.initialize()
    try:
        cnn.module_.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"Pretrained weights do not fit the network: {exc}") from exc
    cnn.module_.eval()


def _json_params(pipe) -> dict:
    """The pipeline's parameters that JSON keeps as they are (numbers, strings, None),
    but for those that only say how to run it (verbosity, threads)."""
    return {
        k: v
        for k, v in pipe.get_params(deep=True).items()
        if "__" in k
        and "callbacks__" not in k
        and not k.endswith(("verbose", "n_jobs", "n_threads"))
        and (v is None or isinstance(v, (bool, int, float, str)))
    }


def save_pretrained(pipe, name, folder, *, leads, training) -> Path:
    """Write a fitted default pipeline as ``NAME.npz`` and ``NAME.json`` in ``folder``.

    The format :func:`load_pretrained` reads (``benchmarks/pretrained.py --rebuild``
    writes the shipped models with it).

    Parameters
    ----------
    pipe : ChunkedPipeline
        A fitted :func:`~ecg_sklearn.default_pipeline`.
    name : str
        Model name (the files' stem).
    folder : path-like
        Where to write (created if needed).
    leads : list of str
        The leads the pipeline was trained on, in order.
    training : dict
        Provenance written as it is (data, records, seed, the command that built it).

    Returns
    -------
    path : Path
        The ``.json`` file.
    """
    import sklearn
    import skorch

    state = pipe["cnn"].module_.state_dict()
    arrays = {k: v.detach().cpu().numpy() for k, v in state.items()}
    cnn = pipe["cnn"]
    info = {
        "format": _FORMAT,
        "name": name,
        "description": PRETRAINED.get(name, {}).get("description", ""),
        "fs": float(pipe["filter"].fs),
        "leads": list(leads),
        "n_timepoints": int(pipe[0].n_timepoints_in_),
        "classes": [str(c) for c in cnn.classes_],
        "class_weight": None if cnn.class_weight_ is None else cnn.class_weight_.tolist(),
        "class_prior": cnn.class_prior_.tolist(),
        "params": _json_params(pipe),
        "training": training,
        "ecg_sklearn_version": __version__,
        "versions": {
            "torch": torch.__version__,
            "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__,
            "numpy": np.__version__,
        },
        # Training on another instruction set changes ~1% of the labels (oneDNN kernels).
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }
    return write_model_files(folder, name, arrays, info, sha256_key="weights_sha256")


def train_pretrained(name: str = "mitdb-ds1", data_dir=None, *, verbose: int = 0):
    """Rebuild a shipped model from the MIT-BIH database, as it was built.

    Deterministic on CPU: with the versions and the CPU instruction set
    (``torch.backends.cpu.get_cpu_capability()``) recorded in :func:`pretrained_info`
    it gives the shipped weights' predictions. On another instruction set the
    convolutions round differently and about 1% of the labels differ (568 of DS2's
    49,712 beats on AVX512 against the shipped file).

    Parameters
    ----------
    name : str, default="mitdb-ds1"
    data_dir : path-like, optional
        Folder of the full database (see :func:`ecg_sklearn.datasets.get_data_home`).
    verbose : int, default=0
        Print the per-epoch table.

    Returns
    -------
    pipeline : ChunkedPipeline
        The fitted pipeline.
    data : Bunch
        The training data (:func:`ecg_sklearn.datasets.load_mitdb`'s output).
    """
    from .datasets import load_mitdb

    _check_name(name)
    spec = PRETRAINED[name]
    data = load_mitdb(spec["split"], data_dir, verbose=verbose)
    pipe = default_pipeline(data.fs, random_state=spec["seed"], verbose=verbose)
    return pipe.fit(data.X, data.y, cnn__groups=data.groups), data
