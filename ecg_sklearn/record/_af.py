"""Each beat's probability of atrial fibrillation or flutter, from the rhythm around it and
the intervals between the beats like the dominant one; and the rule that no beat in
atrial fibrillation or flutter is supraventricular ectopic."""

from __future__ import annotations

import numpy as np

from ..features._af import af_features
from ..features._rhythm import context_reach
from ._rules import move_probability, rule_columns
from ._timing import load_af_model

__all__ = [
    "DOMINANT_LIKE",
    "AF_SMOOTHING_BEATS",
    "AF_THRESHOLD",
    "af_probability",
    "rule_out_sveb_in_af",
]


#: QRS correlation with the dominant beat from which a beat counts as dominant-like.
DOMINANT_LIKE = 0.8


#: Beats over which :func:`af_probability` takes the running median.
AF_SMOOTHING_BEATS = 61


#: Beats of a record whose AF probability is computed at a time.
_BLOCK_BEATS = 4096


#: Probability of AF above which a beat is in AF: in the rhythm annotations, the AF
#: burden and the decisions (chosen on DS1, with the two above).
AF_THRESHOLD = 0.9


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
    beats, like = np.asarray(beat_samples), np.asarray(dominant_like)
    if like.shape != beats.shape:
        raise ValueError(
            f"dominant_like must have one value per beat, shape {beats.shape}; got {like.shape}"
        )
    n_beats = beats.size
    index = np.arange(n_beats) if index is None else np.asarray(index, dtype=np.int64)
    if index.ndim != 1 or (index.size and (index.min() < 0 or index.max() >= n_beats)):
        raise ValueError(f"index must be 1-D with values in [0, {n_beats})")
    if n_beats <= _BLOCK_BEATS:
        return _smoothed(model, beats, fs, like, index, int(smoothing))
    # A block of the record's beats at a time, each read with the beats within the
    # running median's and the features' reach of it: the values of the whole record,
    # in memory bounded by the block.
    reach = int(smoothing) // 2 + context_reach() + 1
    order = np.argsort(index, kind="stable")
    ordered, p_af = index[order], np.empty(index.size)
    for start in range(0, n_beats, _BLOCK_BEATS):
        a, b = np.searchsorted(ordered, [start, start + _BLOCK_BEATS])
        if a < b:
            lo, hi = max(0, start - reach), min(n_beats, start + _BLOCK_BEATS + reach)
            p_af[order[a:b]] = _smoothed(
                model, beats[lo:hi], fs, like[lo:hi], ordered[a:b] - lo, int(smoothing)
            )
    return p_af


def _smoothed(model, beat_samples, fs, dominant_like, index, smoothing):
    """The running median of the model's P(AF) at the beats ``index``, from the beats
    within its reach (median_filter's values: mode "nearest", its rank for any width)."""
    n_beats = beat_samples.size
    half = smoothing // 2
    window = np.clip(index[:, None] + np.arange(-half, smoothing - half), 0, n_beats - 1)
    # The beats some window reaches (each window is a run of consecutive beats), and
    # where each window's beats lie among them: np.unique's, without sorting them all.
    starts, stops = window[:, 0], window[:, -1] + 1
    reached = np.cumsum(np.bincount(starts, minlength=n_beats + 1)
                        - np.bincount(stops, minlength=n_beats + 1))[:n_beats] > 0  # fmt: skip
    needed, position = np.flatnonzero(reached), np.cumsum(reached) - 1
    p = model.predict_proba(af_features(beat_samples, fs, dominant_like, index=needed))[:, 1]
    return np.partition(p[position[window]], half, axis=1)[:, half]


def rule_out_sveb_in_af(proba, classes, p_af) -> np.ndarray:
    """No beat in atrial fibrillation or flutter is supraventricular ectopic.

    Where ``p_af`` exceeds :data:`AF_THRESHOLD`, the beat's S probability moves to N.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities; changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; without ``"N"`` and ``"S"``, ``proba`` is left as it is.
    p_af : array-like of float, shape (n_beats,)
        Each beat's probability of AF (:func:`af_probability`); NaN where unknown
        (the beat keeps its call).

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    p_af = np.asarray(p_af, dtype=np.float64)
    if p_af.ndim != 1:
        raise ValueError(f"p_af must be 1-D, a value per beat; got shape {p_af.shape}")
    _, columns = rule_columns(proba, classes, np.arange(len(p_af)), "S")
    if columns is not None:
        n, s = columns
        move_probability(proba, np.flatnonzero(p_af > AF_THRESHOLD), s, n)
    return proba
