"""Beat segmentation: crop each beat around its R peak and derive RR-interval features."""

from __future__ import annotations

from numbers import Real
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval  # no public module
from sklearn.utils.validation import check_is_fitted

from ._validation import validate_signal
from .features._windows import CONTEXT_FEATURES

__all__ = [
    "RR_FEATURES",
    "RHYTHM_FEATURES",
    "BeatLayout",
    "BeatFeatures",
    "rr_features",
    "BeatSegmenter",
]


#: Windows processed at once when reading the beat channel.
_CHUNK = 4096


#: Names of the RR-interval features, in output order (intervals in seconds).
RR_FEATURES = (
    "pre_rr",
    "post_rr",
    "local_rr",
    "avg_rr",
    "pre_rr_ratio",
    "post_rr_ratio",
    "local_rr_ratio",
    "pre_post_ratio",
)


#: Names of the optional rhythm features (``rhythm=True``), output after :data:`RR_FEATURES`.
RHYTHM_FEATURES = ("pre_other_ratio", "post_other_ratio", "other_rr_spread")


class BeatLayout(NamedTuple):
    """How a row of :class:`BeatSegmenter` output splits.

    A row holds ``n_context_features`` record-context features (with the segmenter's
    ``rr_context``), then ``n_rr_features`` RR features, then ``n_leads`` waveform
    channels of ``beat_length`` samples each, channel after channel.
    """

    n_rr_features: int
    n_leads: int
    beat_length: int
    n_context_features: int = 0

    @property
    def n_features(self) -> int:
        """Columns of a row."""
        return self.n_context_features + self.n_rr_features + self.n_leads * self.beat_length


class BeatFeatures(np.ndarray):
    """A :class:`BeatSegmenter` output: a 2-D ndarray that carries its :class:`BeatLayout`.

    It behaves as the plain array it is; the ``layout`` attribute lets the next step
    (:class:`~ecg_sklearn.CNNBeatClassifier`) read how a row splits into RR features and
    leads instead of being told by hand. Row selections keep the layout; anything that
    changes the number of columns, and any conversion to a plain array (``np.asarray``,
    a resampler, saving to disk), drops it (``layout`` is then None).

    Parameters
    ----------
    array : array-like, shape (n_beats, layout.n_features)
    layout : BeatLayout
    """

    def __new__(cls, array, layout: BeatLayout):
        obj = np.asarray(array).view(cls)
        if obj.ndim != 2 or obj.shape[1] != layout.n_features:
            raise ValueError(f"array of shape {obj.shape} does not hold rows of {layout}")
        obj.layout = layout
        return obj

    def __array_finalize__(self, obj):
        layout = getattr(obj, "layout", None)
        fits = layout is not None and self.ndim == 2 and self.shape[1] == layout.n_features
        self.layout = layout if fits else None

    def __reduce__(self):
        rebuild, args, state = super().__reduce__()
        return rebuild, args, (state, self.layout)

    def __setstate__(self, state):
        base, layout = state
        super().__setstate__(base)
        self.layout = None if layout is None else BeatLayout(*layout)


def rr_features(beat_channel, fs: float, *, rhythm: bool = False) -> np.ndarray:
    """RR-interval features of each window from its beat channel.

    Parameters
    ----------
    beat_channel : ndarray, shape (n_beats, n_timepoints)
        Beat channel of the windows (see :mod:`ecg_sklearn.features`): non-zero at the
        beats, holding the record's average RR at each; the window's beat at the centre.
    fs : float
        Sampling rate in Hz.
    rhythm : bool, default=False
        Append the 3 :data:`RHYTHM_FEATURES`, which compare the beat's intervals with
        the window's *other* RR intervals (those not ending or starting at the beat):
        ``pre_other_ratio`` and ``post_other_ratio``, ``pre_rr`` and ``post_rr`` over
        the mean of the other intervals (over ``local_rr`` when there are none); and
        ``other_rr_spread``, the longest over the shortest other interval (1 with fewer
        than two). A premature beat in a regular rhythm has a small
        ``pre_other_ratio`` and a spread near 1; an irregular rhythm (atrial
        fibrillation) shows in the spread.

    Returns
    -------
    features : ndarray of float64, shape (n_beats, 8) or (n_beats, 11) with ``rhythm``
        ``pre_rr`` and ``post_rr``: seconds to the previous / next beat (when none lies
        in the window, the distance to the window's edge, a lower bound); ``local_rr``:
        mean RR of the beats in the window; ``avg_rr``: the record's average RR; then
        ``pre_rr``, ``post_rr`` and ``local_rr`` divided by ``avg_rr``, and
        ``pre_rr / post_rr``. See :data:`RR_FEATURES`.
    """
    M = np.asarray(beat_channel)
    n, T = M.shape
    out = np.empty((n, len(RR_FEATURES) + rhythm * len(RHYTHM_FEATURES)), dtype=np.float64)
    for start in range(0, n, _CHUNK):  # chunks keep the boolean temporaries small
        block = M[start : start + _CHUNK]
        out[start : start + _CHUNK] = _rr_chunk(block, _marks(block), fs, start, rhythm)
    return out


