"""A record that teaches itself: its confident calls label the beats like them."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from .._validation import check_beat_groups, check_beat_proba, check_beat_values
from ._af import AF_THRESHOLD
from ._prematurity import record_prematurity_threshold, sinus_prematurity
from ._runs import gradual_runs

__all__ = [
    "PROBA_WEIGHT",
    "TEACHING_CONFIDENCE",
    "self_teach",
    "teach_from",
    "ruled_out_new_sveb",
]


#: Weight of the classifier's probabilities beside the beats' shape and timing features
#: (:func:`~ecg_sklearn.features.beat_features`, unit vectors): beats called
#: differently are far apart.
PROBA_WEIGHT = 2.0


#: The calls at least this probable teach the record's own classifier.
TEACHING_CONFIDENCE = 0.8


#: Neighbours the record's own classifier asks, the share of them that must agree, the
#: taught beats it keeps at most (spread over the record) and the beats it decides at once.
NEIGHBORS, AGREEMENT, MAX_TAUGHT, _QUERY_BLOCK = 5, 0.8, 20000, 20000


def self_teach(
    proba, classes, beat_samples, features, *, p_af=None, fs=None, groups=None
) -> np.ndarray:
    """Let each record teach itself: its confident calls label the beats like them.

    In each record, the beats called with probability at least 0.8 teach a
    5-nearest-neighbour classifier on the beats' shape and timing features and their
    probabilities (weighted 2); every other beat whose 5 nearest taught beats agree on
    a class at 4 of 5 takes that class. A beat that becomes S this way passes the
    record's rules for S (:func:`ruled_out_new_sveb`), or keeps its call; a beat called
    S does not become N (S and N beats differ by their timing, which those rules judge,
    not by their shape).

    Parameters
    ----------
    proba : array-like, shape (n_beats, n_classes)
        The beats' probabilities, in order within each record.
    classes : array-like, shape (n_classes,)
    beat_samples : array-like of int, shape (n_beats,)
        Positions, increasing within each record.
    features : array-like of shape (n_beats, n_features), or callable
        :func:`~ecg_sklearn.features.beat_features` of the beats, or
        ``features(rows)`` giving those of the beats at the sorted indices ``rows``
        (read on demand: only the taught beats and the uncertain ones are read).
    p_af : array-like of shape (n_beats,), optional
        Each beat's probability of atrial fibrillation; beats above
        :data:`~ecg_sklearn.record.AF_THRESHOLD` do not become S.
    fs : float, optional
        Sampling rate of ``beat_samples`` in Hz, for the rule on runs of S
        (:func:`~ecg_sklearn.record.rule_out_gradual_sveb`).
    groups : array-like of shape (n_beats,), optional
        Record of each beat; None: one record.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
        The taught beats' votes replace the probabilities of the beats that changed.
    """
    given = np.asarray(proba)
    proba = given.astype(given.dtype if given.dtype.kind == "f" else np.float64)  # a copy
    classes = np.asarray(classes)
    samples = np.asarray(beat_samples, dtype=np.int64)
    read = features if callable(features) else np.asarray(features, dtype=np.float32).__getitem__
    check_beat_proba(proba, classes, samples, copy=False)
    if p_af is not None:
        _, p_af = check_beat_values(samples, p_af, "p_af", dtype=np.float64)
    if groups is None:  # one record: its arrays taught in place, not copied
        _teach_record(proba, classes, samples, read, p_af, fs)
        return proba
    groups = check_beat_groups(groups, samples)
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        mine = proba[rows]
        _teach_record(mine, classes, samples[rows], lambda i, rows=rows: read(rows[i]),
                      None if p_af is None else p_af[rows], fs)  # fmt: skip
        proba[rows] = mine
    return proba


def _teach_record(proba, classes, samples, read, p_af, fs):
    """:func:`self_teach` of one record's ``proba``, in place."""
    labels = classes[proba.argmax(axis=1)]
    confident = proba.max(axis=1) >= TEACHING_CONFIDENCE

    def features_of(i):
        weighted = (PROBA_WEIGHT * proba[i]).astype(np.float32)
        return np.column_stack([read(i), weighted])

    changed, votes = teach_from(features_of, labels, confident, classes)
    new = labels.copy()
    new[changed] = classes[votes.argmax(axis=1)]
    keep = ~ruled_out_new_sveb(samples, new, labels, p_af, fs=fs)[changed]
    proba[changed[keep]] = votes[keep]


