"""What the record-level decisions read of the loaders' windows: the probability of
atrial fibrillation, the similar-beat features and the P-wave evidence of each beat,
computed from the records' signals."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from ..features._dominant import dominant_similarity, p_wave_similarity, qrs_segments
from ..features._similar import beat_features
from ..io._wfdb import loaded_records
from ._af import DOMINANT_LIKE, af_probability
from ._prematurity import RULE_IN_EVIDENCE

__all__ = [
    "loaded_af_probability", "loaded_beat_features", "loaded_qrs_segments",
    "loaded_rule_in_evidence",
]  # fmt: skip


def loaded_af_probability(data, data_dir) -> np.ndarray:
    """:func:`af_probability` of the beats of a loader's output, record by record.

    Parameters
    ----------
    data : Bunch
        Output of :func:`ecg_sklearn.io.load_mitdb`, ``load_wfdb`` or
        ``load_sample`` (its ``groups``, ``samples``, ``fs`` and ``record_leads``).
    data_dir : str or path-like
        The folder it was loaded from; each record's first lead is read again from it
        (for the beats like the dominant one).

    Returns
    -------
    p_af : ndarray of float64, shape (n_beats,)
        NaN in records of fewer than 3 beats.
    """
    samples = np.asarray(data.samples)
    p_af = np.full(samples.size, np.nan)
    for rows, signal in loaded_records(data, data_dir):
        if rows.sum() >= 3:
            alike = dominant_similarity(signal, samples[rows], data.fs) >= DOMINANT_LIKE
            p_af[rows] = af_probability(samples[rows], data.fs, alike)
    return p_af


def loaded_beat_features(data, data_dir) -> np.ndarray:
    """:func:`beat_features` of the beats of a loader's output, record by record.

    Parameters
    ----------
    data : Bunch
        Output of :func:`ecg_sklearn.io.load_mitdb`, ``load_wfdb`` or
        ``load_sample`` (its ``groups``, ``samples``, ``fs`` and ``record_leads``).
    data_dir : str or path-like
        The folder it was loaded from (:func:`ecg_sklearn.io.sample_data_dir` for
        ``load_sample``): each record's first lead is read again from it.

    Returns
    -------
    features : ndarray of float32, shape (n_beats, n_features)
    """
    groups, samples = np.asarray(data.groups), np.asarray(data.samples)
    features = None
    for rows, signal in loaded_records(data, data_dir):
        f = beat_features(signal, samples[rows], data.fs)
        if features is None:
            features = np.zeros((groups.size, f.shape[1]), dtype=np.float32)
        features[rows] = f
    return np.zeros((0, 0), dtype=np.float32) if features is None else features


def loaded_qrs_segments(data, data_dir, rows) -> np.ndarray:
    """The QRS segments (``features._dominant.qrs_segments``) of the beats at the sorted indices
    ``rows`` of a loader's output, each record's first lead read again from
    ``data_dir`` (only the records they are in)."""
    samples, groups = np.asarray(data.samples), np.asarray(data.groups)
    rows = np.asarray(rows, dtype=np.int64)
    out = None
    # Only the records of ``rows``.
    wanted = Bunch(groups=groups[rows], fs=data.fs, record_leads=data.record_leads)
    for mine, signal in loaded_records(wanted, data_dir):
        segments = qrs_segments(signal, samples[rows[mine]], data.fs)
        if out is None:
            out = np.empty((rows.size, segments.shape[1]))
        out[mine] = segments
    return np.zeros((0, 0)) if out is None else out


def loaded_rule_in_evidence(data, data_dir, *, p_wave=True) -> Bunch:
    """What :func:`rule_in_premature_sveb` needs of the beats of a loader's output.

    Parameters
    ----------
    data : Bunch
        Output of :func:`ecg_sklearn.io.load_mitdb`, ``load_wfdb`` or
        ``load_sample`` (its ``groups``, ``samples``, ``fs`` and ``record_leads``).
    data_dir : str or path-like
        The folder it was loaded from; each record's first lead is read again from it.
    p_wave : bool, default=True
        False: the QRS similarity alone (what :func:`rule_out_sveb_unlike_dominant`
        reads), without the cost of the P waves.

    Returns
    -------
    evidence : Bunch
        ``qrs_similarity`` and (with ``p_wave``) ``p_wave_similarity``: float32 arrays,
        a value per beat.
    """
    samples = np.asarray(data.samples)
    keys = RULE_IN_EVIDENCE if p_wave else ("qrs_similarity",)
    out = Bunch(**{key: np.zeros(samples.size, dtype=np.float32) for key in keys})
    for rows, signal in loaded_records(data, data_dir):
        out.qrs_similarity[rows] = dominant_similarity(signal, samples[rows], data.fs)
        if p_wave:
            out.p_wave_similarity[rows] = p_wave_similarity(signal, samples[rows], data.fs)
    return out
