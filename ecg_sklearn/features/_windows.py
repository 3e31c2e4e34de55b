"""Beat windows: the sample representation shared by every step of the toolkit.

One sample is one beat. A beat window is a float32 array ``(n_channels, n_timepoints)``
cut from a continuous record around the beat's fiducial point (R peak):

* channels ``0 .. n_leads - 1`` hold the raw ECG leads (physical units, mV);
* channel ``n_leads`` is the *beat channel*: zero everywhere except at the samples of the
  beats that fall inside the window (the centre beat and its neighbours), where it holds
  the record's average RR interval around that beat, in seconds (see ``avg_rr_span``);
* with ``rr_context=True`` (the default), a last *record-context channel*: its first
  ``len(CONTEXT_FEATURES)`` samples hold the beat's
  :func:`~ecg_sklearn.features.rr_context_features` (the rhythm of the tens of beats
  around it, from the whole record's beat positions) and its
  :func:`~ecg_sklearn.features.dominant_similarity` (how much its QRS looks like
  the record's dominant beat), the rest zeros.

The window is symmetric: ``n_timepoints = 2 * round(context * fs) + 1`` and the beat
sits at index ``n_timepoints // 2``. A stack of windows is ``(n_beats, n_channels,
n_timepoints)``. See ``docs/design.md``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._dominant import DOMINANT_FEATURES, dominant_similarity
from ._rhythm import RR_CONTEXT_FEATURES, rr_context_features

__all__ = [
    "DEFAULT_CONTEXT",
    "DEFAULT_AVG_RR_SPAN",
    "CONTEXT_FEATURES",
    "window_length",
    "average_rr",
    "make_beat_windows",
    "record_context",
    "rhythm_context",
]


#: Seconds of signal kept on each side of the beat (a window of 4 s at the default).
DEFAULT_CONTEXT = 2.0


#: Seconds of record (centred on the beat) over which the average RR interval is taken.
DEFAULT_AVG_RR_SPAN = 300.0


#: The values of the record-context channel, in order: the rhythm, then the dominant beat.
CONTEXT_FEATURES = (*RR_CONTEXT_FEATURES, *DOMINANT_FEATURES)


def window_length(context: float, fs: float) -> int:
    """Number of samples of a beat window of ``context`` seconds on each side."""
    return 2 * int(round(context * fs)) + 1


def average_rr(beat_samples, fs: float, span: float = DEFAULT_AVG_RR_SPAN) -> np.ndarray:
    """Mean RR interval (s) of the record in a window of ``span`` seconds around each beat.

    Computed from beat positions only (no labels): for beat ``i`` the beats within
    ``span / 2`` seconds on either side are found and their mean RR interval returned.
    A record with a single beat gets NaN.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Sorted beat positions in samples.
    fs : float
        Sampling rate in Hz.
    span : float, default=300.0
        Width of the centred averaging window in seconds.

    Returns
    -------
    avg_rr : ndarray of float64, shape (n_beats,)
    """
    t = np.asarray(beat_samples, dtype=np.float64)
    if t.size < 2:
        return np.full(t.shape, np.nan)
    half = 0.5 * span * fs
    lo = np.searchsorted(t, t - half, side="left")
    hi = np.searchsorted(t, t + half, side="right") - 1
    # Fewer than two beats in the span: widen to the nearest neighbour.
    lo = np.where(hi > lo, lo, np.maximum(hi - 1, 0))
    hi = np.where(hi > lo, hi, np.minimum(lo + 1, t.size - 1))
    return (t[hi] - t[lo]) / (hi - lo) / fs


def make_beat_windows(
    signal,
    beat_samples,
    fs: float,
    *,
    context: float = DEFAULT_CONTEXT,
    avg_rr_span: float = DEFAULT_AVG_RR_SPAN,
    avg_rr=None,
    rr_context: bool = True,
    context_features=None,
    timeline=None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Cut beat windows (with the beat channel) out of a continuous record.

    Vectorised: one strided gather per channel, no Python loop over beats. Windows that
    reach past either end of the record are padded with the edge value of the signal
    (and zeros in the beat channel); no beat is dropped.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples)
        Continuous ECG, one row per lead.
    beat_samples : array-like of int, shape (n_beats,)
        Sorted fiducial points (R peaks) of every beat of the record. Each one gets a
        window, and each one is marked in its neighbours' beat channels.
    fs : float
        Sampling rate in Hz.
    context : float, default=2.0
        Seconds kept on each side of the beat.
    avg_rr_span : float, default=300.0
        Span in seconds of the average RR interval written in the beat channel.
    avg_rr : array-like of float, shape (n_beats,), optional
        The average RR interval (s) of each beat, when computed beforehand (e.g. with
        :func:`average_rr` over a whole record of which ``signal`` is a piece);
        ``avg_rr_span`` is then unused.
    rr_context : bool, default=True
        Add the record-context channel (see the module's description and
        :func:`record_context`).
    context_features : array-like, shape (n_beats, len(CONTEXT_FEATURES)), optional
        The beats' :func:`record_context`, when computed beforehand over a whole record
        of which ``signal`` is a piece (implies ``rr_context``).
    timeline : array-like of int, shape (n_beats,), optional
        The beat positions that the rhythm values (average RR, rhythm context) read,
        when they differ from ``beat_samples``: a record's
        :func:`~ecg_sklearn.signal.rhythm_timeline`, without its interruptions.
    out : ndarray, optional
        Preallocated float32 array of shape ``(n_beats, n_channels, n_timepoints)``.

    Returns
    -------
    windows : ndarray of float32, shape (n_beats, n_channels, n_timepoints)
        ``n_channels`` is ``n_leads + 2``, or ``n_leads + 1`` with ``rr_context=False``.
    """
    signal = np.asarray(signal)
    if signal.ndim != 2:
        raise ValueError(
            f"signal must be 2-D (n_leads, n_samples); got an array of shape {signal.shape}"
        )
    beats = np.asarray(beat_samples, dtype=np.int64)
    if beats.ndim != 1:
        raise ValueError(f"beat_samples must be 1-D; got shape {beats.shape}")
    if beats.size and (beats.min() < 0 or beats.max() >= signal.shape[1]):
        raise ValueError(
            f"beat_samples must lie in [0, {signal.shape[1]}); got values from "
            f"{beats.min()} to {beats.max()}"
        )
    if np.any(np.diff(beats) < 0):
        raise ValueError("beat_samples must be sorted in increasing order")
    half = int(round(context * fs))
    n_times = 2 * half + 1
    n_leads = signal.shape[0]
    rr_context = rr_context or context_features is not None
    n_context = len(CONTEXT_FEATURES)
    if rr_context and n_times < n_context:
        raise ValueError(f"windows of {n_times} samples cannot hold {n_context} context values")
    shape = (beats.size, n_leads + 1 + rr_context, n_times)
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape:
        raise ValueError(f"out must have shape {shape}; got {out.shape}")

    padded = np.pad(signal.astype(np.float32, copy=False), ((0, 0), (half, half)), mode="edge")
    for lead in range(n_leads):
        # Window i starts at padded index beats[i] (= beats[i] - half in the record).
        out[:, lead, :] = sliding_window_view(padded[lead], n_times)[beats]

    track = np.zeros(signal.shape[1] + 2 * half, dtype=np.float32)
    timeline = beats if timeline is None else np.asarray(timeline, dtype=np.int64)
    if timeline.shape != beats.shape:
        raise ValueError(f"timeline must have shape {beats.shape}; got {timeline.shape}")
    if avg_rr is None:
        avg_rr = average_rr(timeline, fs, avg_rr_span)
    elif np.shape(avg_rr) != beats.shape:
        raise ValueError(f"avg_rr must have shape {beats.shape}; got {np.shape(avg_rr)}")
    # A lone beat has no RR interval: mark it with the window length, a lower bound.
    track[beats + half] = np.where(np.isnan(avg_rr), n_times / fs, avg_rr)
    out[:, n_leads, :] = sliding_window_view(track, n_times)[beats]
    if rr_context:
        if context_features is None:
            context_features = record_context(signal, beats, fs, timeline=timeline)
        elif np.shape(context_features) != (beats.size, n_context):
            raise ValueError(
                f"context_features must have shape {(beats.size, n_context)}; "
                f"got {np.shape(context_features)}"
            )
        out[:, -1, :n_context] = context_features
        out[:, -1, n_context:] = 0.0
    return out


