"""The patient's similar beats: each beat decided together with those that look like it.

A classifier trained on other patients errs on some of a new patient's beats but not on
most of the beats that look the same. :func:`smooth_over_similar_beats` replaces each
beat's class probabilities by a weighted mean of its own (:data:`OWN_WEIGHT`) and those
of its :data:`N_NEIGHBORS` most similar beats of the same record, among the
:data:`SIMILAR_SPAN_BEATS` beats on either side: similar in QRS shape, in P-wave shape
and in timing (:func:`ecg_sklearn.features.beat_features`). It uses the record's
unlabelled signal and the classifier's own probabilities, never labels or other
records: a label-free adaptation to the record.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

__all__ = ["N_NEIGHBORS", "SIMILAR_SPAN_BEATS", "OWN_WEIGHT", "smooth_over_similar_beats"]


#: Similar beats whose probabilities are averaged.
N_NEIGHBORS = 10


#: Beats on either side among which the similar ones are looked for.
SIMILAR_SPAN_BEATS = 1000


#: Weight of the beat's own probabilities (the similar beats' mean has the rest).
OWN_WEIGHT = 0.2


#: Beats compared with their similar beats at a time (memory only; a streaming caller
#: holds the blocks on either side, so it is at least :data:`SIMILAR_SPAN_BEATS`).
BLOCK = 1024


#: Beats of a block whose nearest beats are found at a time (their distances then stay
#: within a core's cache).
_ROWS = 256


def _check(n_neighbors, span, weight):
    if not (isinstance(n_neighbors, numbers.Integral) and n_neighbors >= 1):
        raise ValueError(f"n_neighbors must be a positive integer; got {n_neighbors!r}")
    if not (isinstance(span, numbers.Integral) and span >= n_neighbors):
        raise ValueError(f"span must be an integer of at least n_neighbors; got {span!r}")
    if not (isinstance(weight, numbers.Real) and 0 <= weight <= 1):
        raise ValueError(f"weight must be in [0, 1]; got {weight!r}")


def similar_blocks(n_beats, block, span):
    """``(b0, b1, c0, c1)``: each block of beats and the range of its candidates."""
    for b0 in range(0, n_beats, block):
        b1 = min(n_beats, b0 + block)
        yield b0, b1, max(0, b0 - span), min(n_beats, b1 + span)


def smooth_block(proba, features, rows, candidates, n_neighbors, span, weight):
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
    span: int = SIMILAR_SPAN_BEATS,
    weight: float = OWN_WEIGHT,
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
        for b0, b1, c0, c1 in similar_blocks(rows.size, block, span):
            out[rows[b0:b1]] = smooth_block(
                p, z, np.arange(b0, b1), np.arange(c0, c1), n_neighbors, span, weight
            )
    return out
