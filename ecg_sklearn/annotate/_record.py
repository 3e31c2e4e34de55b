"""Whole-record annotation: raw ECG in, labelled beats (and WFDB annotation files) out."""

from __future__ import annotations

import warnings

import numpy as np
from joblib import effective_n_jobs
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .._validation import MIN_RECORD_FS, check_fs
from ..features._windows import DEFAULT_AVG_RR_SPAN, make_beat_windows
from ..record._af import DOMINANT_LIKE, af_probability
from ..record._chain import SVEB_PREMATURITY, RecordDecision
from ..record._dominant import SVEB_UNLIKE
from ..record._neighbours import VEB_LIKE_NEIGHBOURS
from ..record._ventricular import VEB_PREMATURITY_THRESHOLD
from ..signal._polarity import lead_polarity
from ..signal._quality import (
    FLAT_MV,
    SignalQualityWarning,
    inside,
    rhythm_timeline,
    signal_problems,
)
from ._chunked import (
    DEFAULT_CHUNK_DURATION,
    Jobs,
    classify_in_chunks,
    detect_in_chunks,
    flat_in_chunks,
)
from ._source import ModelRateSignal, check_beats
from ._streamed import (
    StreamedBeats,
    features_in_chunks,
    qrs_segments_in_chunks,
    smooth_in_chunks,
)
from ._threads import one_thread_each

