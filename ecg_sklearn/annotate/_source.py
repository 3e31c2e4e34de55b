"""A record read at the model's rate, a range at a time, whatever its own rate."""

from __future__ import annotations

import tempfile
import threading

import numpy as np

from ..signal._resampling import resample_record, resampling_ratio

__all__ = ["ModelRateSignal", "check_beats"]

#: Output samples resampled at a time into the temporary file (10 minutes at 360 Hz).
_RESAMPLE_BLOCK = 216_000


class ModelRateSignal:
    """Sample ranges of a record at the model's rate, read on demand.

    A record at another rate is resampled once, a block at a time, into a temporary
    file (4 bytes a sample and lead at the model's rate), which the passes over the
    record then read: memory stays bounded and no sample is resampled twice.
    """

    def __init__(self, signal, fs, model_fs, n_leads):
        if not (hasattr(signal, "shape") and hasattr(signal, "__getitem__")):
            signal = np.asarray(signal, dtype=np.float32)
        if len(signal.shape) == 1:
            signal = np.asarray(signal, dtype=np.float32)[None]
        if len(signal.shape) != 2:
            raise ValueError(f"signal must be (n_leads, n_samples); got shape {signal.shape}")
        if signal.shape[0] != n_leads:
            raise ValueError(
                f"signal has {signal.shape[0]} lead(s) but the pipeline was trained on {n_leads}"
            )
        self.signal, self.fs, self.model_fs = signal, fs, model_fs
        self._lock = threading.Lock()  # lazy signals read one range at a time
        self.up, self.down = resampling_ratio(fs, model_fs)
        self.n_samples = -(-signal.shape[1] * self.up // self.down)  # resample_poly's length
        # Input samples read beyond a chunk for the resampling filter (10 * max(up, down)
        # taps on each side at the upsampled rate), rounded up to whole output steps.
        self.margin = self.down * (-(-10 * max(self.up, self.down) // self.up) + 1)
        self._resampled = None  # the temporary file, written at the first read
        self.polarity = 1  # -1: read as -signal

    def to_model_rate(self, samples):
        if self.up == self.down:
            return np.asarray(samples, dtype=np.int64)
        rescaled = np.round(np.asarray(samples) * (self.model_fs / self.fs)).astype(np.int64)
        return np.clip(rescaled, 0, self.n_samples - 1)

    def read(self, start, stop):
        """Samples ``[start, stop)`` at the model's rate, float32, checked finite."""
        with self._lock:
            if self.up == self.down:
                x = np.asarray(self.signal[:, start:stop], dtype=np.float32)
            else:
                x = self._read_resampled(start, stop)
        if not np.all(np.isfinite(x)):
            bad = int(np.flatnonzero(~np.all(np.isfinite(x), axis=0))[0]) + start
            raise ValueError(
                f"signal contains NaN or inf values (first at {bad / self.model_fs:.2f} s)"
            )
        return x if self.polarity == 1 else -x

    def _read_resampled(self, start, stop):
        n_leads = self.signal.shape[0]
        if self._resampled is None:
            self._resampled = tempfile.TemporaryFile()
            for b0 in range(0, self.n_samples, _RESAMPLE_BLOCK):
                block = self._resample(b0, min(self.n_samples, b0 + _RESAMPLE_BLOCK))
                self._resampled.write(np.ascontiguousarray(block.T, dtype="<f4").tobytes())
        self._resampled.seek(4 * n_leads * start)
        x = np.fromfile(self._resampled, dtype="<f4", count=(stop - start) * n_leads)
        return np.ascontiguousarray(x.reshape(-1, n_leads).T)

    def _resample(self, start, stop):
        """Output samples ``[start, stop)``, resampled from the input around them."""
        # Start on a multiple of ``down`` input samples, so that the output samples
        # fall on the whole record's output grid.
        first = max(0, start * self.down // self.up - self.margin) // self.down
        lo = first * self.down
        hi = min(self.signal.shape[1], -(-stop * self.down // self.up) + self.margin)
        piece = np.asarray(self.signal[:, lo:hi], dtype=np.float32)
        x, _ = resample_record(piece, [], self.fs, self.model_fs)
        offset = start - first * self.up
        return x[:, offset : offset + stop - start]


def check_beats(beats, n_samples) -> np.ndarray:
    """``beats=`` of :func:`annotate_record` as int64, checked: 1-D, whole numbers,
    strictly increasing, inside the signal's ``n_samples``."""
    given = np.asarray(beats)
    if given.ndim != 1 or not given.size:
        raise ValueError(f"beats must be a non-empty 1-D array of samples; got shape {given.shape}")
    if not (np.issubdtype(given.dtype, np.integer) or np.all(np.mod(given, 1) == 0)):
        raise ValueError("beats must be whole sample numbers")
    given = given.astype(np.int64)
    outside = (given < 0) | (given >= n_samples)
    if outside.any():
        raise ValueError(
            f"beats: {int(outside.sum())} of {given.size} lie outside the signal's "
            f"{n_samples} samples (first: {int(given[outside][0])})"
        )
    steps = np.diff(given)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0])
        what = "repeated" if steps[i] == 0 else "not in increasing order"
        raise ValueError(
            f"beats must be strictly increasing: beats[{i + 1}] = {int(given[i + 1])} is "
            f"{what} (after {int(given[i])}); pass each beat once, sorted"
        )
    return given
