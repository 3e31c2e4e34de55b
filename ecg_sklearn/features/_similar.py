"""Features that find a beat's similar beats in its record: QRS shape, P-wave shape and
timing (:func:`beat_features`), from the unlabelled signal.
:func:`ecg_sklearn.record.smooth_over_similar_beats` reads them.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ._dominant import P_WAVE_SPAN, qrs_segments, qrs_span_samples, unit_rows

__all__ = ["timing_features", "shape_features", "beat_features"]


#: Seconds before the beat of the P-wave segment.
P_SPAN = P_WAVE_SPAN


#: Beats of the running median interval the timing is measured against.
_RHYTHM_BEATS = 61


#: Beats on either side whose positions a beat's :func:`timing_features` read: those
#: of a slice of the record reaching this far are those of the whole record.
TIMING_REACH = _RHYTHM_BEATS // 2 + 2


#: Samples per second of the shapes compared.
_SHAPE_RATE = 120.0


#: Weights of the P-wave shape and of the timing against the QRS shape.
_P_WEIGHT, _TIMING_WEIGHT = 0.5, 2.0


def timing_features(beat_samples) -> np.ndarray:
    """The timing part of :func:`beat_features`, from the positions of every beat of a
    record: shape ``(n_beats, 2)``, float32."""
    beats = np.asarray(beat_samples, dtype=np.int64)
    interval = np.diff(beats).astype(np.float64)
    if interval.size == 0:
        return np.zeros((beats.size, 2), dtype=np.float32)
    median = ndimage.median_filter(interval, size=_RHYTHM_BEATS, mode="nearest")
    before = np.r_[interval[0], interval] / np.r_[median[0], median]
    after = np.r_[interval, interval[-1]] / np.r_[median, median[-1]]
    return (_TIMING_WEIGHT * np.log(np.column_stack([before, after]))).astype(np.float32)


def shape_reach(fs: float) -> tuple[int, int]:
    """Samples before and after a beat that :func:`shape_features` reads."""
    before, after = qrs_span_samples(fs)
    return max(before, int(P_SPAN[0] * fs)), after


def shape_features(signal, beat_samples, fs: float) -> np.ndarray:
    """The shape part of :func:`beat_features`, of the beats at ``beat_samples`` in
    ``signal`` (a record or a piece of it): float32."""
    x = np.asarray(signal)
    x = x[0] if x.ndim == 2 else x
    beats = np.asarray(beat_samples, dtype=np.int64)
    step = max(1, int(round(fs / _SHAPE_RATE)))
    qrs = unit_rows(qrs_segments(x, beats, fs)[:, ::step])
    start, stop = int(P_SPAN[0] * fs), int(P_SPAN[1] * fs)
    idx = beats[:, None] + np.arange(-start, -stop, step)
    p_wave = x[np.clip(idx, 0, x.size - 1)].astype(np.float64)
    p_wave -= p_wave.mean(axis=1, keepdims=True)
    return np.column_stack([qrs, unit_rows(p_wave) * _P_WEIGHT]).astype(np.float32)


def beat_features(signal, beat_samples, fs: float) -> np.ndarray:
    """What makes beats alike: QRS shape, P-wave shape and timing.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record at ``fs`` (the first lead is used).
    beat_samples : array-like of int, shape (n_beats,)
        Increasing positions of every beat of the record.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    features : ndarray of float32, shape (n_beats, n_features)
        The QRS (as in :func:`~ecg_sklearn.features._dominant.qrs_segments`) and the P wave
        (300 to 50 ms before the beat, mean removed), each scaled to unit norm and taken
        at about 120 Hz (the P wave weighted 0.5), then the logarithms of the intervals
        before and after the beat over the median of the 61 around it (weighted 2).
        Euclidean distances between rows rank beats by likeness.
    """
    return np.column_stack(
        [shape_features(signal, beat_samples, fs), timing_features(beat_samples)]
    )
