"""The shipped timing models of the record-level decisions (fitted on the Long-Term AF
Database): the rhythm models (atrial fibrillation, S versus N) and the AF model, and
how they are fitted and saved."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..features._af import AF_FEATURES, af_features
from ..features._rhythm import RR_CONTEXT_FEATURES, rr_context_features
from ..io._annotations import AF_RHYTHMS
from ._trees import ARRAYS as TREE_ARRAYS
from ._trees import BoostedTrees

__all__ = [
    "fit_rhythm_models",
    "save_rhythm_models",
    "load_rhythm_models",
    "AF_MODELS",
    "fit_af_model",
    "save_af_model",
    "load_af_model",
]


def fit_rhythm_models(timings, *, every=10, random_state=0, verbose=0) -> Bunch:
    """Fit the two timing models: AF per beat, and S versus N outside AF.

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
        ``af`` (AF or flutter versus not) and ``sveb`` (S versus N among N and S beats
        outside AF), both :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
        fitted on :func:`rr_context_features`, and ``sveb_prior``, the share of S among
        the beats ``sveb`` was trained on.
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

    def model():
        return HistGradientBoostingClassifier(max_iter=200, random_state=random_state)

    is_s = labels[sn] == "S"
    return Bunch(af=model().fit(X, af), sveb=model().fit(X[sn], is_s), sveb_prior=is_s.mean())


#: The timing models shipped with the package (``ecg_sklearn/data/pretrained/NAME.*``).
RHYTHM_MODELS = {
    "ltafdb-rhythm": "AF and S-versus-N timing models fitted on the Long-Term AF Database "
    "(84 Holter records, every 10th beat; no MIT-BIH record)",
}


def save_rhythm_models(models, folder, name, *, training) -> Path:
    """Write timing models as ``NAME.npz`` (plain arrays) and ``NAME.json`` in ``folder``.

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

    from .._model_files import write_model_files

    arrays = {"sveb_prior": np.array([models.sveb_prior], dtype=np.float64)}
    for part in ("af", "sveb"):
        trees = models[part]
        trees = trees if isinstance(trees, BoostedTrees) else BoostedTrees.from_estimator(trees)
        arrays.update({f"{part}__{k}": v for k, v in trees.to_arrays().items()})
    info = {
        "name": name,
        "features": list(RR_CONTEXT_FEATURES),
        "training": training,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }
    return write_model_files(folder, name, arrays, info, sha256_key="sha256")


@functools.lru_cache(maxsize=4)
def load_rhythm_models(name: str = "ltafdb-rhythm", folder=None) -> Bunch:
    """Timing models shipped with the package (or saved by :func:`save_rhythm_models`).

    Parameters
    ----------
    name : str, default="ltafdb-rhythm"
        One of :data:`RHYTHM_MODELS` (or a name saved in ``folder``).
    folder : path-like, optional
        Where the files are (default: the package's ``data/pretrained``).

    Returns
    -------
    models : Bunch
        ``af``, ``sveb`` (with ``predict_proba`` on :func:`rr_context_features`) and
        ``sveb_prior``, as :func:`fit_rhythm_models` returns them; the same predictions.
    """
    from .._model_files import read_shipped_arrays

    arrays = read_shipped_arrays(name, folder, RHYTHM_MODELS, RR_CONTEXT_FEATURES, "rhythm model")
    parts = {
        part: BoostedTrees({k: arrays[f"{part}__{k}"] for k in TREE_ARRAYS})
        for part in ("af", "sveb")
    }
    return Bunch(**parts, sveb_prior=float(arrays["sveb_prior"][0]))


#: The AF models shipped with the package (``ecg_sklearn/data/pretrained/NAME.*``).
AF_MODELS = {
    "ltafdb-af": "AF per beat from af_features, fitted on the Long-Term AF Database "
    "(84 Holter records, every 10th beat; no MIT-BIH record)",
}


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

    from .._model_files import write_model_files

    trees = model if isinstance(model, BoostedTrees) else BoostedTrees.from_estimator(model)
    info = {
        "name": name,
        "features": list(AF_FEATURES),
        "training": training,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }
    return write_model_files(folder, name, trees.to_arrays(), info, sha256_key="sha256")


@functools.lru_cache(maxsize=4)
def load_af_model(name: str = "ltafdb-af", folder=None) -> BoostedTrees:
    """An AF model shipped with the package (or saved by :func:`save_af_model`).

    Returns
    -------
    model : BoostedTrees
        With ``predict_proba`` on :func:`af_features`.
    """
    from .._model_files import read_shipped_arrays

    arrays = read_shipped_arrays(name, folder, AF_MODELS, AF_FEATURES, "AF model")
    return BoostedTrees({k: arrays[k] for k in TREE_ARRAYS})
