"""The patient's own beats: how much each beat looks like its record's dominant beat.

A record's *dominant beat* is the QRS shape most of its beats share, found without
labels: among up to :data:`MAX_REFERENCE_BEATS` beats spread evenly over the record, the
one that the most others resemble (correlation above 0.9), and its template the median
of those that resemble it. Each beat's :func:`dominant_similarity` is the correlation of
its QRS complex (:data:`QRS_SPAN` around the beat, linear trend removed) with that
template: close to 1 for beats shaped like the patient's usual beat, lower for ectopic
ventricular and fusion beats, whatever the patient's usual beat looks like.

The similarity travels with the rhythm context in the windows' context channel
(:func:`ecg_sklearn.features.record_context`), and
``CNNBeatClassifier(dominant_threshold=...)`` rules V and F out for beats above the
threshold.

The P wave is compared the same way (:func:`p_wave_similarity`): the segment
:data:`P_WAVE_SPAN` before each beat against the median of that segment over the
reference beats whose QRS is the dominant one's. An atrial premature beat, conducted
with the usual QRS, has another P wave (:func:`ecg_sklearn.record.rule_in_premature_sveb`).
"""

from __future__ import annotations

import numpy as np

from ..signal._quality import spread_indices

__all__ = [
    "DOMINANT_FEATURES",
    "QRS_SPAN",
    "MAX_REFERENCE_BEATS",
    "P_WAVE_SPAN",
    "qrs_segments",
    "p_wave_segments",
    "p_wave_template",
    "reference_beats",
    "dominant_template",
    "dominant_similarity",
    "p_wave_similarity",
]


#: Names of the values this module adds to each beat's record context.
DOMINANT_FEATURES = ("dominant_similarity",)


#: Seconds of signal before and after the beat compared with the dominant beat.
QRS_SPAN = (0.1, 0.15)


#: At most this many beats, spread evenly over the record, make the dominant beat.
MAX_REFERENCE_BEATS = 1000


#: Correlation above which two beats count as alike when finding the dominant beat.
_ALIKE = 0.9


#: Seconds before the beat where the P-wave segment starts and ends.
P_WAVE_SPAN = (0.3, 0.05)


#: QRS similarity above which a reference beat's P wave makes the dominant P wave.
_P_TEMPLATE_SIMILARITY = 0.95


def qrs_span_samples(fs: float) -> tuple[int, int]:
    return int(QRS_SPAN[0] * fs), int(QRS_SPAN[1] * fs)


def qrs_segments(signal, beat_samples, fs: float) -> np.ndarray:
    """The QRS segment of each beat in the first lead, with its linear trend removed.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The record (or a piece of it) at ``fs``; only the first lead is used.
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions in ``signal``.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    segments : ndarray of float64, shape (n_beats, n_span)
        ``n_span`` samples from :data:`QRS_SPAN` before the beat; segments reaching past
        either end of ``signal`` repeat its edge value.
    """
    before, after = qrs_span_samples(fs)
    return _detrended_segments(signal, beat_samples, -before, after)


def p_wave_span(fs: float) -> tuple[int, int]:
    """Samples (from the beat) where the P-wave segment starts and stops."""
    return -int(P_WAVE_SPAN[0] * fs), -int(P_WAVE_SPAN[1] * fs)


def p_wave_segments(signal, beat_samples, fs: float) -> np.ndarray:
    """The segment :data:`P_WAVE_SPAN` before each beat in the first lead, linear trend
    removed: as :func:`qrs_segments`, for the P wave."""
    return _detrended_segments(signal, beat_samples, *p_wave_span(fs))


def _detrended_segments(signal, beat_samples, start, stop) -> np.ndarray:
    x = np.asarray(signal)
    x = x[0] if x.ndim == 2 else x
    idx = np.asarray(beat_samples, dtype=np.int64)[:, None] + np.arange(start, stop)
    # Clipped indices repeat the edge values, without a padded copy of the signal.
    segments = x[np.clip(idx, 0, x.size - 1)].astype(np.float64)
    t = np.linspace(-1.0, 1.0, segments.shape[1])
    segments -= segments.mean(axis=1, keepdims=True)
    segments -= np.outer(segments @ t / (t @ t), t)
    return segments


