"""Prematurity against the patient's own rhythm: a record-level decision for S.

A supraventricular ectopic beat comes early relative to the rhythm it interrupts. The
rhythm is measured on the record itself: for each beat, the 75th percentile
(:data:`REFERENCE_QUANTILE`) of the intervals before the beats called N among its
:data:`PREMATURITY_SPAN_BEATS` neighbours on either side (:func:`sinus_prematurity`). A
beat called S whose own interval is longer than a threshold times that reference
arrives on time, and :func:`rule_out_timely_sveb` moves its S probability to N. The
threshold is a fixed fraction (0.8), or the record's own (``threshold="record"``, the
default of :func:`~ecg_sklearn.annotate_record`): 0.9 times the 5th percentile of the
prematurity of the beats called N in the same stretch of the record
(:func:`record_prematurity_threshold`). Where sinus rhythm is regular, a beat at 0.85 of
the reference is premature; where it varies a lot, normal beats come that early too.

The reference is the classifier's own N calls on the record's other beats, not all
beats, so that where atrial premature beats are frequent, or come in runs of
supraventricular tachycardia, they are measured against the underlying rhythm around
them; and an upper percentile of those intervals, not their median, so that it stays
the underlying rhythm even where the classifier calls many premature beats N.

:func:`rule_in_premature_sveb` is its counterpart: a beat called N that comes early
against that rhythm, with the QRS of the record's dominant beat but another P wave,
outside atrial fibrillation, is an atrial premature beat, and becomes S.

The rules need every beat of a record at once: :func:`ecg_sklearn.annotate_record`
applies them (``sveb_prematurity``, ``sveb_rule_in``); for windows made by the loaders,
apply them to the pipeline's probabilities with the loaders' ``samples`` and ``groups``
(and :func:`loaded_rule_in_evidence`).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_beat_values, check_fs
from ..features._rhythm import sorted_quantile
from ._af import AF_THRESHOLD, DOMINANT_LIKE, af_probability
from ._rules import check_threshold, move_probability, record_rows, rule_columns

__all__ = [
    "PREMATURITY_SPAN_BEATS",
    "REFERENCE_QUANTILE",
    "PREMATURITY_THRESHOLD",
    "RULE_IN_THRESHOLD",
    "record_prematurity_threshold",
    "sinus_prematurity",
    "rule_out_timely_sveb",
    "rule_in_premature_sveb",
]


#: Neighbours on either side whose N calls make a beat's reference interval.
PREMATURITY_SPAN_BEATS = 30


#: Quantile of the N beats' intervals that makes the reference.
REFERENCE_QUANTILE = 0.75


#: S is ruled out for beats whose interval exceeds this fraction of the reference.
PREMATURITY_THRESHOLD = 0.8


#: ``threshold="record"``: RECORD_FACTOR times the RECORD_QUANTILE of the prematurity of
#: the beats called N in a stretch of RECORD_STRETCH_BEATS beats (about half an hour),
#: at least RECORD_FLOOR; PREMATURITY_THRESHOLD where a stretch has under
#: RECORD_MIN_NORMAL N beats.
RECORD_QUANTILE, RECORD_FACTOR, RECORD_FLOOR = 0.05, 0.9, 0.6
RECORD_STRETCH_BEATS, RECORD_MIN_NORMAL = 2000, 20


#: Fewest N neighbours that make a reference; beats with fewer keep their call.
_MIN_REFERENCE = 3


#: Beats called N whose interval is below this fraction of the reference can become S.
RULE_IN_THRESHOLD = 0.8


#: The rule in's other conditions: QRS similarity to the dominant beat at least this,
#: and P-wave similarity below this.
_RULE_IN_QRS, _RULE_IN_P_WAVE = 0.9, 0.5


RULE_IN_EVIDENCE = ("qrs_similarity", "p_wave_similarity")


#: Beats whose prematurity is measured at a time (their neighbours are ``(block, 60)``).
_BLOCK = 4096


def record_prematurity_threshold(prematurity, is_normal) -> np.ndarray:
    """Each beat's prematurity threshold, from the beats called N of its stretch.

    The record is cut into stretches of about :data:`RECORD_STRETCH_BEATS` beats; in
    each, the threshold is :data:`RECORD_FACTOR` (0.9) times the
    :data:`RECORD_QUANTILE` (5th percentile) of the :func:`sinus_prematurity` of the
    beats called N, at least :data:`RECORD_FLOOR` (0.6): a beat is premature for its
    record when it comes earlier than nearly all of the record's normal beats do.

    Parameters
    ----------
    prematurity : array-like of float, shape (n_beats,)
        :func:`sinus_prematurity` of every beat of one record (NaN where unknown).
    is_normal : array-like of bool, shape (n_beats,)
        The beats called N.

    Returns
    -------
    threshold : ndarray of float64, shape (n_beats,)
        :data:`PREMATURITY_THRESHOLD` in stretches with fewer than
        :data:`RECORD_MIN_NORMAL` N beats of known prematurity.
    """
    ratio, normal = check_beat_values(prematurity, is_normal, "is_normal", dtype=bool)
    threshold = np.full(ratio.size, PREMATURITY_THRESHOLD)
    n_stretches = max(1, ratio.size // RECORD_STRETCH_BEATS)
    for rows in np.array_split(np.arange(ratio.size), n_stretches):
        known = ratio[rows][normal[rows] & np.isfinite(ratio[rows])]
        if known.size >= RECORD_MIN_NORMAL:
            own = RECORD_FACTOR * np.quantile(known, RECORD_QUANTILE)
            threshold[rows] = max(RECORD_FLOOR, own)
    return threshold


def sinus_prematurity(
    beat_samples, is_normal, *, span: int = PREMATURITY_SPAN_BEATS, index=None
) -> np.ndarray:
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
    reference = np.full(index.size, np.nan)
    for start in range(0, index.size, _BLOCK):  # blocks bound the temporaries
        neighbours = index[start : start + _BLOCK, None] + offsets
        inside = (neighbours >= 0) & (neighbours < beats.size)
        values = np.where(inside, normal_interval[np.clip(neighbours, 0, beats.size - 1)], np.nan)
        enough = np.sum(~np.isnan(values), axis=1) >= _MIN_REFERENCE
        if enough.any():
            block = reference[start : start + _BLOCK]  # a view: written in place
            rows = values[enough]
            count = np.sum(~np.isnan(rows), axis=1)
            block[enough] = sorted_quantile(np.sort(rows, axis=1), count, REFERENCE_QUANTILE)
    return interval[index] / reference


def rule_out_timely_sveb(
    proba,
    classes,
    beat_samples,
    *,
    groups=None,
    threshold: float = PREMATURITY_THRESHOLD,
    span: int = PREMATURITY_SPAN_BEATS,
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
    threshold : float or "record", default=0.8
        Beats called S whose :func:`sinus_prematurity` exceeds this become N;
        ``"record"``: the record's own threshold
        (:func:`record_prematurity_threshold`).
    span : int, default=30
        As in :func:`sinus_prematurity`.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
        ``proba``, with the S probability of the beats ruled out moved to N.
    """
    threshold = check_threshold(threshold, record=True)
    beats, columns = rule_columns(proba, classes, beat_samples, "S")
    if columns is None:
        return proba
    n, s = columns
    called = proba.argmax(axis=1)
    for rows in record_rows(beats, groups):
        sveb = np.flatnonzero(called[rows] == s)
        if not sveb.size:
            continue
        normal = called[rows] == n
        if threshold == "record":
            ratio = sinus_prematurity(beats[rows], normal, span=span)
            limit = record_prematurity_threshold(ratio, normal)[sveb]
            ratio = ratio[sveb]
        else:
            ratio = sinus_prematurity(beats[rows], normal, span=span, index=sveb)
            limit = threshold
        move_probability(proba, rows[sveb[ratio > limit]], s, n)
    return proba


