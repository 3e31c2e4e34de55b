"""The base of signals read on demand, a contiguous range of samples at a time."""

from __future__ import annotations

import copy

import numpy as np

from ._wfdb import to_mv

__all__ = ["LazySignal"]


class LazySignal:
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
        block = to_mv(self._read(start, max(start, stop)), self.mv_scale, self.channels)
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
