"""Whole-record annotation: raw ECG in, labelled beats (and WFDB annotation files) out."""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import warnings
from pathlib import Path

import numpy as np
from joblib import effective_n_jobs
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ._chunked import (
    DEFAULT_CHUNK_DURATION,
    Jobs,
    ModelRateSignal,
    classify_in_chunks,
    detect_in_chunks,
    flat_in_chunks,
    smooth_in_chunks,
)
from ._files import record_files, temporary_folder_beside
from ._validation import MIN_RECORD_FS, check_fs
from .atrial_fibrillation import DOMINANT_SIMILARITY, af_probability
from .atrial_fibrillation import THRESHOLD as AF_THRESHOLD
from .metrics import compare_annotations, flutter_intervals
from .prematurity import THRESHOLD as PREMATURITY_THRESHOLD
from .prematurity import (
    _check_threshold,
    rule_in_premature_sveb,
    rule_out_timely_sveb,
)
from .signal_quality import (
    FLAT_MV,
    SignalQualityWarning,
    inside,
    rhythm_timeline,
    signal_problems,
)
from .windows import DEFAULT_AVG_RR_SPAN, make_beat_windows

__all__ = [
    "annotate_and_compare",
    "compare_with_reference",
    "annotate_record",
    "annotate_records",
    "pipeline_layout",
    "pipeline_windows",
    "write_annotations",
]


def pipeline_layout(pipeline) -> tuple[float, int, int]:
    """``(fs, n_leads, n_timepoints)`` of the beat windows a fitted pipeline expects.

    ``fs`` is the first ``fs`` parameter among the steps; the window layout is what the
    first step saw at ``fit`` (``n_features_in_`` channels, the beat channel and the
    record-context channel included, and ``n_timepoints_in_`` samples).
    """
    steps = [s for _, s in pipeline.steps] if isinstance(pipeline, Pipeline) else [pipeline]
    fs = next((s.fs for s in steps if getattr(s, "fs", None) is not None), None)
    if fs is None:
        raise ValueError("No step of the pipeline has an fs parameter (sampling rate)")
    first = steps[0]
    check_is_fitted(first)
    if not hasattr(first, "n_timepoints_in_"):
        raise ValueError(
            f"The first step ({type(first).__name__}) does not record the window layout; "
            "the pipeline must start with ECGFilter or BeatSegmenter"
        )
    n_leads = int(first.n_features_in_) - 1 - _reads_rr_context(pipeline)
    return float(fs), n_leads, int(first.n_timepoints_in_)


def pipeline_windows(pipeline, signal, beat_samples):
    """Beat windows of a record in the layout a fitted pipeline expects.

    Parameters
    ----------
    pipeline : fitted Pipeline
    signal : array-like, shape (n_leads, n_samples)
        The record at the pipeline's sampling rate, with its leads.
    beat_samples : array-like of int
        Every beat of the record (sorted).

    Returns
    -------
    windows : ndarray of float32, shape (n_beats, n_channels, n_timepoints)
        :func:`~ecg_sklearn.windows.make_beat_windows` with the pipeline's window length
        and, if it reads one, the record-context channel.
    """
    fs, _, n_times = pipeline_layout(pipeline)
    context = (n_times - 1) / 2 / fs
    return make_beat_windows(
        signal, beat_samples, fs, context=context, rr_context=_reads_rr_context(pipeline)
    )


def _reads_rr_context(pipeline) -> bool:
    """Whether the pipeline's windows carry the record-context channel (``rr_context``)."""
    steps = [s for _, s in pipeline.steps] if isinstance(pipeline, Pipeline) else [pipeline]
    return bool(getattr(steps[0], "rr_context", False))


