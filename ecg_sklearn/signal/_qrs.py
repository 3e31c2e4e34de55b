"""QRS (R-peak) detection for records without reference beat annotations."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal

from .._validation import MIN_RECORD_FS, check_fs
from ._filtering import filter_ecg

__all__ = ["detect_qrs"]


def _beat_level(energy, fs, at, max_width=1.5, median_width=8.0):
    """Typical beat energy at samples ``at``: running median (8 s) of the running maximum
    (1.5 s) of ``energy``, both computed on 0.1-s block maxima."""
    q = max(1, int(fs // 10))
    n_blocks = -(-energy.size // q)
    padded = np.pad(energy, (0, n_blocks * q - energy.size), mode="edge")
    blocks = padded.reshape(n_blocks, q).max(axis=1)
    envelope = ndimage.maximum_filter1d(blocks, max(1, int(round(max_width * fs / q))))
    envelope = ndimage.median_filter(
        envelope, size=max(1, int(median_width * fs / q)) | 1, mode="nearest"
    )
    return np.interp(at, (np.arange(n_blocks) + 0.5) * q, envelope)


#: Of two peaks closer than the T-wave window, the later (earlier) one is also taken for
#: a T (P) wave when its energy is below ENERGY_RATIO and its sharpness below
#: SHARPNESS_RATIO times the other's, and below SHARPNESS_LEVEL times the typical beat's:
#: a broad wave after a narrow QRS, which the energy alone does not tell apart.
T_WAVE_ENERGY_RATIO, T_WAVE_SHARPNESS_RATIO, T_WAVE_SHARPNESS_LEVEL = 0.7, 0.7, 0.8


#: A detection less than SPLIT_WINDOW_S seconds and less than SPLIT_SHARE of the
#: interval before it after its predecessor, without which the intervals before and
#: after it differ by less than SPLIT_REGULAR times the one before, splits one interval
#: of the rhythm in two: a T wave taken for a beat.
SPLIT_WINDOW_S, SPLIT_SHARE, SPLIT_REGULAR = 0.33, 0.4, 0.2


#: Each beat is placed on its deflection of the polarity that most beats within
#: POLARITY_SPAN_S seconds share, where it reaches POLARITY_SHARE of its largest
#: deflection: beats whose R and S (or Q) waves are of similar size then sit on the same
#: wave as the record's other beats, whatever the lead.
POLARITY_SPAN_S, POLARITY_SHARE = 10.0, 0.5


def _energy(lead, fs):
    """QRS energy (absolute slope of the 5-20 Hz band, averaged over 100 ms) and
    sharpness (its largest absolute slope within 100 ms)."""
    band = filter_ecg(
        lead.astype(np.float32, copy=False), fs, lowcut=5.0, highcut=min(20.0, 0.45 * fs)
    )
    slope = np.abs(np.diff(band, prepend=band[0]))
    width = max(1, int(0.1 * fs))  # centred moving average, as a difference of cumsums
    padded = np.pad(slope, (width // 2 + 1, width - 1 - width // 2), mode="edge")
    summed = np.cumsum(padded, dtype=np.float64)
    sharpness = ndimage.maximum_filter1d(slope, width)
    return (summed[width:] - summed[:-width]) / width, sharpness


def detect_qrs(
    ecg,
    fs: float,
    *,
    threshold: float = 0.35,
    refractory: float = 0.25,
    search_back: float = 1.6,
    wave_ratio: float = 0.5,
) -> np.ndarray:
    """Detect R peaks in a 1-D or ``(n_leads, n_samples)`` ECG.

    An energy detector on the first lead (the others are ignored; adding a noisier
    second lead lowered +P on MIT-BIH): the lead is averaged down to about 180 Hz (means
    of ``fs // 180`` samples; the 5-20 Hz band needs no more), band-passed (5-20 Hz) and
    its absolute slope averaged over 100 ms. Peaks of that energy, at least
    ``refractory`` apart, are kept when above ``threshold`` times a running median (8 s)
    of the beat-energy envelope; of two peaks less than 360 ms apart, one ``wave_ratio``
    times weaker than the other is taken for a T wave (after the beat) or a P wave
    (before it), and so is one somewhat weaker and much less sharp (largest slope)
    than both the other and the record's typical beat; gaps longer than
    ``search_back`` local RR intervals are searched again at 0.7 times the threshold.
    Each beat is then placed on a deflection from the local median within 80 ms: the
    largest of the polarity that most beats within 10 s share, where it reaches half
    the largest of either sign (else the largest), so that beats sit on the same wave
    as the record's other beats. Last, a beat less than 330 ms after the one before
    that splits one interval of the rhythm in two (under 0.4 of the interval before it,
    and without it the intervals around it alike within 20%) is dropped: a T wave as
    tall and sharp as a QRS. No step depends on the sign of the signal, so
    inverted leads give the same beats.

    Parameters
    ----------
    ecg : array-like, shape (n_samples,) or (n_leads, n_samples)
        Raw ECG.
    fs : float
        Sampling rate in Hz, at least 100 (lower rates are refused).
    threshold : float, default=0.35
        Fraction of the typical beat energy a peak must reach.
    refractory : float, default=0.25
        Minimum seconds between two beats.
    search_back : float, default=1.6
        Gap, in local RR intervals, after which a missed beat is searched for.
    wave_ratio : float, default=0.5
        Energy ratio below which a peak within 360 ms of a stronger one is taken for a
        T or P wave.

    Returns
    -------
    r_peaks : ndarray of int64, shape (n_beats,)
        Sorted R-peak sample indices.
    """
    fs = check_fs(fs, minimum=MIN_RECORD_FS)
    x = np.asarray(ecg)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2:
        raise ValueError(f"ecg must be 1-D or (n_leads, n_samples); got shape {x.shape}")
    if not np.isfinite(x[0].sum()) and not np.all(np.isfinite(x[0])):
        raise ValueError("ecg contains NaN or inf values in its first lead")
    if x.shape[1] < int(2 * fs):
        raise ValueError(f"ecg is too short: {x.shape[1]} samples, need at least 2 s of signal")
    q = max(1, int(fs // 180))  # the energy needs no more than about 180 Hz
    n = x.shape[1] // q
    lead = sum(x[0, k : n * q : q] for k in range(q)) / q  # means of q samples
    rate = fs / q
    energy, sharpness = _energy(lead, rate)
    distance = max(1, int(refractory * rate))
    peaks, _ = signal.find_peaks(energy, distance=distance)
    heights = energy[peaks]
    level = _beat_level(energy, rate, peaks)
    # sharpness relative to the typical beat's
    sharp = sharpness[peaks] / np.maximum(_beat_level(sharpness, rate, peaks), 1e-12)
    keep = heights > threshold * level
    beats = _drop_weak_neighbours(peaks[keep], heights[keep], sharp[keep], rate, wave_ratio)
    beats = _search_back(beats, peaks, heights, level, 0.7 * threshold, search_back, rate)
    return _drop_split_intervals(_refine(x[0], beats * q + (q - 1) // 2, fs), fs)


def _drop_weak_neighbours(beats, heights, sharp, fs, ratio, window=0.36):
    """Of two beats closer than ``window`` s, drop one ``ratio`` times weaker than the
    other, or weaker and much less sharp (``sharp``: relative to the typical beat's):
    a T wave after the QRS, or a (large) P wave before it."""
    if beats.size < 2 or ratio <= 0:
        return beats
    close = np.diff(beats) < window * fs

    def weak(a, b):  # a, of a pair (a, b), looks like a wave beside the QRS b
        broad = (
            (heights[a] < T_WAVE_ENERGY_RATIO * heights[b])
            & (sharp[a] < T_WAVE_SHARPNESS_RATIO * sharp[b])
            & (sharp[a] < T_WAVE_SHARPNESS_LEVEL)
        )
        return (heights[a] < ratio * heights[b]) | broad

    later, earlier = np.arange(1, beats.size), np.arange(beats.size - 1)
    weak_after = close & weak(later, earlier)
    weak_before = close & weak(earlier, later)
    keep = np.concatenate([[True], ~weak_after]) & np.concatenate([~weak_before, [True]])
    return beats[keep]


def _drop_split_intervals(beats, fs):
    """Drop the beats that split one interval of the rhythm in two (see
    :data:`SPLIT_WINDOW_S`): T waves as tall and sharp as a QRS."""
    if beats.size < 4:
        return beats
    i = np.arange(2, beats.size - 1)
    before, split, after = (beats[i - 1] - beats[i - 2], beats[i] - beats[i - 1],
                            beats[i + 1] - beats[i])  # fmt: skip
    wave = (
        (split < SPLIT_WINDOW_S * fs)
        & (split < SPLIT_SHARE * before)
        & (np.abs(before - split - after) < SPLIT_REGULAR * before)
    )
    return np.delete(beats, i[wave])


def _search_back(beats, peaks, heights, level, threshold, factor, fs):
    """Add the strongest sub-threshold peak inside each gap much longer than the local RR."""
    if beats.size < 3:
        return beats
    rr = np.diff(beats)
    local = ndimage.median_filter(rr.astype(float), size=9, mode="nearest")
    gaps = np.flatnonzero(rr > factor * local)
    added = []
    for g in gaps:
        lo, hi = beats[g] + 0.3 * local[g], beats[g + 1] - 0.3 * local[g]
        inside = (peaks > lo) & (peaks < hi) & (heights > threshold * level)
        if inside.any():
            added.append(peaks[inside][np.argmax(heights[inside])])
    return np.sort(np.concatenate([beats, np.asarray(added, dtype=beats.dtype)]))


def _refine(lead, beats, fs):
    """Move each beat to its deflection from the local median within 80 ms that has the
    polarity of most beats within :data:`POLARITY_SPAN_S`, where that deflection is at
    least :data:`POLARITY_SHARE` of its largest; else to the largest."""
    half = int(0.08 * fs)
    padded = np.pad(lead, half, mode="edge")
    windows = sliding_window_view(padded, 2 * half + 1)[beats]
    deflection = windows - np.median(windows, axis=1, keepdims=True)
    size = np.abs(deflection)
    largest = size.argmax(axis=1)
    own = np.sign(deflection[np.arange(beats.size), largest])
    votes = np.concatenate([[0.0], np.cumsum(own)])
    span = POLARITY_SPAN_S * fs
    first, last = (
        np.searchsorted(beats, beats - span),
        np.searchsorted(beats, beats + span, "right"),
    )
    polarity = np.sign(votes[last] - votes[first])
    polarity = np.where(polarity == 0, own, polarity)
    signed = polarity[:, None] * deflection
    usual = signed.max(axis=1) >= POLARITY_SHARE * size.max(axis=1)
    r_peaks = beats + np.where(usual, signed.argmax(axis=1), largest) - half
    return np.unique(np.clip(r_peaks, 0, lead.size - 1)).astype(np.int64)
