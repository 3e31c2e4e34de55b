"""Whole-record annotation: raw ECG in, labelled beats (and WFDB annotation files) out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ._validation import check_fs
from .datasets import resample_record
from .metrics import compare_annotations, flutter_intervals
from .qrs import detect_qrs
from .rhythm import exclude_sveb_in_af
from .windows import DEFAULT_AVG_RR_SPAN, make_beat_windows

__all__ = ["annotate_and_compare", "annotate_record", "pipeline_layout", "write_annotations"]


def pipeline_layout(pipeline) -> tuple[float, int, int]:
    """``(fs, n_leads, n_timepoints)`` of the beat windows a fitted pipeline expects.

    ``fs`` is the first ``fs`` parameter among the steps; the window layout is what the
    first step saw at ``fit`` (``n_features_in_`` channels, the beat channel included,
    and ``n_timepoints_in_`` samples).
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
    return float(fs), int(first.n_features_in_) - 1, int(first.n_timepoints_in_)


def annotate_record(
    pipeline,
    signal,
    fs,
    *,
    beats=None,
    avg_rr_span=DEFAULT_AVG_RR_SPAN,
    af_threshold=None,
    **detect_kwargs,
) -> Bunch:
    """Detect, window and classify every beat of a whole record.

    Parameters
    ----------
    pipeline : fitted Pipeline
        A pipeline trained on the loaders' beat windows (e.g.
        :func:`ecg_sklearn.default_pipeline`).
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        Raw ECG with the leads the pipeline was trained on, in the same order.
    fs : float
        Sampling rate of ``signal`` in Hz. A record at another rate than the model's is
        resampled to it (and the positions returned at the record's own rate).
    beats : array-like of int, optional
        Beat positions (samples at ``fs``) to classify instead of detecting them.
    avg_rr_span : float, default=300.0
        As in :func:`ecg_sklearn.windows.make_beat_windows`.
    af_threshold : float, optional
        Rule out S (SVEB) where the rhythm of the beats called N is irregular, as in
        atrial fibrillation: :func:`ecg_sklearn.rhythm.exclude_sveb_in_af` with this
        threshold (e.g. ``DEFAULT_AF_THRESHOLD``, 0.1). Off by default: chosen on DS1,
        it lowered DS2's S-F1 (docs/benchmarks.md). Applied only when the pipeline's
        classes include ``"S"`` and ``"N"``.
    **detect_kwargs
        Passed to :func:`ecg_sklearn.detect_qrs`.

    Returns
    -------
    result : Bunch
        ``sample`` (beat positions at ``fs``), ``label`` (AAMI class), ``proba``
        (``(n_beats, n_classes)``, after the rule), ``irregular`` (bool, where the rule
        applied), ``classes`` and ``fs``.
    """
    fs = check_fs(fs)
    model_fs, n_leads, n_times = pipeline_layout(pipeline)
    signal = np.asarray(signal, dtype=np.float32)
    if signal.ndim == 1:
        signal = signal[None]
    if signal.ndim != 2:
        raise ValueError(f"signal must be (n_leads, n_samples); got shape {signal.shape}")
    if signal.shape[0] != n_leads:
        raise ValueError(
            f"signal has {signal.shape[0]} lead(s) but the pipeline was trained on {n_leads}"
        )
    if not np.all(np.isfinite(signal)):
        raise ValueError("signal contains NaN or inf values")
    given = None if beats is None else np.unique(np.asarray(beats, dtype=np.int64))
    if fs != model_fs:
        signal, rescaled = resample_record(signal, given if given is not None else [], fs, model_fs)
        given = None if given is None else rescaled
    found = detect_qrs(signal, model_fs, **detect_kwargs) if given is None else given
    classes = pipeline.classes_ if hasattr(pipeline, "classes_") else pipeline[-1].classes_
    if found.size == 0:
        return Bunch(
            sample=np.zeros(0, dtype=np.int64),
            label=np.zeros(0, dtype="<U1"),
            proba=np.zeros((0, len(classes))),
            irregular=np.zeros(0, dtype=bool),
            classes=classes,
            fs=fs,
        )
    context = (n_times - 1) / 2 / model_fs
    X = make_beat_windows(signal, found, model_fs, context=context, avg_rr_span=avg_rr_span)
    if X.shape[-1] != n_times:  # rounding of context * fs
        raise ValueError(f"windows of {X.shape[-1]} samples, pipeline expects {n_times}")
    proba = pipeline.predict_proba(X)
    irregular = np.zeros(found.size, dtype=bool)
    if af_threshold is not None and {"S", "N"} <= set(classes):
        proba, irregular = exclude_sveb_in_af(
            proba, classes, found, model_fs, threshold=af_threshold
        )
    sample = found if fs == model_fs else np.round(found * fs / model_fs).astype(np.int64)
    return Bunch(
        sample=sample,
        label=np.asarray(classes)[proba.argmax(axis=1)],
        proba=proba,
        irregular=irregular,
        classes=classes,
        fs=fs,
    )


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
        :func:`ecg_sklearn.metrics.compare_annotations` of the reference beats with the
        detected ones (150 ms matching window, ventricular flutter excluded); pool
        several records with :func:`ecg_sklearn.metrics.pooled_report`.
    """
    result = annotate_record(pipeline, record.signal, record.fs, **kwargs)
    comparison = compare_annotations(
        record.beat_samples, record.beat_labels, result.sample, result.label, record.fs,
        exclude=flutter_intervals(record.ann_samples, record.ann_symbols),
    )  # fmt: skip
    return result, comparison


def write_annotations(result, record_name, *, extension="cnn", write_dir=".") -> Path:
    """Write an :func:`annotate_record` result as a WFDB annotation file.

    AAMI labels are written as the MIT-BIH symbols ``N``, ``A`` (for S), ``V``, ``F`` and
    ``Q``, which :mod:`ecg_sklearn.datasets` maps back to the same classes.

    Returns
    -------
    path : Path
        The annotation file, ``{write_dir}/{record_name}.{extension}``.
    """
    import wfdb

    symbols = {"N": "N", "S": "A", "V": "V", "F": "F", "Q": "Q"}
    unknown = sorted(set(np.asarray(result.label)) - set(symbols))
    if unknown:
        raise ValueError(f"labels {unknown} have no MIT-BIH symbol")
    Path(write_dir).mkdir(parents=True, exist_ok=True)
    wfdb.wrann(
        record_name,
        extension,
        np.asarray(result.sample, dtype=np.int64),
        symbol=[symbols[label] for label in result.label],
        fs=result.fs,
        write_dir=str(write_dir),
    )
    return Path(write_dir) / f"{record_name}.{extension}"
