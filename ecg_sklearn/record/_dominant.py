"""V and F ruled out for beats shaped like their record's dominant beat."""

from __future__ import annotations

import numpy as np

__all__ = ["rule_out_unlike_dominant"]


def rule_out_unlike_dominant(proba, classes, similarity, threshold: float) -> np.ndarray:
    """Rule V and F out for beats shaped like their record's dominant beat.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities; changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; those that are not ``"V"`` or ``"F"`` share the probability taken
        from V and F in proportion to their own (all of it goes to ``"N"`` where they
        have none).
    similarity : array-like, shape (n_beats,)
        :func:`dominant_similarity` of the beats.
    threshold : float
        Beats with a similarity above this cannot be V or F.

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
        ``proba`` with rows summing to 1.
    """
    classes = np.asarray(classes).astype(str)
    ectopic = np.isin(classes, ("V", "F"))
    alike = np.asarray(similarity) > threshold
    if not ectopic.any() or ectopic.all() or not alike.any():
        return proba
    rows = proba[alike]
    rows[:, ectopic] = 0.0
    empty = ~(rows.sum(axis=1) > 0)
    rows[empty, np.flatnonzero(classes == "N")[0] if "N" in classes else np.argmin(ectopic)] = 1.0
    proba[alike] = rows / rows.sum(axis=1, keepdims=True)
    return proba
