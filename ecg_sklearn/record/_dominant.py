"""Rules from a beat's likeness to its record's dominant beat: V and F ruled out for beats
shaped like it, S for beats whose QRS is unlike it."""

from __future__ import annotations

import numpy as np

from ._rules import check_correlation, move_called

__all__ = ["SVEB_UNLIKE", "rule_out_sveb_unlike_dominant", "rule_out_unlike_dominant"]


#: QRS correlation with the dominant beat below which a beat is not S (chosen on DS1 out
#: of fold and qtdb-other).
SVEB_UNLIKE = 0.5


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


def rule_out_sveb_unlike_dominant(proba, classes, similarity, threshold=SVEB_UNLIKE) -> np.ndarray:
    """No beat whose QRS is unlike its record's dominant beat is S.

    A supraventricular beat is conducted through the ventricles as the dominant beat is,
    so its QRS keeps that shape; a beat called S with a QRS far from it (noise, a T wave
    taken for a beat, a ventricular beat the network misreads on another lead) is not S.
    A beat called S (its largest probability) whose ``similarity`` is below ``threshold``
    becomes N: its S probability moves to N. Other beats keep their probabilities.

    Parameters
    ----------
    proba : ndarray, shape (n_beats, n_classes)
        Class probabilities; changed in place.
    classes : array-like, shape (n_classes,)
        Their classes; without ``"N"`` and ``"S"``, ``proba`` is left as it is.
    similarity : array-like of float, shape (n_beats,)
        :func:`~ecg_sklearn.features.dominant_similarity` of the beats.
    threshold : float, default=SVEB_UNLIKE
        In [-1, 1].

    Returns
    -------
    proba : ndarray, shape (n_beats, n_classes)
    """
    threshold = check_correlation(threshold)
    similarity = np.asarray(similarity, dtype=np.float64)
    if similarity.shape != (len(proba),):
        raise ValueError(
            f"similarity must have a value per beat, shape ({len(proba)},); got {similarity.shape}"
        )
    unlike = similarity < threshold
    # One record whose "positions" are the beats' indices, so select can index unlike.
    return move_called(
        proba, classes, np.arange(len(proba)), None, "S", "N", lambda beats, _: unlike[beats]
    )
