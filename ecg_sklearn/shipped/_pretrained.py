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
from pathlib import Path

from .._model_files import read_arrays, read_model_description, shipped_folder, shipped_models
from .._version import __version__
from ..persistence import pipeline_from_description

__all__ = ["PRETRAINED", "list_pretrained", "pretrained_info", "load_pretrained"]


#: What each shipped pipeline is trained on (one registry of shipped models:
#: ``SHIPPED_MODELS``). ``split`` is a :func:`~ecg_sklearn.io.load_mitdb` split; the
#: pipeline is :func:`~ecg_sklearn.default_pipeline` with ``random_state=seed``.
PRETRAINED = shipped_models("pipeline")


FILE_FORMAT = 1


def check_name(name):
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

    Parameters
    ----------
    name : str, default="mitdb-ds1"
        One of :func:`list_pretrained`.
    folder : path-like, optional
        Where the model files are (default: the package's ``data/pretrained``, whose
        files must have the SHA-256 recorded in the package's code).

    Returns
    -------
    info : dict
        ``name``, ``description``, ``fs`` (Hz), ``leads``, ``n_timepoints`` (window
        length in samples), ``classes``, ``params`` (the pipeline's parameters),
        ``training`` (split, records, beats per class, seed, the command that rebuilt
        it), the versions it was built with and ``weights_sha256``; ``card``, where the
        model ships one: its measured figures (``rows`` of S and V Se, +P and F1 on
        named data, the ``command`` that measured them and a ``note``).
    """
    check_name(name)
    path = Path(folder or shipped_folder()) / f"{name}.json"
    info = read_model_description(path, shipped=folder is None)
    needed = {"format", "fs", "leads", "n_timepoints", "classes", "params"}
    if missing := needed - set(info):
        raise ValueError(f"{str(path)!r} is not a pretrained model description (lacks {missing})")
    card = path.with_name(f"{name}.card.json")
    if card.is_file():
        info["card"] = json.loads(card.read_text())
    return info


def load_pretrained(name: str = "mitdb-ds1", *, folder=None):
    """A fitted pipeline shipped with the package, ready to ``predict``.

    The files are plain arrays and JSON, read without pickle; the shipped ones must
    have the SHA-256 recorded in the package's code (a damaged or replaced file is
    refused).

    Parameters
    ----------
    name : str, default="mitdb-ds1"
        One of :func:`list_pretrained`.
    folder : path-like, optional
        Where the model files are (default: the package's ``data/pretrained``); the
        weights must then have the SHA-256 recorded in the ``.json`` beside them.

    Returns
    -------
    pipeline : ChunkedPipeline
        The fitted filter -> segmenter -> CNN pipeline; it expects beat windows as the
        loaders make them at ``pretrained_info(name)["fs"]`` Hz, or whole records
        through :func:`ecg_sklearn.annotate_record` (any sampling rate).

    Examples
    --------
    >>> from ecg_sklearn import load_pretrained
    >>> from ecg_sklearn.io import load_sample
    >>> pipe = load_pretrained("mitdb-ds1")
    >>> data = load_sample(["100"])
    >>> pipe.predict(data.X[:5])
    array(['N', 'N', 'N', 'N', 'N'], dtype='<U1')
    """
    info = pretrained_info(name, folder=folder)
    if info["format"] != FILE_FORMAT:
        raise ValueError(
            f"{name}: model format {info['format']!r}; this package reads {FILE_FORMAT}"
        )
    if info.get("ecg_sklearn_version") != __version__:
        warnings.warn(
            f"Pretrained model {name} was built with ecg_sklearn "
            f"{info.get('ecg_sklearn_version')}; this is {__version__}. Predictions may differ.",
            UserWarning,
            stacklevel=2,
        )
    npz = Path(folder or shipped_folder()) / f"{name}.npz"
    arrays = read_arrays(npz, info.get("weights_sha256"), shipped=folder is None)
    return pipeline_from_description(info, arrays, name=f"pretrained model {name!r}")
