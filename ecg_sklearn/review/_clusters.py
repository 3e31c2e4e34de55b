"""Clusters of a record's alike beats, and the beats an expert should label."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import Bunch, check_random_state

from .._validation import check_beat_proba, check_fs
from ..features._similar import shape_features, shape_reach, timing_features
from ..record._self_teach import PROBA_WEIGHT
from ..signal._quality import spread_indices

__all__ = ["N_CLUSTERS", "PROBA_WEIGHT", "MAX_FIT_BEATS", "beat_clusters", "suggest_review",
           "check_result", "check_signal", "untaught"]  # fmt: skip


#: Clusters a record's beats are grouped in (fewer for records of fewer beats).
N_CLUSTERS = 24


#: Beats the clusters are fitted on (spread over the record; every beat is then
#: assigned to its nearest cluster).
MAX_FIT_BEATS = 20000


def check_result(result, signal) -> tuple[np.ndarray, np.ndarray]:
    """``(beat_samples, proba)`` of an :func:`~ecg_sklearn.annotate_record` result, checked."""
    for key in ("beat_samples", "proba", "classes", "fs"):
        if key not in result:
            raise ValueError(f"result must be an annotate_record result; it has no {key!r}")
    samples = np.asarray(result["beat_samples"], dtype=np.int64)
    proba = check_beat_proba(result["proba"], np.asarray(result["classes"]), samples)
    n = signal.shape[-1]
    if samples.size and (samples[0] < 0 or samples[-1] >= n):
        raise ValueError(
            f"result's beats reach past the signal's {n} samples: is it this record's result?"
        )
    return samples, proba


def untaught(result) -> Bunch:
    """``result`` as it was before the record taught itself: its ``self_taught`` beats
    given back their ``untaught_proba`` (an expert's review starts from the calls of the
    classifier and the rules, and lets the record teach itself again after)."""
    taught = result.get("self_taught")
    if taught is None or not np.any(taught):
        return result
    taught = np.asarray(taught, dtype=bool)
    proba = np.array(result["proba"], dtype=np.float64)
    before = np.asarray(result.get("untaught_proba", ()), dtype=np.float64)
    if taught.shape != proba.shape[:1] or before.shape != (taught.sum(), proba.shape[1]):
        raise ValueError(
            f"result's self_taught (shape {taught.shape}) and untaught_proba (shape "
            f"{before.shape}) do not match its {proba.shape[0]} beats"
        )
    proba[taught] = before
    out = Bunch(**result)
    out.update(proba=proba, beat_labels=np.asarray(result["classes"])[proba.argmax(axis=1)],
               self_taught=np.zeros_like(taught), untaught_proba=before[:0])  # fmt: skip
    return out


#: Beats whose shapes are read from one piece of the signal at a time.
_PIECE_BEATS = 20000


def check_signal(signal):
    """``signal`` as something with a shape that slices: an array or a lazy signal."""
    if not (hasattr(signal, "shape") and hasattr(signal, "__getitem__")):
        signal = np.asarray(signal, dtype=np.float32)
    if len(signal.shape) not in (1, 2):
        raise ValueError(f"signal must be (n_leads, n_samples); got shape {signal.shape}")
    return signal if len(signal.shape) == 2 else signal[None]


def _features(signal, samples, fs) -> np.ndarray:
    """:func:`~ecg_sklearn.features.beat_features` of the first lead, read a piece at a
    time (so that a multi-day record read on demand is never loaded whole)."""
    before, after = shape_reach(fs)
    n = signal.shape[-1]
    shapes = []
    for i in range(0, samples.size, _PIECE_BEATS):
        beats = samples[i : i + _PIECE_BEATS]
        a, b = max(0, beats[0] - before - 1), min(n, beats[-1] + after + 2)
        piece = np.asarray(signal[0:1, a:b], dtype=np.float32)[0]
        if not np.all(np.isfinite(piece)):
            raise ValueError("signal holds NaN or infinite values")
        shapes.append(shape_features(piece, beats - a, fs))
    return np.column_stack([np.concatenate(shapes), timing_features(samples)])


def beat_clusters(result, signal, fs, *, n_clusters=N_CLUSTERS, random_state=0) -> Bunch:
    """Group a record's beats into clusters of alike beats, without labels.

    Parameters
    ----------
    result : Bunch
        :func:`~ecg_sklearn.annotate_record`'s result for ``signal``.
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record (the first lead is read), as given to ``annotate_record``; a signal
        of :func:`ecg_sklearn.io.open_record` is read a piece at a time.
    fs : float
        Sampling rate of ``signal`` in Hz.
    n_clusters : int, default=24
        Clusters (at most one per beat).
    random_state : int, RandomState instance or None, default=0
        Seeds the k-means initialisation.

    Returns
    -------
    clusters : Bunch
        ``labels`` (cluster of each beat, ``(n_beats,)``), ``counts`` (beats per cluster),
        ``features`` (the standardised clustering features, ``(n_beats, n_features)``),
        ``centers`` (``(n_clusters, n_features)``), ``representative`` (index of the
        beat nearest each cluster's centre) and ``distance`` (each beat's distance to
        its cluster's centre).

    Notes
    -----
    Each beat is described by its QRS shape and P wave (unit vectors, so gain does not
    matter), its timing against the rhythm around it
    (:func:`~ecg_sklearn.features.beat_features`) and the classifier's probabilities
    (weighted :data:`PROBA_WEIGHT`), and the beats are grouped by k-means, fitted on at
    most :data:`MAX_FIT_BEATS` beats spread over the record.
    """
    fs = check_fs(fs)
    if not (isinstance(n_clusters, numbers.Integral) and n_clusters >= 1):
        raise ValueError(f"n_clusters must be a positive integer; got {n_clusters!r}")
    signal, result = check_signal(signal), untaught(result)
    samples, proba = check_result(result, signal)
    if samples.size == 0:
        raise ValueError("the result has no beats to cluster")
    z = np.column_stack([_features(signal, samples, fs), (PROBA_WEIGHT * proba).astype(np.float32)])
    fit_rows = spread_indices(samples.size, MAX_FIT_BEATS)
    k = min(int(n_clusters), len(np.unique(z[fit_rows], axis=0)))
    model = KMeans(k, n_init=1, random_state=check_random_state(random_state))
    model.fit(z[fit_rows])
    labels = model.predict(z)
    centers = model.cluster_centers_.astype(np.float32)
    distance = np.linalg.norm(z - centers[labels], axis=1)
    counts = np.bincount(labels, minlength=k)
    representative = np.full(k, -1, dtype=np.int64)
    for c in np.flatnonzero(counts):
        members = np.flatnonzero(labels == c)
        representative[c] = members[np.argmin(distance[members])]
    return Bunch(
        labels=labels, counts=counts, features=z, centers=centers,
        representative=representative, distance=distance,
    )  # fmt: skip


def suggest_review(result, signal, fs, n=3, *, clusters=None, random_state=0) -> Bunch:
    """The beats whose label an expert should confirm, one per cluster.

    Parameters
    ----------
    result : Bunch
        :func:`~ecg_sklearn.annotate_record`'s result for ``signal``.
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record, as given to ``annotate_record``.
    fs : float
        Sampling rate of ``signal`` in Hz.
    n : int, default=3
        Beats to suggest (fewer if the record has fewer clusters).
    clusters : Bunch, optional
        :func:`beat_clusters` of the record, if already computed.
    random_state : int, RandomState instance or None, default=0
        As in :func:`beat_clusters`.

    Returns
    -------
    suggestions : Bunch
        One entry per suggested beat, in the order to review them: ``beat_index``
        (into the result's beats), ``beat_samples`` (at ``fs``), ``label`` (the
        classifier's call), ``confidence`` (the mean probability of the cluster's
        call over its beats), ``cluster`` and ``n_beats`` (the beats of its cluster:
        what an answer settles); and ``clusters``.

    Notes
    -----
    Clusters are ranked first by the expected wrong calls among their beats called
    anything but N (the sum of one minus each one's probability: possible false
    alarms, settled by one answer), then by the beats an answer could correct: the
    cluster's beats (at most 100) times one minus the mean probability of its call.
    The beat shown is the one nearest the cluster's centre.
    """
    if not (isinstance(n, numbers.Integral) and n >= 0):
        raise ValueError(f"n must be a non-negative integer; got {n!r}")
    result = untaught(result)
    if clusters is None:
        clusters = beat_clusters(result, signal, fs, random_state=random_state)
    proba = np.asarray(result["proba"], dtype=np.float64)
    classes = np.asarray(result["classes"])
    order, calls, confidence = _ranked_clusters(clusters, proba, classes)
    chosen = order[: int(n)]
    index = clusters.representative[chosen]
    return Bunch(
        beat_index=index,
        beat_samples=np.asarray(result["beat_samples"], dtype=np.int64)[index],
        label=classes[calls[chosen]],
        confidence=confidence[chosen],
        cluster=chosen,
        n_beats=clusters.counts[chosen],
        clusters=clusters,
    )


#: Beats of a cluster counted in its uncertainty when ranking clusters for review.
_RANK_CAP = 100


def _ranked_clusters(clusters, proba, classes):
    """Non-empty clusters in review order, each cluster's call and its confidence.

    First by the expected wrong calls among the cluster's beats called anything but N
    (the sum of one minus their probability: possible false alarms, settled by one
    answer), then by the beats an answer could correct: at most 100 of the cluster's
    beats times one minus the mean probability of its call.
    """
    k = len(clusters.counts)
    mean = np.zeros((k, proba.shape[1]))
    np.add.at(mean, clusters.labels, proba)
    mean /= np.maximum(clusters.counts, 1)[:, None]
    calls = mean.argmax(axis=1)
    confidence = mean.max(axis=1)
    gain = np.minimum(clusters.counts, _RANK_CAP) * (1 - confidence)
    classes = list(np.asarray(classes).tolist())
    abnormal = np.zeros(k)
    if "N" in classes:
        doubt = (proba.argmax(axis=1) != classes.index("N")) * (1 - proba.max(axis=1))
        abnormal = np.bincount(clusters.labels, weights=doubt, minlength=k)
    order = np.lexsort((-clusters.counts, -gain, -abnormal))
    return order[clusters.counts[order] > 0], calls, confidence
