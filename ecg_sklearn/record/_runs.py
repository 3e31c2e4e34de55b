"""Runs of S judged as runs: a change of sinus rate is not a run of ectopic beats.

An atrial premature beat, or a run of them (supraventricular tachycardia), starts
abruptly: its first interval is much shorter than the one before it; sinus rhythm speeds
up and slows down gradually, a little from one beat to the next. Judged beat by beat
against the rhythm around them, the beats of a sinus acceleration look premature; judged
as a run, they are not. For each run of consecutive beats called S,
:func:`rule_out_gradual_sveb` finds the stretch of beats around it at the run's rate
(intervals at most :data:`RATE_BAND` times the run's median interval, whatever their
call, so that a tachycardia whose first beats were called N is judged from its true
onset, and through a single slower interval after a sustained part of it, such as the
pause after an ectopic beat); where that stretch starts without a premature step (its
first interval at least :data:`ONSET_RATIO` of the one before) and ends without a
pause (the interval after it at most :data:`RETURN_RATIO` times its last), the run is a
change of sinus rate and its beats are N. A run slower than 100 beats a minute (its
median interval at least :data:`SLOW_INTERVAL_S`) is no tachycardia, and sinus rhythm
varies most at slow rates: such a run needs a clearer premature step (its stretch's
first interval below :data:`SLOW_ONSET_RATIO` of the one before) or a clearer pause
(above :data:`SLOW_RETURN_RATIO` times its last interval) to stay S.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_fs
from ._rules import move_called

__all__ = [
    "ONSET_RATIO", "RETURN_RATIO", "RATE_BAND", "MAX_STRETCH_BEATS", "SUSTAINED_BEATS",
    "SLOW_INTERVAL_S", "SLOW_ONSET_RATIO", "SLOW_RETURN_RATIO",
    "gradual_runs", "rule_out_gradual_sveb",
]  # fmt: skip


#: A stretch whose first interval is at least this fraction of the one before it
#: starts gradually.
ONSET_RATIO = 0.9


#: Intervals at the run's rate before a slower one that make it an interruption.
SUSTAINED_BEATS = 3


#: A stretch whose following interval is at most this multiple of its last one ends
#: without a pause.
RETURN_RATIO = 1.2


#: The beats around a run whose intervals are at most this multiple of the run's
#: median interval belong to its stretch.
RATE_BAND = 1.15


#: Beats a stretch reaches at most on either side of its run.
MAX_STRETCH_BEATS = 500


#: Runs whose median interval is at least this (in seconds: slower than 100 beats a
#: minute) start abruptly below SLOW_ONSET_RATIO and end in a pause above
#: SLOW_RETURN_RATIO.
SLOW_INTERVAL_S, SLOW_ONSET_RATIO, SLOW_RETURN_RATIO = 0.6, 0.8, 1.3


def gradual_runs(beat_samples, is_run, fs=None) -> np.ndarray:
    """The beats of ``is_run``'s runs whose stretch starts and ends gradually.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Increasing beat positions of one record (any sampling rate: only ratios of
        intervals are used).
    is_run : array-like of bool, shape (n_beats,)
        The beats whose runs (maximal sequences of consecutive True) are judged, e.g.
        the beats called S.
    fs : float, optional
        Sampling rate of ``beat_samples`` in Hz; with it, runs slower than 100 beats a
        minute are judged with :data:`SLOW_ONSET_RATIO` and :data:`SLOW_RETURN_RATIO`.
        None: every run with :data:`ONSET_RATIO` and :data:`RETURN_RATIO`.

    Returns
    -------
    gradual : ndarray of bool, shape (n_beats,)
        True for the beats of the runs that are a change of rate: their stretch (the
        beats around them with intervals at most :data:`RATE_BAND` times the run's
        median interval, up to :data:`MAX_STRETCH_BEATS` on either side; before the run,
        a slower interval preceded by :data:`SUSTAINED_BEATS` intervals at that rate
        interrupts the stretch without starting it) neither starts abruptly (with an
        interval below :data:`ONSET_RATIO` of the one before) nor is followed by a
        pause (an interval above :data:`RETURN_RATIO` times its last); for runs
        slower than 100 beats a minute, :data:`SLOW_ONSET_RATIO` and
        :data:`SLOW_RETURN_RATIO`.
        A stretch that reaches the record's edge or its bound has no onset or no pause
        on that side.
    """
    beats = np.asarray(beat_samples, dtype=np.int64)
    run = np.asarray(is_run, dtype=bool)
    if run.shape != beats.shape:
        raise ValueError(f"is_run must have shape {beats.shape}; got {run.shape}")
    gradual = np.zeros(beats.size, dtype=bool)
    if beats.size < 3:
        return gradual
    slow_interval = np.inf if fs is None else SLOW_INTERVAL_S * check_fs(fs)
    interval = np.diff(beats, prepend=beats[:1]).astype(np.float64)  # interval[0] unknown
    edges = np.diff(np.concatenate([[0], run.astype(np.int8), [0]]))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        rate = interval[max(1, start) : max(2, stop)]
        median = rate[0] if rate.size == 1 else np.median(rate)
        limit = RATE_BAND * median
        onset, pause = (
            (SLOW_ONSET_RATIO, SLOW_RETURN_RATIO) if median >= slow_interval
            else (ONSET_RATIO, RETURN_RATIO)
        )  # fmt: skip
        # The stretch's first beat: after the last interval slower than the run's rate.
        # A single slow interval after a sustained stretch at the run's rate (the pause
        # after an ectopic beat) interrupts the stretch without ending it: a slow
        # interval counts within the first SUSTAINED_BEATS or within as many of another.
        lo = max(1, start - MAX_STRETCH_BEATS)
        slow = np.flatnonzero(interval[lo:start] > limit)
        gaps = np.diff(slow, prepend=-SUSTAINED_BEATS - 1)
        counted = slow[(slow < SUSTAINED_BEATS) | (gaps <= SUSTAINED_BEATS)]
        first = lo + counted[-1] if counted.size else None
        abrupt = first is not None and interval[first + 1] < onset * interval[first]
        # The interval after the stretch: the first one slower than the run's rate.
        after = interval[stop : stop + MAX_STRETCH_BEATS] > limit
        k = stop + int(np.argmax(after)) if after.any() else None
        paused = k is not None and interval[k] > pause * interval[k - 1]
        gradual[start:stop] = not (abrupt or paused)
    return gradual


def rule_out_gradual_sveb(proba, classes, beat_samples, *, fs=None, groups=None) -> np.ndarray:
    """Rule S out for runs of beats called S that are a gradual change of rate.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"S"`` (else unchanged).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    fs : float, optional
        Sampling rate of ``beat_samples`` in Hz, as in :func:`gradual_runs` (None: runs
        are judged whatever their rate).
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
        ``proba``, with the S probability of the beats of :func:`gradual_runs` of the
        beats called S moved to N.
    """
    fs = None if fs is None else check_fs(fs)
    return move_called(
        proba, classes, beat_samples, groups, "S", "N",
        lambda beats, called: gradual_runs(beats, called, fs),
    )  # fmt: skip
