"""RR-interval features of a beat window, read from its beat channel."""

from __future__ import annotations

import numpy as np

__all__ = ["RHYTHM_FEATURES", "RR_FEATURES", "rr_features"]


#: Windows processed at once when reading the beat channel.
ROWS_PER_CHUNK = 4096


#: Names of the RR-interval features, in output order (intervals in seconds).
RR_FEATURES = (
    "pre_rr",
    "post_rr",
    "local_rr",
    "avg_rr",
    "pre_rr_ratio",
    "post_rr_ratio",
    "local_rr_ratio",
    "pre_post_ratio",
)


#: Names of the optional rhythm features (``rhythm=True``), output after :data:`RR_FEATURES`.
RHYTHM_FEATURES = ("pre_other_ratio", "post_other_ratio", "other_rr_spread")


def rr_features(beat_channel, fs: float, *, rhythm: bool = False) -> np.ndarray:
    """RR-interval features of each window from its beat channel.

    Parameters
    ----------
    beat_channel : ndarray, shape (n_beats, n_timepoints)
        Beat channel of the windows (see :mod:`ecg_sklearn.features`): non-zero at the
        beats, holding the record's average RR at each; the window's beat at the centre.
    fs : float
        Sampling rate in Hz.
    rhythm : bool, default=False
        Append the 3 :data:`RHYTHM_FEATURES`, which compare the beat's intervals with
        the window's *other* RR intervals (those not ending or starting at the beat):
        ``pre_other_ratio`` and ``post_other_ratio``, ``pre_rr`` and ``post_rr`` over
        the mean of the other intervals (over ``local_rr`` when there are none); and
        ``other_rr_spread``, the longest over the shortest other interval (1 with fewer
        than two). A premature beat in a regular rhythm has a small
        ``pre_other_ratio`` and a spread near 1; an irregular rhythm (atrial
        fibrillation) shows in the spread.

    Returns
    -------
    features : ndarray of float64, shape (n_beats, 8) or (n_beats, 11) with ``rhythm``
        ``pre_rr`` and ``post_rr``: seconds to the previous / next beat (when none lies
        in the window, the distance to the window's edge, a lower bound); ``local_rr``:
        mean RR of the beats in the window; ``avg_rr``: the record's average RR; then
        ``pre_rr``, ``post_rr`` and ``local_rr`` divided by ``avg_rr``, and
        ``pre_rr / post_rr``. See :data:`RR_FEATURES`.
    """
    M = np.asarray(beat_channel)
    n, T = M.shape
    out = np.empty((n, len(RR_FEATURES) + rhythm * len(RHYTHM_FEATURES)), dtype=np.float64)
    for start in range(0, n, ROWS_PER_CHUNK):  # chunks keep the boolean temporaries small
        block = M[start : start + ROWS_PER_CHUNK]
        out[start : start + ROWS_PER_CHUNK] = rr_chunk(block, beat_marks(block), fs, start, rhythm)
    return out


def beat_marks(M):
    """Sorted flat indices ``row * n_timepoints + column`` of the beats marked in ``M``."""
    return np.flatnonzero(M != 0)


def rr_chunk(M, flat, fs, offset, rhythm=False):
    """:func:`rr_features` of the windows ``offset ..`` whose beat channel is ``M``."""
    n, T = M.shape
    c = T // 2
    avg = M[:, c].astype(np.float64)
    unmarked = ~(avg > 0)
    if unmarked.any():
        raise ValueError(
            f"{int(unmarked.sum())} window(s) have no beat marked at their centre (sample "
            f"{c}) of the beat channel, the first at row {offset + np.argmax(unmarked)}: "
            "were they built with make_beat_windows, with the segmenter's rr_context?"
        )
    return rr_from_marks(flat, n, T, avg, fs, rhythm)


def rr_from_marks(flat, n, T, avg, fs, rhythm=False):
    """:func:`rr_features` of ``n`` windows of ``T`` samples whose beats are marked at
    the sorted flat indices ``flat`` (a beat at each centre), the centre beats' average
    RR interval being ``avg`` (float64)."""
    c = T // 2
    rows, cols = flat // T, flat % T
    starts = np.searchsorted(rows, np.arange(n), side="left")
    ends = np.searchsorted(rows, np.arange(n), side="right")
    centre = np.minimum(np.searchsorted(flat, np.arange(n) * T + c), max(flat.size - 1, 0))
    left = np.where(centre > starts, cols[np.maximum(centre - 1, 0)], -1)
    right = np.where(centre + 1 < ends, cols[np.minimum(centre + 1, flat.size - 1)], T)
    pre = np.where(left >= 0, c - left, c) / fs
    post = np.where(right < T, right - c, T - 1 - c) / fs
    count = ends - starts
    first, last = cols[starts], cols[ends - 1]
    local = np.where(count >= 2, (last - first) / np.maximum(count - 1, 1) / fs, pre)
    columns = [pre, post, local, avg, pre / avg, post / avg, local / avg, pre / post]
    if rhythm:
        columns += rhythm_columns(rows, cols, centre, n, fs, pre, post, local)
    return np.column_stack(columns)


def rhythm_columns(rows, cols, centre, n, fs, pre, post, local):
    """The :data:`RHYTHM_FEATURES` from the window's intervals not adjacent to its beat."""
    k = np.flatnonzero(rows[1:] == rows[:-1])  # interval k joins marks k and k + 1
    r = rows[k]
    other = (k != centre[r] - 1) & (k != centre[r])
    k, r = k[other], r[other]
    interval = (cols[k + 1] - cols[k]) / fs
    count = np.bincount(r, minlength=n)
    mean = np.bincount(r, interval, minlength=n) / np.maximum(count, 1)
    mean = np.where(count > 0, mean, local)
    longest, shortest = np.zeros(n), np.full(n, np.inf)
    np.maximum.at(longest, r, interval)
    np.minimum.at(shortest, r, interval)
    spread = np.where(count >= 2, longest / np.where(count >= 2, shortest, 1.0), 1.0)
    return [pre / mean, post / mean, spread]
