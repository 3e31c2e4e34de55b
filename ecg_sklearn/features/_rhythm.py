"""The RR-interval context of each beat: features of the rhythm around it, from timing alone.

A beat window of a few seconds cannot tell atrial fibrillation (AF) from a regular rhythm
with premature beats. The features here look at the RR intervals of tens of beats around
each beat, scaled by their median, and describe how irregular they are in ways that
separate AF (irregular without pattern) from ectopy (a few short-long pairs in a regular
rhythm), bigeminy (two alternating intervals) and sinus pauses (rare long intervals).
They need beat positions only, no labels and no signal, so a model on them can be
trained on Holter annotations (the Long-Term AF Database) and applied to any record.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage

from .._validation import check_fs

__all__ = ["RR_CONTEXT_FEATURES", "rr_context_features"]


#: Names of the columns of :func:`rr_context_features`, in order.
RR_CONTEXT_FEATURES = (
    "median_rr",  # s, the local rhythm's period
    "pre_rr",  # the beat's own RR interval, over median_rr
    "post_rr",  # the next RR interval, over median_rr
    "pre_over_previous",  # the beat's RR over the one before it
    "successive_change",  # median |x[k] - x[k-1]| of the scaled intervals x
    "lag2_change",  # median |x[k] - x[k-2]|: small in bigeminy, large in AF
    "iqr",  # interquartile range of x
    "changes_over_10pct",  # share of |x[k] - x[k-1]| > 0.1
    "two_cluster_spread",  # spread left when x splits into two groups (bigeminy: ~0)
    "regular_spread",  # spread of x once premature intervals and the next are removed
    "turning_points",  # share of local extrema in x (random order: 2/3)
    "long_intervals",  # share of x > 1.5 (pauses)
    "wide_successive_change",  # successive_change over a context three times as wide
    "wide_regular_spread",  # regular_spread over that wider context
)


#: Beats described at a time (their context windows are ``(block, 181)`` arrays).
_BLOCK = 4096


def context_reach(n_intervals: int = 30) -> int:
    """Beats on either side of a beat whose intervals its :func:`rr_context_features`
    read (with a margin): those of a slice of the record reaching this far beyond the
    beats described are those of the whole record."""
    return 3 * n_intervals + 2


def _rr(beat_samples, fs):
    t = np.asarray(beat_samples, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError(f"beat_samples must be 1-D; got shape {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("beat_samples must be strictly increasing (one record)")
    return np.diff(t) / fs


def _windows(values, n):
    """Rows of the ``2 n + 1`` values centred on each index (edges reflected)."""
    padded = np.pad(values, n, mode="reflect") if values.size > n else np.resize(values, 2 * n + 1)
    if values.size <= n:
        return np.tile(padded, (values.size, 1))
    return sliding_window_view(padded, 2 * n + 1)


def row_nanmedian(a):
    """Median of each row ignoring NaN (NaN for an all-NaN row); one sort, no loop."""
    s = np.sort(a, axis=1)  # NaN last
    k = np.sum(~np.isnan(a), axis=1)
    return _sorted_median(s, k)


def _sorted_median(s, k):
    """Median of the first ``k`` values of each sorted row (NaN where ``k`` is 0)."""
    lo = np.take_along_axis(s, np.maximum((k - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(s, np.maximum(k // 2, 0)[:, None], axis=1)[:, 0]
    return np.where(k > 0, (lo + hi) / 2, np.nan)


def sorted_quantile(s, count, q):
    """``np.nanquantile`` (linear) of rows sorted with NaN last, ``count`` values each."""
    pos = np.maximum(count - 1, 0) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    a = np.take_along_axis(s, lo[:, None], axis=1)[:, 0]
    b = np.take_along_axis(s, hi[:, None], axis=1)[:, 0]
    return a + (b - a) * (pos - lo)


def _sliding_median(values, width):
    """Median of the ``width`` consecutive ``values`` starting at each index (the
    valid positions only): a rank filter, far faster than sorting each window."""
    first = ndimage.rank_filter(values, (width - 1) // 2, size=width, origin=-(width // 2))
    if width % 2:
        return first[: values.size - width + 1]
    second = ndimage.rank_filter(values, width // 2, size=width, origin=-(width // 2))
    return ((first + second) / 2)[: values.size - width + 1]


def _change_medians(values, n, lag):
    """For each index, the median of ``|v[k] - v[k - lag]|`` over the ``2 n + 1`` values
    ``v`` centred on it (edges reflected, as :func:`_windows`); ``lag=0``: of ``v``."""
    if values.size <= n:  # as _windows: the values repeated
        v = _windows(values, n)
        return np.median(np.abs(v[:, lag:] - v[:, : v.shape[1] - lag]) if lag else v, axis=1)
    padded = np.pad(values, n, mode="reflect")
    changes = np.abs(padded[lag:] - padded[: padded.size - lag]) if lag else padded
    return _sliding_median(changes, 2 * n + 1 - lag)


def _regular_spread(x):
    """Median absolute deviation once premature intervals (x < 0.85) and the interval
    after each are dropped; 1 where nothing is left."""
    premature = x < 0.85
    dropped = premature.copy()
    dropped[:, 1:] |= premature[:, :-1]
    count = x.shape[1] - np.count_nonzero(dropped, axis=1)
    kept = np.where(dropped, np.inf, x)  # inf sorts last, as NaN would, but faster
    median = _sorted_median(np.sort(kept, axis=1), count)
    regular = _sorted_median(np.sort(np.abs(kept - median[:, None]), axis=1), count)
    return np.where(np.isnan(regular), 1.0, regular)


def _quartiles(x, s):
    """``np.percentile(x, [75, 25], axis=1)``, read from ``s`` (the sorted rows of ``x``)
    where both fall on a value (61 columns: the 46th and the 16th)."""
    upper, lower = 0.75 * (x.shape[1] - 1), 0.25 * (x.shape[1] - 1)
    if upper.is_integer() and lower.is_integer():
        return s[:, int(upper)], s[:, int(lower)]
    return np.percentile(x, [75, 25], axis=1)


def _spread_stats(x, s, d1_median, lag2_median):
    """Irregularity statistics of rows of scaled RR intervals (median 1); ``s``: sorted
    rows; ``d1_median``, ``lag2_median``: the median absolute change of ``x`` between
    neighbours and at lag 2."""
    q75, q25 = _quartiles(x, s)
    over = np.count_nonzero(np.abs(np.diff(x, axis=1)) > 0.1, axis=1) / (x.shape[1] - 1)
    # Two groups: the best split of the sorted values into a low and a high group.
    n = s.shape[1]
    csum, csum2 = np.cumsum(s, axis=1), np.cumsum(s**2, axis=1)
    k = np.arange(1, n)
    left_ss = csum2[:, :-1] - csum[:, :-1] ** 2 / k
    right_sum = csum[:, -1:] - csum[:, :-1]
    right_ss = (csum2[:, -1:] - csum2[:, :-1]) - right_sum**2 / (n - k)
    two_cluster = np.sqrt(np.maximum(np.min(left_ss + right_ss, axis=1), 0) / n)
    mid = x[:, 1:-1]
    turning = ((mid > x[:, :-2]) & (mid > x[:, 2:])) | ((mid < x[:, :-2]) & (mid < x[:, 2:]))
    return (
        d1_median,
        lag2_median,
        q75 - q25,
        over,
        two_cluster,
        _regular_spread(x),
        turning.mean(axis=1),
        (x > 1.5).mean(axis=1),
    )


def rr_context_features(beat_samples, fs, *, n_intervals=30, index=None) -> np.ndarray:
    """Features of the rhythm around each beat of one record, from beat positions alone.

    For beat ``i``, the RR intervals ending at the ``n_intervals`` beats on either side
    are scaled by their median (``x``); the columns (:data:`RR_CONTEXT_FEATURES`)
    describe the beat's own intervals against that rhythm and how irregular ``x`` is.
    Intervals near the record's ends are mirrored. Vectorised (a few seconds per 100,000
    beats); ``index`` describes a subset of the beats, whose windows are cut from the
    intervals within their reach only.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Strictly increasing beat positions (samples) of one record; at least 3.
    fs : float
        Sampling rate in Hz.
    n_intervals : int, default=30
        Intervals on each side of the beat (61 in all, about 50 s at 70 beats/min);
        the wide features use three times as many.
    index : array-like of int, optional
        The beats to describe (all by default); their context still comes from the
        whole record.

    Returns
    -------
    features : ndarray of float32, shape (n_beats or len(index), len(RR_CONTEXT_FEATURES))

    Examples
    --------
    >>> import numpy as np
    >>> regular = np.arange(0, 360 * 120, 300)  # 72 beats/min at 360 Hz
    >>> f = rr_context_features(regular, 360.0)
    >>> f.shape, round(float(f[60, 0]), 3), float(f[60, 4])
    ((144, 14), 0.833, 0.0)
    """
    fs = check_fs(fs)
    if not isinstance(n_intervals, numbers.Integral) or n_intervals < 2:
        raise ValueError(f"n_intervals must be an int >= 2; got {n_intervals!r}")
    rr = _rr(beat_samples, fs)
    if rr.size < 2:
        raise ValueError(f"need at least 3 beats to describe a rhythm; got {rr.size + 1}")
    # rr_at[i] is the interval ending at beat i (the first beat takes the first interval).
    rr_at = np.concatenate([rr[:1], rr]).astype(np.float32)
    rows = np.arange(rr_at.size) if index is None else np.asarray(index, dtype=np.int64)
    if rows.ndim != 1 or (rows.size and (rows.min() < 0 or rows.max() >= rr_at.size)):
        raise ValueError(f"index must be 1-D with values in [0, {rr_at.size})")
    if index is not None and rows.size:
        # Only the intervals within reach of the rows' widest windows (with a margin):
        # the same values, as no window reaches a mirrored end that the record lacks.
        reach = context_reach(n_intervals)
        lo = max(0, rows.min() - reach)
        rr_at, rows = rr_at[lo : rows.max() + reach + 1], rows - lo
    out = np.empty((rows.size, len(RR_CONTEXT_FEATURES)), dtype=np.float32)
    post = np.concatenate([rr_at[1:], rr_at[-1:]])
    previous = np.concatenate([rr_at[:1], rr_at[:-1]])
    narrow, wide = _windows(rr_at, n_intervals), _windows(rr_at, 3 * n_intervals)
    # Medians that do not depend on a window's scale, over every window at once
    # (each window's median then scales them).
    d1, lag2 = _change_medians(rr_at, n_intervals, 1), _change_medians(rr_at, n_intervals, 2)
    wide_d1 = _change_medians(rr_at, 3 * n_intervals, 1)
    wide_median = _change_medians(rr_at, 3 * n_intervals, 0)
    for start in range(0, rows.size, _BLOCK):  # blocks bound the temporaries' memory
        block = rows[start : start + _BLOCK]
        o = out[start : start + _BLOCK]
        s = np.sort(narrow[block], axis=1)  # one sort: median, quantiles, two groups
        med = s[:, n_intervals]
        x = narrow[block] / med[:, None]
        o[:, 0] = med
        o[:, 1] = rr_at[block] / med
        o[:, 2] = post[block] / med
        o[:, 3] = rr_at[block] / previous[block]
        o[:, 4:12] = np.column_stack(
            _spread_stats(x, s / med[:, None], d1[block] / med, lag2[block] / med)
        )
        o[:, 12] = wide_d1[block] / wide_median[block]
        o[:, 13] = _regular_spread(wide[block] / wide_median[block, None])
    return out
