"""Reading one record: its signal and annotations, whole or on demand.

:func:`load_record` reads a whole WFDB record with its annotations (AAMI classes of its
beats), :func:`load_beat_timing` only its beats and rhythm (no signal), and
:func:`resample_record` moves a record to another sampling rate. :func:`open_record`
returns a record whose ``signal`` reads only the samples asked for
(``signal[:, a:b]``), from a WFDB record (any format ``wfdb`` reads) or, with
``pyedflib`` installed, an EDF/EDF+ file. :func:`ecg_sklearn.annotate_record` reads such
a signal chunk by chunk, so a multi-day recording is never whole in memory.
"""

from __future__ import annotations

import copy
import functools
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly
from sklearn.utils import Bunch

from ._annotations import read_mit_annotations

__all__ = [
    "AAMI_CLASSES",
    "AAMI_MAP",
    "EDFSignal",
    "WFDBSignal",
    "beat_rhythms",
    "load_beat_timing",
    "load_record",
    "open_record",
    "resample_record",
    "resampling_ratio",
]

#: The five AAMI EC57 heartbeat classes, in the order used for reports.
AAMI_CLASSES = ("N", "S", "V", "F", "Q")

#: MIT-BIH beat symbols to AAMI classes. Any other annotation symbol is not a beat.
AAMI_MAP = {
    **dict.fromkeys("NLRej", "N"),
    **dict.fromkeys("AaJS", "S"),
    **dict.fromkeys("VE", "V"),
    "F": "F",
    **dict.fromkeys("/fQ", "Q"),
}


def _check_record_files(data_dir: Path, record: str, annotations: bool = True) -> None:
    if not data_dir.is_dir():
        raise FileNotFoundError(f"Data folder {str(data_dir)!r} does not exist")
    for ext, what in ((".hea", "header"), (".atr", "annotation"))[: 1 + annotations]:
        path = data_dir / f"{record}{ext}"
        if not path.is_file():
            raise FileNotFoundError(
                f"Record {record!r}: {what} file {path.name!r} not found in {str(data_dir)!r}"
            )


def _normalise_leads(leads) -> list[tuple[str, ...]]:
    if isinstance(leads, str):
        leads = [leads]
    out = [(lead,) if isinstance(lead, str) else tuple(lead) for lead in leads]
    if not out or not all(out) or not all(isinstance(n, str) for alt in out for n in alt):
        raise ValueError(
            "leads must be a lead name, or a sequence of lead names or tuples of "
            f"alternative names such as [('MLII', 'V5')]; got {leads!r}"
        )
    return out


def _pick_leads(sig_names, leads, record) -> list[int] | None:
    """Indices of the requested leads in the header, or None if one is absent."""
    picked = []
    for alternatives in leads:
        found = [sig_names.index(n) for n in alternatives if n in sig_names]
        if not found:
            return None
        picked.append(found[0])
    return picked


def _pick(names, leads, record):
    if leads is None:
        return list(range(len(names)))
    channels = _pick_leads(names, _normalise_leads(leads), record)
    if channels is None:
        raise ValueError(f"Record {record!r} has no lead among {leads!r}; its leads are {names}")
    return channels


def resampling_ratio(fs_in, fs_out) -> tuple[int, int]:
    """``(up, down)``: the rational approximation of ``fs_out / fs_in`` (denominator up
    to 1000) by which :func:`resample_record` resamples."""
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    return ratio.numerator, ratio.denominator


def resample_record(signal, samples, fs_in, fs_out):
    """Resample a record and move its annotation positions to the new rate.

    Polyphase resampling (:func:`scipy.signal.resample_poly`, anti-aliased) by the
    rational approximation of ``fs_out / fs_in`` (denominator up to 1000).

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples)
        Continuous record.
    samples : array-like of int
        Annotation (beat) positions at ``fs_in``.
    fs_in, fs_out : float
        Sampling rates in Hz.

    Returns
    -------
    signal : ndarray of float32, shape (n_leads, n_samples_out)
    samples : ndarray of int64
        Positions at ``fs_out``, rounded and kept inside the record.
    """
    up, down = resampling_ratio(fs_in, fs_out)
    signal = resample_poly(signal, up, down, axis=-1)
    samples = np.round(np.asarray(samples) * (fs_out / fs_in)).astype(np.int64)
    return signal.astype(np.float32), np.clip(samples, 0, signal.shape[-1] - 1)


