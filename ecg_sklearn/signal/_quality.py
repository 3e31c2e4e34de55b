"""Signal quality: unanalysable stretches, the rhythm timeline that leaves them out, and
whether a lead looks like the data the models were built on.

A lead that comes off, a recorder stuck at one value or clipped at its rail leave a
stretch of flat signal without beats. Taken as it is, the interval across it (tens of
seconds) inflates every average RR interval around it, and all beats look premature.
:func:`flat_stretches` finds such stretches; :func:`rhythm_timeline` gives the beat
positions with every interval that spans one (or is longer than any heart pause
considered) replaced by the record's median interval: the timeline that the rhythm
features read, while the beats' waveforms are still cut from the real signal.
:func:`signal_problems` says when a lead looks inverted or is not in mV.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FLAT_MV",
    "MIN_FLAT_S",
    "MAX_RR_S",
    "flat_blocks",
    "stretches_from_blocks",
    "flat_stretches",
    "inside",
    "rhythm_timeline",
    "SignalQualityWarning",
    "MIN_UPRIGHT",
    "QRS_AMPLITUDE_MV",
    "qrs_deflections",
    "signal_problems",
]


#: A block of signal whose every lead varies by less than this (mV, peak to peak) is flat:
#: a few units of a recorder's converter (MIT-BIH: 0.005 mV a unit). A quiet baseline in a
#: real pause varies more (0.02-0.05 mV in the 3.3-s sinus arrest of MIT-BIH record 201).
FLAT_MV = 0.01


#: Flat blocks are unanalysable where they run for at least this many seconds.
MIN_FLAT_S = 3.0


#: Intervals between consecutive beats longer than this (s) are interruptions of the
#: rhythm (a stretch without detected beats), not RR intervals.
MAX_RR_S = 6.0


def flat_blocks(signal, block: int) -> np.ndarray:
    """Whether each block of ``block`` samples of ``signal`` (``(n_leads, n_samples)``)
    is flat on every lead (a last, shorter block included)."""
    signal = np.asarray(signal)
    n = signal.shape[1]
    full = n // block * block
    blocks = signal[:, :full].reshape(signal.shape[0], -1, block)
    ptp = np.ptp(blocks, axis=2).max(axis=0) if full else np.zeros(0)
    if full < n:
        ptp = np.r_[ptp, np.ptp(signal[:, full:], axis=1).max()]
    return ptp < FLAT_MV


def stretches_from_blocks(flat, block: int, n_samples: int, fs: float) -> np.ndarray:
    """``(n_stretches, 2)`` ``[start, stop)`` samples of the runs of flat blocks lasting
    at least :data:`MIN_FLAT_S`."""
    edges = np.diff(np.r_[0, np.asarray(flat, dtype=np.int8), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    spans = np.column_stack([starts * block, np.minimum(stops * block, n_samples)])
    return spans[spans[:, 1] - spans[:, 0] >= MIN_FLAT_S * fs].astype(np.int64).reshape(-1, 2)


def flat_stretches(signal, fs: float) -> np.ndarray:
    """Stretches of at least :data:`MIN_FLAT_S` seconds where every lead is flat
    (varies by less than :data:`FLAT_MV` mV in each 0.1-s block): lead off, recorder
    stuck or clipped.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        In mV.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    stretches : ndarray of int64, shape (n_stretches, 2)
        ``[start, stop)`` in samples.

    Examples
    --------
    >>> import numpy as np
    >>> from ecg_sklearn.signal import flat_stretches
    >>> x = np.sin(np.arange(3600) / 10.0)
    >>> x[1000:2800] = 0.2  # 5 s lead-off at 360 Hz
    >>> flat_stretches(x, 360.0)
    array([[1008, 2772]])
    """
    signal = np.atleast_2d(np.asarray(signal, dtype=np.float32))
    block = max(1, int(round(0.1 * fs)))
    return stretches_from_blocks(flat_blocks(signal, block), block, signal.shape[1], fs)


def inside(samples, stretches) -> np.ndarray:
    """Whether each of ``samples`` lies inside one of the ``[start, stop)`` ``stretches``
    (sorted, not overlapping)."""
    samples = np.asarray(samples)
    stretches = np.asarray(stretches, dtype=np.int64).reshape(-1, 2)
    i = np.searchsorted(stretches[:, 0], samples, side="right") - 1
    return (
        (i >= 0) & (samples < stretches[np.maximum(i, 0), 1])
        if stretches.size
        else (np.zeros(samples.shape, dtype=bool))
    )


def rhythm_timeline(beat_samples, fs: float, stretches=()) -> np.ndarray:
    """Beat positions with the interruptions of the rhythm taken out.

    Every interval between consecutive beats that overlaps one of ``stretches`` or is
    longer than :data:`MAX_RR_S` seconds is replaced by the median of the other
    intervals; the other intervals are kept as they are. Without interruptions the
    positions are returned unchanged.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Sorted beat positions.
    fs : float
        Sampling rate in Hz.
    stretches : array-like of int, shape (n_stretches, 2), optional
        Unanalysable ``[start, stop)`` spans (:func:`flat_stretches`).

    Returns
    -------
    timeline : ndarray of int64, shape (n_beats,)
    """
    beats = np.asarray(beat_samples, dtype=np.int64)
    if beats.size < 2:
        return beats
    intervals = np.diff(beats)
    interrupted = intervals > MAX_RR_S * fs
    stretches = np.asarray(stretches, dtype=np.int64).reshape(-1, 2)
    if stretches.size:
        # The interval (beats[i], beats[i + 1]) overlaps a stretch that starts before
        # its end and stops after its start.
        first = np.searchsorted(beats, stretches[:, 0], side="right") - 1
        last = np.searchsorted(beats, stretches[:, 1], side="left")
        for a, b in zip(np.maximum(first, 0), np.minimum(last, beats.size - 1), strict=True):
            interrupted[a:b] = True
    if not interrupted.any():
        return beats
    kept = intervals[~interrupted]
    fill = int(np.median(kept)) if kept.size else int(round(fs))
    intervals = np.where(interrupted, fill, intervals)
    return beats[0] + np.r_[0, np.cumsum(intervals)]


class SignalQualityWarning(UserWarning):
    """A record does not look like the data the model was built on."""


#: Share of beats whose main deflection points up below which a lead looks inverted
#: (43 of the 44 MIT-BIH records' MLII leads have 0.6 or more; record 207 has 0.12).
MIN_UPRIGHT = 0.3


#: Median QRS amplitude (mV, peak to peak) outside which a signal is probably not in mV
#: (MIT-BIH's MLII leads: 0.9 to 4.4 mV; int16 converter units are about 200 times that).
QRS_AMPLITUDE_MV = (0.2, 10.0)


def as_reader(read):
    """``read`` as a callable ``read(start, stop)``: an ``(n_leads, n_samples)`` array
    is read by slicing."""
    if callable(read):
        return read
    signal = np.atleast_2d(np.asarray(read))
    return lambda start, stop: signal[:, start:stop]


def spread_indices(n_items: int, n_chosen: int) -> np.ndarray:
    """Indices of up to ``n_chosen`` of ``n_items``, spread evenly (first and last
    included)."""
    return np.unique(np.linspace(0, n_items - 1, min(n_chosen, n_items)).astype(np.int64))


def spread_beats(beats, n_beats: int) -> np.ndarray:
    """Up to ``n_beats`` of the sorted ``beats``, spread evenly over the record."""
    return beats[spread_indices(beats.size, n_beats)]


#: Samples :func:`read_segments` reads at most at a time (well within a chunk of
#: :func:`~ecg_sklearn.annotate_record`'s).
_MAX_READ = 1 << 13


def read_segments(read, centres, before: int, after: int) -> np.ndarray:
    """The first lead from ``before`` samples before to ``after`` samples after each of
    the sorted ``centres`` (at least ``before``), float64, NaN past the signal's end.

    Nearby centres share a read (at most 8,192 samples): a few reads for a record of
    minutes, one a centre for beats spread over days.
    """
    centres = np.asarray(centres, dtype=np.int64)
    out = np.full((centres.size, before + after), np.nan)
    offsets = np.arange(-before, after)
    i = 0
    while i < centres.size:
        lo = centres[i] - before
        j = max(i + 1, i + int(np.searchsorted(centres[i:], lo + _MAX_READ - after, "right")))
        x = np.asarray(read(lo, centres[j - 1] + after), dtype=np.float64)[0]
        at = (centres[i:j] - lo)[:, None] + offsets
        inside = at < x.size
        out[i:j][inside] = x[at[inside]]
        i = j
    return out


def qrs_deflections(read, beat_samples, fs: float, *, n_beats: int = 200) -> tuple[float, float]:
    """Share of beats whose QRS points up, and the median QRS amplitude (mV).

    Measured on the first lead, on up to ``n_beats`` beats spread over the record: the
    largest deflections above and below the median of the 0.2 s around each beat.

    Parameters
    ----------
    read : callable or array-like
        ``read(start, stop)`` returning ``(n_leads, stop - start)`` samples, or a
        ``(n_leads, n_samples)`` array.
    beat_samples : array-like of int
        Sorted beat positions.
    fs : float

    Returns
    -------
    upright : float
        Share of the beats whose largest deflection is positive (NaN without beats).
    amplitude : float
        Median peak-to-peak amplitude of their QRS (NaN without beats).
    """
    read = as_reader(read)
    beats = np.asarray(beat_samples, dtype=np.int64)
    half = max(1, int(round(0.1 * fs)))
    beats = beats[beats >= half]
    if not beats.size:
        return float("nan"), float("nan")
    x = read_segments(read, spread_beats(beats, n_beats), half, half + 1)
    median = np.nanmedian(x, axis=1)
    above, below = np.nanmax(x, axis=1) - median, median - np.nanmin(x, axis=1)
    return float(np.mean(above > below)), float(np.median(above + below))


def signal_problems(read, beat_samples, fs: float) -> list[str]:
    """What makes a record's first lead unlike the data the shipped models were built on
    (MIT-BIH's MLII, in mV), each with what to do; empty when nothing does.

    Checked: the main deflection (:data:`MIN_UPRIGHT`) and the QRS amplitude
    (:data:`QRS_AMPLITUDE_MV`), by :func:`qrs_deflections`.
    """
    upright, amplitude = qrs_deflections(read, beat_samples, fs)
    problems = []
    if upright < MIN_UPRIGHT:
        problems.append(
            f"the QRS points down in {100 * (1 - upright):.0f}% of the beats: the lead "
            "looks inverted (electrodes swapped, or a lead such as V1 or aVR). The "
            "models were built on MLII, where it points up; labels of inverted beats are "
            "unreliable. If the lead is inverted, pass -signal; else use a lead like MLII."
        )
    low, high = QRS_AMPLITUDE_MV
    if np.isfinite(amplitude) and not low <= amplitude <= high:
        problems.append(
            f"the median QRS amplitude is {amplitude:.3g} (peak to peak), outside the "
            f"{low:g}-{high:g} mV of ECG leads: the signal is probably not in mV (converter "
            "units, uV or V?). Convert it to mV (records: check the header's gain and units)."
        )
    return problems
