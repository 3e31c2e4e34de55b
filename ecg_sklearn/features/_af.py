"""Features of atrial fibrillation per beat, from beat timing and the beats that look like
the dominant one.

Timing alone mistakes frequent ventricular ectopy for atrial fibrillation (AF): the
intervals around premature beats are irregular in both. The intervals between two
consecutive *dominant-like* beats (beats whose QRS looks like the record's dominant
beat) are regular in sinus rhythm with ectopy and stay irregular in AF.
:func:`dominant_interval_features` describes them; :func:`af_features` adds them to
:func:`~ecg_sklearn.features.rr_context_features`. The AF model reads them
(:func:`ecg_sklearn.record.af_probability`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._validation import check_beat_values
from ._rhythm import RR_CONTEXT_FEATURES, row_nanmedian, rr_context_features, sorted_quantile

__all__ = ["DOMINANT_INTERVAL_FEATURES", "AF_FEATURES", "dominant_interval_features", "af_features"]


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


_BLOCK = 4096  # beats described at a time


_FEWEST = 6  # fewer dominant-to-dominant intervals than this: features NaN


def dominant_interval_features(
    beat_samples, fs, dominant_like, *, n_intervals=30, index=None
) -> np.ndarray:
    """Irregularity of the intervals between consecutive dominant-like beats.

    For beat ``i``, of the RR intervals ending at the ``n_intervals`` beats on either
    side (mirrored at the record's ends, as in
    :func:`~ecg_sklearn.features.rr_context_features`), those that join two
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
        x = v / row_nanmedian(v)[:, None]
        d = np.abs(np.diff(x, axis=1))  # NaN past the kept ones
        n_d = np.maximum(count - 1, 0)
        s = np.sort(x, axis=1)
        o = out[start : start + _BLOCK]
        o[:, 0] = count / width
        o[:, 1] = row_nanmedian(d)
        o[:, 2] = sorted_quantile(s, count, 0.75) - sorted_quantile(s, count, 0.25)
        o[:, 3] = np.sum(d > 0.1, axis=1) / np.maximum(n_d, 1)
        o[:, 4] = row_nanmedian(np.abs(x - 1))
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
