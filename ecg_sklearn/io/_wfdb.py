"""Reading one WFDB record: its header (checked against its signal file), its signal in mV
and its annotations (:func:`load_record`), or only its beats and rhythm
(:func:`load_beat_timing`). :func:`ecg_sklearn.io.open_record` reads a record on
demand instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..signal._resampling import resample_record
from ._annotations import beat_rhythms, read_annotations, select_beats

__all__ = ["load_beat_timing", "load_record"]


def _check_record_files(data_dir: Path, record: str, annotations: bool = True) -> None:
    if not data_dir.is_dir():
        raise FileNotFoundError(f"Data folder {str(data_dir)!r} does not exist")
    for ext, what in ((".hea", "header"), (".atr", "annotation"))[: 1 + annotations]:
        path = data_dir / f"{record}{ext}"
        if not path.is_file():
            raise FileNotFoundError(
                f"Record {record!r}: {what} file {path.name!r} not found in {str(data_dir)!r}"
            )


def normalise_leads(leads) -> list[tuple[str, ...]]:
    if isinstance(leads, str):
        leads = [leads]
    out = [(lead,) if isinstance(lead, str) else tuple(lead) for lead in leads]
    if not out or not all(out) or not all(isinstance(n, str) for alt in out for n in alt):
        raise ValueError(
            "leads must be a lead name, or a sequence of lead names or tuples of "
            f"alternative names such as [('MLII', 'V5')]; got {leads!r}"
        )
    return out


def pick_leads(sig_names, leads, record) -> list[int] | None:
    """Indices of the requested leads in the header, or None if one is absent."""
    picked = []
    for alternatives in leads:
        found = [sig_names.index(n) for n in alternatives if n in sig_names]
        if not found:
            return None
        picked.append(found[0])
    return picked


def pick_channels(names, leads, record):
    if leads is None:
        return list(range(len(names)))
    channels = pick_leads(names, normalise_leads(leads), record)
    if channels is None:
        raise ValueError(f"Record {record!r} has no lead among {leads!r}; its leads are {names}")
    return channels


def read_header(data_dir: Path, record: str, annotations: bool = True):
    import wfdb

    _check_record_files(data_dir, record, annotations)
    try:
        header = wfdb.rdheader(str(data_dir / record))
    except Exception as exc:  # wfdb raises many types on damaged headers
        raise OSError(f"Record {record!r}: cannot read header {record}.hea: {exc}") from exc
    from wfdb.io._signal import DAT_FMTS  # the formats wfdb reads; not exported publicly

    unsupported = sorted({str(f) for f in header.fmt or []} - set(DAT_FMTS))
    if unsupported:
        raise OSError(
            f"Record {record!r}: unsupported WFDB signal format(s) {unsupported} in "
            f"{record}.hea; wfdb reads formats {list(DAT_FMTS)}"
        )
    for name in set(header.file_name or []):
        if not (data_dir / name).is_file():
            raise FileNotFoundError(
                f"Record {record!r}: signal file {name!r} not found in {str(data_dir)!r}"
            )
    _check_gains(data_dir / f"{record}.hea", record)
    _check_signal_sizes(data_dir, record, header)
    header.mv_scale = _mv_scale(header, record)
    return header


#: Bytes a sample takes in each WFDB format of fixed size (the FLAC formats vary).
_BYTES_PER_SAMPLE = {
    "8": 1, "16": 2, "61": 2, "80": 1, "160": 2, "212": 1.5, "310": 4 / 3, "311": 4 / 3,
    "24": 3, "32": 4,
}  # fmt: skip


_GAIN = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(\([-+]?\d+\))?(/\S*)?$")


def to_mv(signal, mv_scale, channels):
    """``signal`` (rows: ``channels`` of the record) in mV, in place."""
    if mv_scale is not None and any(mv_scale[c] != 1.0 for c in channels):
        signal *= np.asarray([mv_scale[c] for c in channels], dtype=np.float32)[:, None]
    return signal


def _check_gains(path: Path, record: str) -> None:
    """Refuse a header whose gain field is not a number (wfdb would read 200)."""
    lines = [
        line.split()
        for line in path.read_text(errors="replace").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for number, words in enumerate(lines[1:], start=2):
        if len(words) >= 3 and not _GAIN.match(words[2]):
            raise OSError(
                f"Record {record!r}: the gain of signal line {number - 1} of {record}.hea, "
                f"{words[2]!r}, is not a number (expected e.g. 200, 200(0)/mV)"
            )


def _check_signal_sizes(data_dir: Path, record: str, header) -> None:
    """Refuse signal files whose size disagrees with the header's length and formats."""
    if not header.sig_len:
        return  # a header may leave the length unsaid
    per_file = {}
    for name, fmt, spf, offset in zip(
        header.file_name, header.fmt, header.samps_per_frame or [1] * header.n_sig,
        header.byte_offset or [None] * header.n_sig, strict=True,
    ):  # fmt: skip
        size = _BYTES_PER_SAMPLE.get(str(fmt))
        if size is None:
            return  # compressed (FLAC): no fixed size
        got = per_file.setdefault(name, {"bytes": 0.0, "offset": int(offset or 0), "fmt": set()})
        got["bytes"] += size * (spf or 1)
        got["fmt"].add(str(fmt))
    for name, got in per_file.items():
        frame = got["bytes"]
        expected = got["offset"] + int(np.ceil(header.sig_len * frame))
        actual = (data_dir / name).stat().st_size
        if not expected - 1 <= actual <= expected + max(4, int(np.ceil(frame))):
            raise OSError(
                f"Record {record!r}: {name} holds {actual} bytes, but {record}.hea says "
                f"{header.sig_len} samples of format {'/'.join(sorted(got['fmt']))} "
                f"({expected} bytes): the header's format or length is wrong, or the file "
                "is truncated or belongs to another record"
            )