__all__ = ["pipeline_layout", "pipeline_windows", "annotate_record"]


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
        :func:`~ecg_sklearn.features.make_beat_windows` with the pipeline's window length
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
    af_rule_out=True,
    similar_beats=True,
    sveb_prematurity=SVEB_PREMATURITY,
    sveb_gradual=True,
    sveb_noise=True,
    veb_prematurity=VEB_PREMATURITY_THRESHOLD,
    veb_compensated=True,
    sveb_rule_in=None,
    sveb_unlike=SVEB_UNLIKE,
    self_teach=True,
    veb_like_neighbours=VEB_LIKE_NEIGHBOURS,
    veb_noise=True,
    polarity="auto",
    detect_af=False,
    filter_once=True,
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
    those of the record processed whole (tested on the 48 MIT-BIH records). Then, in
    the order of :class:`~ecg_sklearn.record.RecordDecision`, beats in atrial
    fibrillation are not S (``af_rule_out``), each beat's probabilities are averaged
    with those of the record's similar beats (``similar_beats``), and beats called S
    or V are checked against the record's own rhythm (``sveb_prematurity``,
    ``sveb_gradual``, ``sveb_noise``, ``veb_prematurity``).

    Stretches of at least 3 s where the signal is flat (lead off, recorder stuck or
    clipped; :func:`ecg_sklearn.signal.flat_stretches`) are reported as
    ``unanalysable``, and the rhythm features of the beats around them, like those
    around any interval of over 6 s without a beat, read the beats' timeline without
    that interval (:func:`ecg_sklearn.signal.rhythm_timeline`): a lead-off does
    not make the beats after it look premature. Detections inside such a stretch (the
    filters' ringing at its edges) are not beats and are dropped. A lead that looks
    inverted or not in mV (:func:`ecg_sklearn.signal.signal_problems`) gets a
    :class:`~ecg_sklearn.signal.SignalQualityWarning` saying what to do, also
    listed in the result's ``signal_problems``.

    Parameters
    ----------
    pipeline : fitted Pipeline
        A pipeline trained on the loaders' beat windows (e.g.
        :func:`ecg_sklearn.default_pipeline`, :func:`ecg_sklearn.load_pretrained`).
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        Raw ECG with the leads the pipeline was trained on, in the same order: an array,
        a memory map, or a lazy signal of :func:`ecg_sklearn.io.open_record` (read
        a chunk at a time).
    fs : float
        Sampling rate of ``signal`` in Hz, at least 100. A record at another rate than
        the model's is resampled to it once, a block at a time, into a temporary file
        (4 bytes a sample and lead at the model's rate; the positions are returned at
        the record's own rate).
    beats : array-like of int, optional
        Beat positions (samples at ``fs``) to classify instead of detecting them: whole
        numbers inside the signal, strictly increasing (anything else is refused).
    avg_rr_span : float, default=300.0
        As in :func:`ecg_sklearn.features.make_beat_windows`.
    af_rule_out : bool, default=True
        Beats in atrial fibrillation or flutter (``p_af`` above
        :data:`~ecg_sklearn.record.AF_THRESHOLD`) are not S: their S probability moves
        to N (:func:`ecg_sklearn.record.rule_out_sveb_in_af`).
    similar_beats : bool, default=True
        Average each beat's probabilities with those of the 10 most similar beats of
        the record (QRS, P wave and timing; :mod:`ecg_sklearn.features`), after
        ``af_rule_out`` and before ``sveb_prematurity``.
    sveb_prematurity : float, "record" or None, default="record"
        Beats called S whose preceding interval exceeds this fraction of the reference
        interval of the beats called N around them are N
        (:func:`ecg_sklearn.record.rule_out_timely_sveb`); ``"record"``: the
        fraction is the record's own, 0.9 times the 5th percentile of that ratio
        among its beats called N (at least 0.6;
        :func:`ecg_sklearn.record.record_prematurity_threshold`); None: the
        pipeline's calls as they are.
    sveb_gradual, sveb_noise : bool, default=True
        Runs of S calls that start and end gradually, as sinus rhythm speeds up, are N
        (:func:`~ecg_sklearn.record.rule_out_gradual_sveb`, with wider margins for runs
        slower than 100 beats a minute); S calls where detections come at random
        (noise) are Q (:func:`~ecg_sklearn.record.rule_out_sveb_in_noise`).
    veb_prematurity : float or None, default=0.95
        Beats called V with P(V) below 0.7 whose preceding interval exceeds this
        fraction of that reference, and that are followed by no pause (an interval
        above 1.1 times it), are N (:func:`ecg_sklearn.record.rule_out_timely_veb`);
        None: the V calls as they are.
    veb_compensated : bool, default=True
        Premature beats followed by a full compensatory pause with P(V) at least 0.1
        are V (:func:`~ecg_sklearn.record.rule_in_compensated_veb`).
    sveb_rule_in : float or None, default=None
        If set (e.g. 0.8), beats called N whose preceding interval is below this
        fraction of that reference interval, with a QRS like the dominant beat's, a
        P wave unlike the dominant P wave and outside atrial fibrillation, are S
        (:func:`ecg_sklearn.record.rule_in_premature_sveb`, after
        ``sveb_prematurity``): more S beats found, at a cost in S +P
        (docs/benchmarks.md).
    sveb_unlike : float or None, default=0.5
        Beats called S whose QRS correlates below this with the record's dominant beat
        are N (:func:`ecg_sklearn.record.rule_out_sveb_unlike_dominant`); None: no
        such rule.
    self_teach : bool, default=True
        Then let the record teach itself: its calls of probability at least 0.8 label
        the beats like them, under the record's rules for S
        (:func:`ecg_sklearn.record.self_teach`).
    veb_like_neighbours : float or None, default=0.97
        Last, beats called V with P(V) below 0.8 whose QRS correlates above this with
        the median QRS of the 4 beats called N on either side are N
        (:func:`ecg_sklearn.record.rule_out_veb_like_neighbours`): conducted beats whose
        QRS changed over the record; None: no such rule.
    veb_noise : bool, default=True
        Last, V calls where the detections come at random (noise) are Q
        (:func:`~ecg_sklearn.record.rule_out_veb_in_noise`).
    polarity : {"auto", "given"}, default="auto"
        ``"auto"``: a lead whose detected beats' QRS and P wave both point down
        (reversed electrodes, :func:`ecg_sklearn.signal.lead_polarity`) is read as
        ``-signal``, and ``signal_problems`` says so; ``"given"``: as it is.
    detect_af : bool, default=False
        Also give each beat's probability of atrial fibrillation or flutter (``p_af``;
        in AF above :data:`~ecg_sklearn.record.AF_THRESHOLD`), from the rhythm around
        it and the intervals between the beats like the dominant one
        (:func:`ecg_sklearn.record.af_probability`). The labels do not depend on it.
    filter_once : bool, default=True
        With a pipeline that starts with :class:`~ecg_sklearn.ECGFilter`, filter the
        record once (:meth:`~ecg_sklearn.ECGFilter.filter_signal`, a batch's stretch and
        10 s on either side at a time) and cut the windows from it, instead of filtering
        each window (faster). The windows then differ from the loaders' (filtered one by
        one, as the models were trained) near their ends: on DS1 out of fold, S-F1 and
        V-F1 within 0.001 (docs/design.md). False gives the loaders' windows exactly.
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
        ``proba`` (``(n_beats, n_classes)``, after the record-level steps),
        ``self_taught`` (True for the beats the record's self-teaching changed) and
        ``untaught_proba`` (their probabilities before it, for an expert's review:
        :func:`ecg_sklearn.review.apply_review` starts from them), ``p_af``
        (None unless ``detect_af``), ``classes``, ``fs``, ``unanalysable``
        (``(n_stretches, 2)`` ``[start, stop)`` samples at ``fs`` of flat signal) and
        ``signal_problems`` (list of str), ``polarity`` (-1 where the lead was read
        inverted, else 1); the names of
        :func:`ecg_sklearn.io.load_record`'s reference beats.
    """
    fs = check_fs(fs, minimum=MIN_RECORD_FS)
    if polarity not in ("given", "auto"):
        raise ValueError(f"polarity must be 'given' or 'auto'; got {polarity!r}")
    if chunk_duration is not None and not chunk_duration > 0:
        raise ValueError(f"chunk_duration must be positive seconds or None; got {chunk_duration!r}")
    decision = RecordDecision(
        af_rule_out=af_rule_out, similar_beats=similar_beats, sveb_prematurity=sveb_prematurity,
        sveb_gradual=sveb_gradual, sveb_noise=sveb_noise, veb_prematurity=veb_prematurity,
        veb_compensated=veb_compensated, sveb_rule_in=sveb_rule_in, sveb_unlike=sveb_unlike,
        self_teach=self_teach, veb_like_neighbours=veb_like_neighbours, veb_noise=veb_noise,
    ).check()  # fmt: skip
    model_fs, n_leads, n_times = pipeline_layout(pipeline)
    source = ModelRateSignal(signal, fs, model_fs, n_leads)

    progress = _progress_bars(verbose)
    n_jobs = effective_n_jobs(n_jobs)
    classes = pipeline.classes_ if hasattr(pipeline, "classes_") else pipeline[-1].classes_
    # What the record-level steps after the pipeline read of each beat.
    with_af = detect_af or af_rule_out or self_teach
    kept = ("qrs_similarity",) if with_af or sveb_unlike is not None else ()
    if decision.needs_rule_in_evidence:
        kept = ("qrs_similarity", "p_wave_similarity")
    with one_thread_each(pipeline, n_jobs) as pipeline, Jobs(n_jobs) as jobs:
        if beats is None:
            found, flat = detect_in_chunks(source, chunk_duration, progress, jobs, **detect_kwargs)
            found = found[~inside(found, flat)]  # the filters' ringing, not beats
        else:
            found = source.to_model_rate(check_beats(beats, source.signal.shape[1]))
            if np.any(np.diff(found) <= 0):
                raise ValueError(f"beats closer than one sample at the model's {model_fs:g} Hz")
            flat = flat_in_chunks(source, chunk_duration, jobs)
        unanalysable = flat if fs == model_fs else np.round(flat * fs / model_fs).astype(np.int64)
        if polarity == "auto" and lead_polarity(source.read, found, model_fs) < 0:
            source.polarity = -1  # read as -signal from now on
        problems = _quality_problems(source, found, flat, model_fs)
        for problem in problems:
            warnings.warn(f"annotate_record: {problem}", SignalQualityWarning, stacklevel=2)
        if found.size == 0:
            empty, no_proba = np.zeros(0, dtype=np.int64), np.zeros((0, len(classes)))
            return _result(empty, no_proba, np.zeros(0) if detect_af else None,
                           classes, fs, unanalysable, problems, no_proba,
                           source.polarity)  # fmt: skip
        # The rhythm features read the beats' timeline without the interruptions.
        timeline = rhythm_timeline(found, model_fs, flat)
        proba, similarity = classify_in_chunks(
            pipeline, source, found, n_times, avg_rr_span, chunk_duration, progress,
            _reads_rr_context(pipeline), jobs,
            keep=kept, timeline=timeline, filter_once=filter_once,
        )  # fmt: skip
        p_af = None
        if with_af:
            p_af = np.full(found.size, np.nan)
            if found.size >= 3:
                alike = similarity["qrs_similarity"] >= DOMINANT_LIKE
                p_af = af_probability(timeline, model_fs, alike)
        streamed = StreamedBeats(
            timeline, model_fs, dict(similarity, p_af=p_af),
            lambda proba: smooth_in_chunks(
                source, found, proba, chunk_duration, progress, jobs, timeline=timeline
            ),
            lambda rows: features_in_chunks(source, found, rows, chunk_duration, timeline),
            lambda rows: qrs_segments_in_chunks(source, found, rows, chunk_duration),
        )  # fmt: skip
        proba = decision.apply_rules(proba, classes, streamed)
        proba, untaught = decision.teach_and_rule_out(proba, classes, streamed)
    sample = found if fs == model_fs else np.round(found * fs / model_fs).astype(np.int64)
    return _result(sample, proba, p_af if detect_af else None, classes, fs, unanalysable,
                   problems, untaught, source.polarity)  # fmt: skip


def _result(
    beat_samples, proba, p_af, classes, fs, unanalysable, problems, untaught, polarity
) -> Bunch:
    """:func:`annotate_record`'s result (``untaught``: ``proba`` before self-teaching)."""
    self_taught = np.any(proba != untaught, axis=1)
    return Bunch(
        beat_samples=beat_samples,
        beat_labels=np.asarray(classes)[proba.argmax(axis=1)],
        proba=proba,
        self_taught=self_taught,
        untaught_proba=untaught[self_taught],
        p_af=p_af,
        classes=classes,
        fs=fs,
        unanalysable=unanalysable,
        signal_problems=problems,
        polarity=polarity,
    )


def _progress_bars(verbose):
    """``progress(iterable, what)``: a progress bar over ``iterable`` when ``verbose``."""

    def progress(iterable, what):
        if not verbose:
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=what, leave=False)

    return progress


def _quality_problems(source, found, flat, fs) -> list[str]:
    """:func:`~ecg_sklearn.signal.signal_problems` of the record, and a record mostly flat."""
    problems = signal_problems(source.read, found, fs)
    if source.polarity < 0:
        problems.insert(0,
            "the QRS and the P wave point down: the lead looks inverted (electrodes "
            "reversed) and was read as -signal (polarity='auto'); pass polarity='given' "
            "to read it as it is."
        )  # fmt: skip
    flat_share = float(np.diff(flat, axis=1).sum() / max(1, source.n_samples))
    if found.size == 0 and flat_share > 0.5:
        problems.append(
            f"no beat found: {100 * flat_share:.0f}% of the record is flat (varies by "
            f"less than {FLAT_MV:g} mV): the lead is off, or the signal is not in mV (V?)"
        )
    return problems