def p_wave_template(p_segments, qrs_similarity) -> np.ndarray:
    """The dominant P wave: the median of the :func:`p_wave_segments` of the reference
    beats whose QRS correlates above 0.95 with the dominant beat (zeros if none)."""
    usual = np.asarray(qrs_similarity) > _P_TEMPLATE_SIMILARITY
    p_segments = np.asarray(p_segments, dtype=np.float64)
    return np.median(p_segments[usual], axis=0) if usual.any() else np.zeros(p_segments.shape[1])


def dominant_p_wave(qrs_segments, p_segments) -> np.ndarray:
    """:func:`p_wave_template` of the reference beats, from their QRS and P-wave
    segments (their QRS similarity measured against their own dominant beat)."""
    return p_wave_template(p_segments, _correlation(qrs_segments, dominant_template(qrs_segments)))


def _correlation(segments, template) -> np.ndarray:
    """Correlation of each segment (row) with ``template``, float32."""
    return (unit_rows(segments) @ unit_rows(np.asarray(template))).astype(np.float32)


def reference_beats(n_beats: int) -> np.ndarray:
    """Indices of the beats (at most :data:`MAX_REFERENCE_BEATS`, evenly spread) that
    make the dominant beat."""
    return spread_indices(n_beats, MAX_REFERENCE_BEATS)


def unit_rows(a):
    norm = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.where(norm > 0, norm, 1.0)


def dominant_template(segments) -> np.ndarray:
    """The dominant beat of a record from its reference beats' :func:`qrs_segments`.

    The segment most others resemble (correlation above 0.9), and the median of those
    that resemble it (zeros if no segment has a shape: a flat signal).
    """
    segments = np.asarray(segments, dtype=np.float64)
    unit = unit_rows(segments)
    alike = unit @ unit.T > _ALIKE
    chosen = alike[np.argmax(alike.sum(axis=0))]
    return np.median(segments[chosen], axis=0) if chosen.any() else np.zeros(segments.shape[1])


def dominant_similarity(signal, beat_samples, fs: float, *, template=None) -> np.ndarray:
    """Correlation of each beat's QRS with its record's dominant beat.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The whole record at ``fs`` (the first lead is used), or a piece of it with the
        whole record's ``template``.
    beat_samples : array-like of int, shape (n_beats,)
        Sorted beat positions: every beat of the record, or of the piece.
    fs : float
        Sampling rate in Hz.
    template : ndarray, optional
        The record's :func:`dominant_template`; by default made from these beats'
        :func:`reference_beats`.

    Returns
    -------
    similarity : ndarray of float32, shape (n_beats,)
        In [-1, 1]; 0 for records of fewer than 3 beats, which have no dominant beat to
        speak of, and for flat segments.
    """
    beats = np.asarray(beat_samples, dtype=np.int64)
    if template is None and beats.size < 3:
        return np.zeros(beats.size, dtype=np.float32)
    segments = qrs_segments(signal, beats, fs)
    if template is None:
        template = dominant_template(segments[reference_beats(beats.size)])
    return _correlation(segments, template)


def p_wave_similarity(signal, beat_samples, fs: float, *, template=None) -> np.ndarray:
    """Correlation of each beat's P-wave segment with its record's dominant P wave.

    Parameters
    ----------
    signal : array-like, shape (n_leads, n_samples) or (n_samples,)
        The whole record at ``fs`` (the first lead is used), or a piece of it with the
        whole record's ``template``.
    beat_samples : array-like of int, shape (n_beats,)
        Sorted beat positions.
    fs : float
        Sampling rate in Hz.
    template : ndarray, optional
        The record's :func:`p_wave_template`; by default made from these beats'
        :func:`reference_beats` and :func:`dominant_similarity`.

    Returns
    -------
    similarity : ndarray of float32, shape (n_beats,)
        In [-1, 1]; 0 for records of fewer than 3 beats and flat segments.
    """
    beats = np.asarray(beat_samples, dtype=np.int64)
    if template is None and beats.size < 3:
        return np.zeros(beats.size, dtype=np.float32)
    segments = p_wave_segments(signal, beats, fs)
    if template is None:
        reference = beats[reference_beats(beats.size)]
        template = dominant_p_wave(
            qrs_segments(signal, reference, fs), p_wave_segments(signal, reference, fs)
        )
    return _correlation(segments, template)