def annotate_record(
    pipeline,
    signal,
    fs,
    *,
    beats=None,
    avg_rr_span=DEFAULT_AVG_RR_SPAN,
    similar_beats=True,
    sveb_prematurity=PREMATURITY_THRESHOLD,
    sveb_rule_in=None,
    detect_af=False,
    chunk_duration=DEFAULT_CHUNK_DURATION,
    n_jobs=None,
    verbose=0,
    **detect_kwargs,
) -> Bunch:
    """Detect, window and classify every beat of a whole record.

    The record is read and processed a piece at a time (``chunk_duration`` seconds for
    detection, 1024 beats at a time for classification), so memory stays bounded
    whatever the record's length; record-level quantities (the average RR interval, the
    rhythm context) come from all beat positions, found first, and the dominant beat
    and P wave from a bounded sample of beats read before the chunks. The labels are
    those of the record processed whole (tested on the 48 MIT-BIH records). Each beat's
    probabilities are then averaged with those of the record's similar beats
    (``similar_beats``), and beats called S checked against the record's own rhythm
    (``sveb_prematurity``).

    Stretches of at least 3 s where the signal is flat (lead off, recorder stuck or
    clipped; :func:`ecg_sklearn.signal_quality.flat_stretches`) are reported as
    ``unanalysable``, and the rhythm features of the beats around them, like those
    around any interval of over 6 s without a beat, read the beats' timeline without
    that interval (:func:`ecg_sklearn.signal_quality.rhythm_timeline`): a lead-off does
    not make the beats after it look premature. Detections inside such a stretch (the
    filters' ringing at its edges) are not beats and are dropped. A lead that looks
    inverted or not in mV (:func:`ecg_sklearn.signal_quality.signal_problems`) gets a
    :class:`~ecg_sklearn.signal_quality.SignalQualityWarning` saying what to do, also
    listed in the result's ``signal_problems``.

    Parameters
    ----------
    pipeline : fitted Pipeline
        A pipeline trained on the loaders' beat windows (e.g.
        :func:`ecg_sklearn.default_pipeline`, :func:`ecg_sklearn.load_pretrained`).
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        Raw ECG with the leads the pipeline was trained on, in the same order: an array,
        a memory map, or a lazy signal of :func:`ecg_sklearn.records.open_record` (read
        a chunk at a time).
    fs : float
        Sampling rate of ``signal`` in Hz, at least 100. A record at another rate than
        the model's is resampled to it, chunk by chunk (and the positions returned at
        the record's own rate).
    beats : array-like of int, optional
        Beat positions (samples at ``fs``) to classify instead of detecting them: whole
        numbers inside the signal, strictly increasing (anything else is refused).
    avg_rr_span : float, default=300.0
        As in :func:`ecg_sklearn.windows.make_beat_windows`.
    similar_beats : bool, default=True
        Average each beat's probabilities with those of the 10 most similar beats of
        the record (QRS, P wave and timing; :mod:`ecg_sklearn.similar_beats`), after the
        pipeline's decision and before ``sveb_prematurity``.
    sveb_prematurity : float or None, default=0.8
        Beats called S whose preceding interval exceeds this fraction of the reference
        interval of the beats called N around them are N
        (:func:`ecg_sklearn.prematurity.rule_out_timely_sveb`); None: the pipeline's
        calls as they are.
    sveb_rule_in : float or None, default=None
        If set (e.g. 0.8), beats called N whose preceding interval is below this
        fraction of that reference interval, with a QRS like the dominant beat's, a
        P wave unlike the dominant P wave and outside atrial fibrillation, are S
        (:func:`ecg_sklearn.prematurity.rule_in_premature_sveb`, after
        ``sveb_prematurity``): more S beats found, at a cost in S +P
        (docs/benchmarks.md).
    detect_af : bool, default=False
        Also give each beat's probability of atrial fibrillation or flutter (``p_af``;
        in AF above 0.8), from the rhythm around it and the intervals between the beats
        like the dominant one (:mod:`ecg_sklearn.atrial_fibrillation`). The labels do
        not depend on it. Needs a pipeline with the record-context channel.
    chunk_duration : float or None, default=600.0
        Seconds of signal the detector reads at a time (plus 30 s on either side);
        ``None`` reads the whole record at once.
    n_jobs : int or None, default=None
        Threads that detect, classify and compare chunks of the record at once (``-1``:
        all cores; None: 1 unless in a :func:`joblib.parallel_config` context). With
        one, the chunks run in turn and the network and the filter's FFTs keep their own
        threads (every core for the shipped model, whose filter has ``n_jobs=-1``); with
        more, each thread's network and FFTs use one thread. BLAS uses one thread either
        way. The labels do not depend on it.
    verbose : int, default=0
        Show progress bars (detection and classification chunks).
    **detect_kwargs
        Passed to :func:`ecg_sklearn.detect_qrs`.

    Returns
    -------
    result : Bunch
        ``beat_samples`` (beat positions at ``fs``), ``beat_labels`` (AAMI class),
        ``proba`` (``(n_beats, n_classes)``, after the record-level steps), ``p_af``
        (None unless ``detect_af``), ``classes``, ``fs``, ``unanalysable``
        (``(n_stretches, 2)`` ``[start, stop)`` samples at ``fs`` of flat signal) and
        ``signal_problems`` (list of str); the names of
        :func:`ecg_sklearn.records.load_record`'s reference beats.
    """
    fs = check_fs(fs, minimum=MIN_RECORD_FS)
    if chunk_duration is not None and not chunk_duration > 0:
        raise ValueError(f"chunk_duration must be positive seconds or None; got {chunk_duration!r}")
    if sveb_prematurity is not None:
        _check_threshold(sveb_prematurity, "sveb_prematurity")
    if sveb_rule_in is not None:
        _check_threshold(sveb_rule_in, "sveb_rule_in")
    model_fs, n_leads, n_times = pipeline_layout(pipeline)
    if detect_af and not _reads_rr_context(pipeline):
        raise ValueError(
            "detect_af needs a pipeline whose windows carry the record-context channel "
            "(rr_context=True, as default_pipeline's): it gives each beat's similarity to "
            "the dominant beat"
        )
    source = ModelRateSignal(signal, fs, model_fs, n_leads)

    def progress(iterable, what):
        if not verbose:
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=what, leave=False)

    n_jobs = effective_n_jobs(n_jobs)
    classes = pipeline.classes_ if hasattr(pipeline, "classes_") else pipeline[-1].classes_
    # What the record-level steps after the pipeline read of each beat.
    kept = ("qrs_similarity",) if detect_af else ()
    if sveb_rule_in is not None:
        kept = ("qrs_similarity", "p_wave_similarity")
    with _one_thread_each(pipeline, n_jobs) as pipeline, Jobs(n_jobs) as jobs:
        if beats is None:
            found, flat = detect_in_chunks(source, chunk_duration, progress, jobs, **detect_kwargs)
            found = found[~inside(found, flat)]  # the filters' ringing, not beats
        else:
            found = source.to_model_rate(_check_beats(beats, source.signal.shape[1]))
            if np.any(np.diff(found) <= 0):
                raise ValueError(f"beats closer than one sample at the model's {model_fs:g} Hz")
            flat = flat_in_chunks(source, chunk_duration, jobs)
        unanalysable = flat if fs == model_fs else np.round(flat * fs / model_fs).astype(np.int64)
        problems = signal_problems(source.read, found, model_fs)
        flat_share = float(np.diff(flat, axis=1).sum() / max(1, source.n_samples))
        if found.size == 0 and flat_share > 0.5:
            problems.append(
                f"no beat found: {100 * flat_share:.0f}% of the record is flat (varies by "
                f"less than {FLAT_MV:g} mV): the lead is off, or the signal is not in mV (V?)"
            )
        for problem in problems:
            warnings.warn(f"annotate_record: {problem}", SignalQualityWarning, stacklevel=2)
        if found.size == 0:
            return Bunch(
                beat_samples=np.zeros(0, dtype=np.int64),
                beat_labels=np.zeros(0, dtype="<U1"),
                proba=np.zeros((0, len(classes))),
                p_af=np.zeros(0) if detect_af else None,
                classes=classes,
                fs=fs,
                unanalysable=unanalysable,
                signal_problems=problems,
            )
        # The rhythm features read the beats' timeline without the interruptions.
        timeline = rhythm_timeline(found, model_fs, flat)
        proba, similarity = classify_in_chunks(
            pipeline, source, found, n_times, avg_rr_span, chunk_duration, progress,
            _reads_rr_context(pipeline), jobs,
            keep=kept, timeline=timeline,
        )  # fmt: skip
        if similar_beats:
            proba = smooth_in_chunks(
                source, found, proba, chunk_duration, progress, jobs, timeline=timeline
            )
    p_af = None
    if detect_af:
        p_af = np.full(found.size, np.nan)
        if found.size >= 3:
            alike = similarity["qrs_similarity"] >= DOMINANT_SIMILARITY
            p_af = af_probability(timeline, model_fs, alike)
    if sveb_prematurity is not None:
        proba = rule_out_timely_sveb(proba, classes, timeline, threshold=sveb_prematurity)
    if sveb_rule_in is not None:
        proba = rule_in_premature_sveb(
            proba, classes, timeline, model_fs, dict(similarity, p_af=p_af),
            threshold=sveb_rule_in,
        )  # fmt: skip
    sample = found if fs == model_fs else np.round(found * fs / model_fs).astype(np.int64)
    return Bunch(
        beat_samples=sample,
        beat_labels=np.asarray(classes)[proba.argmax(axis=1)],
        proba=proba,
        p_af=p_af,
        classes=classes,
        fs=fs,
        unanalysable=unanalysable,
        signal_problems=problems,
    )


