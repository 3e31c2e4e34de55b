"""Fitting and saving the models shipped with the package (maintainer tooling, used by
``benchmarks/pretrained.py`` and the tests): the timing models on the Long-Term AF
Database and the pretrained pipelines on MIT-BIH."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from sklearn.utils import Bunch

from ecg_sklearn._model_files import write_model_files
from ecg_sklearn._version import __version__
from ecg_sklearn.features._af import AF_FEATURES, af_features
from ecg_sklearn.features._rhythm import RR_CONTEXT_FEATURES, rr_context_features
from ecg_sklearn.io._annotations import AF_RHYTHMS
from ecg_sklearn.persistence import describe_pipeline
from ecg_sklearn.pipeline import default_pipeline
from ecg_sklearn.record._trees import BoostedTrees
from ecg_sklearn.shipped._pretrained import FILE_FORMAT, PRETRAINED, check_name


def fit_rhythm_models(timings, *, every=10, random_state=0, verbose=0) -> Bunch:
    """Fit the timing model of S versus N outside atrial fibrillation.

    Parameters
    ----------
    timings : iterable of Bunch
        Records as returned by :func:`ecg_sklearn.io.load_beat_timing` (beat
        positions, AAMI labels and rhythm); e.g. the Long-Term AF Database's 84 records.
    every : int, default=10
        Train on every ``every``-th beat of each record (its context is the whole record).
    random_state : int, default=0
    verbose : int, default=0
        Print one line per record read.

    Returns
    -------
    models : Bunch
        ``sveb`` (S versus N among the N and S beats outside AF and flutter), a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` fitted on
        :func:`rr_context_features`, and ``sveb_prior``, the share of S among the
        beats it was trained on.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, af, labels = [], [], []
    for t in timings:
        rows = np.arange(0, len(t.beat_samples), every)
        X.append(rr_context_features(t.beat_samples, t.fs, index=rows))
        af.append(np.isin(t.rhythm, AF_RHYTHMS)[rows])
        labels.append(np.asarray(t.beat_labels)[rows])
        if verbose:
            print(f"rhythm models: {t.record} ({len(rows)} beats)", flush=True)
    if not X:
        raise ValueError("timings is empty: give at least one record")
    X, af, labels = np.concatenate(X), np.concatenate(af), np.concatenate(labels)
    sn = ~af & np.isin(labels, ["N", "S"])
    if af.all() or not af.any() or len(np.unique(labels[sn])) < 2:
        raise ValueError(
            "the records must hold beats in AF and out of it, and N and S beats outside AF"
        )

    is_s = labels[sn] == "S"
    model = HistGradientBoostingClassifier(max_iter=200, random_state=random_state)
    return Bunch(sveb=model.fit(X[sn], is_s), sveb_prior=is_s.mean())


def save_rhythm_models(models, folder, name, *, training) -> Path:
    """Write the timing model as ``NAME.npz`` (plain arrays) and ``NAME.json`` in ``folder``.

    Parameters
    ----------
    models : Bunch
        From :func:`fit_rhythm_models` (gradient-boosted trees, stored as arrays).
    folder : path-like
    name : str
    training : dict
        Provenance written as it is.

    Returns
    -------
    path : Path
        The ``.json`` file.
    """
    import sklearn

    arrays = {"sveb_prior": np.array([models.sveb_prior], dtype=np.float64)}
    trees = models.sveb
    trees = trees if isinstance(trees, BoostedTrees) else BoostedTrees.from_estimator(trees)
    arrays.update({f"sveb__{k}": v for k, v in trees.to_arrays().items()})
    info = {
        "name": name,
        "features": list(RR_CONTEXT_FEATURES),
        "training": training,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }
    return write_model_files(folder, name, arrays, info, sha256_key="sha256")


def fit_af_model(timings, *, every=10, random_state=0, verbose=0):
    """Fit the AF model on beat annotations (beats labelled V or F are not dominant-like).

    Parameters
    ----------
    timings : iterable of Bunch
        Records as returned by :func:`ecg_sklearn.io.load_beat_timing`.
    every : int, default=10
        Train on every ``every``-th beat of each record (its context is the whole record).
    random_state : int, default=0
    verbose : int, default=0
        Print one line per record read.

    Returns
    -------
    model : HistGradientBoostingClassifier
        Fitted on :func:`af_features`; class 1 is AF or flutter.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, af = [], []
    for t in timings:
        rows = np.arange(0, len(t.beat_samples), every)
        like = ~np.isin(t.beat_labels, ["V", "F"])
        X.append(af_features(t.beat_samples, t.fs, like, index=rows))
        af.append(np.isin(t.rhythm, AF_RHYTHMS)[rows])
        if verbose:
            print(f"AF model: {t.record} ({len(rows)} beats)", flush=True)
    if not X:
        raise ValueError("timings is empty: give at least one record")
    X, af = np.concatenate(X), np.concatenate(af)
    if af.all() or not af.any():
        raise ValueError("the records must hold beats in AF and out of it")
    model = HistGradientBoostingClassifier(max_iter=200, random_state=random_state)
    return model.fit(X, af)


def save_af_model(model, folder, name, *, training) -> Path:
    """Write an AF model as ``NAME.npz`` (plain arrays) and ``NAME.json`` in ``folder``.

    Returns
    -------
    path : Path
        The ``.json`` file.
    """
    import sklearn

    trees = model if isinstance(model, BoostedTrees) else BoostedTrees.from_estimator(model)
    info = {
        "name": name,
        "features": list(AF_FEATURES),
        "training": training,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }
    return write_model_files(folder, name, trees.to_arrays(), info, sha256_key="sha256")


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
        "format": FILE_FORMAT,
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
    from ecg_sklearn.io import load_mitdb

    check_name(name)
    spec = PRETRAINED[name]
    data = load_mitdb(spec["split"], data_dir, verbose=verbose)
    pipe = default_pipeline(data.fs, random_state=spec["seed"], verbose=verbose)
    return pipe.fit(data.X, data.y, cnn__groups=data.groups), data
