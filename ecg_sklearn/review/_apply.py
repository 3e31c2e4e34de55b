"""A record decided again from an expert's labels of a few of its beats."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_beat_values, check_fs
from ..record._self_teach import TEACHING_CONFIDENCE, ruled_out_new_sveb, teach_from
from ._clusters import beat_clusters, check_result, check_signal, untaught
from ._sheets import read_review_labels

__all__ = ["MIN_REJECTED", "POSITION_TOLERANCE", "apply_review"]


#: Seconds within which a reviewed position names a beat.
POSITION_TOLERANCE = 0.05


#: Reviewed calls of a class that the expert relabels N (none of its calls confirmed)
#: before the record's other calls of that class made with no more confidence become N.
MIN_REJECTED = 2


def apply_review(result, signal, fs, labels, *, clusters=None, record=None, adapt=True) -> Bunch:
    """Decide a record again from an expert's labels of a few of its beats.

    Parameters
    ----------
    result : Bunch
        :func:`~ecg_sklearn.annotate_record`'s result for ``signal``; the beats the
        record taught itself (``self_taught``) start from their ``untaught_proba``.
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record, as given to ``annotate_record``.
    fs : float
        Sampling rate of ``signal`` in Hz.
    labels : mapping or path
        The expert's labels: ``{beat position (sample at fs): AAMI class}``, or a review
        sheet (:func:`write_review_sheet`'s CSV with its ``label`` column filled in).
        Each position must be a beat of the result (within 50 ms). With no label
        (``{}``) and ``adapt``, the record teaches itself, without an expert.
        A beat that becomes S from its cluster or its neighbours, not from a label of
        its own, passes the record's rules for S (a run of S judged as a run only): it
        is not in atrial fibrillation (when ``result`` holds ``p_af``:
        ``annotate_record(..., detect_af=True)``); alone, it is premature for the
        record's own rhythm; in a run of S, the run is not a gradual change of rate
        and does not start on time. Where the expert relabels N at least
        :data:`MIN_REJECTED` (2) reviewed beats that the model called S, V or F, and
        confirms none of its calls of that class, the record's other calls of that
        class made with no more confidence than the most confident of them become N
        (``followed``): the model is wrong about that class in this record.
    clusters : Bunch, optional
        :func:`beat_clusters` of the record (the one the suggestions came from).
    record : str, optional
        The record's name: a review sheet of another record is refused.
    adapt : bool, default=True
        Then let the record teach itself: its reviewed and followed beats and its calls
        of probability at least 0.8 label a nearest-neighbour classifier on the
        clustering features, and each other beat whose 5 nearest taught beats agree
        on a class at 4 of 5 takes that class (``adapted``; a beat called S is not
        taught N, as in :func:`~ecg_sklearn.record.self_teach`).

    Returns
    -------
    reviewed : Bunch
        A copy of ``result`` with ``beat_labels`` and ``proba`` decided again,
        ``reviewed`` (True for the beats the expert labelled), ``followed`` (True for
        the beats whose label now follows a reviewed beat: their cluster's, or the
        expert's verdict on the model's calls of their class) and ``adapted`` (True for
        the beats relabelled by the record's own classifier).
    """
    fs = check_fs(fs)
    signal, result = check_signal(signal), untaught(result)
    samples, proba = check_result(result, signal)
    confidence = proba.max(axis=1) if samples.size else np.zeros(0)  # the calls' own
    classes = np.asarray(result["classes"])
    if not isinstance(labels, Mapping):
        labels = read_review_labels(labels, record=record)
    index, given = _reviewed_beats(labels, samples, classes, fs)
    if clusters is None:
        clusters = beat_clusters(result, signal, fs)
    elif len(clusters.labels) != samples.size:
        raise ValueError(
            f"clusters hold {len(clusters.labels)} beats, the result {samples.size}: "
            "are they this record's clusters?"
        )
    old_proba, old_labels = proba.copy(), np.asarray(result["beat_labels"])
    p_af = result.get("p_af")
    if p_af is not None:
        _, p_af = check_beat_values(samples, p_af, "result's p_af", dtype=np.float64)
    followed = np.zeros(samples.size, dtype=bool)
    if index.size:
        cluster_of = clusters.labels[index]
        for c in np.unique(cluster_of):
            mine = index[cluster_of == c]
            members = np.flatnonzero(clusters.labels == c)
            # Each member follows the nearest reviewed beat of its cluster.
            z = clusters.features
            d = np.linalg.norm(z[members][:, None] - z[mine][None], axis=2)
            nearest = given[np.searchsorted(index, mine)][d.argmin(axis=1)]
            proba[members] = np.eye(len(classes))[nearest]
            followed[members] = True
        proba[index] = np.eye(len(classes))[given]
    reviewed = np.zeros(samples.size, dtype=bool)
    reviewed[index] = True
    # The beats no review reaches keep their labels (the record-level decisions' own).
    beat_labels = old_labels.copy()
    beat_labels[followed | reviewed] = classes[proba[followed | reviewed].argmax(axis=1)]
    undo = ruled_out_new_sveb(samples, beat_labels, old_labels, p_af, fs=fs, kept=reviewed)
    proba[undo], beat_labels[undo], followed[undo] = old_proba[undo], old_labels[undo], False
    if "N" in classes:
        recalled = _rejected_calls(old_labels, confidence, index, given, classes)
        recalled &= ~(followed | reviewed)
        proba[recalled] = np.eye(len(classes))[classes.tolist().index("N")]
        beat_labels[recalled], followed[recalled] = "N", True
    changed = followed | reviewed
    adapted = np.zeros(samples.size, dtype=bool)
    if adapt:
        taught = changed | (confidence >= TEACHING_CONFIDENCE)
        rows, votes = teach_from(
            clusters.features.__getitem__, beat_labels, taught, classes, always=reviewed
        )
        proba[rows], beat_labels[rows], adapted[rows] = votes, classes[votes.argmax(1)], True
        undo = ruled_out_new_sveb(samples, beat_labels, old_labels, p_af, fs=fs, kept=reviewed)
        proba[undo], beat_labels[undo], adapted[undo] = old_proba[undo], old_labels[undo], False
    out = Bunch(**result)
    out.update(proba=proba, beat_labels=beat_labels, reviewed=reviewed,
               followed=followed & ~reviewed, adapted=adapted)  # fmt: skip
    return out


def _rejected_calls(labels, confidence, index, given, classes) -> np.ndarray:
    """The beats called S, V or F whose class the expert rejected on this record: at
    least :data:`MIN_REJECTED` of its reviewed calls (``labels[index]``) relabelled N
    (``classes[given]``), none confirmed; those whose ``confidence`` is at most that of
    the most confident rejected call."""
    out = np.zeros(labels.size, dtype=bool)
    verdict = classes[given]
    for c in ("S", "V", "F"):
        called = labels[index] == c
        rejected = called & (verdict == "N")
        if rejected.sum() >= MIN_REJECTED and not (called & (verdict == c)).any():
            out |= (labels == c) & (confidence <= confidence[index[rejected]].max())
    return out


def _reviewed_beats(labels, samples, classes, fs):
    """Sorted indices of the reviewed beats and their class indices, checked."""
    positions, names = [], []
    for position, label in labels.items():
        if label not in set(classes.tolist()):
            raise ValueError(
                f"unknown label {label!r} at sample {position}; expected one of "
                f"{', '.join(map(str, classes))}"
            )
        positions.append(int(position))
        names.append(label)
    positions = np.asarray(positions, dtype=np.int64)
    if samples.size == 0:
        if positions.size:
            raise ValueError("the result has no beats to review")
        return positions, positions
    right = np.clip(np.searchsorted(samples, positions), 1, max(1, samples.size - 1))
    left = right - 1
    index = np.where(
        np.abs(samples[left] - positions) <= np.abs(samples[right] - positions), left, right
    )
    index = np.clip(index, 0, samples.size - 1)
    off = np.abs(samples[index] - positions) > POSITION_TOLERANCE * fs
    if off.any():
        raise ValueError(
            f"no beat within {1000 * POSITION_TOLERANCE:g} ms of the reviewed "
            f"position(s) {positions[off].tolist()} (samples at {fs:g} Hz)"
        )
    if len(np.unique(index)) < index.size:
        raise ValueError("two reviewed positions name the same beat")
    class_index = {c: i for i, c in enumerate(classes.tolist())}
    given = np.array([class_index[n] for n in names], dtype=np.int64)
    order = np.argsort(index)
    return index[order], given[order]