def _check_beats(beats, n_samples) -> np.ndarray:
    """``beats=`` of :func:`annotate_record` as int64, checked: 1-D, whole numbers,
    strictly increasing, inside the signal's ``n_samples``."""
    given = np.asarray(beats)
    if given.ndim != 1 or not given.size:
        raise ValueError(f"beats must be a non-empty 1-D array of samples; got shape {given.shape}")
    if not (np.issubdtype(given.dtype, np.integer) or np.all(np.mod(given, 1) == 0)):
        raise ValueError("beats must be whole sample numbers")
    given = given.astype(np.int64)
    outside = (given < 0) | (given >= n_samples)
    if outside.any():
        raise ValueError(
            f"beats: {int(outside.sum())} of {given.size} lie outside the signal's "
            f"{n_samples} samples (first: {int(given[outside][0])})"
        )
    steps = np.diff(given)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0])
        what = "repeated" if steps[i] == 0 else "not in increasing order"
        raise ValueError(
            f"beats must be strictly increasing: beats[{i + 1}] = {int(given[i + 1])} is "
            f"{what} (after {int(given[i])}); pass each beat once, sorted"
        )
    return given


def annotate_and_compare(pipeline, record, **kwargs) -> tuple[Bunch, dict]:
    """Annotate a record with its reference annotations and compare, beat by beat.

    Parameters
    ----------
    pipeline : fitted Pipeline
        As for :func:`annotate_record`.
    record : Bunch
        A record loaded by :func:`ecg_sklearn.datasets.load_record` with the leads the
        pipeline expects.
    **kwargs
        Passed to :func:`annotate_record`.

    Returns
    -------
    result : Bunch
        :func:`annotate_record`'s output.
    comparison : dict
        :func:`compare_with_reference` of the detected beats.
    """
    result = annotate_record(pipeline, record.signal, record.fs, **kwargs)
    return result, compare_with_reference(record, result.beat_samples, result.beat_labels)