def teach_from(features_of, labels, taught, classes, *, always=None):
    """The beats not ``taught`` that a nearest-neighbour classifier fitted on the taught
    beats' ``labels`` is sure of (:data:`NEIGHBORS` agreeing at :data:`AGREEMENT`), and
    its votes; never a beat labelled S that it would make N.

    Parameters
    ----------
    features_of : callable
        ``features_of(rows)``: the features of the beats at the sorted indices ``rows``.
    labels : ndarray of str, shape (n_beats,)
    taught : ndarray of bool, shape (n_beats,)
    classes : ndarray, shape (n_classes,)
    always : ndarray of bool, optional
        Taught beats kept among at most :data:`MAX_TAUGHT` spread over the record.

    Returns
    -------
    rows : ndarray of int
        Sorted indices of the beats the classifier is sure of.
    votes : ndarray, shape (len(rows), n_classes)
    """
    classes = np.asarray(classes)
    target, taught_rows = np.flatnonzero(~taught), np.flatnonzero(taught)
    if taught_rows.size > MAX_TAUGHT:
        spread = np.linspace(0, taught_rows.size - 1, MAX_TAUGHT).astype(np.int64)
        kept = taught_rows[spread]
        taught_rows = kept if always is None else np.union1d(kept, np.flatnonzero(always))
    if target.size == 0 or np.unique(labels[taught_rows]).size < 2:
        return target[:0], np.zeros((0, len(classes)))
    knn = KNeighborsClassifier(n_neighbors=min(NEIGHBORS, taught_rows.size))
    knn.fit(features_of(taught_rows), labels[taught_rows])
    columns = [list(classes).index(c) for c in knn.classes_]
    sure_rows, sure_votes = [], []
    for i in range(0, target.size, _QUERY_BLOCK):
        block = target[i : i + _QUERY_BLOCK]
        votes = np.zeros((block.size, len(classes)))
        votes[:, columns] = knn.predict_proba(features_of(block))
        # S and N beats share their QRS and differ by their timing, which the rules
        # for S judge: a beat called S is not taught N by the beats it looks like.
        s_to_n = (labels[block] == "S") & (classes[votes.argmax(axis=1)] == "N")
        sure = (votes.max(axis=1) >= AGREEMENT) & ~s_to_n
        sure_rows.append(block[sure])
        sure_votes.append(votes[sure])
    return np.concatenate(sure_rows), np.concatenate(sure_votes)


def ruled_out_new_sveb(
    beat_samples, labels, old_labels, p_af=None, *, fs=None, kept=None
) -> np.ndarray:
    """The beats that became S (``labels`` against ``old_labels``) that the record's
    rules for S rule out, a run of S judged as a run only.

    A beat in atrial fibrillation (``p_af`` above
    :data:`~ecg_sklearn.record.AF_THRESHOLD`, when given); a beat alone and on time for
    the record's own rhythm (its :func:`~ecg_sklearn.record.sinus_prematurity` above
    :func:`~ecg_sklearn.record.record_prematurity_threshold`); a beat of a run of S
    that is a gradual change of rate (:func:`~ecg_sklearn.record.rule_out_gradual_sveb`,
    at ``fs``) or that starts the run on time (a run of ectopic beats starts with a
    premature one: the beat before an atrial premature beat does not join it). Beats in
    ``kept`` (a boolean mask: an expert's labels) are never ruled out.

    Returns
    -------
    ruled_out : ndarray of bool, shape (n_beats,)
    """
    samples = np.asarray(beat_samples, dtype=np.int64)
    became = (labels == "S") & (old_labels != "S")
    if kept is not None:
        became &= ~kept
    if not became.any() or samples.size < 3:
        return np.zeros(samples.size, dtype=bool)
    in_af = np.zeros(samples.size, dtype=bool) if p_af is None else p_af > AF_THRESHOLD
    normal, is_s = labels == "N", labels == "S"
    ratio = sinus_prematurity(samples, normal)
    timely = ratio > record_prematurity_threshold(ratio, normal)  # NaN: unknown, kept
    after_s = np.r_[False, is_s[:-1]]
    in_run = is_s & (after_s | np.r_[is_s[1:], False])
    run_ruled_out = gradual_runs(samples, is_s, fs) | (~after_s & timely)
    return became & (in_af | np.where(in_run, run_ruled_out, timely))