def record_context(signal, beat_samples, fs: float, *, timeline=None) -> np.ndarray:
    """The record-level context of every beat of one record, from unlabelled signal.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples)
        The whole record (the dominant beat is found in its first lead).
    beat_samples : array-like of int, shape (n_beats,)
        Every beat of the record, sorted.
    fs : float
        Sampling rate in Hz.
    timeline : array-like of int, shape (n_beats,), optional
        The positions the rhythm features read (default ``beat_samples``), as in
        :func:`make_beat_windows`.

    Returns
    -------
    context : ndarray of float32, shape (n_beats, len(CONTEXT_FEATURES))
        :func:`~ecg_sklearn.features.rr_context_features` (zeros, a median RR of 0, for
        a record of fewer than 3 beats or with repeated positions, which has no rhythm to
        describe), then :func:`~ecg_sklearn.features.dominant_similarity`.
    """
    beats = np.asarray(beat_samples)
    rhythm = rhythm_context(beats if timeline is None else timeline, fs)
    return np.column_stack([rhythm, dominant_similarity(signal, beats, fs)])


def rhythm_context(beat_samples, fs: float, *, index=None) -> np.ndarray:
    """The rhythm part of :func:`record_context`, from beat positions alone.

    ``index``: the beats to describe (all by default), as in
    :func:`~ecg_sklearn.features.rr_context_features`.
    """
    beats = np.asarray(beat_samples)
    if beats.size < 3 or np.any(np.diff(beats) <= 0):
        n = beats.size if index is None else len(index)
        return np.zeros((n, len(RR_CONTEXT_FEATURES)), dtype=np.float32)
    return rr_context_features(beats, fs, index=index)