def compare_with_reference(record, test_samples, test_labels) -> dict:
    """Compare labelled beats of a record with its reference annotations, beat by beat.

    Parameters
    ----------
    record : Bunch
        A record loaded by :func:`ecg_sklearn.datasets.load_record`.
    test_samples, test_labels : array-like
        The beats under test: positions (samples at ``record.fs``) and AAMI labels.

    Returns
    -------
    comparison : dict
        :func:`ecg_sklearn.metrics.compare_annotations` with the 150 ms matching window,
        ventricular flutter excluded (EC57); pool records with
        :func:`ecg_sklearn.metrics.pooled_report`.
    """
    return compare_annotations(
        record.beat_samples, record.beat_labels, test_samples, test_labels, record.fs,
        exclude=flutter_intervals(record.ann_samples, record.ann_symbols),
    )  # fmt: skip


def write_annotations(result, record_name, *, extension="cnn", write_dir=".", protect=()) -> Path:
    """Write an :func:`annotate_record` result as a WFDB annotation file.

    AAMI labels are written as the MIT-BIH symbols ``N``, ``A`` (for S), ``V``, ``F`` and
    ``Q``, which :mod:`ecg_sklearn.datasets` maps back to the same classes. With
    ``p_af`` (``annotate_record(detect_af=True)``), rhythm changes are written too, as
    MIT-BIH does: a ``+`` annotation with the note ``(AFIB`` at the first beat of each
    run of beats in atrial fibrillation (``p_af`` above 0.8) and ``(N`` at the first
    beat after it (and at the first beat of the record). Unanalysable stretches
    (``result.unanalysable``) are written as WFDB does: a ``~`` annotation with subtype
    -1 (all signals unreadable) where each starts and subtype 0 where it stops.

    The file is written whole or not at all: into a temporary folder beside it, then
    moved into place, so a crash never leaves a half-written annotation file. It never
    replaces a file of the record itself: ``{record_name}.hea`` or ``.atr`` in
    ``write_dir``, or any of ``protect``.

    Parameters
    ----------
    result : Bunch
        From :func:`annotate_record`.
    record_name : str
    extension : str, default="cnn"
        Letters and digits (``.hea`` and ``.atr`` are the record's own).
    write_dir : path-like, default="."
    protect : iterable of path-like
        Other files that must not be replaced (the record's signal files).

    Returns
    -------
    path : Path
        The annotation file, ``{write_dir}/{record_name}.{extension}``.
    """
    import wfdb

    path = annotation_path(Path(write_dir) / record_name, extension, write_dir, protect)
    symbols = {"N": "N", "S": "A", "V": "V", "F": "F", "Q": "Q"}
    unknown = sorted(set(np.asarray(result.beat_labels)) - set(symbols))
    if unknown:
        raise ValueError(f"labels {unknown} have no MIT-BIH symbol")
    samples = np.asarray(result.beat_samples, dtype=np.int64)
    symbol = [symbols[label] for label in result.beat_labels]
    notes = [""] * len(symbol)
    if result.get("p_af") is not None and samples.size:
        in_af = np.asarray(result.p_af) > AF_THRESHOLD
        changes = np.flatnonzero(np.r_[True, in_af[1:] != in_af[:-1]])
        # Each change goes just before its beat (same sample, earlier in the file).
        order = np.argsort(np.r_[changes, np.arange(samples.size)], kind="stable")
        samples = np.r_[samples[changes], samples][order]
        symbol = list(np.array(["+"] * changes.size + symbol)[order])
        rhythm = np.where(in_af[changes], "(AFIB", "(N")
        notes = list(np.r_[rhythm, np.full(len(notes), "")][order])
    if not samples.size:
        raise ValueError(
            f"Record {record_name!r}: no beat to write (no beat detected: a flat or "
            "disconnected lead?); no annotation file written"
        )
    # Unanalysable stretches as WFDB signal-quality changes: "~" with subtype -1 (every
    # signal unreadable) where one starts, 0 (clean) where it stops.
    spans = np.asarray(result.get("unanalysable", np.empty((0, 2))), np.int64).reshape(-1, 2)
    subtype = np.zeros(samples.size, dtype=np.int64)
    if spans.size:
        order = np.argsort(np.r_[spans.ravel(), samples], kind="stable")
        samples = np.r_[spans.ravel(), samples][order]
        symbol = list(np.array(["~"] * spans.size + symbol)[order])
        notes = list(np.r_[np.full(spans.size, ""), notes][order])
        subtype = np.r_[np.tile([-1, 0], len(spans)), subtype][order]
    with temporary_folder_beside(path) as tmp:
        wfdb.wrann(
            record_name, extension, samples, symbol=symbol, subtype=subtype, aux_note=notes,
            fs=result.fs, write_dir=tmp,
        )  # fmt: skip
        os.replace(Path(tmp) / path.name, path)
    return path