def _marks(M):
    """Sorted flat indices ``row * n_timepoints + column`` of the beats marked in ``M``."""
    return np.flatnonzero(M != 0)


def _rr_chunk(M, flat, fs, offset, rhythm=False):
    """:func:`rr_features` of the windows ``offset ..`` whose beat channel is ``M``."""
    n, T = M.shape
    c = T // 2
    rows, cols = flat // T, flat % T
    starts = np.searchsorted(rows, np.arange(n), side="left")
    ends = np.searchsorted(rows, np.arange(n), side="right")
    centre = np.minimum(np.searchsorted(flat, np.arange(n) * T + c), max(flat.size - 1, 0))
    avg = M[:, c].astype(np.float64)
    unmarked = ~(avg > 0)
    if unmarked.any():
        raise ValueError(
            f"{int(unmarked.sum())} window(s) have no beat marked at their centre (sample "
            f"{c}) of the beat channel, the first at row {offset + np.argmax(unmarked)}: "
            "were they built with make_beat_windows, with the segmenter's rr_context?"
        )
    left = np.where(centre > starts, cols[np.maximum(centre - 1, 0)], -1)
    right = np.where(centre + 1 < ends, cols[np.minimum(centre + 1, flat.size - 1)], T)
    pre = np.where(left >= 0, c - left, c) / fs
    post = np.where(right < T, right - c, T - 1 - c) / fs
    count = ends - starts
    first, last = cols[starts], cols[ends - 1]
    local = np.where(count >= 2, (last - first) / np.maximum(count - 1, 1) / fs, pre)
    columns = [pre, post, local, avg, pre / avg, post / avg, local / avg, pre / post]
    if rhythm:
        columns += _rhythm_columns(rows, cols, centre, n, fs, pre, post, local)
    return np.column_stack(columns)


def _rhythm_columns(rows, cols, centre, n, fs, pre, post, local):
    """The :data:`RHYTHM_FEATURES` from the window's intervals not adjacent to its beat."""
    k = np.flatnonzero(rows[1:] == rows[:-1])  # interval k joins marks k and k + 1
    r = rows[k]
    other = (k != centre[r] - 1) & (k != centre[r])
    k, r = k[other], r[other]
    interval = (cols[k + 1] - cols[k]) / fs
    count = np.bincount(r, minlength=n)
    mean = np.bincount(r, interval, minlength=n) / np.maximum(count, 1)
    mean = np.where(count > 0, mean, local)
    longest, shortest = np.zeros(n), np.full(n, np.inf)
    np.maximum.at(longest, r, interval)
    np.minimum.at(shortest, r, interval)
    spread = np.where(count >= 2, longest / np.where(count >= 2, shortest, 1.0), 1.0)
    return [pre / mean, post / mean, spread]


def _neighbour_average(ecg, flat, n_before, n_after):
    """Per window and lead, the mean crop of the window's other beats (own crop if none).

    ``flat`` holds the beat channel's marks (:func:`_marks`); the mean is one sparse
    product of a row-averaging matrix with the neighbours' crops.
    """
    n, n_leads, T = ecg.shape
    c, length = T // 2, n_before + n_after + 1
    rows, cols = np.divmod(flat, T)
    keep = (cols != c) & (cols >= n_before) & (cols + n_after < T)
    rows, cols = rows[keep], cols[keep]
    crops = sliding_window_view(ecg, length, axis=-1)  # (n, n_leads, T - length + 1, length)
    picked = crops[rows, :, cols - n_before].reshape(rows.size, n_leads * length)
    count = np.bincount(rows, minlength=n)
    weights = (1.0 / count[rows]).astype(picked.dtype)
    average = sparse.csr_matrix(
        (weights, np.arange(rows.size), np.r_[0, np.cumsum(count)]), shape=(n, rows.size)
    )
    mean = np.asarray(average @ picked).reshape(n, n_leads, length)
    alone = count == 0
    mean[alone] = crops[alone, :, c - n_before]
    return mean


def _context_columns(channel, n_context):
    """The record context written in the first samples of the context channel, checked."""
    if np.any(channel[:, n_context:]):
        raise ValueError(
            f"The last channel of X is not a record-context channel (it has values after "
            f"its first {n_context} samples): make the windows with rr_context=True, or "
            "set rr_context=False"
        )
    return channel[:, :n_context]