def rule_in_premature_sveb(
    proba, classes, beat_samples, fs, evidence, *, groups=None,
    threshold: float = RULE_IN_THRESHOLD, span: int = PREMATURITY_SPAN_BEATS,
) -> np.ndarray:  # fmt: skip
    """Call S the premature beats with the usual QRS but another P wave, outside AF.

    A beat called N becomes S (its N probability moves to S) when all hold: its
    :func:`sinus_prematurity` against the beats called N is below ``threshold``; its QRS
    correlates at least 0.9 with the record's dominant beat; its P wave correlates less
    than 0.5 with the dominant P wave; and the rhythm around it is not atrial
    fibrillation (:func:`~ecg_sklearn.record.af_probability` at most
    :data:`~ecg_sklearn.record.AF_THRESHOLD`).

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"S"`` (else unchanged).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    fs : float
        Sampling rate of ``beat_samples`` in Hz.
    evidence : Bunch or dict
        Per beat: ``qrs_similarity``
        (:func:`~ecg_sklearn.features.dominant_similarity`) and
        ``p_wave_similarity`` (:func:`~ecg_sklearn.features.p_wave_similarity`), as
        from :func:`loaded_rule_in_evidence`; optionally ``p_af``, else computed for the
        beats it decides (with the AF model shipped with the package).
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.
    threshold : float, default=0.8
        Beats called N less premature than this keep their call.
    span : int, default=30
        As in :func:`sinus_prematurity`.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    threshold = check_threshold(threshold)
    fs = check_fs(fs)
    beats, columns = rule_columns(proba, classes, beat_samples, "S")
    values = {}
    for key in (*RULE_IN_EVIDENCE, "p_af"):
        if key == "p_af" and evidence.get(key) is None:
            continue
        values[key] = np.asarray(evidence[key], dtype=np.float64)
        if values[key].shape != beats.shape:
            raise ValueError(
                f"evidence[{key!r}] must have one value per beat, shape {beats.shape}; "
                f"got {values[key].shape}"
            )
    records = list(record_rows(beats, groups))
    if columns is None:
        return proba
    n, s = columns
    qrs = values["qrs_similarity"]
    called_n = proba.argmax(axis=1) == n
    candidate = called_n & (qrs >= _RULE_IN_QRS) & (values["p_wave_similarity"] < _RULE_IN_P_WAVE)
    for rows in records:
        index = np.flatnonzero(candidate[rows])
        ratio = sinus_prematurity(beats[rows], called_n[rows], span=span, index=index)
        index = index[ratio < threshold]
        if not index.size:
            continue
        if "p_af" in values:
            p_af = values["p_af"][rows[index]]
        else:
            alike = qrs[rows] >= DOMINANT_LIKE  # (a premature beat has 3 N around)
            p_af = af_probability(beats[rows], fs, alike, index=index)
        move_probability(proba, rows[index[p_af <= AF_THRESHOLD]], n, s)
    return proba
