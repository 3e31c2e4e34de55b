"""Decisions in the context of the rhythm: the shipped timing model's probability of S
versus N from the rhythm around each beat, as evidence beside the network's."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_beat_groups, check_beat_proba, check_fs
from ..features._rhythm import rr_context_features

__all__ = ["rhythm_probabilities", "apply_rhythm_context", "decide_in_rhythm"]


def rhythm_probabilities(beat_samples, fs, models, *, groups=None) -> Bunch:
    """The timing model's probability of S versus N for every beat, record by record.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, strictly increasing within each record.
    fs : float
        Sampling rate in Hz.
    models : Bunch
        From :func:`~ecg_sklearn.record.load_rhythm_models`.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; one record if omitted.

    Returns
    -------
    rhythm : Bunch
        ``p_sveb`` (S rather than N); NaN in records of fewer than 3 beats, which have
        no rhythm to read.
    """
    fs = check_fs(fs)
    samples = np.asarray(beat_samples)
    groups = check_beat_groups(groups, samples)
    p_sveb = np.full(samples.size, np.nan)
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        if rows.size >= 3:
            X = rr_context_features(samples[rows], fs)
            p_sveb[rows] = models.sveb.predict_proba(X)[:, 1]
    return Bunch(p_sveb=p_sveb)


def apply_rhythm_context(
    proba,
    classes,
    beat_samples,
    fs,
    models,
    *,
    groups=None,
    sveb="replace",
    priors=None,
    prior_power=0.0,
    rhythm=None,
):
    """Decide each beat in the context of its record's rhythm.

    Per record, from beat timing alone (:func:`rhythm_probabilities`):

    1. ``prior_power`` > 0 multiplies the probabilities by ``priors ** prior_power``:
       a network trained with balanced class weights answers as if every class were
       equally common; the training shares bring rare classes (F, S) back towards their
       frequency.
    2. The beat's N-or-S probability is split between S and N with the timing model's
       P(S | rhythm) (``models.sveb``), whether the beat is premature for the rhythm
       around it: ``sveb="replace"`` takes that probability as the split;
       ``"combine"`` multiplies the network's S:N odds by the timing model's likelihood
       ratio (its odds over its training odds), so that both pieces of evidence count;
       ``None`` keeps the network's split. The network still decides N-or-S against V,
       F and Q.

    Parameters
    ----------
    proba : array-like, shape (n_beats, n_classes)
        The network's probabilities (``pipeline.predict_proba``).
    classes : array-like, shape (n_classes,)
        Their classes; must include ``"N"`` and ``"S"``.
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, strictly increasing within each record.
    fs : float
        Sampling rate in Hz.
    models : Bunch
        From :func:`~ecg_sklearn.record.load_rhythm_models`.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; one record if omitted.
    sveb : {"replace", "combine"} or None, default="replace"
    priors : array-like, shape (n_classes,) or (n_beats, n_classes), optional
        Class shares of the training data (needed when ``prior_power`` > 0).
    prior_power : float, default=0.0
    rhythm : Bunch, optional
        :func:`rhythm_probabilities` of these beats, when already computed.

    Returns
    -------
    result : Bunch
        ``proba`` (after both steps; rows sum to 1) and ``p_sveb``.
    """
    classes = np.asarray(classes)
    samples = np.asarray(beat_samples)
    proba = check_beat_proba(proba, classes, samples)
    if "N" not in classes or "S" not in classes:
        raise ValueError(f"classes {classes.tolist()} must include 'N' and 'S'")
    if rhythm is None:
        rhythm = rhythm_probabilities(samples, fs, models, groups=groups)
    if prior_power:
        priors = None if priors is None else np.asarray(priors, dtype=np.float64)
        if priors is None or priors.shape not in ((classes.size,), proba.shape):
            raise ValueError(
                f"prior_power > 0 needs priors of shape ({classes.size},) or {proba.shape}"
            )
        proba *= priors**prior_power
    proba = decide_in_rhythm(proba, classes, rhythm.p_sveb, models.sveb_prior, sveb=sveb)
    return Bunch(proba=proba, p_sveb=rhythm.p_sveb)


def decide_in_rhythm(proba, classes, p_sveb, sveb_prior, *, sveb):
    """Step 2 of :func:`apply_rhythm_context`, from the timing model's output.

    ``proba`` (``(n_beats, n_classes)``, any non-negative scores) is changed in place
    and returned with rows summing to 1; ``p_sveb`` is NaN where the record had no
    rhythm to read (those beats keep the network's split).
    """
    if sveb not in ("replace", "combine", None):
        raise ValueError(f"sveb must be 'replace', 'combine' or None; got {sveb!r}")
    classes = np.asarray(classes)
    s, n = np.flatnonzero(classes == "S")[0], np.flatnonzero(classes == "N")[0]
    both = proba[:, s] + proba[:, n]
    share = proba[:, s] / np.maximum(both, 1e-12)  # the network's split
    timed = ~np.isnan(p_sveb)  # records too short for a rhythm keep it
    if sveb == "replace":
        share[timed] = p_sveb[timed]
    elif sveb == "combine":
        eps = 1e-6
        p_t = np.clip(p_sveb[timed], eps, 1 - eps)
        prior = np.clip(sveb_prior, eps, 1 - eps)
        ratio = (p_t / (1 - p_t)) / (prior / (1 - prior))
        odds = np.clip(share[timed], eps, 1 - eps) / np.clip(1 - share[timed], eps, 1)
        share[timed] = odds * ratio / (1 + odds * ratio)
    proba[:, s], proba[:, n] = both * share, both * (1 - share)
    proba /= proba.sum(axis=1, keepdims=True)
    return proba
