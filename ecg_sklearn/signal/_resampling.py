"""Resampling a record and its beat positions to another sampling rate."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

__all__ = ["resampling_ratio", "resample_record"]


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
