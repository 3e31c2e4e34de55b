"""Records read on demand: long recordings (Holter) without the whole signal in memory.

:func:`open_record` returns a record whose ``signal`` reads only the samples asked for
(``signal[:, a:b]``), from a WFDB record (any format ``wfdb`` reads) or, with
``pyedflib`` installed, an EDF/EDF+ file. :func:`ecg_sklearn.annotate_record` reads such
a signal chunk by chunk, so a multi-day recording is never whole in memory.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .datasets import _normalise_leads, _pick_leads, _read_header

__all__ = ["EDFSignal", "WFDBSignal", "open_record"]


class _LazySignal:
    """A ``(n_leads, n_samples)`` float32 signal whose slices are read on demand."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, n_samples, channels):
        self.shape = (len(channels), int(n_samples))
        self.channels = list(channels)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        if not isinstance(cols, slice) or cols.step not in (None, 1):
            raise IndexError("a lazy signal reads contiguous sample ranges: signal[:, a:b]")
        start, stop, _ = cols.indices(self.shape[1])
        block = self._read(start, max(start, stop))
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
    """The signal of a WFDB record, read in sample ranges with ``wfdb.rdrecord``.

    Parameters
    ----------
    path : path-like
        Record path without extension (``DIR/100``).
    channels : list of int
        Signal indices to read, in order.
    n_samples : int
        The record's length (from its header).
    """

    def __init__(self, path, channels, n_samples):
        super().__init__(n_samples, channels)
        self.path = str(path)

    def _read(self, start, stop):
        import wfdb

        if stop == start:
            return np.zeros((len(self.channels), 0), dtype=np.float32)
        name = Path(self.path).name
        try:
            rec = wfdb.rdrecord(
                self.path, sampfrom=start, sampto=stop, channels=self.channels, return_res=32
            )
        except Exception as exc:  # wfdb raises many types on short or damaged files
            raise OSError(
                f"Record {name!r}: cannot read samples {start}-{stop} of its signal file "
                f"(truncated or damaged?): {exc}"
            ) from exc
        if rec.p_signal.shape[0] != stop - start:
            raise OSError(
                f"Record {name!r}: samples {start}-{stop} asked, {rec.p_signal.shape[0]} read "
                "(truncated signal file?)"
            )
        return np.ascontiguousarray(rec.p_signal.T, dtype=np.float32)


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
    """

    def __init__(self, path, channels, n_samples):
        super().__init__(n_samples, channels)
        self.path = str(path)

    def _read(self, start, stop):
        import pyedflib

        with pyedflib.EdfReader(self.path) as edf:
            rows = [edf.readSignal(c, start=start, n=stop - start) for c in self.channels]
        return np.asarray(rows, dtype=np.float32).reshape(len(self.channels), stop - start)


def _pick(names, leads, record):
    if leads is None:
        return list(range(len(names)))
    channels = _pick_leads(names, _normalise_leads(leads), record)
    if channels is None:
        raise ValueError(f"Record {record!r} has no lead among {leads!r}; its leads are {names}")
    return channels


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
        channels = _pick(names, leads, path.stem)
        rates = {float(edf.getSampleFrequency(c)) for c in channels}
        if len(rates) != 1:
            raise ValueError(
                f"EDF file {path.name}: the leads {[names[c] for c in channels]} have different "
                f"sampling rates {sorted(rates)}; pick leads sampled alike with leads="
            )
        n_samples = int(min(edf.getNSamples()[c] for c in channels))
    fs = rates.pop()
    return EDFSignal(path, channels, n_samples), fs, [names[c] for c in channels]


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
    signal = WFDBSignal(path, channels, header.sig_len)
    return Bunch(
        record=path.name, signal=signal, fs=float(header.fs), leads=[names[c] for c in channels]
    )
