"""Rhythm context over many beats: no SVEB label inside atrial fibrillation.

A beat window holds a few seconds, too little to tell atrial fibrillation (AF) from a
regular rhythm with premature beats. In AF the RR intervals are irregular, so the
classifier calls many of its normal beats S (supraventricular ectopic); yet by
definition no beat in AF is supraventricular ectopic (MIT-BIH labels none). The rule
here looks at the rhythm of the beats the classifier calls normal (their
normal-to-normal, NN, intervals, as heart-rate-variability analysis does), so premature
beats and the pauses after them do not count as irregularity; where that rhythm is
irregular, S is ruled out.

Deprecated, to be removed in 0.3 with ``annotate_record(..., af_threshold=)``: chosen
on DS1, it lowered S-F1 on DS2, where the NN intervals of a record with long sinus
pauses (232) looked irregular for some networks. The default pipeline rules S out in
atrial fibrillation with a timing model instead (``CNNBeatClassifier(rhythm_context=)``,
:mod:`ecg_sklearn.rr_context`).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import check_beat_groups, check_beat_proba, check_beat_values, check_fs

__all__ = ["DEFAULT_AF_THRESHOLD", "exclude_sveb_in_af", "nn_irregularity"]

#: Irregularity above which :func:`exclude_sveb_in_af` rules S out (chosen on DS1).
DEFAULT_AF_THRESHOLD = 0.1


def nn_irregularity(beat_samples, labels, fs, *, n_neighbours=16, normal="N") -> np.ndarray:
    """Irregularity of the normal-to-normal rhythm around each beat of one record.

    For every three consecutive beats labelled ``normal``, the change between their two
    RR intervals is one value. A beat's irregularity is the median absolute change over
    the ``2 * n_neighbours`` values nearest to it (fewer in a short record), divided by
    the median NN interval they involve. On DS1, rhythms without AF gave about 0.01 to
    0.07 (also with frequent ectopic beats, which are left out), AF about 0.1 to 0.2;
    long pauses between beats called N also raise it.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions in samples, strictly increasing (one record).
    labels : array-like, shape (n_beats,)
        Beat labels, e.g. a classifier's predictions.
    fs : float
        Sampling rate in Hz.
    n_neighbours : int, default=16
        Values taken on each side of a beat.
    normal : str, default="N"
        The label of normal beats.

    Returns
    -------
    irregularity : ndarray of float64, shape (n_beats,)
        NaN for every beat when the record has no three consecutive normal beats.
    """
    fs = check_fs(fs)
    samples, labels = check_beat_values(beat_samples, labels, "labels", dtype=None)
    if np.any(np.diff(samples) <= 0):
        raise ValueError("beat_samples must be strictly increasing (the beats of one record)")
    if not isinstance(n_neighbours, numbers.Integral) or n_neighbours < 1:
        raise ValueError(f"n_neighbours must be a positive integer; got {n_neighbours!r}")
    rr = np.diff(samples) / fs  # interval k joins beats k and k + 1
    is_normal = labels == normal
    nn = is_normal[:-1] & is_normal[1:]
    pair = nn[:-1] & nn[1:]  # intervals k and k + 1 both normal-to-normal
    if not pair.any():
        return np.full(samples.size, np.nan)
    middle = np.flatnonzero(pair) + 1  # the beat shared by the two intervals
    change = np.abs(np.diff(rr))[pair]
    interval = rr[:-1][pair]
    width = min(2 * n_neighbours, change.size)
    first = np.searchsorted(middle, np.arange(samples.size)) - n_neighbours
    first = np.clip(first, 0, change.size - width)  # windows stay inside the record
    changes = np.median(sliding_window_view(change, width), axis=1)
    intervals = np.median(sliding_window_view(interval, width), axis=1)
    return changes[first] / intervals[first]


def exclude_sveb_in_af(
    proba,
    classes,
    beat_samples,
    fs,
    *,
    groups=None,
    threshold=DEFAULT_AF_THRESHOLD,
    n_neighbours=16,
    sveb="S",
    normal="N",
):
    """Rule out SVEB where the normal-to-normal rhythm is irregular (atrial fibrillation).

    The beats' labels are the most probable classes; per record, in beats whose
    :func:`nn_irregularity` exceeds ``threshold`` the probability of ``sveb`` is added
    to that of ``normal`` and set to 0 (a supraventricular beat in AF is a normal
    conducted one), so rows still sum to what they did and the other classes keep
    theirs. The rule uses only the beat positions and the predictions: no reference
    labels.

    Parameters
    ----------
    proba : array-like, shape (n_beats, n_classes)
        Class probabilities, e.g. from a fitted pipeline's ``predict_proba``.
    classes : array-like, shape (n_classes,)
        The classes of ``proba``'s columns (``pipeline.classes_``).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions in samples, strictly increasing within each record.
    fs : float
        Sampling rate in Hz.
    groups : array-like, shape (n_beats,), optional
        Record of each beat (the loaders' ``groups``); one record if omitted.
    threshold : float, default=DEFAULT_AF_THRESHOLD
        Irregularity above which S is ruled out.
    n_neighbours, sveb, normal
        See :func:`nn_irregularity`; ``sveb`` is the label ruled out.

    Returns
    -------
    proba : ndarray of float64, shape (n_beats, n_classes)
        The probabilities after the rule (a copy).
    irregular : ndarray of bool, shape (n_beats,)
        The beats where the rule applies.
    """
    classes = np.asarray(classes)
    samples = np.asarray(beat_samples)
    proba = check_beat_proba(proba, classes, samples)
    if not np.all(np.isfinite(proba)):
        raise ValueError("proba contains NaN or inf values")
    if sveb not in classes or normal not in classes:
        raise ValueError(f"classes {classes.tolist()} must include {sveb!r} and {normal!r}")
    if not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ValueError(f"threshold must be a positive number; got {threshold!r}")
    groups = check_beat_groups(groups, samples)
    labels = classes[proba.argmax(axis=1)]
    irregular = np.zeros(samples.size, dtype=bool)
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        irregularity = nn_irregularity(
            samples[rows], labels[rows], fs, n_neighbours=n_neighbours, normal=normal
        )
        irregular[rows] = irregularity > threshold  # NaN: no evidence, no rule
    s_col, n_col = (np.flatnonzero(classes == c)[0] for c in (sveb, normal))
    proba[irregular, n_col] += proba[irregular, s_col]  # a supraventricular beat in AF is N
    proba[irregular, s_col] = 0.0
    return proba, irregular
