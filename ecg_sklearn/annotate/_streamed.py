"""What the record-level decisions read of a record processed a chunk at a time.

Used by :func:`ecg_sklearn.annotate_record` after its beats are classified: the
similar-beat vote, a block of beats at a time with the blocks around it; the beats'
features and QRS segments, read a range at a time; and :class:`StreamedBeats`, which
hands them to :class:`~ecg_sklearn.record.RecordDecision`.
"""

from __future__ import annotations

import numpy as np

from ..features._dominant import qrs_segments, qrs_span_samples
from ..features._similar import TIMING_REACH, shape_features, shape_reach, timing_features
from ..record._similar import (
    BLOCK,
    N_NEIGHBORS,
    OWN_WEIGHT,
    SIMILAR_SPAN_BEATS,
    similar_blocks,
    smooth_block,
)
from ._chunked import chunk_size, signal_pieces


def smooth_in_chunks(source, beats, proba, chunk_duration, progress, jobs, timeline=None):
    """``proba`` averaged over similar beats (:mod:`ecg_sklearn.features`), in
    place, a block of beats at a time, with the shapes and unsmoothed probabilities of
    a few blocks held at once; the timing features read ``timeline`` (default:
    ``beats``)."""
    fs = source.model_fs
    timeline = beats if timeline is None else timeline
    size = chunk_size(fs, source.n_samples, chunk_duration)
    reach = shape_reach(fs)
    block = BLOCK
    # Block index -> shape features and unsmoothed probabilities of its beats, taken
    # when a block is first among the candidates, before its own result is written.
    cache = {}

    def block_inputs(q):
        if q not in cache:
            rows = slice(q * block, (q + 1) * block)
            pieces = signal_pieces(source, beats[rows], size, *reach)
            shapes = np.concatenate([shape_features(x, b, fs) for x, b in pieces])
            cache[q] = shapes, proba[rows].copy()
        return cache[q]

    blocks = list(similar_blocks(beats.size, block, SIMILAR_SPAN_BEATS))

    def inputs():  # read in this thread, as the results are taken
        for b0, b1, c0, c1 in blocks:
            first, last = c0 // block, (c1 - 1) // block
            for q in [q for q in cache if q < first]:
                del cache[q]
            shapes, unsmoothed = (
                np.concatenate(a)[c0 - first * block : c1 - first * block]
                for a in zip(*(block_inputs(q) for q in range(first, last + 1)), strict=True)
            )
            t0, t1 = max(0, c0 - TIMING_REACH), min(beats.size, c1 + TIMING_REACH)
            timing = timing_features(timeline[t0:t1])[c0 - t0 : c1 - t0]
            z = np.column_stack([shapes, timing])
            yield unsmoothed, z, np.arange(b0, b1) - c0, np.arange(c1 - c0)

    def smooth(unsmoothed, z, rows, candidates):
        return smooth_block(
            unsmoothed, z, rows, candidates, N_NEIGHBORS, SIMILAR_SPAN_BEATS, OWN_WEIGHT
        )

    results = jobs.in_order(smooth, inputs(), len(blocks))
    smoothed_blocks = progress(results, "comparing similar beats")
    for (b0, b1, _, _), smoothed in zip(blocks, smoothed_blocks, strict=True):
        proba[b0:b1] = smoothed
    return proba


def features_in_chunks(source, beats, rows, chunk_duration, timeline=None):
    """:func:`~ecg_sklearn.features.beat_features` of the beats at the sorted indices
    ``rows`` of ``beats``, their shapes read a range at a time; the timing features read
    ``timeline`` (default: ``beats``) around them."""
    fs = source.model_fs
    timeline = beats if timeline is None else timeline
    rows = np.asarray(rows, dtype=np.int64)
    size = chunk_size(fs, source.n_samples, chunk_duration)
    out, k = [], 0
    for x, b in signal_pieces(source, beats[rows], size, *shape_reach(fs), gap=None):
        mine, k = rows[k : k + b.size], k + b.size
        t0, t1 = max(0, mine[0] - TIMING_REACH), min(beats.size, mine[-1] + TIMING_REACH + 1)
        timing = timing_features(timeline[t0:t1])[mine - t0]
        out.append(np.column_stack([shape_features(x, b, fs), timing]))
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def qrs_segments_in_chunks(source, beats, rows, chunk_duration):
    """The QRS segments (``features._dominant.qrs_segments``) of the beats at the sorted indices
    ``rows`` of ``beats``, read a range at a time."""
    fs = source.model_fs
    size = chunk_size(fs, source.n_samples, chunk_duration)
    before, after = qrs_span_samples(fs)
    pieces = signal_pieces(
        source, beats[np.asarray(rows, dtype=np.int64)], size, before, after, gap=None
    )
    out = [qrs_segments(x, b, fs) for x, b in pieces]
    return np.concatenate(out) if out else np.zeros((0, before + after))


class StreamedBeats:
    """A streamed record's beats as :class:`~ecg_sklearn.record.RecordDecision` reads
    them: its timeline, and similar beats compared and beats' features and QRS segments
    read a chunk at a time."""

    groups = None  # one record

    def __init__(self, samples, fs, evidence, smooth, features, segments):
        self.samples, self.fs, self._evidence = samples, fs, evidence
        self._smooth, self.beat_features, self.qrs_segments = smooth, features, segments

    def af_probability(self):
        return self._evidence["p_af"]

    def smooth_over_similar_beats(self, proba):
        return self._smooth(proba)

    def rule_in_evidence(self):
        return self._evidence

    def qrs_similarity(self):
        return self._evidence["qrs_similarity"]