def _read_header(data_dir: Path, record: str, annotations: bool = True):
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


def _to_mv(signal, mv_scale, channels):
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
_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}


def _mv_scale(header, record: str) -> list[float]:
    """Per signal, the factor that brings its physical values to mV (1 for mV, the
    default when the header names no units)."""
    scale = []
    for name, units in zip(header.sig_name, header.units or [None] * header.n_sig, strict=True):
        key = (units or "mV").strip().lower()
        if key not in _TO_MV:
            raise OSError(
                f"Record {record!r}: signal {name!r} is in {units!r}, not a voltage "
                f"({', '.join(sorted(_TO_MV))}): not an ECG lead, or a header to correct"
            )
        scale.append(_TO_MV[key])
    return scale


def _read_annotations(data_dir: Path, record: str, extension: str = "atr", *, aux=False):
    """Samples and symbols (and with ``aux=True`` the notes) of ``{record}.{extension}``
    (any MIT-format annotation file)."""
    import wfdb

    try:
        parsed = read_mit_annotations(data_dir / f"{record}.{extension}", aux=aux)
        if parsed is not None:
            return parsed
        ann = wfdb.rdann(str(data_dir / record), extension)
    except Exception as exc:
        raise OSError(
            f"Record {record!r}: cannot read annotations {record}.{extension}: {exc}"
        ) from exc
    parsed = np.asarray(ann.sample, dtype=np.int64), np.asarray(ann.symbol, dtype="<U2")
    return (*parsed, np.asarray(ann.aux_note, dtype=str)) if aux else parsed


def _beats(samples, symbols):
    """Positions, symbols and AAMI labels of the beat annotations among ``symbols``."""
    is_beat = np.isin(symbols, list(AAMI_MAP))
    beat_symbols = symbols[is_beat]
    labels = np.array([AAMI_MAP[s] for s in beat_symbols], dtype="<U1")
    return samples[is_beat], beat_symbols, labels


def _read_signal(data_dir: Path, record: str, channels, header):
    import wfdb

    try:
        rec = wfdb.rdrecord(str(data_dir / record), channels=list(channels), return_res=32)
    except Exception as exc:
        raise OSError(
            f"Record {record!r}: cannot read signal {record}.dat (truncated or damaged?): {exc}"
        ) from exc
    signal = _to_mv(np.asarray(rec.p_signal, dtype=np.float32).T, header.mv_scale, channels)
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
    header = _read_header(data_dir, record)
    names = list(header.sig_name)
    channels = _pick(names, leads, record)
    samples, symbols = _read_annotations(data_dir, record)
    signal = _read_signal(data_dir, record, channels, header)
    fs_out = float(header.fs)
    if fs is not None and float(fs) != fs_out:
        signal, samples = resample_record(signal, samples, fs_out, float(fs))
        fs_out = float(fs)
    beat_samples, beat_symbols, beat_labels = _beats(samples, symbols)
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


def _loaded_records(data, data_dir):
    """``(rows, signal)`` for each record of a loader's output (``groups``, ``fs``,
    ``record_leads``): the mask of its beats and its first lead, read again from
    ``data_dir`` at ``data.fs``."""
    groups = np.asarray(data.groups)
    for record in np.unique(groups):
        lead = data.record_leads[str(record)][0]
        yield groups == record, load_record(str(record), data_dir, leads=[lead], fs=data.fs).signal