def annotation_path(record, extension, write_dir=None, protect=()) -> Path:
    """Where the annotations of ``record`` (a record path) go: ``{write_dir or the record's
    folder}/{name}.{extension}``. Raises ``ValueError`` when that is one of the record's
    own files (header, signal, reference annotations; :func:`record_files`) or one of
    ``protect``, or when ``extension`` is not letters and digits."""
    record = Path(record)
    if not (isinstance(extension, str) and extension.isalnum() and extension.isascii()):
        raise ValueError(f"extension must be letters and digits, e.g. 'cnn'; got {extension!r}")
    name = record.stem if record.suffix.lower() in (".edf", ".bdf") else record.name
    path = Path(write_dir or record.parent) / f"{name}.{extension}"
    own = record_files(record) | record_files(path.with_suffix("")) | {
        Path(p).resolve() for p in protect
    }  # fmt: skip
    if path.resolve() in own:
        raise ValueError(
            f"Refusing to write annotations to {str(path)!r}: it is a file of the record "
            f"{name!r} (header, signal or reference annotations). Choose another extension "
            "(the default is 'cnn') or another output folder."
        )
    return path


def _check_n_jobs(n_jobs, what="n_jobs"):
    if n_jobs is not None and (
        not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0
    ):
        raise ValueError(f"{what} must be a nonzero int (-1: all cores) or None; got {n_jobs!r}")


