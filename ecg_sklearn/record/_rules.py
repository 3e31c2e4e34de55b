"""What every record-level rule shares: its inputs checked, its records one by one, and
the move of a probability from one class to another."""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_beat_proba

__all__ = [
    "check_correlation",
    "check_threshold",
    "move_called",
    "move_probability",
    "record_rows",
    "rule_columns",
]


def check_threshold(threshold, name="threshold", *, record=False):
    """``threshold`` as a float, or ``"record"`` where allowed (``record``)."""
    if record and isinstance(threshold, str) and threshold == "record":
        return threshold
    if not (isinstance(threshold, numbers.Real) and threshold > 0):
        also = " or 'record'" if record else ""
        raise ValueError(f"{name} must be a positive number{also}; got {threshold!r}")
    return float(threshold)


def check_correlation(value, name="threshold", *, optional=False):
    """``value``, a correlation threshold in [-1, 1], as a float (None where
    ``optional``)."""
    if optional and value is None:
        return None
    if not (isinstance(value, numbers.Real) and -1 <= value <= 1):
        also = " or None" if optional else ""
        raise ValueError(f"{name} must be a number in [-1, 1]{also}; got {value!r}")
    return float(value)


def rule_columns(proba, classes, beat_samples, label, other="N"):
    """A rule's inputs: the beats as int64 (``proba`` checked in place, as the rules
    change it) and the columns of ``other`` and ``label``, or None where ``classes``
    lacks either (the rule then leaves ``proba`` alone)."""
    classes = np.asarray(classes).astype(str)
    beats = np.asarray(beat_samples, dtype=np.int64)
    check_beat_proba(proba, classes, beats, copy=False)
    if not {other, label} <= set(classes):
        return beats, None
    return beats, (int(np.flatnonzero(classes == other)[0]),
                   int(np.flatnonzero(classes == label)[0]))  # fmt: skip


def move_probability(proba, rows, source, target):
    """Move the ``source`` column's probability of ``rows`` to ``target``, in place."""
    proba[rows, target] += proba[rows, source]
    proba[rows, source] = 0.0


def record_rows(beats, groups):
    """The rows of each record, its beats checked increasing."""
    groups = np.zeros(beats.size, dtype=np.int8) if groups is None else np.asarray(groups)
    if groups.shape != beats.shape:
        raise ValueError(f"groups must have shape {beats.shape}; got {groups.shape}")
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        if np.any(np.diff(beats[rows]) <= 0):
            raise ValueError(f"beat_samples of record '{record}' must be strictly increasing")
        yield rows


def move_called(proba, classes, beat_samples, groups, label, target, select):
    """Record by record, move the ``label`` probability of the beats called ``label``
    that ``select(beats, called)`` picks (``beats``: the record's positions, ``called``:
    its beats called ``label``; a boolean mask back) to ``target``, in place; ``proba``
    unchanged where ``classes`` lacks either class."""
    beats, columns = rule_columns(proba, classes, beat_samples, label, other=target)
    if columns is None:
        return proba
    to, source = columns
    called = proba.argmax(axis=1) == source
    for rows in record_rows(beats, groups):
        if called[rows].any():
            move_probability(
                proba, rows[select(beats[rows], called[rows]) & called[rows]], source, to
            )
    return proba
