"""Annotation files: annotating many records (WFDB or EDF) in parallel into WFDB
annotation files, writing one result, and comparing with the reference annotations."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._files import FILE_RECORD_SUFFIXES, record_files, record_name, temporary_folder_beside
from ..metrics import compare_annotations, flutter_intervals
from ..record._af import AF_THRESHOLD
from ..signal._quality import SignalQualityWarning
from ._record import annotate_record, pipeline_layout
from ._threads import single_threaded

__all__ = [
    "annotate_and_compare",
    "compare_with_reference",
    "write_annotations",
    "annotate_records",
]


def annotate_and_compare(pipeline, record, **kwargs) -> tuple[Bunch, dict]:
    """Annotate a record with its reference annotations and compare, beat by beat.

    Parameters
    ----------
    pipeline : fitted Pipeline
        As for :func:`annotate_record`.
    record : Bunch
        A record loaded by :func:`ecg_sklearn.io.load_record` with the leads the
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
        A record loaded by :func:`ecg_sklearn.io.load_record`.
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
    ``Q``, which :mod:`ecg_sklearn.io` maps back to the same classes. With
    ``p_af`` (``annotate_record(detect_af=True)``), rhythm changes are written too, as
    MIT-BIH does: a ``+`` annotation with the note ``(AFIB`` at the first beat of each
    run of beats in atrial fibrillation (``p_af`` above
    :data:`~ecg_sklearn.record.AF_THRESHOLD`) and ``(N`` at the first
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
    name = record_name(record)
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


def _record_paths(paths) -> list[Path]:
    """Record paths, a folder standing for every WFDB record, EDF and ISHNE file in it."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [p.with_suffix("") for p in path.glob("*.hea")] + [
                p for p in path.iterdir() if p.suffix.lower() in FILE_RECORD_SUFFIXES
            ]
            if not found:
                raise FileNotFoundError(
                    f"Folder {str(path)!r} holds no record (.hea, .edf, .bdf or .ecg)"
                )
            out += sorted(found)
        else:
            out.append(path)
    return out


def _annotate_file(pipeline, path, leads, write_dir, extension, kwargs):
    from ..io._streaming import open_record

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

    Each record is read a chunk at a time (:func:`ecg_sklearn.io.open_record`) and
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

    check_n_jobs(n_jobs)
    paths = _record_paths(paths)
    for path in paths:  # before any work: never a record's own file
        annotation_path(path, extension, write_dir)
    if len(paths) == 1 and "n_jobs" not in kwargs:
        kwargs["n_jobs"], n_jobs = n_jobs, 1  # one record: its chunks in threads
    one_job = Parallel(n_jobs=n_jobs).n_jobs == 1
    if not one_job:
        pipeline = single_threaded(pipeline)
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


def check_n_jobs(n_jobs, what="n_jobs"):
    if n_jobs is not None and (
        not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0
    ):
        raise ValueError(f"{what} must be a nonzero int (-1: all cores) or None; got {n_jobs!r}")
