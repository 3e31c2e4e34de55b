"""Each beat's probability of atrial fibrillation or flutter, from the rhythm around it and
the intervals between the beats like the dominant one."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from ..features._af import af_features
from ._timing import load_af_model

__all__ = ["DOMINANT_LIKE", "AF_SMOOTHING_BEATS", "AF_THRESHOLD", "af_probability"]


#: QRS correlation with the dominant beat from which a beat counts as dominant-like.
DOMINANT_LIKE = 0.8


#: Beats over which :func:`af_probability` takes the running median.
AF_SMOOTHING_BEATS = 61


#: Probability of AF from which a beat is in AF (chosen on DS1, with the two above).
AF_THRESHOLD = 0.8


def af_probability(
    beat_samples, fs, dominant_like, *, model=None, smoothing=AF_SMOOTHING_BEATS, index=None
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
        ``dominant_similarity(signal, beat_samples, fs) >= DOMINANT_LIKE``.
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
        In AF where above :data:`AF_THRESHOLD`.
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