def _record_paths(paths) -> list[Path]:
    """Record paths, a folder standing for every WFDB record and EDF file in it."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [p.with_suffix("") for p in path.glob("*.hea")] + list(path.glob("*.edf"))
            if not found:
                raise FileNotFoundError(f"Folder {str(path)!r} holds no .hea or .edf record")
            out += sorted(found)
        else:
            out.append(path)
    return out


@functools.cache
def _thread_pools():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # the loaded BLAS and OpenMP libraries, found once


@contextlib.contextmanager
def _one_thread_each(pipeline, n_jobs):
    """``pipeline`` with BLAS on one thread (its threads wait busily between the small
    products here and slow the rest) and, for ``n_jobs > 1``, its network (unless it
    sets ``n_threads``) and its steps' ``n_jobs`` (the filter's FFTs) on one thread
    too: a shallow copy of those steps, the others shared."""
    from .classifier import _torch_threads

    if n_jobs > 1 and isinstance(pipeline, Pipeline):
        steps = []
        for name, step in pipeline.steps:
            if "n_jobs" in step.get_params(deep=False):
                step = copy.copy(step).set_params(n_jobs=1)
            steps.append((name, step))
        pipeline = copy.copy(pipeline)
        pipeline.steps = steps
    with (
        _thread_pools().limit(limits=1, user_api="blas"),
        _torch_threads(1 if n_jobs > 1 else None),
    ):
        yield pipeline


def _single_threaded(pipeline):
    """A copy of ``pipeline`` whose steps' ``n_threads`` and ``n_jobs`` are 1."""
    params = {k: 1 for k in pipeline.get_params() if k.endswith(("n_threads", "__n_jobs"))}
    return copy.deepcopy(pipeline).set_params(**params) if params else pipeline


