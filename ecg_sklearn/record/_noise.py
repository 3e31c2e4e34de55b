"""Where the detections are noise, no beat can be judged: S and V calls there are Q.

An S call rests on timing: the beat comes early against the rhythm around it. Where
noise (muscle, electrode motion) is taken for beats, the detections come at random:
intervals far too short for any heart rhythm, each between two much longer ones, and
the beats around them look premature; the detections themselves are mostly noise,
whose shape the network reads as ventricular. A supraventricular tachycardia is fast
too, but regular: its short intervals come one after another. :func:`chaotic_beats`
finds the beats near at least :data:`CHAOS_MIN_INTERVALS` such intervals;
:func:`rule_out_sveb_in_noise` and :func:`rule_out_veb_in_noise` call their S and V
beats unclassifiable (Q).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_fs
from ._rules import move_called

__all__ = [
    "CHAOS_MAX_INTERVAL_S", "CHAOS_SHARE", "CHAOS_NEIGHBOURS", "CHAOS_SPAN_BEATS",
    "CHAOS_MIN_INTERVALS", "chaotic_beats", "rule_out_sveb_in_noise", "rule_out_veb_in_noise",
]  # fmt: skip


#: An interval is chaotic when it is shorter than CHAOS_MAX_INTERVAL_S seconds and than
#: CHAOS_SHARE of the record's median interval, and the intervals on either side of it
#: are both longer than CHAOS_NEIGHBOURS times it.
CHAOS_MAX_INTERVAL_S, CHAOS_SHARE, CHAOS_NEIGHBOURS = 0.35, 0.5, 1.5


#: A beat is in a noisy stretch where at least CHAOS_MIN_INTERVALS of the intervals
#: before the CHAOS_SPAN_BEATS beats on either side of it and itself are chaotic.
CHAOS_SPAN_BEATS, CHAOS_MIN_INTERVALS = 6, 2


def chaotic_beats(beat_samples, fs) -> np.ndarray:
    """The beats of one record in stretches where the detections come at random.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Increasing beat positions of one record.
    fs : float
        Their sampling rate in Hz.

    Returns
    -------
    chaotic : ndarray of bool, shape (n_beats,)
        True for the beats with at least :data:`CHAOS_MIN_INTERVALS` chaotic intervals
        (see :data:`CHAOS_MAX_INTERVAL_S`) among those before the
        :data:`CHAOS_SPAN_BEATS` beats on either side and itself.
    """
    fs = check_fs(fs)
    beats = np.asarray(beat_samples, dtype=np.int64)
    if beats.size < 4:
        return np.zeros(beats.size, dtype=bool)
    interval = np.diff(beats).astype(np.float64)  # interval[k]: before beat k + 1
    shortest = np.minimum(CHAOS_MAX_INTERVAL_S * fs, CHAOS_SHARE * np.median(interval))
    around = np.minimum(np.r_[np.inf, interval[:-1]], np.r_[interval[1:], np.inf])
    chaotic = (interval < shortest) & (around > CHAOS_NEIGHBOURS * interval)
    before_beat = np.r_[False, chaotic]
    window = np.ones(2 * CHAOS_SPAN_BEATS + 1, dtype=np.int64)
    return np.convolve(before_beat, window, mode="same") >= CHAOS_MIN_INTERVALS


def rule_out_sveb_in_noise(proba, classes, beat_samples, fs, *, groups=None) -> np.ndarray:
    """Call Q the beats called S in stretches where the detections are noise.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"S"`` (else unchanged). The S probability of the
        beats of :func:`chaotic_beats` moves to Q (to N where ``classes`` has no Q).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    fs : float
        Their sampling rate in Hz.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    return _unclassifiable_in_noise(proba, classes, beat_samples, fs, groups, "S")


def rule_out_veb_in_noise(proba, classes, beat_samples, fs, *, groups=None) -> np.ndarray:
    """Call Q the beats called V in stretches where the detections are noise.

    As :func:`rule_out_sveb_in_noise`, for the beats called V (``classes`` must
    include ``"V"``).
    """
    return _unclassifiable_in_noise(proba, classes, beat_samples, fs, groups, "V")


def _unclassifiable_in_noise(proba, classes, beat_samples, fs, groups, label):
    """The ``label`` probability of the beats called ``label`` among
    :func:`chaotic_beats` moved to Q (to N without Q)."""
    target = "Q" if "Q" in np.asarray(classes).astype(str) else "N"

    def chaotic(beats, called):
        return chaotic_beats(beats, fs)

    return move_called(proba, classes, beat_samples, groups, label, target, chaotic)
