"""The patient's similar beats: each beat decided together with those that look like it.

A classifier trained on other patients errs on some of a new patient's beats but not on
most of the beats that look the same. :func:`smooth_over_similar_beats` replaces each
beat's class probabilities by a weighted mean of its own and those of its
:data:`N_NEIGHBORS` most similar beats of the same record, among the :data:`SPAN` beats on
either side: similar in QRS shape, in P-wave shape and in timing
(:func:`beat_features`). It uses the record's unlabelled signal and the classifier's own
probabilities, never labels or other records: a label-free adaptation to the record.

It needs every beat of a record (or of ``SPAN`` beats around each): for windows made by
the loaders, apply it to the pipeline's probabilities with :func:`loaded_beat_features`;
:func:`ecg_sklearn.annotate_record` applies it (``similar_beats``).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from scipy import ndimage

from .dominant_beat import P_WAVE_SPAN, _span, _unit_rows, qrs_segments
from .records import _loaded_records

__all__ = [
    "N_NEIGHBORS",
    "SPAN",
    "WEIGHT",
    "beat_features",
    "loaded_beat_features",
    "shape_features",
    "smooth_over_similar_beats",
    "timing_features",
]

#: Similar beats whose probabilities are averaged.
N_NEIGHBORS = 10
#: Beats on either side among which the similar ones are looked for.
SPAN = 1000
#: Weight of the beat's own probabilities (the similar beats' mean has the rest).
WEIGHT = 0.2
#: Beats compared with their similar beats at a time (memory only; a streaming caller
#: holds the blocks on either side, so it is at least :data:`SPAN`).
BLOCK = 1024
#: Beats of a block whose nearest beats are found at a time (their distances then stay
#: within a core's cache).
_ROWS = 256
#: Seconds before the beat of the P-wave segment.
P_SPAN = P_WAVE_SPAN
#: Beats of the running median interval the timing is measured against.
_RHYTHM_BEATS = 61
#: Beats on either side whose positions a beat's :func:`timing_features` read: those
#: of a slice of the record reaching this far are those of the whole record.
TIMING_REACH = _RHYTHM_BEATS // 2 + 2
#: Samples per second of the shapes compared.
_SHAPE_RATE = 120.0
#: Weights of the P-wave shape and of the timing against the QRS shape.
_P_WEIGHT, _TIMING_WEIGHT = 0.5, 2.0


def timing_features(beat_samples) -> np.ndarray:
    """The timing part of :func:`beat_features`, from the positions of every beat of a
    record: shape ``(n_beats, 2)``, float32."""
    beats = np.asarray(beat_samples, dtype=np.int64)
    interval = np.diff(beats).astype(np.float64)
    if interval.size == 0:
        return np.zeros((beats.size, 2), dtype=np.float32)
    median = ndimage.median_filter(interval, size=_RHYTHM_BEATS, mode="nearest")
    before = np.r_[interval[0], interval] / np.r_[median[0], median]
    after = np.r_[interval, interval[-1]] / np.r_[median, median[-1]]
    return (_TIMING_WEIGHT * np.log(np.column_stack([before, after]))).astype(np.float32)


def shape_reach(fs: float) -> tuple[int, int]:
    """Samples before and after a beat that :func:`shape_features` reads."""
    before, after = _span(fs)
    return max(before, int(P_SPAN[0] * fs)), after


def shape_features(signal, beat_samples, fs: float) -> np.ndarray:
    """The shape part of :func:`beat_features`, of the beats at ``beat_samples`` in
    ``signal`` (a record or a piece of it): float32."""
    x = np.asarray(signal)
    x = x[0] if x.ndim == 2 else x
    beats = np.asarray(beat_samples, dtype=np.int64)
    step = max(1, int(round(fs / _SHAPE_RATE)))
    qrs = _unit_rows(qrs_segments(x, beats, fs)[:, ::step])
    start, stop = int(P_SPAN[0] * fs), int(P_SPAN[1] * fs)
    idx = beats[:, None] + np.arange(-start, -stop, step)
    p_wave = x[np.clip(idx, 0, x.size - 1)].astype(np.float64)
    p_wave -= p_wave.mean(axis=1, keepdims=True)
    return np.column_stack([qrs, _unit_rows(p_wave) * _P_WEIGHT]).astype(np.float32)


def beat_features(signal, beat_samples, fs: float) -> np.ndarray:
    """What makes beats alike: QRS shape, P-wave shape and timing.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record at ``fs`` (the first lead is used).
    beat_samples : array-like of int, shape (n_beats,)
        Increasing positions of every beat of the record.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    features : ndarray of float32, shape (n_beats, n_features)
        The QRS (as in :func:`~ecg_sklearn.dominant_beat.qrs_segments`) and the P wave
        (300 to 50 ms before the beat, mean removed), each scaled to unit norm and taken
        at about 120 Hz (the P wave weighted 0.5), then the logarithms of the intervals
        before and after the beat over the median of the 61 around it (weighted 2).
        Euclidean distances between rows rank beats by likeness.
    """
    return np.column_stack(
        [shape_features(signal, beat_samples, fs), timing_features(beat_samples)]
    )


def loaded_beat_features(data, data_dir) -> np.ndarray:
    """:func:`beat_features` of the beats of a loader's output, record by record.

    Parameters
    ----------
    data : Bunch
        Output of :func:`ecg_sklearn.datasets.load_mitdb`, ``load_wfdb`` or
        ``load_sample`` (its ``groups``, ``samples``, ``fs`` and ``record_leads``).
    data_dir : str or path-like
        The folder it was loaded from (:func:`ecg_sklearn.datasets.sample_data_dir` for
        ``load_sample``): each record's first lead is read again from it.

    Returns
    -------
    features : ndarray of float32, shape (n_beats, n_features)
    """
    groups, samples = np.asarray(data.groups), np.asarray(data.samples)
    features = None
    for rows, signal in _loaded_records(data, data_dir):
        f = beat_features(signal, samples[rows], data.fs)
        if features is None:
            features = np.zeros((groups.size, f.shape[1]), dtype=np.float32)
        features[rows] = f
    return np.zeros((0, 0), dtype=np.float32) if features is None else features


def _check(n_neighbors, span, weight):
    if not (isinstance(n_neighbors, numbers.Integral) and n_neighbors >= 1):
        raise ValueError(f"n_neighbors must be a positive integer; got {n_neighbors!r}")
    if not (isinstance(span, numbers.Integral) and span >= n_neighbors):
        raise ValueError(f"span must be an integer of at least n_neighbors; got {span!r}")
    if not (isinstance(weight, numbers.Real) and 0 <= weight <= 1):
        raise ValueError(f"weight must be in [0, 1]; got {weight!r}")


def _blocks(n_beats, block, span):
    """``(b0, b1, c0, c1)``: each block of beats and the range of its candidates."""
    for b0 in range(0, n_beats, block):
        b1 = min(n_beats, b0 + block)
        yield b0, b1, max(0, b0 - span), min(n_beats, b1 + span)


def _smooth_block(proba, features, rows, candidates, n_neighbors, span, weight):
    """Smoothed probabilities of ``rows`` (a range of indices into ``proba`` and
    ``features``), from the similar beats among ``candidates`` (a range around them)."""
    k = min(n_neighbors, candidates.size - 1)
    if k < 1:
        return proba[rows]
    c = features[candidates]
    c_norms = (c * c).sum(axis=1)
    parts = []
    for s in range(0, rows.size, _ROWS):
        part = rows[s : s + _ROWS]
        columns, reachable = _nearest(features[part], part - candidates[0], c, c_norms, k, span)
        nearest = np.clip(part[:, None] - span + columns, 0, len(proba) - 1)
        count = reachable.sum(axis=1, keepdims=True)
        shared = (proba[nearest] * reachable[..., None]).sum(axis=1) / np.maximum(count, 1)
        mean = np.where(count > 0, shared, proba[part])
        parts.append(weight * proba[part] + (1 - weight) * mean)
    return np.concatenate(parts)


def _nearest(z, at, c, c_norms, k, span):
    """``(columns, reachable)``: for each row of ``z``, the beats at the consecutive
    positions ``at`` among the candidates ``c``, the band columns (0 to ``2 * span``,
    the beat itself at ``span``) of its ``k`` nearest candidates within ``span`` beats,
    ascending; ``reachable`` is False where fewer than ``k`` candidates lie within
    reach (columns past the record's ends)."""
    n = len(z)
    # Squared distances up to each row's own constant (which does not change its
    # order) to the candidates ``at[0] - span`` to ``at[-1] + span``, inf outside ``c``.
    lo, hi = at[0] - span, at[-1] + span + 1
    padded = np.empty((n, hi - lo), dtype=np.float32)
    c0, c1 = max(lo, 0), min(hi, len(c))
    padded[:, : c0 - lo] = padded[:, c1 - lo :] = np.inf  # only the margins
    inner = padded[:, c0 - lo : c1 - lo]
    np.matmul(-2 * z, c[c0:c1].T, out=inner)
    inner += c_norms[c0:c1][None]
    row = np.arange(n)
    padded[row, row + span] = np.inf  # the beat itself
    # Row i's band: the candidates within ``span`` beats of it, itself in the middle.
    band = torch.from_numpy(padded).as_strided((n, 2 * span + 1), (padded.shape[1] + 1, 1))
    nearest_k = torch.topk(band, k, dim=1, largest=False, sorted=False)
    # In column order, so that the sum below does not depend on how they were found.
    indices = nearest_k.indices.numpy()
    order = indices.argsort(axis=1)
    columns = np.take_along_axis(indices, order, axis=1)
    return columns, np.isfinite(np.take_along_axis(nearest_k.values.numpy(), order, axis=1))


def smooth_over_similar_beats(
    proba,
    features,
    *,
    groups=None,
    n_neighbors: int = N_NEIGHBORS,
    span: int = SPAN,
    weight: float = WEIGHT,
    block: int = BLOCK,
) -> np.ndarray:
    """Average each beat's probabilities with those of the most similar beats of its record.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities of every beat, in order within each record.
    features : ndarray, shape (n_beats, n_features)
        :func:`beat_features` of the same beats.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; default: all one record.
    n_neighbors : int, default=10
        Similar beats averaged.
    span : int, default=1000
        Beats on either side among which they are looked for.
    weight : float, default=0.2
        Weight of the beat's own probabilities.
    block : int, default=1024
        Beats compared at a time (memory; the result depends on it only by rounding).

    Returns
    -------
    smoothed : ndarray, shape (n_beats, n_classes)
        Rows still sum to 1.
    """
    _check(n_neighbors, span, weight)
    proba, features = np.asarray(proba), np.asarray(features, dtype=np.float32)
    if features.ndim != 2 or len(features) != len(proba):
        raise ValueError(
            f"features must have one row per beat ({len(proba)}); got shape {features.shape}"
        )
    groups = np.zeros(len(proba), dtype=np.int8) if groups is None else np.asarray(groups)
    if groups.shape != (len(proba),):
        raise ValueError(f"groups must have shape ({len(proba)},); got {groups.shape}")
    out = np.empty_like(proba)
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        p, z = proba[rows], features[rows]
        for b0, b1, c0, c1 in _blocks(rows.size, block, span):
            out[rows[b0:b1]] = _smooth_block(
                p, z, np.arange(b0, b1), np.arange(c0, c1), n_neighbors, span, weight
            )
    return out
