"""Whether a lead is upside down: reversed electrodes, told from the P wave.

The models were built on MIT-BIH's MLII, where the QRS and the P wave point up. With
its electrodes reversed, a lead like it shows both pointing down. A QRS pointing down
alone does not tell reversed electrodes: in V1-V3 and often in D3 it points down while
the P wave stays upright or flat. :func:`lead_polarity` reads the record's median beat
and calls the lead inverted only where its QRS and its P wave both point down, the P
wave by at least :data:`INVERTED_P_SHARE` of the QRS; aVR, which reads lead II upside
down, is then read as -aVR, a lead like II.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_fs
from ._quality import as_reader, read_segments, spread_beats

__all__ = ["INVERTED_P_SHARE", "median_beat", "lead_polarity"]


#: The P wave of an inverted lead points down by at least this share of the QRS (the
#: largest deflections of the median beat; MIT-BIH's MLII: P about 0.03-0.45 of the QRS
#: in sinus rhythm, near 0 in atrial fibrillation).
INVERTED_P_SHARE = 0.02


#: Spans of the median beat, in seconds from the beat: the P wave, the PR segment (the
#: level the deflections are measured from) and the QRS.
P_WAVE_S, PR_SEGMENT_S, QRS_S = (-0.25, -0.08), (-0.10, -0.06), (-0.06, 0.06)


def median_beat(read, beat_samples, fs: float, *, n_beats: int = 300) -> np.ndarray:
    """The median of the first lead from 0.3 s before to 0.1 s after up to ``n_beats``
    beats spread over the record, each from the level of its own PR segment.

    Parameters
    ----------
    read : callable or array-like
        ``read(start, stop)`` returning ``(n_leads, stop - start)`` samples, or a
        ``(n_leads, n_samples)`` array.
    beat_samples : array-like of int
        Sorted beat positions.
    fs : float
    n_beats : int, default=300

    Returns
    -------
    beat : ndarray of float64, shape (n_timepoints,)
        Starts 0.3 s before the beat; empty where no beat lies 0.3 s inside the signal.
    """
    fs, read = check_fs(fs), as_reader(read)
    before, after = int(round(0.3 * fs)), int(round(0.1 * fs))
    beats = np.asarray(beat_samples, dtype=np.int64)
    chosen = spread_beats(beats[beats >= before], n_beats)
    segments = read_segments(read, chosen, before, after)
    segments = segments[~np.isnan(segments).any(axis=1)]  # cut short by the record's end
    if not segments.size:
        return np.zeros(0)
    pr = slice(*(before + int(round(t * fs)) for t in PR_SEGMENT_S))
    segments -= np.median(segments[:, pr], axis=1, keepdims=True)
    return np.median(segments, axis=0)


def lead_polarity(read, beat_samples, fs: float, *, n_beats: int = 300) -> int:
    """-1 where the first lead looks inverted (reversed electrodes), else 1.

    Inverted: in the :func:`median_beat`, the largest deflection within 60 ms of the
    beat is negative and so is the largest from 250 to 80 ms before it (the P wave,
    smoothed over 25 ms), beyond :data:`INVERTED_P_SHARE` of the QRS's.

    Parameters
    ----------
    read, beat_samples, fs, n_beats
        As for :func:`median_beat` (the beats e.g. from
        :func:`~ecg_sklearn.signal.detect_qrs`).

    Returns
    -------
    polarity : int
        1 (also without beats), or -1.

    Examples
    --------
    >>> import numpy as np
    >>> from ecg_sklearn.signal import lead_polarity
    >>> fs, beats = 360.0, np.arange(360, 36000, 300)
    >>> t = np.arange(36000)[:, None] - beats  # samples from each beat
    >>> wave = lambda at, width, height: height * np.exp(-((t - at) / width) ** 2).sum(1)
    >>> upright = wave(0, 8, 1.5) + wave(-60, 15, 0.15)  # QRS and P wave
    >>> lead_polarity(upright, beats, fs), lead_polarity(-upright, beats, fs)
    (1, -1)
    """
    beat = median_beat(read, beat_samples, fs, n_beats=n_beats)
    if not beat.size:
        return 1
    zero, width = int(round(0.3 * fs)), max(1, int(round(0.025 * fs)))
    smooth = np.convolve(beat, np.ones(width) / width, mode="same")

    def largest(wave, span):
        part = wave[slice(*(zero + int(round(t * fs)) for t in span))]
        return part[np.argmax(np.abs(part))]

    qrs, p_wave = largest(beat, QRS_S), largest(smooth, P_WAVE_S)
    return -1 if qrs < 0 and p_wave < INVERTED_P_SHARE * qrs else 1
