"""The RR-interval context of each beat: features of the rhythm around it, from timing alone.

A beat window of a few seconds cannot tell atrial fibrillation (AF) from a regular rhythm
with premature beats. The features here look at the RR intervals of tens of beats around
each beat, scaled by their median, and describe how irregular they are in ways that
separate AF (irregular without pattern) from ectopy (a few short-long pairs in a regular
rhythm), bigeminy (two alternating intervals) and sinus pauses (rare long intervals).
They need beat positions only, no labels and no signal, so a model on them can be
trained on Holter annotations (the Long-Term AF Database) and applied to any record.
"""

from __future__ import annotations

import functools
import numbers
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils import Bunch

from ._trees import ARRAYS as TREE_ARRAYS
from ._trees import BoostedTrees
from ._validation import check_beat_groups, check_beat_proba, check_fs

__all__ = [
    "AF_RHYTHMS",
    "DEFAULT_AF_THRESHOLD",
    "RR_CONTEXT_FEATURES",
    "apply_rhythm_context",
    "decide_in_rhythm",
    "fit_rhythm_models",
    "load_rhythm_models",
    "rhythm_probabilities",
    "rr_context_features",
    "save_rhythm_models",
]

#: Names of the columns of :func:`rr_context_features`, in order.
RR_CONTEXT_FEATURES = (
    "median_rr",  # s, the local rhythm's period
    "pre_rr",  # the beat's own RR interval, over median_rr
    "post_rr",  # the next RR interval, over median_rr
    "pre_over_previous",  # the beat's RR over the one before it
    "successive_change",  # median |x[k] - x[k-1]| of the scaled intervals x
    "lag2_change",  # median |x[k] - x[k-2]|: small in bigeminy, large in AF
    "iqr",  # interquartile range of x
    "changes_over_10pct",  # share of |x[k] - x[k-1]| > 0.1
    "two_cluster_spread",  # spread left when x splits into two groups (bigeminy: ~0)
    "regular_spread",  # spread of x once premature intervals and the next are removed
    "turning_points",  # share of local extrema in x (random order: 2/3)
    "long_intervals",  # share of x > 1.5 (pauses)
    "wide_successive_change",  # successive_change over a context three times as wide
    "wide_regular_spread",  # regular_spread over that wider context
)


#: Beats described at a time (their context windows are ``(block, 181)`` arrays).
_BLOCK = 4096


def context_reach(n_intervals: int = 30) -> int:
    """Beats on either side of a beat whose intervals its :func:`rr_context_features`
    read (with a margin): those of a slice of the record reaching this far beyond the
    beats described are those of the whole record."""
    return 3 * n_intervals + 2


