"""Decisions from a beat's own window: its record-context channel carries the rhythm
around the beat and its likeness to the record's dominant beat, so the classifier
decides each row on its own (``CNNBeatClassifier.predict``)."""

from __future__ import annotations

import numpy as np

from ..features._rhythm import RR_CONTEXT_FEATURES
from ..features._windows import CONTEXT_FEATURES
from ._dominant import rule_out_unlike_dominant
from ._rhythm import decide_in_rhythm
from ._rules import check_correlation
from ._timing import load_rhythm_models

__all__ = ["check_dominant_threshold", "check_rhythm_models", "decide_in_window"]


def check_rhythm_models(rhythm_context, n_context_features, classes, sveb_evidence):
    """The timing model that ``rhythm_context`` names or holds (None without), checked
    against the rows' context columns, the classes and ``sveb_evidence``."""
    if (rhythm_context is None) != (sveb_evidence is None):
        raise ValueError(
            "rhythm_context and sveb_evidence go together: the timing model's S-versus-N "
            "evidence enters the decision as sveb_evidence says ('replace' or 'combine'); "
            f"got rhythm_context={rhythm_context!r}, sveb_evidence={sveb_evidence!r}"
        )
    if rhythm_context is None:
        return None
    if not n_context_features:
        raise ValueError(
            "rhythm_context needs the rhythm-context columns in X: make the windows "
            "with rr_context=True and give the filter and segmenter rr_context=True"
        )
    if not {"N", "S"} <= {str(c) for c in classes}:
        raise ValueError(f"rhythm_context needs classes 'N' and 'S'; got {list(classes)}")
    if sveb_evidence not in (None, "replace", "combine"):
        raise ValueError(
            f"sveb_evidence must be None, 'replace' or 'combine'; got {sveb_evidence!r}"
        )
    if isinstance(rhythm_context, str):
        return load_rhythm_models(rhythm_context)
    return rhythm_context


def check_dominant_threshold(threshold, n_context_features):
    """``dominant_threshold`` as a float (None without), checked."""
    threshold = check_correlation(threshold, "dominant_threshold", optional=True)
    if threshold is None:
        return None
    if n_context_features < len(CONTEXT_FEATURES):
        raise ValueError(
            "dominant_threshold needs the record-context columns in X (with the dominant "
            "beat's similarity): make the windows with rr_context=True and give the "
            "filter and segmenter rr_context=True"
        )
    return threshold


def decide_in_window(
    proba, classes, context, *, class_prior, prior_power, rhythm_models, sveb_evidence,
    dominant_threshold,
):  # fmt: skip
    """The network's probabilities after the class prior and the window's context.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
    classes : array-like, shape (n_classes,)
    context : ndarray, shape (n_beats, n_context_features)
        The rows' record-context columns.
    class_prior : ndarray or None
        Class shares in training; probabilities are multiplied by their
        ``prior_power``-th power (0 or None: unchanged).
    rhythm_models : Bunch or None
        The timing model (:func:`check_rhythm_models`), whose S-versus-N evidence
        enters the decision as ``sveb_evidence`` says.
    dominant_threshold : float or None
        V and F ruled out for beats whose QRS correlates above it with the dominant beat.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    if prior_power:
        proba = proba * class_prior.astype(proba.dtype) ** prior_power
        proba /= proba.sum(axis=1, keepdims=True)
    if not len(proba) or (rhythm_models is None and dominant_threshold is None):
        return proba
    dtype, proba = proba.dtype, proba.astype(np.float64)
    if rhythm_models is not None:
        rhythm = context[:, : len(RR_CONTEXT_FEATURES)]
        unknown = ~(rhythm[:, 0] > 0)  # median RR 0: a record too short for a rhythm
        p_sveb = np.where(unknown, np.nan, rhythm_models.sveb.predict_proba(rhythm)[:, 1])
        proba = decide_in_rhythm(
            proba, np.asarray(classes, dtype=str), p_sveb, rhythm_models.sveb_prior,
            sveb=sveb_evidence,
        )  # fmt: skip
    if dominant_threshold is not None:
        proba = rule_out_unlike_dominant(
            proba, classes, context[:, CONTEXT_FEATURES.index("dominant_similarity")],
            dominant_threshold,
        )  # fmt: skip
    return proba.astype(dtype)
