"""Beat segmentation: crop each beat around its R peak and derive RR-interval features."""

from __future__ import annotations

import numbers
from numbers import Real
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval  # no public module
from sklearn.utils.validation import check_is_fitted

from ._validation import validate_signal
from .features._rr_intervals import (
    RHYTHM_FEATURES,
    ROWS_PER_CHUNK,
    RR_FEATURES,
    beat_marks,
    rr_chunk,
)
from .features._windows import CONTEXT_FEATURES

__all__ = ["BeatLayout", "BeatFeatures", "BeatSegmenter"]


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

    @classmethod
    def of_rows(cls, layout, n_features, n_rr_features="auto", n_leads="auto") -> BeatLayout:
        """The layout of rows of ``n_features`` values: ``layout`` (the segmenter's, or
        None for a plain array) with the classifier's ``n_rr_features`` and ``n_leads``
        (``"auto"``: from ``layout``), checked against each other."""
        given = {"n_rr_features": n_rr_features, "n_leads": n_leads}
        for name, value in given.items():
            if isinstance(value, str) and value == "auto":
                if layout is None:
                    raise ValueError(
                        f"{name}='auto' reads the layout that BeatSegmenter's output carries, "
                        "but X is a plain array (e.g. after a resampler or loaded from disk): "
                        "set n_rr_features and n_leads"
                    )
                given[name] = getattr(layout, name)
            elif not isinstance(value, numbers.Integral) or value < (name == "n_leads"):
                low = 1 if name == "n_leads" else 0
                raise ValueError(f"{name} must be 'auto' or an int >= {low}; got {value!r}")
            elif layout is not None and value != getattr(layout, name):
                raise ValueError(
                    f"{name}={value} but the segmenter's output has {getattr(layout, name)}: "
                    "leave it 'auto'"
                )
        n_rr, n_leads = given["n_rr_features"], given["n_leads"]
        n_context = 0 if layout is None else layout.n_context_features
        n_wave = n_features - n_context - n_rr
        if n_wave < n_leads or n_wave % n_leads:
            raise ValueError(
                f"X has {n_features} features: after {n_context} context and "
                f"n_rr_features={n_rr} RR features, "
                f"{n_wave} remain, which do not split into n_leads={n_leads} leads"
            )
        return cls(int(n_rr), int(n_leads), n_wave // n_leads, n_context)


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


def _neighbour_average(ecg, flat, n_before, n_after):
    """Per window and lead, the mean crop of the window's other beats (own crop if none).

    ``flat`` holds the beat channel's marks (:func:`beat_marks`); the mean is one sparse
    product of a row-averaging matrix with the neighbours' crops.
    """
    n, n_leads, T = ecg.shape
    c, length = T // 2, n_before + n_after + 1
    rows, cols = neighbour_marks(flat, T, n_before, n_after)
    crops = sliding_window_view(ecg, length, axis=-1)  # (n, n_leads, T - length + 1, length)
    picked = crops[rows, :, cols - n_before].reshape(rows.size, n_leads * length)
    mean, alone = row_means(picked, rows, n)
    mean = mean.reshape(n, n_leads, length)
    mean[alone] = crops[alone, :, c - n_before]
    return mean


def neighbour_marks(flat, T, n_before, n_after):
    """``(rows, cols)`` of the marks at the sorted flat indices ``flat`` of windows of
    ``T`` samples that are not the window's own beat and whose crop fits in it."""
    rows, cols = np.divmod(flat, T)
    keep = (cols != T // 2) & (cols >= n_before) & (cols + n_after < T)
    return rows[keep], cols[keep]


def row_means(picked, rows, n):
    """``(mean, alone)``: for each of ``n`` rows the mean of the rows of ``picked`` that
    ``rows`` (sorted) assigns to it, one sparse product; ``alone`` where it has none."""
    count = np.bincount(rows, minlength=n)
    weights = (1.0 / count[rows]).astype(picked.dtype)
    average = sparse.csr_matrix(
        (weights, np.arange(rows.size), np.r_[0, np.cumsum(count)]), shape=(n, rows.size)
    )
    return np.asarray(average @ picked), count == 0


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
            for start in range(0, len(X), ROWS_PER_CHUNK):  # the beat marks once per chunk
                block = slice(start, start + ROWS_PER_CHUNK)
                flat = beat_marks(X[block, n_leads])
                if n_rr:
                    rr = rr_chunk(X[block, n_leads], flat, self.fs, start, self.rhythm_features)
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