def _rr(beat_samples, fs):
    t = np.asarray(beat_samples, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError(f"beat_samples must be 1-D; got shape {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("beat_samples must be strictly increasing (one record)")
    return np.diff(t) / fs


def _windows(values, n):
    """Rows of the ``2 n + 1`` values centred on each index (edges reflected)."""
    padded = np.pad(values, n, mode="reflect") if values.size > n else np.resize(values, 2 * n + 1)
    if values.size <= n:
        return np.tile(padded, (values.size, 1))
    return sliding_window_view(padded, 2 * n + 1)


def _row_nanmedian(a):
    """Median of each row ignoring NaN (NaN for an all-NaN row); one sort, no loop."""
    s = np.sort(a, axis=1)  # NaN last
    k = np.sum(~np.isnan(a), axis=1)
    lo = np.take_along_axis(s, np.maximum((k - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(s, np.maximum(k // 2, 0)[:, None], axis=1)[:, 0]
    return np.where(k > 0, (lo + hi) / 2, np.nan)


def _row_median(a):
    """``np.median(a, axis=1)`` for rows without NaN, by sorting: on short rows NumPy's
    vectorised sort is several times faster than the selection ``np.median`` uses."""
    s = np.sort(a, axis=1)
    n = a.shape[1]
    return s[:, n // 2] if n % 2 else (s[:, n // 2 - 1] + s[:, n // 2]) / 2


def _successive(x):
    return _row_median(np.abs(np.diff(x, axis=1)))


def _regular_spread(x):
    """Median absolute deviation once premature intervals (x < 0.85) and the interval
    after each are dropped; 1 where nothing is left."""
    premature = x < 0.85
    after = np.zeros_like(premature)
    after[:, 1:] = premature[:, :-1]
    kept = np.where(premature | after, np.nan, x)
    regular = _row_nanmedian(np.abs(kept - _row_nanmedian(kept)[:, None]))
    return np.where(np.isnan(regular), 1.0, regular)


def _quartiles(x, s):
    """``np.percentile(x, [75, 25], axis=1)``, read from ``s`` (the sorted rows of ``x``)
    where both fall on a value (61 columns: the 46th and the 16th)."""
    upper, lower = 0.75 * (x.shape[1] - 1), 0.25 * (x.shape[1] - 1)
    if upper.is_integer() and lower.is_integer():
        return s[:, int(upper)], s[:, int(lower)]
    return np.percentile(x, [75, 25], axis=1)


def _spread_stats(x, s):
    """Irregularity statistics of rows of scaled RR intervals (median 1); ``s``: sorted rows."""
    d1 = np.abs(np.diff(x, axis=1))
    lag2 = _row_median(np.abs(x[:, 2:] - x[:, :-2]))
    q75, q25 = _quartiles(x, s)
    over = (d1 > 0.1).mean(axis=1)
    # Two groups: the best split of the sorted values into a low and a high group.
    n = s.shape[1]
    csum, csum2 = np.cumsum(s, axis=1), np.cumsum(s**2, axis=1)
    k = np.arange(1, n)
    left_ss = csum2[:, :-1] - csum[:, :-1] ** 2 / k
    right_sum = csum[:, -1:] - csum[:, :-1]
    right_ss = (csum2[:, -1:] - csum2[:, :-1]) - right_sum**2 / (n - k)
    two_cluster = np.sqrt(np.maximum(np.min(left_ss + right_ss, axis=1), 0) / n)
    mid = x[:, 1:-1]
    turning = ((mid > x[:, :-2]) & (mid > x[:, 2:])) | ((mid < x[:, :-2]) & (mid < x[:, 2:]))
    return (
        _row_median(d1),
        lag2,
        q75 - q25,
        over,
        two_cluster,
        _regular_spread(x),
        turning.mean(axis=1),
        (x > 1.5).mean(axis=1),
    )


def rr_context_features(beat_samples, fs, *, n_intervals=30, index=None) -> np.ndarray:
    """Features of the rhythm around each beat of one record, from beat positions alone.

    For beat ``i``, the RR intervals ending at the ``n_intervals`` beats on either side
    are scaled by their median (``x``); the columns (:data:`RR_CONTEXT_FEATURES`)
    describe the beat's own intervals against that rhythm and how irregular ``x`` is.
    Intervals near the record's ends are mirrored. Vectorised (a few seconds per 100,000
    beats); ``index`` describes a subset of the beats, whose windows are cut from the
    intervals within their reach only.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Strictly increasing beat positions (samples) of one record; at least 3.
    fs : float
        Sampling rate in Hz.
    n_intervals : int, default=30
        Intervals on each side of the beat (61 in all, about 50 s at 70 beats/min);
        the wide features use three times as many.
    index : array-like of int, optional
        The beats to describe (all by default); their context still comes from the
        whole record.

    Returns
    -------
    features : ndarray of float32, shape (n_beats or len(index), len(RR_CONTEXT_FEATURES))

    Examples
    --------
    >>> import numpy as np
    >>> regular = np.arange(0, 360 * 120, 300)  # 72 beats/min at 360 Hz
    >>> f = rr_context_features(regular, 360.0)
    >>> f.shape, round(float(f[60, 0]), 3), float(f[60, 4])
    ((144, 14), 0.833, 0.0)
    """
    fs = check_fs(fs)
    if not isinstance(n_intervals, numbers.Integral) or n_intervals < 2:
        raise ValueError(f"n_intervals must be an int >= 2; got {n_intervals!r}")
    rr = _rr(beat_samples, fs)
    if rr.size < 2:
        raise ValueError(f"need at least 3 beats to describe a rhythm; got {rr.size + 1}")
    # rr_at[i] is the interval ending at beat i (the first beat takes the first interval).
    rr_at = np.concatenate([rr[:1], rr]).astype(np.float32)
    rows = np.arange(rr_at.size) if index is None else np.asarray(index, dtype=np.int64)
    if rows.ndim != 1 or (rows.size and (rows.min() < 0 or rows.max() >= rr_at.size)):
        raise ValueError(f"index must be 1-D with values in [0, {rr_at.size})")
    if index is not None and rows.size:
        # Only the intervals within reach of the rows' widest windows (with a margin):
        # the same values, as no window reaches a mirrored end that the record lacks.
        reach = context_reach(n_intervals)
        lo = max(0, rows.min() - reach)
        rr_at, rows = rr_at[lo : rows.max() + reach + 1], rows - lo
    out = np.empty((rows.size, len(RR_CONTEXT_FEATURES)), dtype=np.float32)
    post = np.concatenate([rr_at[1:], rr_at[-1:]])
    previous = np.concatenate([rr_at[:1], rr_at[:-1]])
    narrow, wide = _windows(rr_at, n_intervals), _windows(rr_at, 3 * n_intervals)
    for start in range(0, rows.size, _BLOCK):  # blocks bound the temporaries' memory
        block = rows[start : start + _BLOCK]
        o = out[start : start + _BLOCK]
        s = np.sort(narrow[block], axis=1)  # one sort: median, quantiles, two groups
        med = s[:, n_intervals]
        x = narrow[block] / med[:, None]
        o[:, 0] = med
        o[:, 1] = rr_at[block] / med
        o[:, 2] = post[block] / med
        o[:, 3] = rr_at[block] / previous[block]
        o[:, 4:12] = np.column_stack(_spread_stats(x, s / med[:, None]))
        win = wide[block]
        x = win / _row_median(win)[:, None]
        o[:, 12], o[:, 13] = _successive(x), _regular_spread(x)
    return out


#: Rhythms that count as atrial fibrillation or flutter (MIT-BIH and ltafdb notation).
AF_RHYTHMS = ("(AFIB", "(AFL")
#: P(AF) above which :func:`apply_rhythm_context` rules S out (chosen on DS1).
DEFAULT_AF_THRESHOLD = 0.9


def fit_rhythm_models(timings, *, every=10, random_state=0, verbose=0) -> Bunch:
    """Fit the two timing models: AF per beat, and S versus N outside AF.

    Parameters
    ----------
    timings : iterable of Bunch
        Records as returned by :func:`ecg_sklearn.datasets.load_beat_timing` (beat
        positions, AAMI labels and rhythm); e.g. the Long-Term AF Database's 84 records.
    every : int, default=10
        Train on every ``every``-th beat of each record (its context is the whole record).
    random_state : int, default=0
    verbose : int, default=0
        Print one line per record read.

    Returns
    -------
    models : Bunch
        ``af`` (AF or flutter versus not) and ``sveb`` (S versus N among N and S beats
        outside AF), both :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
        fitted on :func:`rr_context_features`, and ``sveb_prior``, the share of S among
        the beats ``sveb`` was trained on.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, af, labels = [], [], []
    for t in timings:
        rows = np.arange(0, len(t.beat_samples), every)
        X.append(rr_context_features(t.beat_samples, t.fs, index=rows))
        af.append(np.isin(t.rhythm, AF_RHYTHMS)[rows])
        labels.append(np.asarray(t.beat_labels)[rows])
        if verbose:
            print(f"rhythm models: {t.record} ({len(rows)} beats)", flush=True)
    if not X:
        raise ValueError("timings is empty: give at least one record")
    X, af, labels = np.concatenate(X), np.concatenate(af), np.concatenate(labels)
    sn = ~af & np.isin(labels, ["N", "S"])
    if af.all() or not af.any() or len(np.unique(labels[sn])) < 2:
        raise ValueError(
            "the records must hold beats in AF and out of it, and N and S beats outside AF"
        )

    def model():
        return HistGradientBoostingClassifier(max_iter=200, random_state=random_state)

    is_s = labels[sn] == "S"
    return Bunch(af=model().fit(X, af), sveb=model().fit(X[sn], is_s), sveb_prior=is_s.mean())


def rhythm_probabilities(beat_samples, fs, models, *, groups=None) -> Bunch:
    """The timing models' probabilities for every beat, record by record.

    Parameters
    ----------
    beat_samples : array-like of int, shape (n_beats,)
        Beat positions, strictly increasing within each record.
    fs : float
        Sampling rate in Hz.
    models : Bunch
        From :func:`fit_rhythm_models`.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; one record if omitted.

    Returns
    -------
    rhythm : Bunch
        ``p_af`` (atrial fibrillation or flutter) and ``p_sveb`` (S rather than N);
        NaN in records of fewer than 3 beats, which have no rhythm to read.
    """
    fs = check_fs(fs)
    samples = np.asarray(beat_samples)
    groups = check_beat_groups(groups, samples)
    p_af, p_sveb = np.full(samples.size, np.nan), np.full(samples.size, np.nan)
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        if rows.size >= 3:
            X = rr_context_features(samples[rows], fs)
            p_af[rows] = models.af.predict_proba(X)[:, 1]
            p_sveb[rows] = models.sveb.predict_proba(X)[:, 1]
    return Bunch(p_af=p_af, p_sveb=p_sveb)


def apply_rhythm_context(
    proba,
    classes,
    beat_samples,
    fs,
    models,
    *,
    groups=None,
    af_threshold=DEFAULT_AF_THRESHOLD,
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
    3. Where the AF model's probability exceeds ``af_threshold`` (None: never), S is
       ruled out (its probability moves to N): in atrial fibrillation no beat is
       supraventricular ectopic.

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
        From :func:`fit_rhythm_models`.
    groups : array-like, shape (n_beats,), optional
        Record of each beat; one record if omitted.
    af_threshold : float or None, default=DEFAULT_AF_THRESHOLD
    sveb : {"replace", "combine"} or None, default="replace"
    priors : array-like, shape (n_classes,) or (n_beats, n_classes), optional
        Class shares of the training data (needed when ``prior_power`` > 0).
    prior_power : float, default=0.0
    rhythm : Bunch, optional
        :func:`rhythm_probabilities` of these beats, when already computed.

    Returns
    -------
    result : Bunch
        ``proba`` (after the three steps; rows sum to 1), ``p_af`` and ``p_sveb``.
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
    proba = decide_in_rhythm(
        proba, classes, rhythm.p_af, rhythm.p_sveb, models.sveb_prior,
        af_threshold=af_threshold, sveb=sveb,
    )  # fmt: skip
    return Bunch(proba=proba, p_af=rhythm.p_af, p_sveb=rhythm.p_sveb)


def decide_in_rhythm(proba, classes, p_af, p_sveb, sveb_prior, *, af_threshold, sveb):
    """Steps 2 and 3 of :func:`apply_rhythm_context`, from the timing models' outputs.

    ``proba`` (``(n_beats, n_classes)``, any non-negative scores) is changed in place
    and returned with rows summing to 1; ``p_af`` and ``p_sveb`` are NaN where the
    record had no rhythm to read (those beats keep the network's split).
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
    if af_threshold is not None:
        af = np.nan_to_num(p_af) > af_threshold
        proba[af, n] += proba[af, s]
        proba[af, s] = 0.0
    proba /= proba.sum(axis=1, keepdims=True)
    return proba


#: The timing models shipped with the package (``ecg_sklearn/data/pretrained/NAME.*``).
RHYTHM_MODELS = {
    "ltafdb-rhythm": "AF and S-versus-N timing models fitted on the Long-Term AF Database "
    "(84 Holter records, every 10th beat; no MIT-BIH record)",
}


def save_rhythm_models(models, folder, name, *, training) -> Path:
    """Write timing models as ``NAME.npz`` (plain arrays) and ``NAME.json`` in ``folder``.

    Parameters
    ----------
    models : Bunch
        From :func:`fit_rhythm_models` (gradient-boosted trees, stored as arrays).
    folder : path-like
    name : str
    training : dict
        Provenance written as it is.

    Returns
    -------
    path : Path
        The ``.json`` file.
    """
    import sklearn

    from .persistence import write_model_files

    arrays = {"sveb_prior": np.array([models.sveb_prior], dtype=np.float64)}
    for part in ("af", "sveb"):
        trees = models[part]
        trees = trees if isinstance(trees, BoostedTrees) else BoostedTrees.from_estimator(trees)
        arrays.update({f"{part}__{k}": v for k, v in trees.to_arrays().items()})
    info = {
        "name": name,
        "features": list(RR_CONTEXT_FEATURES),
        "training": training,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }
    return write_model_files(folder, name, arrays, info, sha256_key="sha256")


@functools.lru_cache(maxsize=4)
def load_rhythm_models(name: str = "ltafdb-rhythm", folder=None) -> Bunch:
    """Timing models shipped with the package (or saved by :func:`save_rhythm_models`).

    Parameters
    ----------
    name : str, default="ltafdb-rhythm"
        One of :data:`RHYTHM_MODELS` (or a name saved in ``folder``).
    folder : path-like, optional
        Where the files are (default: the package's ``data/pretrained``).

    Returns
    -------
    models : Bunch
        ``af``, ``sveb`` (with ``predict_proba`` on :func:`rr_context_features`) and
        ``sveb_prior``, as :func:`fit_rhythm_models` returns them; the same predictions.
    """
    from .persistence import read_shipped_arrays

    arrays = read_shipped_arrays(name, folder, RHYTHM_MODELS, RR_CONTEXT_FEATURES, "rhythm model")
    parts = {
        part: BoostedTrees({k: arrays[f"{part}__{k}"] for k in TREE_ARRAYS})
        for part in ("af", "sveb")
    }
    return Bunch(**parts, sveb_prior=float(arrays["sveb_prior"][0]))
