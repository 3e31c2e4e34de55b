"""Prematurity against the patient's own rhythm: a record-level decision for S.

A supraventricular ectopic beat comes early relative to the rhythm it interrupts. The
rhythm is measured on the record itself: for each beat, the 75th percentile
(:data:`REFERENCE_QUANTILE`) of the intervals before the beats called N among its
:data:`SPAN` neighbours on either side (:func:`sinus_prematurity`). A beat called S whose
own interval is longer than :data:`THRESHOLD` times that reference arrives on time, and
:func:`rule_out_timely_sveb` moves its S probability to N.

The reference is the classifier's own N calls on the record's other beats, not all
beats, so that where atrial premature beats are frequent, or come in runs of
supraventricular tachycardia, they are measured against the underlying rhythm around
them; and an upper percentile of those intervals, not their median, so that it stays
the underlying rhythm even where the classifier calls many premature beats N.

The rule needs every beat of a record at once: :func:`ecg_sklearn.annotate_record`
applies it (``sveb_prematurity``); for windows made by the loaders, apply it to the
pipeline's probabilities with the loaders' ``samples`` and ``groups``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_beat_values

__all__ = ["REFERENCE_QUANTILE", "SPAN", "THRESHOLD", "rule_out_timely_sveb", "sinus_prematurity"]

#: Neighbours on either side whose N calls make a beat's reference interval.
SPAN = 30
#: Quantile of the N beats' intervals that makes the reference.
REFERENCE_QUANTILE = 0.75
#: S is ruled out for beats whose interval exceeds this fraction of the reference.
THRESHOLD = 0.8
#: Fewest N neighbours that make a reference; beats with fewer keep their call.
_MIN_REFERENCE = 3


def _check_threshold(threshold, name="threshold") -> float:
    if not (isinstance(threshold, numbers.Real) and threshold > 0):
        raise ValueError(f"{name} must be a positive number; got {threshold!r}")
    return float(threshold)


def sinus_prematurity(beat_samples, is_normal, *, span: int = SPAN, index=None) -> np.ndarray:
    """Each beat's preceding interval over the reference interval of the N beats around it.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Increasing beat positions of one record (any sampling rate: only ratios of
        intervals are used).
    is_normal : array-like of bool, shape (n_beats,)
        The beats that make the reference (the beats called N).
    span : int, default=30
        Neighbours on either side considered.
    index : array-like of int, optional
        Only these beats (default: all).

    Returns
    -------
    prematurity : ndarray of float64, shape (n_beats,) or (len(index),)
        The interval over the :data:`REFERENCE_QUANTILE` of the intervals before the N
        beats within ``span`` (the beat itself left out): below 1 for a beat earlier
        than the rhythm around it; NaN for the first beat and where fewer than 3 N beats
        (with an interval) lie within ``span``.
    """
    beats, normal = check_beat_values(beat_samples, is_normal, "is_normal", dtype=bool)
    beats = beats.astype(np.int64, copy=False)
    if np.any(np.diff(beats) <= 0):
        raise ValueError("beat_samples must be strictly increasing (one record, in order)")
    if not (isinstance(span, numbers.Integral) and span >= 1):
        raise ValueError(f"span must be a positive integer; got {span!r}")
    index = np.arange(beats.size) if index is None else np.asarray(index, dtype=np.int64)
    interval = np.full(beats.size, np.nan)
    interval[1:] = np.diff(beats)
    normal_interval = np.where(normal, interval, np.nan)
    offsets = np.r_[-span:0, 1 : span + 1]
    neighbours = index[:, None] + offsets
    inside = (neighbours >= 0) & (neighbours < beats.size)
    values = np.where(inside, normal_interval[np.clip(neighbours, 0, beats.size - 1)], np.nan)
    enough = np.sum(~np.isnan(values), axis=1) >= _MIN_REFERENCE
    reference = np.full(index.size, np.nan)
    if enough.any():
        reference[enough] = np.nanquantile(values[enough], REFERENCE_QUANTILE, axis=1)
    return interval[index] / reference


def rule_out_timely_sveb(
    proba, classes, beat_samples, *, groups=None, threshold: float = THRESHOLD, span: int = SPAN
) -> np.ndarray:
    """Rule S out for beats that are not premature against the N beats around them.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"S"`` (the probabilities are returned
        unchanged otherwise).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    groups : array-like, shape (n_beats,), optional
        Record of each beat (the loaders' ``groups``); default: all one record.
    threshold : float, default=0.8
        Beats called S whose :func:`sinus_prematurity` exceeds this become N.
    span : int, default=30
        As in :func:`sinus_prematurity`.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
        ``proba``, with the S probability of the beats ruled out moved to N.
    """
    threshold = _check_threshold(threshold)
    classes = np.asarray(classes).astype(str)
    beats = np.asarray(beat_samples, dtype=np.int64)
    if proba.ndim != 2 or proba.shape != (beats.size, classes.size):
        raise ValueError(
            f"proba must have shape (n_beats, n_classes) = ({beats.size}, {classes.size}); "
            f"got {proba.shape}"
        )
    if not {"N", "S"} <= set(classes):
        return proba
    n, s = int(np.flatnonzero(classes == "N")[0]), int(np.flatnonzero(classes == "S")[0])
    groups = np.zeros(beats.size, dtype=np.int8) if groups is None else np.asarray(groups)
    if groups.shape != beats.shape:
        raise ValueError(f"groups must have shape {beats.shape}; got {groups.shape}")
    called = proba.argmax(axis=1)
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        if np.any(np.diff(beats[rows]) <= 0):
            raise ValueError(f"beat_samples of record '{record}' must be strictly increasing")
        sveb = np.flatnonzero(called[rows] == s)
        if not sveb.size:
            continue
        ratio = sinus_prematurity(beats[rows], called[rows] == n, span=span, index=sveb)
        timely = rows[sveb[ratio > threshold]]
        proba[timely, n] += proba[timely, s]
        proba[timely, s] = 0.0
    return proba
