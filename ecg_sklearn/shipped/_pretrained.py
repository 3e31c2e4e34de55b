"""Pretrained pipelines shipped with the package: list, load and rebuild them.

Each model is two files in ``ecg_sklearn/data/pretrained/``: ``NAME.npz``, the network's
weights as plain arrays (read without pickle), and ``NAME.json``, what is needed to
rebuild the pipeline around them (its parameters, sampling rate, window layout,
classes) with the training provenance and the SHA-256 of the weights. The model cards
(training data, figures, intended use and limits) are in ``docs/models.md``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from .._model_files import read_arrays, read_model_description, shipped_folder, write_model_files
from .._version import __version__
from ..persistence import describe_pipeline, pipeline_from_description
from ..pipeline import default_pipeline

__all__ = [
    "PRETRAINED",
    "list_pretrained",
    "pretrained_info",
    "load_pretrained",
    "save_pretrained",
    "train_pretrained",
]


#: What each shipped model is trained on. ``split`` is a :func:`~ecg_sklearn.io.load_mitdb`
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
        it), the versions it was built with and ``weights_sha256``.
    """
    _check_name(name)
    path = Path(folder or shipped_folder()) / f"{name}.json"
    info = read_model_description(path, shipped=folder is None)
    needed = {"format", "fs", "leads", "n_timepoints", "classes", "params"}
    if missing := needed - set(info):
        raise ValueError(f"{str(path)!r} is not a pretrained model description (lacks {missing})")
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
    if info["format"] != _FORMAT:
        raise ValueError(f"{name}: model format {info['format']!r}; this package reads {_FORMAT}")
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


def save_pretrained(pipe, name, folder, *, leads, training) -> Path:
    """Write a fitted default pipeline as ``NAME.npz`` and ``NAME.json`` in ``folder``.

    The format :func:`load_pretrained` reads (``benchmarks/pretrained.py --rebuild``
    writes the shipped models with it; their SHA-256 then go into
    ``ecg_sklearn.persistence.SHIPPED_SHA256``).

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

    description, weights = describe_pipeline(pipe, leads=leads)
    del description["n_channels"]  # the shipped files name their leads
    info = {
        "format": _FORMAT,
        "name": name,
        "description": PRETRAINED.get(name, {}).get("description", ""),
        **description,
        "training": training,
        "ecg_sklearn_version": __version__,
        "versions": {
            "torch": torch.__version__,
            "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__,
            "numpy": np.__version__,
        },
        # Where it was built: a rebuild elsewhere reproduces it within the tolerances
        # of docs/models.md, not bit for bit.
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }
    return write_model_files(folder, name, weights, info, sha256_key="weights_sha256")


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
        Folder of the full database (see :func:`ecg_sklearn.io.get_data_home`).
    verbose : int, default=0
        Print the per-epoch table.

    Returns
    -------
    pipeline : ChunkedPipeline
        The fitted pipeline.
    data : Bunch
        The training data (:func:`ecg_sklearn.io.load_mitdb`'s output).
    """
    from ..io._datasets import load_mitdb

    _check_name(name)
    spec = PRETRAINED[name]
    data = load_mitdb(spec["split"], data_dir, verbose=verbose)
    pipe = default_pipeline(data.fs, random_state=spec["seed"], verbose=verbose)
    return pipe.fit(data.X, data.y, cnn__groups=data.groups), data
