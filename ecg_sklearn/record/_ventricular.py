"""Timing of ventricular ectopic beats: a record-level decision for V.

A ventricular ectopic beat comes early relative to the rhythm it interrupts, or, when
it does not, the sinus beat it replaces is followed by a pause. A beat the network calls
V without confidence, that is on time against the beats called N around it
(:func:`~ecg_sklearn.record.sinus_prematurity`) and is followed by no pause, is a
normal beat whose shape the network did not know (a lead or recorder it was not trained
on): :func:`rule_out_timely_veb` moves its V probability to N. Confident V calls stand
whatever their timing (escape beats, idioventricular rhythm).

Conversely, a premature beat followed by a full compensatory pause (the intervals before
and after it add up to two of the rhythm's: the sinus node was not reset, as by an
atrial beat) that the network finds plausibly V is V, whatever it was called
(:func:`rule_in_compensated_veb`): in a lead where a ventricular beat looks much like a
normal one, its timing still tells.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._prematurity import PREMATURITY_SPAN_BEATS, sinus_prematurity
from ._rules import check_threshold, move_probability, record_rows, rule_columns

__all__ = [
    "VEB_PREMATURITY_THRESHOLD", "VEB_CONFIDENCE", "VEB_PAUSE", "COMPENSATED_PREMATURITY",
    "COMPENSATED_PAUSE", "COMPENSATED_PROBABILITY", "rule_out_timely_veb",
    "rule_in_compensated_veb",
]  # fmt: skip

#: Beats called V whose interval exceeds this fraction of the N beats' reference are on
#: time.
VEB_PREMATURITY_THRESHOLD = 0.95

#: V calls with at least this probability stand whatever their timing.
VEB_CONFIDENCE = 0.7

#: A following interval above this fraction of the reference is a pause.
VEB_PAUSE = 1.1

#: A beat below COMPENSATED_PREMATURITY of the reference, whose interval and the next
#: add up to at least COMPENSATED_PAUSE times two references, with P(V) at least
#: COMPENSATED_PROBABILITY, is V.
COMPENSATED_PREMATURITY, COMPENSATED_PAUSE, COMPENSATED_PROBABILITY = 0.9, 0.95, 0.1


def rule_out_timely_veb(
    proba, classes, beat_samples, *, groups=None,
    threshold: float = VEB_PREMATURITY_THRESHOLD, confidence: float = VEB_CONFIDENCE,
    pause: float = VEB_PAUSE, span: int = PREMATURITY_SPAN_BEATS,
) -> np.ndarray:  # fmt: skip
    """Rule V out for unconfident V calls on time and without a pause after them.

    A beat called V becomes N (its V probability moves to N) when all hold: its V
    probability is below ``confidence``; its :func:`~ecg_sklearn.record.sinus_prematurity`
    against the beats called N exceeds ``threshold``; the interval after it is at most
    ``pause`` times the same reference (or it is the record's last beat).

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"V"`` (else unchanged).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.
    threshold : float, default=0.95
    confidence : float, default=0.7
    pause : float, default=1.1
    span : int, default=30
        As in :func:`~ecg_sklearn.record.sinus_prematurity`.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    threshold = check_threshold(threshold)
    pause = check_threshold(pause, "pause")
    if not (isinstance(confidence, numbers.Real) and 0 < confidence <= 1):
        raise ValueError(f"confidence must be in (0, 1]; got {confidence!r}")
    beats, columns = rule_columns(proba, classes, beat_samples, "V")
    if columns is None:
        return proba
    n, v = columns
    called = proba.argmax(axis=1)
    for rows in record_rows(beats, groups):
        veb = np.flatnonzero((called[rows] == v) & (proba[rows, v] < confidence))
        if not veb.size or rows.size < 3:  # no reference rhythm
            continue
        ratio = sinus_prematurity(beats[rows], called[rows] == n, span=span, index=veb)
        interval = np.diff(beats[rows]).astype(np.float64)
        reference = interval[np.maximum(veb - 1, 0)] / ratio  # NaN for the first beat
        after = np.full(veb.size, np.nan)
        inside = veb < rows.size - 1
        after[inside] = interval[veb[inside]] / reference[inside]
        timely = (ratio > threshold) & ~(after > pause)
        move_probability(proba, rows[veb[timely]], v, n)
    return proba


def rule_in_compensated_veb(proba, classes, beat_samples, *, groups=None) -> np.ndarray:
    """Call V the premature beats followed by a full compensatory pause.

    A beat not called V becomes V (the probability of its call moves to V) when all
    hold: its :func:`~ecg_sklearn.record.sinus_prematurity` against the beats called N
    is below :data:`COMPENSATED_PREMATURITY` (0.9); its interval and the next add up to
    at least :data:`COMPENSATED_PAUSE` (0.95) times twice that reference; its V
    probability is at least :data:`COMPENSATED_PROBABILITY` (0.1).

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"V"`` (else unchanged).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    beats, columns = rule_columns(proba, classes, beat_samples, "V")
    if columns is None:
        return proba
    n, v = columns
    called = proba.argmax(axis=1)
    for rows in record_rows(beats, groups):
        index = np.flatnonzero((called[rows] != v) & (proba[rows, v] >= COMPENSATED_PROBABILITY))
        index = index[(index > 0) & (index < rows.size - 1)]
        if not index.size:
            continue
        ratio = sinus_prematurity(beats[rows], called[rows] == n, index=index)
        interval = np.diff(beats[rows]).astype(np.float64)
        reference = interval[index - 1] / ratio
        pause = (interval[index - 1] + interval[index]) / (2 * reference)
        ruled = index[(ratio < COMPENSATED_PREMATURITY) & (pause >= COMPENSATED_PAUSE)]
        for c in np.unique(called[rows][ruled]):
            move_probability(proba, rows[ruled[called[rows][ruled] == c]], c, v)
    return proba
