"""Beats called V that are shaped like the conducted beats around them: a record-level
decision for V.

A ventricular ectopic beat starts in the ventricles, so its QRS differs from that of the
conducted beats around it, in any lead. The record's dominant beat is not always the
reference to judge that by: in a lead such as D3 the QRS changes over minutes with
breathing and posture, and a stretch of conducted beats can look unlike the dominant
beat, and like each other. :func:`rule_out_veb_like_neighbours` compares each beat
called V without confidence with the median QRS of the beats called N nearest it on
either side; where they are alike, the beat is N.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..features._dominant import unit_rows
from ._rules import check_correlation, move_probability, record_rows, rule_columns

__all__ = [
    "VEB_LIKE_NEIGHBOURS", "NEIGHBOUR_BEATS", "LIKE_NEIGHBOURS_CONFIDENCE",
    "rule_out_veb_like_neighbours",
]  # fmt: skip


#: QRS correlation with the median QRS of the beats called N around it above which a
#: beat called V without confidence is N.
VEB_LIKE_NEIGHBOURS = 0.97


#: Beats called N on either side that make that median.
NEIGHBOUR_BEATS = 4


#: V calls with at least this probability stand (the record's confident calls, as in
#: :func:`~ecg_sklearn.record.self_teach`).
LIKE_NEIGHBOURS_CONFIDENCE = 0.8


#: V calls compared at a time (their segments and their neighbours' are read per block:
#: memory bounded whatever the record's length).
_BLOCK = 512


def rule_out_veb_like_neighbours(
    proba, classes, beat_samples, segments, *, groups=None,
    threshold: float = VEB_LIKE_NEIGHBOURS, confidence: float = LIKE_NEIGHBOURS_CONFIDENCE,
    n_neighbours: int = NEIGHBOUR_BEATS,
) -> np.ndarray:  # fmt: skip
    """Rule V out for unconfident V calls shaped like the beats called N around them.

    A beat called V with a V probability below ``confidence`` becomes N (its V
    probability moves to N) when its QRS correlates above ``threshold`` with the
    median QRS of the ``n_neighbours`` beats called N nearest it on either side (at
    least 2 in all, in its record).

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat of the records, in order within each record;
        changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"V"`` (else unchanged).
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, increasing within each record.
    segments : callable
        ``segments(rows)``: the QRS segments of the beats at the sorted indices
        ``rows`` (a fixed span around each beat of one lead, e.g. 0.1 s before to
        0.15 s after with the linear trend removed, as the dominant beat is made of),
        an array of shape ``(len(rows), n_span)``. Called with the beats the rule
        compares only, for a block of at most 512 V calls at a time.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.
    threshold : float, default=0.97
        In [-1, 1].
    confidence : float, default=0.8
        In (0, 1].
    n_neighbours : int, default=4

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    threshold = check_correlation(threshold)
    if not (isinstance(confidence, numbers.Real) and 0 < confidence <= 1):
        raise ValueError(f"confidence must be in (0, 1]; got {confidence!r}")
    if not (isinstance(n_neighbours, numbers.Integral) and n_neighbours >= 1):
        raise ValueError(f"n_neighbours must be a positive integer; got {n_neighbours!r}")
    beats, columns = rule_columns(proba, classes, beat_samples, "V")
    if columns is None:
        return proba
    n, v = columns
    called = proba.argmax(axis=1)
    unsure = (called == v) & (proba[:, v] < confidence)
    compared, around = [], []
    for rows in record_rows(beats, groups):
        index, normal = rows[unsure[rows]], rows[called[rows] == n]
        if index.size and normal.size >= 2:
            at = np.searchsorted(normal, index)  # the first beat called N after each
            pick = at[:, None] + np.arange(-n_neighbours, n_neighbours)
            inside = (pick >= 0) & (pick < normal.size)
            compared.append(index)
            around.append(np.where(inside, normal[np.clip(pick, 0, normal.size - 1)], -1))
    if not compared:
        return proba
    index, around = np.concatenate(compared), np.concatenate(around)
    like = np.concatenate([
        _like_neighbours(segments, index[b : b + _BLOCK], around[b : b + _BLOCK])
        for b in range(0, index.size, _BLOCK)
    ])  # fmt: skip
    move_probability(proba, index[like > threshold], v, n)
    return proba


def _like_neighbours(segments, index, around):
    """The correlation of each beat ``index`` with the median QRS of its neighbours
    ``around`` (-1: none), their segments read once."""
    read = np.unique(np.r_[index, around[around >= 0]])
    segment = np.asarray(segments(read), dtype=np.float64)
    if segment.shape[0] != read.size:
        raise ValueError(f"segments gave {segment.shape[0]} rows for {read.size} beats")
    return _similarity(
        segment, np.searchsorted(read, index), np.searchsorted(read, around), around >= 0
    )


def _similarity(segment, own, around, inside):
    """Correlation of the rows ``own`` of ``segment`` with the median of their rows
    ``around`` (where ``inside``; NaN with fewer than 2), at most 1."""
    median = np.full((own.size, segment.shape[1]), np.nan)
    counts = inside.sum(axis=1)
    for count in np.unique(counts[counts >= 2]):
        rows = np.flatnonzero(counts == count)
        neighbours = around[rows][inside[rows]].reshape(rows.size, count)
        median[rows] = np.median(segment[neighbours], axis=1)
    # Rounding can take the correlation of identical shapes past 1.
    return np.minimum(np.sum(unit_rows(segment[own]) * unit_rows(median), axis=1), 1.0)