class BeatSegmenter(TransformerMixin, BaseEstimator):
    """Crop each beat around its R peak and append RR-interval features.

    The input is beat windows ``(n_beats, n_channels, n_timepoints)`` with the beat at the
    centre and, by default, the beat channel after the leads (see ``docs/design.md``).
    The output is one row per beat: the record context first (``rr_context``), then the
    8 RR features (:data:`RR_FEATURES`, if ``rr_features``;
    then the 3 :data:`RHYTHM_FEATURES` if ``rhythm_features``),
    then the cropped waveform of each ECG channel, lead after lead, as a
    :class:`BeatFeatures` array whose ``layout`` tells the CNN classifier how a row splits
    (so no parameter of the classifier has to match the segmenter's by hand). It feeds
    any ordinary sklearn estimator as well (see :meth:`get_feature_names_out`). 2-D
    input is read as single-lead windows without a beat channel (RR features then
    unavailable).

    Parameters
    ----------
    fs : float
        Sampling rate of ``X`` in Hz.
    before : float, default=0.25
        Seconds kept before the R peak.
    after : float, default=0.4
        Seconds kept after the R peak.
    rr_features : bool, default=True
        Prepend the RR-interval features (needs the beat channel).
    rhythm_features : bool, default=False
        Add the 3 :data:`RHYTHM_FEATURES` after the 8 RR features (needs
        ``rr_features``): the beat's intervals
        against the window's other RR intervals, and their spread (see
        :func:`rr_features`).
    beat_channel : bool, default=True
        3-D ``X`` has the beat channel after its ECG channels.
    rr_context : bool, default=True
        3-D ``X`` ends with the record-context channel (windows made with
        ``rr_context=True``): its :data:`~ecg_sklearn.features._windows.CONTEXT_FEATURES` (the
        rhythm, the likeness to the record's dominant beat) come first in each output
        row, for a classifier that decides in the record's context
        (``CNNBeatClassifier(rhythm_context=..., dominant_threshold=...)``).
    neighbours : bool, default=False
        Append, after the leads, each lead's average of the *other* beats of the window
        (those marked in the beat channel whose crop fits in the window), cropped the
        same way: a local reference of this patient's beats, from unlabelled signal of
        the same window. A window without such a beat repeats its own beat. The output
        then has ``2 * n_leads`` waveform channels.

    Attributes
    ----------
    n_features_in_ : int
        Channels of 3-D input (time points of 2-D input) seen at ``fit``.
    n_timepoints_in_ : int
        Window length seen at ``fit``.
    n_leads_ : int
        ECG channels in the output (doubled by ``neighbours``).
    n_rr_features_ : int
        RR-feature columns of the output (8, 11 with ``rhythm_features``, 0 without
        ``rr_features``).
    n_context_features_ : int
        Record-context columns at the start of the output (0 without ``rr_context``).
    beat_length_ : int
        Samples per cropped beat, ``round(before * fs) + round(after * fs) + 1``.

    Examples
    --------
    >>> from ecg_sklearn import BeatSegmenter
    >>> from ecg_sklearn.io import load_sample
    >>> data = load_sample(records=["100"])
    >>> seg = BeatSegmenter(fs=data.fs).fit(data.X)
    >>> seg.transform(data.X).shape[1] == 15 + 8 + seg.beat_length_
    True
    """

    _parameter_constraints: dict = {
        "fs": [Interval(Real, 0, None, closed="neither")],
        "before": [Interval(Real, 0, None, closed="left")],
        "after": [Interval(Real, 0, None, closed="left")],
        "rr_features": ["boolean"],
        "rhythm_features": ["boolean"],
        "beat_channel": ["boolean"],
        "neighbours": ["boolean"],
        "rr_context": ["boolean"],
    }

    def __init__(
        self,
        fs,
        *,
        before=0.25,
        after=0.4,
        rr_features=True,
        rhythm_features=False,
        beat_channel=True,
        neighbours=False,
        rr_context=True,
    ):
        self.fs = fs
        self.before = before
        self.after = after
        self.rr_features = rr_features
        self.rhythm_features = rhythm_features
        self.beat_channel = beat_channel
        self.neighbours = neighbours
        self.rr_context = rr_context

    def _layout(self, X):
        """(n_leads, has_beat_channel, n_before, n_after) for input ``X``, checked."""
        has_beats = X.ndim == 3 and self.beat_channel
        n_leads = 1 if X.ndim == 2 else X.shape[1] - int(has_beats) - int(self.rr_context)
        if n_leads < 1:
            raise ValueError(
                f"X has {X.shape[1]} channel(s): no ECG channel besides the beat channel"
                + (" and the record-context channel" if self.rr_context else "")
            )
        for name in ("rr_features", "neighbours", "rr_context"):
            if getattr(self, name) and not has_beats:
                raise ValueError(
                    f"{name}=True needs the beat channel: X must be 3-D (n_beats, n_channels, "
                    f"n_timepoints) with beat_channel=True; set {name}=False otherwise"
                )
        if self.rhythm_features and not self.rr_features:
            raise ValueError(
                "rhythm_features=True needs rr_features=True: they follow the RR features"
            )
        n_before = int(round(self.before * self.fs))
        n_after = int(round(self.after * self.fs))
        c = X.shape[-1] // 2
        if n_before > c or n_after > X.shape[-1] - 1 - c:
            raise ValueError(
                f"Windows of {X.shape[-1]} time points are too short for before={self.before} s "
                f"and after={self.after} s at fs={self.fs} Hz: they need at least "
                f"{2 * max(n_before, n_after) + 1} time points"
            )
        return n_leads, has_beats, n_before, n_after

    def fit(self, X, y=None):
        """Check ``X`` against the parameters and record its layout."""
        self._fit(X)
        return self

    def _fit(self, X):
        self._validate_params()
        X = validate_signal(self, X, reset=True)
        n_leads, _, n_before, n_after = self._layout(X)
        self.n_leads_ = 2 * n_leads if self.neighbours else n_leads
        self.n_rr_features_ = len(self._rr_names())
        self.n_context_features_ = len(CONTEXT_FEATURES) if self.rr_context else 0
        self.beat_length_ = n_before + n_after + 1
        return X

    def transform(self, X):
        """Crop the beats and compute the RR features.

        Parameters
        ----------
        X : ndarray, shape (n_beats, n_channels, n_timepoints) or (n_beats, n_timepoints)

        Returns
        -------
        features : BeatFeatures, shape (n_beats, n_context + n_rr + n_leads * beat_length)
            A 2-D ndarray whose ``layout`` attribute says how its rows split (the
            classifier reads it at ``fit``).
        """
        check_is_fitted(self)
        return self._transform(validate_signal(self, X, reset=False))

    def fit_transform(self, X, y=None):
        """Fit to ``X`` and transform it (``X`` is validated once)."""
        return self._transform(self._fit(X))

    def _transform(self, X):
        """The output rows as :class:`BeatFeatures`."""
        n_leads, has_beats, n_before, n_after = self._layout(X)
        c = X.shape[-1] // 2
        ecg = X[:, None, :] if X.ndim == 2 else X[:, :n_leads]
        n_rr = len(self._rr_names())
        n_ctx = len(CONTEXT_FEATURES) if self.rr_context else 0
        length = n_before + n_after + 1
        n_out = 2 * n_leads if self.neighbours else n_leads
        out = np.empty((len(X), n_ctx + n_rr + n_out * length), dtype=X.dtype)
        beats = out[:, n_ctx + n_rr :].reshape(len(X), n_out, length)
        beats[:, :n_leads] = ecg[:, :, c - n_before : c + n_after + 1]
        if n_ctx:
            out[:, :n_ctx] = _context_columns(X[:, -1], n_ctx)
        if self.neighbours or n_rr:
            for start in range(0, len(X), _CHUNK):  # the beat marks once per chunk
                block = slice(start, start + _CHUNK)
                flat = _marks(X[block, n_leads])
                if n_rr:
                    rr = _rr_chunk(X[block, n_leads], flat, self.fs, start, self.rhythm_features)
                    out[block, n_ctx : n_ctx + n_rr] = rr
                if self.neighbours:
                    beats[block, n_leads:] = _neighbour_average(ecg[block], flat, n_before, n_after)
        return BeatFeatures(out, BeatLayout(n_rr, n_out, length, n_ctx))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: RR features, then ``ch{k}_{offset}`` samples."""
        check_is_fitted(self)
        n_before = int(round(self.before * self.fs))
        offsets = np.arange(self.beat_length_) - n_before
        n_leads = self.n_leads_ // 2 if self.neighbours else self.n_leads_
        names = [f"ch{k}_{o:+d}" for k in range(n_leads) for o in offsets]
        if self.neighbours:
            names += [f"neighbours_ch{k}_{o:+d}" for k in range(n_leads) for o in offsets]
        context = [f"context_{name}" for name in CONTEXT_FEATURES] if self.rr_context else []
        return np.asarray([*context, *self._rr_names(), *names], dtype=object)

    def _rr_names(self):
        if not self.rr_features:
            return ()
        return RR_FEATURES + RHYTHM_FEATURES if self.rhythm_features else RR_FEATURES

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
