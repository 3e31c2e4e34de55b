"""Input checks shared by the signal transformers."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.validation import validate_data

#: The lowest sampling rate (Hz) of a record that the QRS detector and annotate_record
#: accept: the detector reads the 5-20 Hz band and the network the QRS's shape, whose
#: energy reaches about 40 Hz; Holter recorders sample at 125-128 Hz and more.
MIN_RECORD_FS = 100.0


def check_fs(fs, *, minimum=None) -> float:
    """Return ``fs`` as a float, or raise a ``ValueError`` naming the problem; with
    ``minimum``, rates below it are refused too."""
    if isinstance(fs, bool) or not isinstance(fs, numbers.Real) or not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs must be a positive sampling rate in Hz; got fs={fs!r}")
    if minimum is not None and fs < minimum:
        raise ValueError(
            f"fs={fs:g} Hz is below the {minimum:g} Hz that beat detection and "
            "classification need (the QRS complex's energy reaches about 40 Hz)"
        )
    return float(fs)


def validate_signal(estimator, X, *, reset: bool):
    """Validate a 2-D ``(n_samples, n_timepoints)`` or 3-D ``(n, n_channels, n_timepoints)``
    float array (no NaN or inf) and, once fitted, its channel and time dimensions.

    ``n_features_in_`` is the number of channels of 3-D input (the number of time points of
    2-D input, as sklearn defines it); ``n_timepoints_in_`` the window length.
    """
    fitted_ndim = getattr(estimator, "ndim_in_", None)
    ndim = np.asarray(X).ndim if fitted_ndim is not None and not reset else None
    if ndim in (2, 3) and ndim != fitted_ndim:  # 1-D and 4-D get sklearn's messages
        expected = (
            f"3-D windows (n_samples, n_channels, n_timepoints) with "
            f"{estimator.n_features_in_} channels"
            if fitted_ndim == 3
            else "2-D windows (n_samples, n_timepoints)"
        )
        raise ValueError(
            f"{type(estimator).__name__} was fitted on {expected}; got {ndim}-D input "
            f"of shape {np.asarray(X).shape}"
        )
    X = validate_data(
        estimator, X, reset=reset, allow_nd=True, dtype=[np.float32, np.float64], copy=False
    )
    if X.ndim not in (2, 3):
        raise ValueError(
            "X must be 2-D (n_samples, n_timepoints) or 3-D (n_samples, n_channels, "
            f"n_timepoints); got an array of shape {X.shape}"
        )
    if reset:
        estimator.n_timepoints_in_ = X.shape[-1]
        estimator.ndim_in_ = X.ndim
    elif hasattr(estimator, "n_timepoints_in_") and (
        X.shape[-1] != estimator.n_timepoints_in_ or X.ndim != estimator.ndim_in_
    ):
        raise ValueError(
            f"X has {X.ndim} dimensions and {X.shape[-1]} time points, but "
            f"{type(estimator).__name__} was fitted on {estimator.ndim_in_}-D input with "
            f"{estimator.n_timepoints_in_} time points (a different fs or window?)"
        )
    return X


def check_beat_values(beat_samples, values, name, *, dtype):
    """``(beats, values)`` as arrays (``values`` of ``dtype``), checked to be 1-D with one
    value per beat; ``name`` names ``values`` in the error."""
    beats, values = np.asarray(beat_samples), np.asarray(values, dtype=dtype)
    if beats.ndim != 1 or values.shape != beats.shape:
        raise ValueError(
            f"beat_samples and {name} must be 1-D of the same length; got shapes "
            f"{beats.shape} and {values.shape}"
        )
    return beats, values


def check_beat_groups(groups, samples) -> np.ndarray:
    """The record of each beat (one record when ``groups`` is None), one per beat."""
    groups = np.zeros(samples.size) if groups is None else np.asarray(groups)
    if groups.shape != samples.shape:
        raise ValueError(f"groups has shape {groups.shape}, beat_samples {samples.shape}")
    return groups


def check_beat_proba(proba, classes, samples, *, copy=True) -> np.ndarray:
    """``proba`` (a float64 copy, or itself with ``copy=False``), checked to be
    ``(n_beats, n_classes)``."""
    proba = np.array(proba, dtype=np.float64) if copy else proba
    if proba.ndim != 2 or proba.shape != (samples.size, classes.size):
        raise ValueError(
            f"proba must be (n_beats, n_classes) = ({samples.size}, {classes.size}); "
            f"got shape {proba.shape}"
        )
    return proba
