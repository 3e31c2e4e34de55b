"""The loaders: annotated WFDB records to beat windows (with the beat and record-context
channels), their labels, records and positions."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.utils import Bunch
from tqdm.auto import tqdm

from ..features._windows import (
    DEFAULT_AVG_RR_SPAN,
    DEFAULT_CONTEXT,
    make_beat_windows,
    window_length,
)
from ..signal._quality import flat_stretches, inside, rhythm_timeline
from ..signal._resampling import resample_record
from ._annotations import AAMI_MAP, read_annotations
from ._wfdb import normalise_leads, pick_leads, read_header, read_signal

__all__ = ["load_wfdb"]


# --------------------------------------------------------------------------- beats
class _Planned(NamedTuple):
    """A record to load: what its header and annotations said."""

    record: str
    header: object
    channels: list
    beat_samples: np.ndarray
    symbols: np.ndarray


def load_wfdb(
    data_dir,
    records,
    *,
    leads=("MLII",),
    fs=None,
    context: float = DEFAULT_CONTEXT,
    avg_rr_span: float = DEFAULT_AVG_RR_SPAN,
    rr_context: bool = True,
    on_missing_lead: str = "raise",
    transform=None,
    verbose: int = 1,
) -> Bunch:
    """Load the annotated beats of WFDB records as beat windows.

    Works for any WFDB database whose beat annotations (``.atr``) use MIT-BIH symbols,
    at any sampling rate. Non-beat annotations (rhythm, noise, comments) are never
    treated as beats, but beat positions in every window's beat channel come from all
    beat annotations of the record.

    Parameters
    ----------
    data_dir : path-like
        Folder holding the records' ``.hea``, ``.dat`` and ``.atr`` files.
    records : sequence of str
        Record names.
    leads : str or sequence, default=("MLII",)
        Leads to keep, chosen by name from each header, never by position. An item may be
        a tuple of alternatives, the first present being taken: ``[("MLII", "V5")]``.
    fs : float, optional
        Resample every record to this rate (Hz) before cutting windows.
    context : float, default=2.0
        Seconds of signal on each side of the beat in a window.
    avg_rr_span : float, default=300.0
        Seconds of record over which the average RR of the beat channel is taken.
    rr_context : bool, default=True
        Add the record-context channel (:mod:`ecg_sklearn.features`): the rhythm of the
        tens of beats around each beat, from all of its record's beat annotations, and
        the beat's likeness to the record's dominant beat.
    on_missing_lead : {"raise", "exclude"}, default="raise"
        What to do with a record that lacks a requested lead: raise a ``ValueError``, or
        exclude its beats (they are counted in ``excluded`` and a warning says so).
    transform : callable, optional
        Applied to each record's windows ``(n_beats_record, n_channels, n_timepoints)``
        as soon as they are cut, returning one row per beat; ``X`` then stacks its
        outputs instead of the windows. Only one record's windows are in memory at a
        time. For example the ``transform`` of a fitted
        ``make_pipeline(ECGFilter(fs=360.0), BeatSegmenter(fs=360.0))`` loads all 48
        records as segmenter output in about a tenth of the windows' memory.
    verbose : int, default=1
        Show a progress bar over records.

    Returns
    -------
    data : Bunch
        ``X`` : float32 ``(n_beats, n_leads + 2, n_timepoints)`` beat windows
        (``n_leads + 1`` channels with ``rr_context=False``), or the stacked outputs
        of ``transform``;
        ``y`` : AAMI label per beat; ``symbols`` : original annotation symbol;
        ``groups`` : record name per beat; ``samples`` : beat position in its record
        (at ``fs``); ``fs``; ``channels`` : channel names (the leads, ``"beats"``, then
        ``"rr_context"`` with ``rr_context``);
        ``record_leads`` : the leads read from each record; ``excluded`` : for each
        excluded record, its beat count and the reason; ``unanalysable`` : for each
        record with flat (lead-off) stretches
        (:func:`~ecg_sklearn.signal.flat_stretches`), their ``stretches``
        (``[start, stop)`` samples at ``fs``) and the ``n_beats`` annotated inside them,
        which are excluded (a warning says so); ``n_excluded`` : the beats of excluded
        records and stretches; ``DESCR``.

    Notes
    -----
    In a record with flat stretches the rhythm values of the windows (average RR, rhythm
    context) read the beats' :func:`~ecg_sklearn.signal.rhythm_timeline`, as
    :func:`~ecg_sklearn.annotate_record` does: an interval across a stretch (or of more
    than 6 s) is not an RR interval. Other records are read as annotated: in MIT-BIH
    (no flat stretch) the shipped models were trained so, and record 207's 100 s of
    ventricular flutter without beat annotations count as one interval.
    """
    data_dir = Path(data_dir)
    records = [str(r) for r in ([records] if isinstance(records, str) else records)]
    if not records:
        raise ValueError("records is empty: give at least one record name")
    lead_spec = normalise_leads(leads)
    if on_missing_lead not in ("raise", "exclude"):
        raise ValueError(f"on_missing_lead must be 'raise' or 'exclude'; got {on_missing_lead!r}")
    if fs is not None and not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"fs must be a positive sampling rate in Hz; got {fs!r}")
    if not (np.isfinite(context) and context > 0):
        raise ValueError(f"context must be a positive number of seconds; got {context!r}")

    # Pass 1: headers and annotations (cheap), to size the output once.
    plan, excluded, fs_out = _plan(data_dir, records, lead_spec, leads, on_missing_lead, fs)

    # Pass 2: signals, straight into one preallocated array (or, with a transform,
    # into one record's buffer, reused).
    sizes = [p.beat_samples.size for p in plan]
    n_times = window_length(context, fs_out)
    n_channels = len(lead_spec) + 1 + bool(rr_context)
    shape = (sum(sizes) if transform is None else max(sizes), n_channels, n_times)
    windows = np.empty(shape, dtype=np.float32)
    samples_out = np.empty(sum(sizes), dtype=np.int64)
    record_leads, outputs, start = {}, [], 0
    unanalysable, kept_symbols, kept_sizes = {}, [], []
    for record, header, channels, beat_samples, symbols in tqdm(
        plan, desc="Loading records", unit="record", disable=not verbose
    ):
        signal, beat_samples, symbols, flat = _read_record(
            data_dir, record, header, channels, beat_samples, symbols, fs_out, context
        )
        timeline = None
        if flat is not None:
            unanalysable[record] = flat
            timeline = rhythm_timeline(beat_samples, fs_out, flat["stretches"])
        stop = start + beat_samples.size
        out = windows[start:stop] if transform is None else windows[: beat_samples.size]
        make_beat_windows(
            signal, beat_samples, fs_out, context=context, avg_rr_span=avg_rr_span,
            rr_context=rr_context, timeline=timeline, out=out,
        )  # fmt: skip
        if transform is not None and beat_samples.size:
            outputs.append(_apply_transform(transform, out, record))
        samples_out[start:stop] = beat_samples
        record_leads[record] = [header.sig_name[c] for c in channels]
        kept_symbols.append(symbols)
        kept_sizes.append(beat_samples.size)
        start = stop
    n_unanalysable = sum(u["n_beats"] for u in unanalysable.values())
    if n_unanalysable:
        warnings.warn(
            f"Excluded {n_unanalysable} beats annotated inside flat (lead-off) stretches "
            f"of {sorted(unanalysable)}: see the result's 'unanalysable'",
            stacklevel=2,
        )
    if transform is None:
        X = windows[:start]
    else:
        X = np.concatenate(outputs) if outputs else np.empty((0, 0), dtype=np.float32)

    symbols = np.concatenate(kept_symbols)
    names = ["/".join(alt) for alt in lead_spec]
    return Bunch(
        X=X,
        y=np.array([AAMI_MAP[s] for s in symbols], dtype="<U1"),
        symbols=symbols,
        groups=np.repeat([p.record for p in plan], kept_sizes),
        samples=samples_out[:start],
        fs=fs_out,
        channels=[*names, "beats", *(["rr_context"] if rr_context else [])],
        record_leads=record_leads,
        excluded=excluded,
        unanalysable=unanalysable,
        n_excluded=sum(e["n_beats"] for e in excluded.values()) + n_unanalysable,
        DESCR=_describe(start, len(plan), excluded, unanalysable, fs_out, context),
    )


def _plan(data_dir, records, lead_spec, leads, on_missing_lead, fs):
    """Each record's header, leads and beat annotations (records without the leads
    excluded or refused), and the output rate."""
    plan, excluded, rates = [], {}, set()
    for record in records:
        header = read_header(data_dir, record)
        channels = pick_leads(list(header.sig_name), lead_spec, record)
        samples, symbols = read_annotations(data_dir, record)
        is_beat = np.isin(symbols, list(AAMI_MAP))
        if channels is None:
            msg = (
                f"Record {record!r} has no lead among {leads!r}; its leads are "
                f"{list(header.sig_name)}"
            )
            if on_missing_lead == "raise":
                raise ValueError(
                    f"{msg}. Give alternatives such as leads=[('MLII', 'V5')], or "
                    "on_missing_lead='exclude' to skip the record."
                )
            excluded[record] = {"n_beats": int(is_beat.sum()), "reason": msg}
            continue
        if not is_beat.any():
            warnings.warn(f"Record {record!r} has no beat annotation: no beats", stacklevel=3)
        outside = samples[is_beat][(samples[is_beat] < 0) | (samples[is_beat] >= header.sig_len)]
        if outside.size:
            raise ValueError(
                f"Record {record!r}: beat annotation at sample {outside[0]} lies outside its "
                f"signal of {header.sig_len} samples (damaged or mismatched .atr?)"
            )
        rates.add(float(header.fs))
        plan.append(_Planned(record, header, channels, samples[is_beat], symbols[is_beat]))
    if fs is None:
        if len(rates) > 1:
            raise ValueError(
                f"Records have different sampling rates {sorted(rates)} Hz; pass fs= to "
                "resample them to one rate"
            )
        fs_out = rates.pop() if rates else None
    else:
        fs_out = float(fs)
    if not plan:
        raise ValueError(f"No record left to load: every record was excluded ({excluded})")
    if excluded:
        n = sum(e["n_beats"] for e in excluded.values())
        warnings.warn(
            f"Excluded {n} beats of {len(excluded)} record(s) without the requested lead: "
            f"{sorted(excluded)}",
            stacklevel=3,
        )
    return plan, excluded, fs_out


def _read_record(data_dir, record, header, channels, beat_samples, symbols, fs_out, context):
    """The record's signal and beats at ``fs_out``, without the beats annotated inside
    flat (lead-off) stretches; ``flat``: those stretches and that count, or None."""
    signal = read_signal(data_dir, record, channels, header)
    check_no_missing_samples(signal, beat_samples, float(header.fs), context, record)
    if float(header.fs) != fs_out:
        signal, beat_samples = resample_record(signal, beat_samples, float(header.fs), fs_out)
    stretches = flat_stretches(signal, fs_out)
    if not stretches.size:
        return signal, beat_samples, symbols, None
    kept = ~inside(beat_samples, stretches)
    flat = {"stretches": stretches, "n_beats": int((~kept).sum())}
    return signal, beat_samples[kept], symbols[kept], flat


def check_no_missing_samples(signal, beat_samples, fs, context, record):
    """Refuse a record whose beats' windows would hold missing samples (NaN)."""
    missing = np.isnan(signal).any(axis=0)
    if not missing.any():
        return
    half = int(round(context * fs))
    counts = np.r_[0, np.cumsum(missing)]
    lo = np.clip(beat_samples - half, 0, missing.size)
    hi = np.clip(beat_samples + half + 1, 0, missing.size)
    hit = counts[hi] > counts[lo]
    at = np.flatnonzero(missing)
    raise ValueError(
        f"Record {record!r}: {int(missing.sum())} missing samples (NaN, the signal "
        f"format's missing-value code) from {at[0] / fs:.1f} s to {at[-1] / fs:.1f} s fall "
        f"in the windows of {int(hit.sum())} of its {beat_samples.size} beats; leave the "
        "record out or repair its signal"
    )


def _apply_transform(transform, windows, record):
    out = np.asarray(transform(windows))
    if out.ndim == 0 or len(out) != len(windows):
        raise ValueError(
            f"transform must return one row per beat: record {record!r} has "
            f"{len(windows)} beats, the transform returned shape {out.shape}"
        )
    # The buffer is reused for the next record: keep a copy of any view into it.
    return out.copy() if np.may_share_memory(out, windows) else out


def _describe(n_beats, n_records, excluded, unanalysable, fs, context) -> str:
    lines = [
        f"{n_beats} beats from {n_records} records at {fs:g} Hz, "
        f"windows of +/-{context:g} s around each beat.",
    ]
    if excluded:
        lines.append(f"Excluded records: {excluded}")
    for record, flat in unanalysable.items():
        seconds = np.diff(flat["stretches"], axis=1).sum() / fs
        lines.append(
            f"Record {record}: {seconds:.0f} s flat (lead-off), {flat['n_beats']} beats "
            "annotated there excluded."
        )
    return "\n".join(lines)
