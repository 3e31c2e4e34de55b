"""ECG filtering: baseline-wander removal, band limiting and powerline notch."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import ndimage, signal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._validation import check_fs, validate_signal

__all__ = ["ECGFilter", "filter_ecg"]

METHODS = ("bandpass", "median", "none")


def _sosfiltfilt(sos, x):
    """Zero-phase filtering along the last axis, also of signals shorter than the padding."""
    padlen = 3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))
    return signal.sosfiltfilt(sos, x, axis=-1, padlen=min(padlen, x.shape[-1] - 1))


def _median_baseline(x, fs, widths=(0.2, 0.6), rate=60.0):
    """Two-stage median baseline (de Chazal et al. 2004), computed at about ``rate`` Hz.

    The medians run on the signal taken every ``q = fs // rate`` samples and the baseline
    is linearly interpolated back: the baseline is slow, and this makes the filter about
    ``q**2`` times cheaper than full-rate medians.
    """
    q = max(1, int(fs // rate))
    low = x[..., ::q]
    for width in widths:
        size = max(1, int(round(width * fs / q)) // 2 * 2 + 1)
        low = ndimage.median_filter(low, size=(1,) * (x.ndim - 1) + (size,), mode="nearest")
    if q == 1:
        return low
    pos = np.arange(x.shape[-1]) / q
    left = np.minimum(pos.astype(np.int64), low.shape[-1] - 1)
    right = np.minimum(left + 1, low.shape[-1] - 1)
    frac = (pos - left).astype(x.dtype)
    return low[..., left] * (1 - frac) + low[..., right] * frac


def filter_ecg(
    x,
    fs: float,
    *,
    method: str = "bandpass",
    lowcut: float = 0.5,
    highcut: float | None = 45.0,
    order: int = 2,
    notch: float | None = None,
):
    """Filter ECG along its last axis (any leading shape: one record, leads, windows).

    Parameters
    ----------
    x : ndarray, shape (..., n_timepoints)
        Signal(s), time along the last axis.
    fs : float
        Sampling rate in Hz.
    method : {"bandpass", "median", "none"}, default="bandpass"
        ``"bandpass"``: zero-phase Butterworth band-pass ``lowcut``-``highcut`` Hz.
        ``"median"``: subtract the two-stage median baseline (200 ms then 600 ms) of
        de Chazal et al. (2004), then low-pass at ``highcut``. ``"none"``: no band
        limiting (only ``notch``, if any).
    lowcut : float, default=0.5
        High-pass corner (Hz) of the band-pass.
    highcut : float or None, default=45.0
        Low-pass corner (Hz); None for no low-pass.
    order : int, default=2
        Butterworth order (doubled by the zero-phase forward-backward pass).
    notch : float or None, default=None
        Powerline frequency (50 or 60 Hz) to notch out.

    Returns
    -------
    filtered : ndarray, same shape and dtype as ``x``
    """
    fs = check_fs(fs)
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    nyq = fs / 2
    for name, f in (("lowcut", lowcut), ("highcut", highcut), ("notch", notch)):
        if f is not None and not 0 < f < nyq:
            raise ValueError(
                f"{name}={f} Hz must lie between 0 and the Nyquist frequency fs/2={nyq:g} Hz"
            )
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    y = x.astype(dtype, copy=True)
    if y.shape[-1] < 2:
        return y
    if method == "bandpass":
        band = [lowcut, highcut] if highcut is not None else lowcut
        btype = "bandpass" if highcut is not None else "highpass"
        y = _sosfiltfilt(signal.butter(order, band, btype=btype, fs=fs, output="sos"), y)
    elif method == "median":
        y = y - _median_baseline(y, fs)
        if highcut is not None:
            y = _sosfiltfilt(signal.butter(order, highcut, btype="lowpass", fs=fs, output="sos"), y)
    if notch is not None:
        b, a = signal.iirnotch(notch, Q=30.0, fs=fs)
        y = _sosfiltfilt(signal.tf2sos(b, a), y)
    return y.astype(dtype, copy=False)


class ECGFilter(TransformerMixin, BaseEstimator):
    """Filter the ECG channels of beat windows (or of whole records).

    A stateless transformer: it needs no ``fit``. If fitted, ``fit`` records the input's
    layout and ``transform`` refuses windows of another one (a different ``fs`` or channel
    count).

    Parameters
    ----------
    fs : float
        Sampling rate of ``X`` in Hz.
    method : {"bandpass", "median", "none"}, default="bandpass"
        See :func:`filter_ecg`.
    lowcut : float, default=0.5
        High-pass corner of the band-pass, Hz.
    highcut : float or None, default=45.0
        Low-pass corner, Hz.
    order : int, default=2
        Butterworth order.
    notch : float or None, default=None
        Powerline frequency to notch out (50 or 60 Hz).
    beat_channel : bool, default=True
        The last channel of 3-D ``X`` is the beat channel of :mod:`ecg_sklearn.windows`
        and passes through unchanged. Ignored for 2-D ``X``.

    Attributes
    ----------
    n_features_in_ : int
        Channels of 3-D input (time points of 2-D input) seen at ``fit``.
    n_timepoints_in_ : int
        Time points per window seen at ``fit``.

    Examples
    --------
    >>> from ecg_sklearn import ECGFilter
    >>> from ecg_sklearn.datasets import load_sample
    >>> data = load_sample(records=["100"])
    >>> ECGFilter(fs=data.fs).fit_transform(data.X).shape == data.X.shape
    True
    """

    _parameter_constraints: dict = {
        "fs": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions(set(METHODS))],
        "lowcut": [Interval(Real, 0, None, closed="neither")],
        "highcut": [Interval(Real, 0, None, closed="neither"), None],
        "order": [Interval(Real, 1, None, closed="left")],
        "notch": [Interval(Real, 0, None, closed="neither"), None],
        "beat_channel": ["boolean"],
    }

    def __init__(
        self,
        fs,
        *,
        method="bandpass",
        lowcut=0.5,
        highcut=45.0,
        order=2,
        notch=None,
        beat_channel=True,
    ):
        self.fs = fs
        self.method = method
        self.lowcut = lowcut
        self.highcut = highcut
        self.order = order
        self.notch = notch
        self.beat_channel = beat_channel

    def fit(self, X, y=None):
        """Check ``X`` and the parameters; record the input layout."""
        self._validate_params()
        validate_signal(self, X, reset=True)
        return self

    def transform(self, X):
        """Filter every ECG channel of ``X``.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_channels, n_timepoints) or (n_samples, n_timepoints)

        Returns
        -------
        X_filtered : ndarray, same shape and dtype as ``X``
        """
        self._validate_params()
        X = validate_signal(self, X, reset=False)
        kwargs = dict(
            method=self.method,
            lowcut=self.lowcut,
            highcut=self.highcut,
            order=int(self.order),
            notch=self.notch,
        )
        if X.ndim == 3 and self.beat_channel:
            out = np.empty_like(X)
            out[:, :-1] = filter_ecg(X[:, :-1], self.fs, **kwargs)
            out[:, -1] = X[:, -1]
            return out
        return filter_ecg(X, self.fs, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
