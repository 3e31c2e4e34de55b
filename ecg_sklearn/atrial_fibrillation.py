"""Atrial fibrillation per beat, from beat timing and the beats that look like the dominant one.

Timing alone mistakes frequent ventricular ectopy for atrial fibrillation (AF): the
intervals around premature beats are irregular in both. The intervals between two
consecutive *dominant-like* beats (beats whose QRS looks like the record's dominant
beat) are regular in sinus rhythm with ectopy and stay irregular in AF.
:func:`dominant_interval_features` describes them; :func:`af_features` adds them to
:func:`~ecg_sklearn.rr_context.rr_context_features`. The shipped model (``"ltafdb-af"``)
is fitted on the Long-Term AF Database, whose beats count as dominant-like unless
labelled V or F (it has no signals); on a record with a signal, a beat is dominant-like
where its QRS correlates at least :data:`DOMINANT_SIMILARITY` with the dominant beat
(:func:`ecg_sklearn.dominant_beat.dominant_similarity`). :func:`af_probability` gives
each beat's probability of AF, the running median over the :data:`SMOOTHING` beats
around it (AF lasts minutes; single beats read as AF are mostly wrong).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import median_filter

from ._trees import ARRAYS as TREE_ARRAYS
from ._trees import BoostedTrees
from ._validation import check_beat_values
from .rr_context import AF_RHYTHMS, RR_CONTEXT_FEATURES, _row_nanmedian, rr_context_features

__all__ = [
    "AF_FEATURES",
    "AF_MODELS",
    "DOMINANT_INTERVAL_FEATURES",
    "DOMINANT_SIMILARITY",
    "SMOOTHING",
    "THRESHOLD",
    "af_features",
    "af_probability",
    "dominant_interval_features",
    "fit_af_model",
    "load_af_model",
    "save_af_model",
]

#: Columns of :func:`dominant_interval_features`: the intervals between consecutive
#: dominant-like beats among the 61 around each beat, scaled by their median ``x``.
DOMINANT_INTERVAL_FEATURES = (
    "dominant_share",  # share of the 61 intervals that join two dominant-like beats
    "dominant_successive_change",  # median |x[k] - x[k-1]|
    "dominant_iqr",  # interquartile range of x
    "dominant_changes_over_10pct",  # share of |x[k] - x[k-1]| > 0.1
    "dominant_mad",  # median |x - 1|
)
#: Columns of :func:`af_features`.
AF_FEATURES = RR_CONTEXT_FEATURES + DOMINANT_INTERVAL_FEATURES
#: QRS correlation with the dominant beat from which a beat counts as dominant-like.
DOMINANT_SIMILARITY = 0.8
#: Beats over which :func:`af_probability` takes the running median.
SMOOTHING = 61
#: Probability of AF from which a beat is in AF (chosen on DS1, with the two above).
THRESHOLD = 0.8
#: The AF models shipped with the package (``ecg_sklearn/data/pretrained/NAME.*``).
AF_MODELS = {
    "ltafdb-af": "AF per beat from af_features, fitted on the Long-Term AF Database "
    "(84 Holter records, every 10th beat; no MIT-BIH record)",
}

_BLOCK = 4096  # beats described at a time
_FEWEST = 6  # fewer dominant-to-dominant intervals than this: features NaN


def _sorted_quantile(s, count, q):
    """``np.nanquantile`` (linear) of rows sorted with NaN last, ``count`` values each."""
    pos = np.maximum(count - 1, 0) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    a = np.take_along_axis(s, lo[:, None], axis=1)[:, 0]
    b = np.take_along_axis(s, hi[:, None], axis=1)[:, 0]
    return a + (b - a) * (pos - lo)


def dominant_interval_features(
    beat_samples, fs, dominant_like, *, n_intervals=30, index=None
) -> np.ndarray:
    """Irregularity of the intervals between consecutive dominant-like beats.

    For beat ``i``, of the RR intervals ending at the ``n_intervals`` beats on either
    side (mirrored at the record's ends, as in
    :func:`~ecg_sklearn.rr_context.rr_context_features`), those that join two
    dominant-like beats are kept in order and scaled by their median.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Strictly increasing beat positions (samples) of one record; at least 3.
    fs : float
        Sampling rate in Hz.
    dominant_like : array-like of bool, shape (n_beats,)
        The beats that look like the record's dominant beat.
    n_intervals : int, default=30
    index : array-like of int, optional
        The beats to describe (all by default).

    Returns
    -------
    features : ndarray of float32, shape (n_beats or len(index), 5)
        :data:`DOMINANT_INTERVAL_FEATURES`; all but the first are NaN where fewer than 6
        intervals are kept.
    """
    t, like = check_beat_values(beat_samples, dominant_like, "dominant_like", dtype=bool)
    t = t.astype(np.float64, copy=False)
    if t.size < 3 or np.any(np.diff(t) <= 0):
        raise ValueError("beat_samples must be at least 3 strictly increasing positions")
    if not (isinstance(n_intervals, int | np.integer) and n_intervals >= 2):
        raise ValueError(f"n_intervals must be an int >= 2; got {n_intervals!r}")
    rr = np.diff(t) / fs
    rr_at = np.concatenate([rr[:1], rr])
    joins = like & np.concatenate([like[:1], like[:-1]])
    rows = np.arange(t.size) if index is None else np.asarray(index, dtype=np.int64)
    width = 2 * n_intervals + 1
    mode = "reflect" if t.size > n_intervals else "wrap"
    values = sliding_window_view(np.pad(rr_at, n_intervals, mode=mode), width)
    kept = sliding_window_view(np.pad(joins, n_intervals, mode=mode), width)
    out = np.empty((rows.size, len(DOMINANT_INTERVAL_FEATURES)), dtype=np.float32)
    for start in range(0, rows.size, _BLOCK):
        block = rows[start : start + _BLOCK]
        keep = kept[block]
        count = keep.sum(axis=1)
        # The kept intervals first, in order, then NaN.
        order = np.argsort(~keep, axis=1, kind="stable")
        v = np.take_along_axis(values[block], order, axis=1)
        v = np.where(np.arange(width) < count[:, None], v, np.nan)
        x = v / _row_nanmedian(v)[:, None]
        d = np.abs(np.diff(x, axis=1))  # NaN past the kept ones
        n_d = np.maximum(count - 1, 0)
        s = np.sort(x, axis=1)
        o = out[start : start + _BLOCK]
        o[:, 0] = count / width
        o[:, 1] = _row_nanmedian(d)
        o[:, 2] = _sorted_quantile(s, count, 0.75) - _sorted_quantile(s, count, 0.25)
        o[:, 3] = np.sum(d > 0.1, axis=1) / np.maximum(n_d, 1)
        o[:, 4] = _row_nanmedian(np.abs(x - 1))
        o[count < _FEWEST, 1:] = np.nan
    return out


def af_features(beat_samples, fs, dominant_like, *, index=None) -> np.ndarray:
    """:data:`AF_FEATURES`: the rhythm context and the dominant-like beats' intervals.

    Returns
    -------
    features : ndarray of float32, shape (n_beats or len(index), len(AF_FEATURES))
    """
    return np.column_stack([
        rr_context_features(beat_samples, fs, index=index),
        dominant_interval_features(beat_samples, fs, dominant_like, index=index),
    ])  # fmt: skip


def fit_af_model(timings, *, every=10, random_state=0, verbose=0):
    """Fit the AF model on beat annotations (beats labelled V or F are not dominant-like).

    Parameters
    ----------
    timings : iterable of Bunch
        Records as returned by :func:`ecg_sklearn.datasets.load_beat_timing`.
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


