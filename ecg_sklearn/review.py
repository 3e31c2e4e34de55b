"""Expert review: a few reviewed beats per record correct the rest.

A cardiac technician reviewing a Holter analysis does not read 100,000 beats: the
record's beats are grouped into clusters of alike beats, one beat per cluster is shown,
and a label given to it is given to the beats like it. :func:`beat_clusters` groups an
annotated record's beats without labels, by QRS shape, P wave and timing
(:func:`ecg_sklearn.features.beat_features`) and by the classifier's call;
:func:`suggest_review` picks the beats whose label an expert should confirm (the
clusters whose call is least certain first, each stated with the number of beats it
stands for); :func:`apply_review` takes the expert's labels and decides the record
again: the reviewed beats keep their label and the beats of their cluster that look
like them follow it.
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import Bunch, check_random_state

from ._validation import check_beat_proba, check_fs
from .features._similar import shape_features, shape_reach, timing_features

__all__ = [
    "N_CLUSTERS",
    "beat_clusters",
    "suggest_review",
    "apply_review",
    "read_review_labels",
    "write_review_sheet",
]


#: Clusters a record's beats are grouped in (fewer for records of fewer beats).
N_CLUSTERS = 24


#: Weight of the classifier's probabilities among the clustering features (the shapes
#: are unit vectors): beats called differently fall in different clusters.
PROBA_WEIGHT = 2.0


#: Beats the clusters are fitted on (spread over the record; every beat is then
#: assigned to its nearest cluster).
MAX_FIT_BEATS = 20000


#: Seconds within which a reviewed position names a beat.
POSITION_TOLERANCE = 0.05


def _check_result(result, signal) -> tuple[np.ndarray, np.ndarray]:
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


#: Beats whose shapes are read from one piece of the signal at a time.
_PIECE_BEATS = 20000


def _check_signal(signal):
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
    signal = _check_signal(signal)
    samples, proba = _check_result(result, signal)
    if samples.size == 0:
        raise ValueError("the result has no beats to cluster")
    z = np.column_stack([_features(signal, samples, fs), (PROBA_WEIGHT * proba).astype(np.float32)])
    fit_rows = np.unique(np.linspace(0, samples.size - 1, min(samples.size, MAX_FIT_BEATS)))
    fit_rows = fit_rows.astype(np.int64)
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


def apply_review(result, signal, fs, labels, *, clusters=None, record=None) -> Bunch:
    """Decide a record again from an expert's labels of a few of its beats.

    Parameters
    ----------
    result : Bunch
        :func:`~ecg_sklearn.annotate_record`'s result for ``signal``.
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record, as given to ``annotate_record``.
    fs : float
        Sampling rate of ``signal`` in Hz.
    labels : mapping or path
        The expert's labels: ``{beat position (sample at fs): AAMI class}``, or a review
        sheet (:func:`write_review_sheet`'s CSV with its ``label`` column filled in).
        Each position must be a beat of the result (within 50 ms).
    clusters : Bunch, optional
        :func:`beat_clusters` of the record (the one the suggestions came from).
    record : str, optional
        The record's name: a review sheet of another record is refused.

    Returns
    -------
    reviewed : Bunch
        A copy of ``result`` with ``beat_labels`` and ``proba`` decided again,
        ``reviewed`` (True for the beats the expert labelled) and ``followed``
        (True for the beats whose label now follows a reviewed beat).
    """
    fs = check_fs(fs)
    signal = _check_signal(signal)
    samples, proba = _check_result(result, signal)
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
    beat_labels = np.asarray(result["beat_labels"]).copy()
    changed = followed | reviewed
    beat_labels[changed] = classes[proba[changed].argmax(axis=1)]
    out = Bunch(**result)
    out.update(proba=proba, beat_labels=beat_labels, reviewed=reviewed,
               followed=followed & ~reviewed)  # fmt: skip
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


#: Columns of a review sheet.
SHEET_COLUMNS = ("record", "sample", "time_s", "cluster", "n_beats", "called", "label")


def write_review_sheet(suggestions, path, *, record, fs) -> Path:
    """Write :func:`suggest_review`'s suggestions as a CSV for the expert to fill in.

    One row per suggested beat: the record, its position (``sample`` at ``fs``, and in
    seconds), its cluster and the beats that cluster holds, the classifier's call, and
    an empty ``label`` column for the expert's AAMI class (N, S, V, F or Q).
    """
    path = Path(path)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SHEET_COLUMNS)
        for i in range(len(suggestions.beat_index)):
            sample = int(suggestions.beat_samples[i])
            writer.writerow([
                record, sample, f"{sample / fs:.3f}", int(suggestions.cluster[i]),
                int(suggestions.n_beats[i]), suggestions.label[i], "",
            ])  # fmt: skip
    return path


def read_review_labels(path, *, record=None) -> dict:
    """``{sample: label}`` from a filled-in review sheet (:func:`write_review_sheet`).

    Rows with an empty ``label`` are not reviewed. With ``record``, a sheet of another
    record is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"review sheet {path} does not exist")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"sample", "label"} - set(rows[0] if rows else SHEET_COLUMNS)
    if missing:
        raise ValueError(f"{path}: not a review sheet (no {', '.join(sorted(missing))} column)")
    labels = {}
    for line, row in enumerate(rows, start=2):
        if record is not None and row.get("record") not in (None, "", str(record)):
            raise ValueError(f"{path}: line {line} is of record {row['record']!r}, not {record!r}")
        label = (row["label"] or "").strip()
        if label:
            try:
                labels[int(row["sample"])] = label
            except ValueError:
                raise ValueError(f"{path}: line {line}: sample {row['sample']!r} is no "
                                 "whole number") from None  # fmt: skip
    return labels
