"""Long records processed a chunk at a time, with the results of the whole record.

Used by :func:`ecg_sklearn.annotate_record`: the detector reads ``chunk_duration``
seconds plus margins, starting on its own block grid; windows are cut and classified
1024 beats at a time, with record-level quantities computed from the beat positions,
all found first. Batches of a fixed size make every batch allocate arrays of the same
sizes, which the memory allocator reuses: with batches of varying sizes the heap fragmented and the
resident memory of a 72-hour record grew by a few hundred MB.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from sklearn import config_context
from sklearn.pipeline import Pipeline

from ..features._dominant import (
    dominant_p_wave,
    dominant_similarity,
    dominant_template,
    p_wave_segments,
    p_wave_similarity,
    p_wave_span,
    qrs_segments,
    qrs_span_samples,
    reference_beats,
)
from ..features._rhythm import context_reach
from ..features._windows import average_rr, make_beat_windows, rhythm_context
from ..signal._filtering import ECGFilter
from ..signal._qrs import detect_qrs
from ..signal._quality import flat_blocks, stretches_from_blocks
from ._rows import rows_without_windows, segmenter_rows

#: Seconds of signal the detector reads at a time in :func:`annotate_record`.
DEFAULT_CHUNK_DURATION = 600.0


#: Seconds read on either side of a chunk, so that detection near its edges is the
#: same as on the whole record (the detector looks at most 8 s around a beat).
_DETECTION_MARGIN = 30.0


#: Beats classified at a time.
_BEATS_PER_CHUNK = 1024


#: Beats further apart than this many seconds are read separately.
_READ_GAP = 10.0


def _detection_step(fs):
    """Chunks start on multiples of this many samples: the detector's averaging and
    0.1-s blocks then fall where they fall on the whole record."""
    q = max(1, int(fs // 180))
    return q * max(1, int((fs / q) // 10))


def chunk_size(fs, n, chunk_duration):
    """Samples per chunk: ``chunk_duration`` rounded to the detector's step."""
    step = _detection_step(fs)
    return n if chunk_duration is None else max(step, int(chunk_duration * fs) // step * step)


class Jobs:
    """Tasks run in ``n_jobs`` threads (``n_jobs=1``: at once, in the caller's thread).

    :meth:`in_order` keeps at most ``2 * n_jobs`` tasks in flight, so memory stays
    bounded by a few tasks' arrays. The arrays' work (NumPy, SciPy, the network) runs
    without the GIL; the caller limits each library's own threads to one.
    """

    def __init__(self, n_jobs=1):
        self.n_jobs = int(n_jobs)

    def __enter__(self):
        self._pool = ThreadPoolExecutor(self.n_jobs) if self.n_jobs > 1 else None
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        return False

    def _submit(self, fn, args):
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        future = Future()
        future.set_result(fn(*args))
        return future

    def in_order(self, fn, items, n_items):
        """``fn(*item)`` for each of ``items`` (read in the caller's thread), in order;
        a sized iterable for the progress bars."""
        return _Results(self, fn, items, n_items)


class _Results:
    def __init__(self, jobs, fn, items, n_items):
        self.jobs, self.fn, self.items, self.n_items = jobs, fn, items, n_items

    def __len__(self):
        return self.n_items

    def __iter__(self):
        pending = deque()
        for item in self.items:
            pending.append(self.jobs._submit(self.fn, item))
            if len(pending) >= 2 * self.jobs.n_jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def detect_in_chunks(source, chunk_duration, progress, jobs, **detect_kwargs):
    """The record's beats, and its flat stretches (:mod:`ecg_sklearn.signal`)
    found in the same reads."""
    fs, n = source.model_fs, source.n_samples
    step = _detection_step(fs)
    margin = -(-int(_DETECTION_MARGIN * fs) // step) * step
    size = chunk_size(fs, n, chunk_duration)
    if n <= size + 2 * margin:
        x = source.read(0, n)
        flat = flat_blocks(x, step)
        return detect_qrs(x, fs, **detect_kwargs), stretches_from_blocks(flat, step, n, fs)

    def detect(c0, c1):
        lo, hi = max(0, c0 - margin), min(n, c1 + margin)
        x = source.read(lo, hi)
        beats = detect_qrs(x, fs, **detect_kwargs) + lo
        # Chunks start on multiples of ``step``: their blocks are the whole record's.
        return beats[(beats >= c0) & (beats < c1)], flat_blocks(x[:, c0 - lo : c1 - lo], step)

    chunks = [(c0, min(n, c0 + size)) for c0 in range(0, n, size)]
    found = list(progress(jobs.in_order(detect, chunks, len(chunks)), "detecting beats"))
    flat = np.concatenate([f for _, f in found])
    return np.concatenate([b for b, _ in found]), stretches_from_blocks(flat, step, n, fs)


def flat_in_chunks(source, chunk_duration, jobs):
    """The record's flat stretches, read a chunk at a time (for beats given, not found)."""
    fs, n = source.model_fs, source.n_samples
    step = _detection_step(fs)
    size = chunk_size(fs, n, chunk_duration)
    chunks = [(c0, min(n, c0 + size)) for c0 in range(0, n, size)]
    flat = jobs.in_order(lambda c0, c1: flat_blocks(source.read(c0, c1), step), chunks, len(chunks))
    return stretches_from_blocks(np.concatenate(list(flat)), step, n, fs)


def signal_pieces(source, beats, size, before, after, gap=_READ_GAP):
    """``(piece, positions)``: the signal around runs of ``beats`` read a range at a
    time, ``before`` samples ahead of a run's first beat to ``after`` past its last,
    each range at most ``size`` samples of beats and split where they are more than
    ``gap`` s apart (None: never; for beats spread thinly, one read a range). Segments
    of those reaches cut from the pieces are those of the record read whole."""
    n = source.n_samples
    gap, i = np.inf if gap is None else gap * source.model_fs, 0
    while i < beats.size:
        j = i + np.searchsorted(beats[i:], beats[i] + size, side="left")
        gaps = np.flatnonzero(np.diff(beats[i:j]) > gap)
        j = max(i + 1, i + gaps[0] + 1 if gaps.size else j)
        lo = max(0, beats[i] - before)
        yield source.read(lo, min(n, beats[j - 1] + after)), beats[i:j] - lo
        i = j


def record_templates(source, beats, size, *, p_wave=False):
    """The record's dominant beat and, with ``p_wave``, its dominant P wave (else
    None), from its reference beats' segments, read a range of at most ``size`` samples
    at a time: a few reads for a record of minutes, about one per beat for a multi-day
    record."""
    fs = source.model_fs
    before, after = qrs_span_samples(fs)
    if p_wave:
        before = max(before, -p_wave_span(fs)[0])
    pieces = list(signal_pieces(source, beats[reference_beats(beats.size)], size, before, after))
    # The pieces joined: one call instead of one a piece (about one a beat for a long
    # record). Only the first and last pieces can be cut short, by the record's ends,
    # which stay the ends of the joined signal.
    starts = np.cumsum([0] + [x.shape[1] for x, _ in pieces[:-1]])
    signal = np.concatenate([x for x, _ in pieces], axis=1)
    at = np.concatenate([b + start for (_, b), start in zip(pieces, starts, strict=True)])
    qrs = qrs_segments(signal, at, fs)
    if not p_wave:
        return dominant_template(qrs), None
    return dominant_template(qrs), dominant_p_wave(qrs, p_wave_segments(signal, at, fs))


#: Seconds of signal read on either side of each batch's stretch and filtered with it:
#: the filter's edge effects have then died out over the windows (the record filtered
#: whole gives the same windows up to float32 rounding).
FILTER_MARGIN_S = 10.0


def _after_filter(pipeline, filter_once, with_context):
    """``(steps, direct)``: the steps that read each batch's windows (those after the
    filter of a pipeline that filters first, with ``filter_once``: the batch's stretch
    is then filtered once and the windows cut from it), and whether they are a
    segmenter and a classifier, the segmenter's rows then cut without the windows."""
    filters_first = isinstance(pipeline, Pipeline) and isinstance(pipeline[0], ECGFilter)
    if not (filter_once and filters_first and len(pipeline) > 1):
        return pipeline, False
    steps = pipeline[1:]
    return steps, with_context and len(steps) == 2 and rows_without_windows(steps[0])


def classify_in_chunks(
    pipeline, source, beats, n_times, avg_rr_span, chunk_duration, progress, with_context, jobs,
    keep=(), timeline=None, filter_once=False,
):  # fmt: skip
    """Probabilities of ``beats``, classified ``_BEATS_PER_CHUNK`` beats at a time, and
    the similarities named in ``keep`` (``"qrs_similarity"`` to the dominant beat,
    ``"p_wave_similarity"`` to the dominant P wave), a dict of float32 arrays.

    ``with_context``: windows with the record-context channel, with the values of
    :func:`~ecg_sklearn.features.record_context` on the whole record: the rhythm and
    average interval of each batch's beats from the beat positions within their reach
    (no array of the record's length is made per batch), the dominant beat from the
    reference beats, found first. The rhythm and average interval read ``timeline``
    (:func:`~ecg_sklearn.signal.rhythm_timeline`; default: ``beats``). ``filter_once``:
    a pipeline that starts with its filter gets windows cut from each batch's stretch
    filtered once (with :data:`FILTER_MARGIN_S` on either side), for its later steps;
    when those are a segmenter (:func:`~._rows.rows_without_windows`) and the
    classifier, the segmenter's rows come from the filtered stretch without the windows
    (:func:`~._rows.segmenter_rows`, the same values).
    """
    fs, n = source.model_fs, source.n_samples
    timeline = beats if timeline is None else timeline
    half = (n_times - 1) // 2
    size = chunk_size(fs, n, chunk_duration)
    avg_rr_reach, rhythm_reach = 0.5 * avg_rr_span * fs, context_reach()
    qrs_wanted, p_wave_wanted = with_context or bool(keep), "p_wave_similarity" in keep
    template = p_template = None
    if qrs_wanted and beats.size >= 3:
        template, p_template = record_templates(source, beats, size, p_wave=p_wave_wanted)

    steps, direct = _after_filter(pipeline, filter_once, with_context)
    filter_margin = int(FILTER_MARGIN_S * fs) if steps is not pipeline else 0

    def classify(i0, i1):
        lo, hi = max(0, beats[i0] - half), min(n, beats[i1 - 1] + half + 1)
        j0, j1 = np.searchsorted(beats, [lo, hi])  # every beat marked in these windows
        # With the filter's margins, so that its edges fall outside the windows.
        m0, m1 = max(0, lo - filter_margin), min(n, hi + filter_margin)
        read = source.read(m0, m1)
        signal, context = read[:, lo - m0 : hi - m0], None
        rows = slice(i0 - j0, i1 - j0)
        similarity = {key: np.zeros(j1 - j0, np.float32) for key in keep}
        qrs = np.zeros(j1 - j0, np.float32)
        if template is not None:
            marked = beats[j0:j1] - lo
            qrs = dominant_similarity(signal, marked, fs, template=template)
            if p_wave_wanted:
                similarity["p_wave_similarity"][rows] = p_wave_similarity(
                    signal, marked[rows], fs, template=p_template
                )
        if "qrs_similarity" in keep:
            similarity["qrs_similarity"] = qrs
        # Record-level values of these beats from the beats within their reach: those
        # of the whole record, without arrays of the whole record's length.
        t = timeline
        a0 = max(0, np.searchsorted(t, t[j0] - avg_rr_reach) - 1)
        a1 = min(t.size, np.searchsorted(t, t[j1 - 1] + avg_rr_reach, "right") + 1)
        avg_rr = average_rr(t[a0:a1], fs, avg_rr_span)[j0 - a0 : j1 - a0]
        if with_context:
            r0, r1 = max(0, j0 - rhythm_reach - 1), min(t.size, j1 + rhythm_reach)
            rhythm = rhythm_context(t[r0:r1], fs, index=np.arange(j0 - r0, j1 - r0))
            context = np.column_stack([rhythm, qrs])
        if steps is not pipeline:
            signal = pipeline[0].filter_signal(read)[:, lo - m0 : hi - m0]
        if direct:  # the segmenter's rows without the windows, then the classifier
            X = segmenter_rows(
                steps[0], signal, beats[j0:j1] - lo, np.arange(i0 - j0, i1 - j0), avg_rr,
                context[rows],
            )  # fmt: skip
            with config_context(assume_finite=True):
                return steps[-1].predict_proba(X), {k: v[rows] for k, v in similarity.items()}
        X = make_beat_windows(
            signal, beats[j0:j1] - lo, fs, context=half / fs, avg_rr=avg_rr,
            rr_context=with_context, context_features=context,
        )  # fmt: skip
        if X.shape[-1] != n_times:  # rounding of context * fs
            raise ValueError(f"windows of {X.shape[-1]} samples, pipeline expects {n_times}")
        # Windows of a signal checked finite when read, with finite beat and context
        # values: the steps need not scan them for NaN again (a tenth of their time).
        with config_context(assume_finite=True):
            proba = steps.predict_proba(X[rows])
        return proba, {key: values[rows] for key, values in similarity.items()}

    # Batches of a fixed number of beats (so that every batch allocates arrays of the
    # same sizes, which the allocator reuses), cut also where beats are more than a
    # chunk apart (so that a batch never reads more than a chunk of beatless signal).
    gaps = np.flatnonzero(np.diff(beats) > size) + 1
    starts = np.union1d(np.arange(0, beats.size, _BEATS_PER_CHUNK), gaps)
    batches = list(zip(starts, [*starts[1:], beats.size], strict=True))
    proba = None
    similarity = {key: np.empty(beats.size, np.float32) for key in keep}
    results = jobs.in_order(classify, batches, len(batches))
    for (i0, i1), (p, sim) in zip(batches, progress(results, "classifying beats"), strict=True):
        if proba is None:
            proba = np.empty((beats.size, p.shape[1]), dtype=p.dtype)
        proba[i0:i1] = p
        for key, values in sim.items():
            similarity[key][i0:i1] = values
    return proba, similarity