def af_probability(
    beat_samples, fs, dominant_like, *, model=None, smoothing=SMOOTHING, index=None
) -> np.ndarray:
    """Each beat's probability of atrial fibrillation or flutter, over one record.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Strictly increasing beat positions of one record (at least 3).
    fs : float
        Sampling rate in Hz.
    dominant_like : array-like of bool, shape (n_beats,)
        Beats that look like the dominant beat, e.g.
        ``dominant_similarity(signal, beat_samples, fs) >= DOMINANT_SIMILARITY``.
    model : object with predict_proba, optional
        Fitted on :func:`af_features` (default: :func:`load_af_model`).
    smoothing : int, default=61
        Beats of the running median (1: none).
    index : array-like of int, optional
        Only these beats (default: all): the model then reads only the beats within
        the running median's reach of them, for the same values.

    Returns
    -------
    p_af : ndarray of float64, shape (n_beats,) or (len(index),)
        In AF where above :data:`THRESHOLD`.
    """
    if not (isinstance(smoothing, int | np.integer) and smoothing >= 1):
        raise ValueError(f"smoothing must be a positive int; got {smoothing!r}")
    model = load_af_model() if model is None else model
    if index is None:
        p = model.predict_proba(af_features(beat_samples, fs, dominant_like))[:, 1]
        return median_filter(p, size=int(smoothing), mode="nearest") if smoothing > 1 else p
    n_beats = np.asarray(beat_samples).size
    index = np.asarray(index, dtype=np.int64)
    if index.ndim != 1 or (index.size and (index.min() < 0 or index.max() >= n_beats)):
        raise ValueError(f"index must be 1-D with values in [0, {n_beats})")
    # The running median's window of each beat, its ends repeated (mode "nearest").
    # median_filter's window and rank (its middle value, also for an even window).
    half = int(smoothing) // 2
    window = np.clip(index[:, None] + np.arange(-half, int(smoothing) - half), 0, n_beats - 1)
    needed, where = np.unique(window, return_inverse=True)
    p = model.predict_proba(af_features(beat_samples, fs, dominant_like, index=needed))[:, 1]
    return np.partition(p[where.reshape(window.shape)], half, axis=1)[:, half]


def save_af_model(model, folder, name, *, training) -> Path:
    """Write an AF model as ``NAME.npz`` (plain arrays) and ``NAME.json`` in ``folder``.

    Returns
    -------
    path : Path
        The ``.json`` file.
    """
    import sklearn

    from .persistence import write_model_files

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
    from .persistence import read_shipped_arrays

    arrays = read_shipped_arrays(name, folder, AF_MODELS, AF_FEATURES, "AF model")
    return BoostedTrees({k: arrays[k] for k in TREE_ARRAYS})
