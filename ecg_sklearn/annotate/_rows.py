"""The segmenter's rows cut straight from a continuous signal, without beat windows.

:class:`~ecg_sklearn.BeatSegmenter` reads beat windows (a few seconds of signal, the beat
channel marking every beat in them, the record-context channel) and keeps a short crop
of each, its RR features from the marks and the mean crop of the window's other beats.
A whole record needs none of the windows themselves: :func:`segmenter_rows` computes the
same rows from the signal and the beat positions, cutting each beat's crop once.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..features._rr_intervals import rr_from_marks
from ..segmentation import BeatFeatures, BeatLayout, BeatSegmenter, neighbour_marks, row_means

__all__ = ["rows_without_windows", "segmenter_rows"]


def rows_without_windows(segmenter) -> bool:
    """Whether :func:`segmenter_rows` can give ``segmenter``'s rows: a fitted
    :class:`~ecg_sklearn.BeatSegmenter` of windows with the beat and record-context
    channels."""
    return (
        type(segmenter) is BeatSegmenter
        and hasattr(segmenter, "n_timepoints_in_")
        and segmenter.beat_channel
        and segmenter.rr_context
    )


def segmenter_rows(segmenter, signal, beats, index, avg_rr, context_features) -> BeatFeatures:
    """``segmenter.transform(make_beat_windows(signal, beats, ...)[index])``, computed
    without the windows.

    Parameters
    ----------
    segmenter : BeatSegmenter
        Fitted on windows with the beat and record-context channels
        (:func:`rows_without_windows`).
    signal : ndarray, shape (n_leads, n_samples)
        The (filtered) signal the windows would be cut from.
    beats : ndarray of int, shape (n_beats,)
        Increasing positions in ``signal`` of every beat marked in the windows.
    index : ndarray of int, shape (n_rows,)
        The beats whose rows are wanted.
    avg_rr : ndarray of float, shape (n_beats,)
        The average RR interval of each beat (as ``make_beat_windows(avg_rr=...)``).
    context_features : ndarray, shape (n_rows, n_context)
        The record context of the beats ``index``.

    Returns
    -------
    rows : BeatFeatures, shape (n_rows, n_features)
        The rows ``transform`` gives for those beats' windows, value for value.
    """
    fs, T = segmenter.fs, segmenter.n_timepoints_in_
    c = T // 2
    n_before, n_after = int(round(segmenter.before * fs)), int(round(segmenter.after * fs))
    length = n_before + n_after + 1
    n_leads, n, centre = signal.shape[0], len(index), beats[index]
    # Windows past the record's ends are padded with its edge values.
    padded = np.pad(signal.astype(np.float32, copy=False), ((0, 0), (c, c)), mode="edge")
    # The crop of the beat at sample b starts at b + c - n_before of the padded signal.
    crops = sliding_window_view(padded, length, axis=-1)

    # The marks of each window (flat indices row * T + column, sorted): the beats within
    # c samples of its own.
    lo = np.searchsorted(beats, centre - c, side="left")
    count = np.searchsorted(beats, centre + c, side="right") - lo
    rows = np.repeat(np.arange(n), count)
    marked = np.arange(rows.size) - np.repeat(np.cumsum(count) - count, count) + lo[rows]
    flat = rows * T + (beats[marked] - centre[rows] + c)

    n_ctx = context_features.shape[1]
    n_rr = segmenter.n_rr_features_
    n_out = segmenter.n_leads_
    out = np.empty((n, n_ctx + n_rr + n_out * length), dtype=np.float32)
    waves = out[:, n_ctx + n_rr :].reshape(n, n_out, length)
    waves[:, :n_leads] = crops[:, centre + c - n_before].transpose(1, 0, 2)
    out[:, :n_ctx] = context_features
    if n_rr:
        # The beat channel holds each beat's average RR as float32 (the window's length
        # for a lone beat).
        avg = np.where(np.isnan(avg_rr[index]), T / fs, avg_rr[index])
        avg = avg.astype(np.float32).astype(np.float64)
        out[:, n_ctx : n_ctx + n_rr] = rr_from_marks(flat, n, T, avg, fs, segmenter.rhythm_features)
    if segmenter.neighbours:
        near, cols = neighbour_marks(flat, T, n_before, n_after)
        # The neighbour at column k of window i is the beat at centre[i] - c + k.
        start = centre[near] + cols - n_before
        picked = crops[:, start].transpose(1, 0, 2).reshape(near.size, n_leads * length)
        mean, alone = row_means(picked, near, n)
        mean = mean.reshape(n, n_leads, length)
        mean[alone] = waves[alone, :n_leads]
        waves[:, n_leads:] = mean
    layout = BeatLayout(n_rr, n_out, length, n_ctx)
    return BeatFeatures(out, layout)