#: Factors from the amplitude units of WFDB headers to mV.
MV_PER_UNIT = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}


def _mv_scale(header, record: str) -> list[float]:
    """Per signal, the factor that brings its physical values to mV (1 for mV, the
    default when the header names no units)."""
    scale = []
    for name, units in zip(header.sig_name, header.units or [None] * header.n_sig, strict=True):
        key = (units or "mV").strip().lower()
        if key not in MV_PER_UNIT:
            raise OSError(
                f"Record {record!r}: signal {name!r} is in {units!r}, not a voltage "
                f"({', '.join(sorted(MV_PER_UNIT))}): not an ECG lead, or a header to correct"
            )
        scale.append(MV_PER_UNIT[key])
    return scale


def read_signal(data_dir: Path, record: str, channels, header):
    import wfdb

    try:
        rec = wfdb.rdrecord(str(data_dir / record), channels=list(channels), return_res=32)
    except Exception as exc:
        raise OSError(
            f"Record {record!r}: cannot read signal {record}.dat (truncated or damaged?): {exc}"
        ) from exc
    signal = to_mv(np.asarray(rec.p_signal, dtype=np.float32).T, header.mv_scale, channels)
    if signal.shape[1] != header.sig_len:
        raise OSError(
            f"Record {record!r}: signal file holds {signal.shape[1]} samples, "
            f"header says {header.sig_len} (truncated .dat?)"
        )
    return signal


def load_record(record, data_dir, *, leads=None, fs=None) -> Bunch:
    """Load one whole record: continuous signal and all its annotations.

    Parameters
    ----------
    record : str
        Record name, e.g. ``"100"``.
    data_dir : path-like
        Folder holding the record's ``.hea``, ``.dat`` and ``.atr`` files.
    leads : str or sequence, optional
        Leads to read by name (see :func:`load_wfdb`); all leads by default.
    fs : float, optional
        Resample to this rate (Hz); annotation positions are rescaled.

    Returns
    -------
    record : Bunch
        ``signal`` (float32, ``(n_leads, n_samples)``, mV), ``fs``, ``leads`` (names),
        ``ann_samples`` and ``ann_symbols`` (every annotation), ``beat_samples``,
        ``beat_symbols`` and ``beat_labels`` (AAMI) for the beat annotations only,
        and ``record``.
    """
    data_dir = Path(data_dir)
    record = str(record)
    header = read_header(data_dir, record)
    names = list(header.sig_name)
    channels = pick_channels(names, leads, record)
    samples, symbols = read_annotations(data_dir, record)
    signal = read_signal(data_dir, record, channels, header)
    fs_out = float(header.fs)
    if fs is not None and float(fs) != fs_out:
        signal, samples = resample_record(signal, samples, fs_out, float(fs))
        fs_out = float(fs)
    beat_samples, beat_symbols, beat_labels = select_beats(samples, symbols)
    return Bunch(
        record=record,
        signal=signal,
        fs=fs_out,
        leads=[names[c] for c in channels],
        ann_samples=samples,
        ann_symbols=symbols,
        beat_samples=beat_samples,
        beat_symbols=beat_symbols,
        beat_labels=beat_labels,
    )


def loaded_records(data, data_dir):
    """``(rows, signal)`` for each record of a loader's output (``groups``, ``fs``,
    ``record_leads``): the mask of its beats and its first lead, read again from
    ``data_dir`` at ``data.fs``."""
    groups = np.asarray(data.groups)
    for record in np.unique(groups):
        lead = data.record_leads[str(record)][0]
        yield groups == record, load_record(str(record), data_dir, leads=[lead], fs=data.fs).signal


def load_beat_timing(record, data_dir) -> Bunch:
    """Beat positions, labels and rhythm of one record, without its signal.

    Reads only the header (for ``fs``) and the ``.atr`` file, so it works for databases
    shipped without signals (the Long-Term AF Database copy in ``shared/``).

    Parameters
    ----------
    record : str
        Record name.
    data_dir : path-like
        Folder holding ``{record}.hea`` and ``{record}.atr``.

    Returns
    -------
    timing : Bunch
        ``record``, ``fs``, ``beat_samples``, ``beat_symbols``, ``beat_labels`` (AAMI)
        and ``rhythm`` (per beat, see :func:`beat_rhythms`).
    """
    import wfdb

    data_dir, record = Path(data_dir), str(record)
    _check_record_files(data_dir, record)
    try:  # the header only: read_header would also want the signal files
        fs = float(wfdb.rdheader(str(data_dir / record)).fs)
    except Exception as exc:
        raise OSError(f"Record {record!r}: cannot read header {record}.hea: {exc}") from exc
    samples, symbols, notes = read_annotations(data_dir, record, aux=True)
    beat_samples, beat_symbols, beat_labels = select_beats(samples, symbols)
    return Bunch(
        record=record,
        fs=fs,
        beat_samples=beat_samples,
        beat_symbols=beat_symbols,
        beat_labels=beat_labels,
        rhythm=beat_rhythms(samples, symbols, notes, beat_samples),
    )
