"""ISHNE Holter files (``.ecg``): read on demand, and written.

The layout is that of the ISHNE standard (Badilini et al., Ann Noninvasive
Electrocardiol 3(3), 1998): the magic ``ISHNE1.0``, a CRC-16 (CCITT, initial value
0xFFFF) of the header, a fixed header of 512 bytes (sizes, patient, dates, leads with
their resolution in nV, sampling rate), a variable-length block, then the samples as
little-endian int16, leads interleaved.
"""

from __future__ import annotations

import datetime
import struct
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._lazy import LazySignal

__all__ = ["ISHNESignal", "read_ishne_header", "write_ishne", "LEAD_CODES"]

MAGIC = b"ISHNE1.0"
#: Bytes before the variable-length block: magic (8), CRC (2), fixed header (512).
HEADER_END = 522
#: The fixed header after the magic and CRC, little-endian (``struct`` format).
_FIXED = struct.Struct("<iiiih40s40s20shh3h3h3h3hh12h12h12hh40sh80s80s88s")
#: ISHNE lead specification codes (Table 1 of the standard).
LEAD_CODES = {
    "generic": 1, "X": 2, "Y": 3, "Z": 4, "I": 5, "II": 6, "III": 7, "aVR": 8, "aVL": 9,
    "aVF": 10, "V1": 11, "V2": 12, "V3": 13, "V4": 14, "V5": 15, "V6": 16, "ES": 17,
    "AS": 18, "AI": 19,
}  # fmt: skip
_LEAD_NAMES = {code: name for name, code in LEAD_CODES.items()}
#: Modified limb leads (Holter montages, MIT-BIH's MLII) written as their limb lead.
_ALIASES = {"MLI": "I", "MLII": "II", "MLIII": "III"}
_ABSENT = -9


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT (polynomial 0x1021, initial value 0xFFFF), as the standard uses."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def read_ishne_header(path) -> Bunch:
    """Read and check the header of an ISHNE Holter file.

    Parameters
    ----------
    path : path-like
        The ``.ecg`` file.

    Returns
    -------
    header : Bunch
        ``fs``, ``n_samples`` (per lead), ``leads`` (names: the standard's lead names,
        ``lead1``, ``lead2``... where the code is unknown), ``resolution`` (nV per unit,
        per lead), ``ecg_offset`` (bytes), ``start`` (datetime or None), ``recorder``.

    Raises
    ------
    FileNotFoundError, OSError
        No such file; not an ISHNE file, a damaged header (CRC) or a truncated file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ISHNE file {str(path)!r} not found")
    name = path.name
    with open(path, "rb") as f:
        head = f.read(HEADER_END)
        if len(head) < HEADER_END or head[:8] != MAGIC:
            raise OSError(
                f"{name} is not an ISHNE Holter file: it does not start with an ISHNE1.0 "
                f"header of {HEADER_END} bytes"
            )
        fields = _FIXED.unpack(head[10:HEADER_END])
        var_size, ecg_offset = fields[0], fields[3]
        if var_size < 0 or ecg_offset != HEADER_END + var_size:
            raise OSError(
                f"{name}: damaged ISHNE header (variable block of {var_size} bytes, samples "
                f"at byte {ecg_offset}, expected {HEADER_END + var_size})"
            )
        var_block = f.read(var_size)
    (crc,) = struct.unpack("<H", head[8:10])
    if crc != crc16_ccitt(head[10:] + var_block):
        raise OSError(f"{name}: the ISHNE header's checksum does not match (damaged file?)")
    n_per_lead, n_leads, fs = fields[1], fields[22], fields[61]
    codes, resolution = fields[23:35][:n_leads], fields[47:59][:n_leads]
    if not 1 <= n_leads <= 12 or fs <= 0 or n_per_lead < 0 or min(resolution, default=0) <= 0:
        raise OSError(
            f"{name}: damaged ISHNE header ({n_leads} leads, {fs} Hz, {n_per_lead} samples, "
            f"resolutions {list(resolution)} nV)"
        )
    held = (path.stat().st_size - ecg_offset) // (2 * n_leads)
    if held < n_per_lead:
        raise OSError(
            f"{name}: truncated ISHNE file: its header announces {n_per_lead} samples per "
            f"lead, the file holds {held}"
        )
    leads = [_LEAD_NAMES.get(code, f"lead{i + 1}") for i, code in enumerate(codes)]
    leads = [n if leads.count(n) == 1 else f"{n}_{i + 1}" for i, n in enumerate(leads)]
    return Bunch(
        fs=float(fs), n_samples=int(n_per_lead), leads=leads, resolution=list(resolution),
        ecg_offset=int(ecg_offset), n_leads=int(n_leads), start=_start(fields[13:16],
        fields[19:22]), recorder=fields[60].split(b"\0")[0].decode("latin-1"),
    )  # fmt: skip


def _start(date, time):
    day, month, year = date
    try:
        return datetime.datetime(year, month, day, *time)
    except (ValueError, TypeError):
        return None


class ISHNESignal(LazySignal):
    """The signal of an ISHNE Holter file, read in sample ranges (in mV).

    Parameters
    ----------
    path : path-like
        The ``.ecg`` file.
    channels : list of int
        Lead indices to read, in order.
    header : Bunch
        :func:`read_ishne_header` of the file.
    """

    def __init__(self, path, channels, header):
        super().__init__(path, channels, header.n_samples)
        self.n_file_leads = header.n_leads
        self.ecg_offset = header.ecg_offset
        self.resolution = list(header.resolution)  # nV per unit, per lead of the file

    def _read(self, start, stop):
        n = self.n_file_leads
        digital = np.fromfile(
            self.path, dtype="<i2", count=(stop - start) * n, offset=self.ecg_offset + 2 * n * start
        )
        if digital.size != (stop - start) * n:
            raise OSError(
                f"{Path(self.path).name}: cannot read samples {start}-{stop} (truncated file?)"
            )
        frames = digital.reshape(-1, n)[:, self.channels]
        mv_per_unit = np.array([self.resolution[c] for c in self.channels], np.float32) / 1e6
        return np.ascontiguousarray((frames * mv_per_unit).T, dtype=np.float32)


def write_ishne(path, signal, fs, leads, *, resolution=None, start=None, recorder="") -> Path:
    """Write a signal as an ISHNE Holter file.

    Parameters
    ----------
    path : path-like
        The ``.ecg`` file to write.
    signal : array-like of shape (n_leads, n_samples)
        In mV; NaN is not allowed.
    fs : int
        Sampling rate in Hz (the format stores a whole number).
    leads : list of str
        Lead names: those of the standard (``I``, ``II``, ``V1``..., see
        :data:`LEAD_CODES`; ``MLII`` is written as ``II``), any other as unknown.
    resolution : int or list of int, optional
        nV per unit of each lead; by default the finest that holds the signal in int16
        (at most 1000 nV).
    start : datetime.datetime, optional
        When the recording started.
    recorder : str
        The recorder's description (40 characters at most).

    Returns
    -------
    path : Path
    """
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 2 or not 1 <= signal.shape[0] <= 12:
        raise ValueError(f"signal must be (n_leads, n_samples) with 1-12 leads; got {signal.shape}")
    if len(leads) != signal.shape[0]:
        raise ValueError(f"{len(leads)} lead names for {signal.shape[0]} leads")
    if not np.isfinite(signal).all():
        raise ValueError("signal holds NaN or infinite values; ISHNE files store whole numbers")
    if int(fs) != fs or fs <= 0:
        raise ValueError(f"ISHNE files store a whole sampling rate in Hz; got fs={fs}")
    n_leads, n_samples = signal.shape
    peak = np.abs(signal).max(axis=1) * 1e6  # nV
    if resolution is None:
        resolution = [max(1, min(1000, int(np.ceil(p / 32767)))) for p in peak]
    resolution = [int(r) for r in np.broadcast_to(resolution, (n_leads,))]
    digital = np.round(signal * 1e6 / np.array(resolution)[:, None])
    if np.abs(digital).max(initial=0) > 32767:
        raise ValueError(f"the signal does not fit int16 at resolutions {resolution} nV")
    codes = [LEAD_CODES.get(_ALIASES.get(n, n), 0) for n in leads]
    pad = [_ABSENT] * (12 - n_leads)
    date = (start.day, start.month, start.year) if start else (0, 0, 0)  # 0: unknown
    time = (start.hour, start.minute, start.second) if start else (0, 0, 0)
    fixed = _FIXED.pack(
        0, n_samples, HEADER_END, HEADER_END, 1, b"", b"", b"", 0, 0, *([0] * 3),
        *date, *date, *time, n_leads, *(codes + pad), *([0] * n_leads + pad),
        *(resolution + pad), _ABSENT, recorder.encode("latin-1")[:40], int(fs), b"", b"", b"",
    )  # fmt: skip
    path = Path(path)
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<H", crc16_ccitt(fixed)) + fixed)
        f.write(digital.T.astype("<i2").tobytes())
    return path