def beat_rhythms(ann_samples, ann_symbols, ann_notes, beat_samples) -> np.ndarray:
    """The rhythm in force at each beat, from a record's rhythm-change annotations.

    Rhythm changes are ``+`` annotations whose note names the new rhythm (``"(N"``,
    ``"(AFIB"``, ``"(AFL"``, ...); a beat takes the last one at or before it, ``""``
    before the first.
    """
    symbols, notes = np.asarray(ann_symbols), np.asarray(ann_notes, dtype=str)
    is_change = (symbols == "+") & np.char.startswith(notes, "(")
    at, names = np.asarray(ann_samples)[is_change], notes[is_change]
    index = np.searchsorted(at, np.asarray(beat_samples), side="right") - 1
    return np.where(index >= 0, names[np.maximum(index, 0)] if names.size else "", "")


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
    try:  # the header only: _read_header would also want the signal files
        fs = float(wfdb.rdheader(str(data_dir / record)).fs)
    except Exception as exc:
        raise OSError(f"Record {record!r}: cannot read header {record}.hea: {exc}") from exc
    samples, symbols, notes = _read_annotations(data_dir, record, aux=True)
    beat_samples, beat_symbols, beat_labels = _beats(samples, symbols)
    return Bunch(
        record=record,
        fs=fs,
        beat_samples=beat_samples,
        beat_symbols=beat_symbols,
        beat_labels=beat_labels,
        rhythm=beat_rhythms(samples, symbols, notes, beat_samples),
    )


