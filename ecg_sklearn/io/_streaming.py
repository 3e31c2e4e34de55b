"""Records read on demand: a WFDB, EDF or ISHNE record whose signal is read a slice at a
time, so that multi-day Holter records are never loaded whole."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._ishne import ISHNESignal, read_ishne_header
from ._lazy import LazySignal
from ._wfdb import MV_PER_UNIT, pick_channels, read_header

__all__ = ["WFDBSignal", "EDFSignal", "open_record"]


class WFDBSignal(LazySignal):
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


class EDFSignal(LazySignal):
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
        channels = pick_channels(names, leads, path.stem)
        rates = {float(edf.getSampleFrequency(c)) for c in channels}
        if len(rates) != 1:
            raise ValueError(
                f"EDF file {path.name}: the leads {[names[c] for c in channels]} have different "
                f"sampling rates {sorted(rates)}; pick leads sampled alike with leads="
            )
        n_samples = int(min(edf.getNSamples()[c] for c in channels))
        units = {c: edf.getPhysicalDimension(c).strip() for c in channels}
        start = edf.getStartdatetime()
    scale = [1.0] * len(names)
    for c, dimension in units.items():
        if dimension.lower() not in MV_PER_UNIT:
            raise ValueError(
                f"EDF file {path.name}: signal {names[c]!r} is in {dimension!r}, not a "
                f"voltage ({', '.join(sorted(MV_PER_UNIT))})"
            )
        scale[c] = MV_PER_UNIT[dimension.lower()]
    fs = rates.pop()
    signal = EDFSignal(path, channels, n_samples, scale)
    return signal, fs, [names[c] for c in channels], start


def open_record(path, *, leads=None) -> Bunch:
    """Open a record for reading on demand (nothing of the signal is read yet).

    Parameters
    ----------
    path : path-like
        A WFDB record without extension (``DIR/100``, with ``DIR/100.hea``), an EDF
        file (``DIR/holter.edf``) or an ISHNE Holter file (``DIR/holter.ecg``).
    leads : str or sequence, optional
        Leads to read by name, with alternatives (as for
        :func:`ecg_sklearn.io.load_wfdb`); all leads by default.

    Returns
    -------
    record : Bunch
        ``record`` (name), ``signal`` (a lazy ``(n_leads, n_samples)`` float32 signal:
        ``signal[:, a:b]`` reads those samples, ``np.asarray(signal)`` all of them),
        ``fs``, ``leads`` (names) and ``start`` (when the recording started, from the
        header: a ``datetime``, or None where the header does not say).

    Examples
    --------
    >>> from ecg_sklearn.io import sample_data_dir
    >>> from ecg_sklearn.io import open_record
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
        signal, fs, names, start = _open_edf(path, leads)
        return Bunch(record=path.stem, signal=signal, fs=fs, leads=names, start=start)
    if path.suffix.lower() == ".ecg":
        header = read_ishne_header(path)
        channels = pick_channels(header.leads, leads, path.stem)
        signal = ISHNESignal(path, channels, header)
        return Bunch(
            record=path.stem, signal=signal, fs=header.fs,
            leads=[header.leads[c] for c in channels], start=header.start,
        )  # fmt: skip
    header = read_header(path.parent, path.name, annotations=False)
    names = list(header.sig_name)
    channels = pick_channels(names, leads, path.name)
    signal = WFDBSignal(path, channels, header.sig_len, header.mv_scale)
    start = None
    if header.base_date is not None and header.base_time is not None:
        start = datetime.datetime.combine(header.base_date, header.base_time)
    return Bunch(
        record=path.name, signal=signal, fs=float(header.fs),
        leads=[names[c] for c in channels], start=start,
    )  # fmt: skip