def _annotate_file(pipeline, path, leads, write_dir, extension, kwargs):
    from .records import open_record

    try:
        rec = open_record(path, leads=leads)
        if leads is None:  # the record's first leads, as many as the pipeline takes
            rec.signal = rec.signal.take(range(pipeline_layout(pipeline)[1]))
        with warnings.catch_warnings():  # reported in the result instead
            warnings.simplefilter("ignore", SignalQualityWarning)
            result = annotate_record(pipeline, rec.signal, rec.fs, **kwargs)
        written = write_annotations(
            result, rec.record, extension=extension, write_dir=write_dir or Path(path).parent,
            protect=record_files(path),
        )  # fmt: skip
    except Exception as exc:  # one bad record must not cost the others their outputs
        return Bunch(record=Path(path).name, path=None, error=f"{type(exc).__name__}: {exc}")
    counts = {str(c): int((result.beat_labels == c).sum()) for c in result.classes}
    af_burden = None if result.p_af is None else float(np.mean(result.p_af > AF_THRESHOLD))
    unanalysable_s = float(np.diff(result.unanalysable, axis=1).sum() / rec.fs)
    return Bunch(
        record=rec.record, path=written, error=None, n_beats=len(result.beat_samples),
        counts=counts, af_burden=af_burden,
        leads=rec.leads, unanalysable_s=unanalysable_s, problems=result.signal_problems,
    )  # fmt: skip


def annotate_records(
    pipeline, paths, *, leads=None, write_dir=None, extension="cnn", n_jobs=None, verbose=1,
    **kwargs,
) -> list[Bunch]:  # fmt: skip
    """Annotate many records (WFDB or EDF) into WFDB annotation files, in parallel.

    Each record is read a chunk at a time (:func:`ecg_sklearn.records.open_record`) and
    annotated by :func:`annotate_record`; a record that fails is reported in the result
    and skipped, the others are written. Parallel through joblib: with
    ``joblib.parallel_config(backend="dask")`` the records run on a Dask cluster.

    Parameters
    ----------
    pipeline : fitted Pipeline
    paths : sequence of path-like
        Record paths without extension (``DIR/100``), ``.edf`` files, or folders (every
        record in them).
    leads : str or sequence, optional
        Leads to read by name, with alternatives; by default the first lead of each
        record (as many as the pipeline takes).
    write_dir : path-like, optional
        Folder for the annotation files (default: beside each record).
    extension : str, default="cnn"
    n_jobs : int, optional
        Records annotated at once (joblib; ``-1``: all cores). Each job's network uses
        one thread. A single record is annotated by ``n_jobs`` threads instead
        (:func:`annotate_record`'s ``n_jobs``).
    verbose : int, default=1
        A progress bar over the records (and, with one job, over each record's chunks).
    **kwargs
        Passed to :func:`annotate_record` (``detect_af``, ``chunk_duration``).

    Returns
    -------
    results : list of Bunch
        One per record, in order: ``record``, ``path`` (the file written, None on
        failure), ``error`` (None, or the error's type and message), ``n_beats``,
        ``counts`` (beats per class), ``af_burden`` (the share of
        beats in atrial fibrillation, with ``detect_af=True``; else None), ``leads``
        (those read), ``unanalysable_s`` (seconds of flat signal) and ``problems``
        (:func:`annotate_record`'s ``signal_problems``).
    """
    from joblib import Parallel, delayed

    _check_n_jobs(n_jobs)
    paths = _record_paths(paths)
    for path in paths:  # before any work: never a record's own file
        annotation_path(path, extension, write_dir)
    if len(paths) == 1 and "n_jobs" not in kwargs:
        kwargs["n_jobs"], n_jobs = n_jobs, 1  # one record: its chunks in threads
    one_job = Parallel(n_jobs=n_jobs).n_jobs == 1
    if not one_job:
        pipeline = _single_threaded(pipeline)
    kwargs.setdefault("verbose", int(verbose and one_job))
    jobs = [
        delayed(_annotate_file)(pipeline, path, leads, write_dir, extension, kwargs)
        for path in paths
    ]
    try:  # results as they come, for the progress bar
        results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    except ValueError as exc:  # backends without it (joblib's Dask backend before 1.4)
        if "return_as" not in str(exc):
            raise
        results = Parallel(n_jobs=n_jobs)(jobs)
    if verbose:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(paths), desc="records", unit="record")
    return list(results)