class _LazySignal:
    """A ``(n_leads, n_samples)`` float32 signal whose slices are read on demand."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, path, channels, n_samples, mv_scale=None):
        self.path = str(path)
        self.shape = (len(channels), int(n_samples))
        self.channels = list(channels)
        self.mv_scale = mv_scale  # per signal of the file: its units' factor to mV

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        if not isinstance(cols, slice) or cols.step not in (None, 1):
            raise IndexError("a lazy signal reads contiguous sample ranges: signal[:, a:b]")
        start, stop, _ = cols.indices(self.shape[1])
        block = _to_mv(self._read(start, max(start, stop)), self.mv_scale, self.channels)
        return block[rows]

    def take(self, rows):
        """The same signal restricted to leads ``rows`` (indices into its leads)."""
        rows = list(rows)
        if not rows or max(rows) >= self.shape[0]:
            raise ValueError(f"the signal has {self.shape[0]} lead(s); cannot take {rows}")
        subset = copy.copy(self)
        subset.channels = [self.channels[r] for r in rows]
        subset.shape = (len(rows), self.shape[1])
        return subset

    def __array__(self, dtype=None, copy=None):
        block = self[:, :]
        return block if dtype is None else block.astype(dtype)

    def _read(self, start, stop):  # pragma: no cover - implemented by subclasses
        raise NotImplementedError


class WFDBSignal(_LazySignal):
    """The signal of a WFDB record, read in sample ranges.

    Records whose signals share one file in format 16 or 212 (one sample a frame, no
    skew: most Holter exports and MIT-BIH) are read directly from that file, with the
    header read once and the physical values of ``wfdb.rdrecord``; any other record
    through ``wfdb.rdrecord`` (which reads the header again at each call, a few
    milliseconds each time).

    Parameters
    ----------
    path : path-like
        Record path without extension (``DIR/100``).
    channels : list of int
        Signal indices to read, in order.
    n_samples : int
        The record's length (from its header).
    mv_scale : list of float, optional
        Per signal of the record, the factor to mV of its units (all 1 by default).
    """

    def _read(self, start, stop):
        if stop == start:
            return np.zeros((len(self.channels), 0), dtype=np.float32)
        name = Path(self.path).name
        try:
            if self._direct is not None:
                signal = _read_direct(self._direct, self.channels, start, stop)
            else:
                signal = self._read_wfdb(start, stop)
        except Exception as exc:  # wfdb raises many types on short or damaged files
            raise OSError(
                f"Record {name!r}: cannot read samples {start}-{stop} of its signal file "
                f"(truncated or damaged?): {exc}"
            ) from exc
        if signal.shape[1] != stop - start:
            raise OSError(
                f"Record {name!r}: cannot read samples {start}-{stop} of its signal file: "
                f"{signal.shape[1]} read (truncated signal file?)"
            )
        return signal

    @functools.cached_property
    def _direct(self):
        """:func:`_direct_layout` of the record (None: ``wfdb.rdrecord`` reads it)."""
        return _direct_layout(self.path)

    def _read_wfdb(self, start, stop):
        import wfdb

        rec = wfdb.rdrecord(
            self.path, sampfrom=start, sampto=stop, channels=self.channels, return_res=32
        )
        return np.ascontiguousarray(rec.p_signal.T, dtype=np.float32)


#: The digital value that marks a missing sample, in each WFDB format read directly.
_DIRECT_FORMATS = {"16": -32768, "212": -2048}


def _direct_layout(path):
    """What :func:`_read_direct` needs of a record's header, or None where its signals
    are not in one file of format 16 or 212 with one sample a frame and no skew."""
    import wfdb

    header = wfdb.rdheader(str(path))
    fmts, files = set(map(str, header.fmt or [])), set(header.file_name or [])
    simple = (
        len(fmts) == 1
        and fmts <= set(_DIRECT_FORMATS)
        and len(files) == 1
        and all(f in (None, 1) for f in header.samps_per_frame or [None])
        and not any(header.skew or [])
        and len(set(header.byte_offset or [None])) == 1
    )
    if not simple:
        return None
    (fmt,) = fmts
    return Bunch(
        file=Path(path).parent / files.pop(),
        fmt=fmt,
        n_sig=int(header.n_sig),
        byte_offset=int((header.byte_offset or [None])[0] or 0),
        baseline=list(header.baseline),
        adc_gain=list(header.adc_gain),
    )


def _read_direct(layout, channels, start, stop):
    """Samples ``[start, stop)`` of ``channels`` as ``wfdb.rdrecord(..., return_res=32)``
    gives them: ``(digital - baseline) / adc_gain`` in float32, NaN where missing."""
    n_sig, first, count = layout.n_sig, start * layout.n_sig, (stop - start) * layout.n_sig
    if layout.fmt == "16":
        digital = np.fromfile(
            layout.file, dtype="<i2", count=count, offset=layout.byte_offset + 2 * first
        )
    else:  # 212: two 12-bit samples in three bytes, pairs counted over all signals
        pair = first // 2
        n_pairs = -(-(first + count) // 2) - pair
        raw = np.fromfile(
            layout.file, dtype=np.uint8, count=3 * n_pairs, offset=layout.byte_offset + 3 * pair
        )
        raw = raw[: raw.size // 3 * 3].reshape(-1, 3)
        middle = raw[:, 1].astype(np.int16)
        digital = np.empty(2 * len(raw), dtype=np.int16)
        digital[0::2] = raw[:, 0] | ((middle & 0x0F) << 8)
        digital[1::2] = raw[:, 2] | ((middle & 0xF0) << 4)
        digital[digital > 2047] -= 4096
        digital = digital[first - 2 * pair :][:count]
    frames = digital[: digital.size // n_sig * n_sig].reshape(-1, n_sig)
    if list(channels) != list(range(n_sig)):
        frames = frames[:, channels]
    missing = frames == _DIRECT_FORMATS[layout.fmt]
    # The operations of wfdb's digital-to-physical conversion, for the same values.
    physical = frames.astype(np.float32)
    del frames, digital
    np.subtract(physical, [layout.baseline[c] for c in channels], physical)
    np.divide(physical, [layout.adc_gain[c] for c in channels], physical)
    physical[missing] = np.nan
    return np.ascontiguousarray(physical.T)


class EDFSignal(_LazySignal):
    """The signal of an EDF/EDF+ file, read in sample ranges with ``pyedflib``.

    Parameters
    ----------
    path : path-like
        The ``.edf`` file.
    channels : list of int
        Signal indices to read, in order (all at the same sampling rate).
    n_samples : int
        Samples per signal.
    mv_scale : list of float, optional
        Per signal of the file, the factor to mV of its physical dimension.
    """

    def _read(self, start, stop):
        import pyedflib

        with pyedflib.EdfReader(self.path) as edf:
            rows = [edf.readSignal(c, start=start, n=stop - start) for c in self.channels]
        return np.asarray(rows, dtype=np.float32).reshape(len(self.channels), stop - start)


def _open_edf(path: Path, leads):
    try:
        import pyedflib
    except ImportError as exc:
        raise ImportError(
            "Reading EDF files needs pyedflib: pip install 'ecg_sklearn[edf]'"
        ) from exc
    try:
        edf = pyedflib.EdfReader(str(path))
    except OSError as exc:
        raise OSError(f"Cannot read EDF file {str(path)!r}: {exc}") from exc
    with edf:
        names = [label.strip() for label in edf.getSignalLabels()]
        if not names:
            raise ValueError(f"EDF file {path.name} holds no signal (annotations only?)")
        channels = _pick(names, leads, path.stem)
        rates = {float(edf.getSampleFrequency(c)) for c in channels}
        if len(rates) != 1:
            raise ValueError(
                f"EDF file {path.name}: the leads {[names[c] for c in channels]} have different "
                f"sampling rates {sorted(rates)}; pick leads sampled alike with leads="
            )
        n_samples = int(min(edf.getNSamples()[c] for c in channels))
        units = {c: edf.getPhysicalDimension(c).strip() for c in channels}
    scale = [1.0] * len(names)
    for c, dimension in units.items():
        if dimension.lower() not in _TO_MV:
            raise ValueError(
                f"EDF file {path.name}: signal {names[c]!r} is in {dimension!r}, not a "
                f"voltage ({', '.join(sorted(_TO_MV))})"
            )
        scale[c] = _TO_MV[dimension.lower()]
    fs = rates.pop()
    return EDFSignal(path, channels, n_samples, scale), fs, [names[c] for c in channels]


def open_record(path, *, leads=None) -> Bunch:
    """Open a record for reading on demand (nothing of the signal is read yet).

    Parameters
    ----------
    path : path-like
        A WFDB record without extension (``DIR/100``, with ``DIR/100.hea``) or an EDF
        file (``DIR/holter.edf``).
    leads : str or sequence, optional
        Leads to read by name, with alternatives (as for
        :func:`ecg_sklearn.datasets.load_wfdb`); all leads by default.

    Returns
    -------
    record : Bunch
        ``record`` (name), ``signal`` (a lazy ``(n_leads, n_samples)`` float32 signal:
        ``signal[:, a:b]`` reads those samples, ``np.asarray(signal)`` all of them),
        ``fs`` and ``leads`` (names).

    Examples
    --------
    >>> from ecg_sklearn.datasets import sample_data_dir
    >>> from ecg_sklearn.records import open_record
    >>> rec = open_record(sample_data_dir() / "100", leads="MLII")
    >>> rec.signal.shape, rec.fs, rec.leads
    ((1, 64800), 360.0, ['MLII'])
    >>> rec.signal[:, 1000:1003].shape
    (1, 3)
    """
    path = Path(path)
    if path.suffix.lower() in (".edf", ".bdf"):
        if not path.is_file():
            raise FileNotFoundError(f"EDF file {str(path)!r} not found")
        signal, fs, names = _open_edf(path, leads)
        return Bunch(record=path.stem, signal=signal, fs=fs, leads=names)
    header = _read_header(path.parent, path.name, annotations=False)
    names = list(header.sig_name)
    channels = _pick(names, leads, path.name)
    signal = WFDBSignal(path, channels, header.sig_len, header.mv_scale)
    return Bunch(
        record=path.name, signal=signal, fs=float(header.fs), leads=[names[c] for c in channels]
    )
