"""ECG filtering: baseline-wander removal, band limiting and powerline notch."""

from __future__ import annotations

import functools
from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from scipy import fft, ndimage, signal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions  # no public module

from .._validation import check_fs, validate_signal

__all__ = ["filter_ecg", "ECGFilter"]


METHODS = ("bandpass", "median", "none")


IMPLEMENTATIONS = ("sosfiltfilt", "fft")


#: Rows filtered at once by the FFT path: the temporaries of 4-s windows at 360 Hz then
#: stay within a core's cache (about 1 MB), which makes it twice as fast as 2048 rows.
_FFT_CHUNK = 128


def _sosfiltfilt(sos, x):
    """Zero-phase filtering along the last axis, also of signals shorter than the padding."""
    padlen = 3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))
    return signal.sosfiltfilt(sos, x, axis=-1, padlen=min(padlen, x.shape[-1] - 1))


def _fft_filtfilt(design, x, out, workers=None):
    """Zero-phase filtering along the last axis in the frequency domain.

    Multiplies the spectrum by the squared magnitude response ``|H(f)|**2`` of the
    cascaded sections of ``design`` (the arguments of :func:`_designed_sections`) --
    the response of ``sosfiltfilt`` -- after removing the line
    through each row's first and last samples, which makes the circular FFT continuous
    (a zero-phase filter passes a line scaled by its DC gain, which is added back). It
    differs from ``sosfiltfilt`` only in how the edges are extended. The line is removed
    in the frequency domain (its spectrum is that of two fixed ramps), and rows are
    filtered in chunks to bound memory; the result is written into ``out``.
    """
    if x.ndim == 1:
        x, out = x[None], out[None]
    n = x.shape[-1]
    n_fft = fft.next_fast_len(n, real=True)
    gain, ends, line_basis = _fft_response(design, n, np.dtype(x.dtype))
    dc = float(gain[0])
    flat = x.flags.c_contiguous and out.flags.c_contiguous
    rows, dest = (x.reshape(-1, n), out.reshape(-1, n)) if flat else (x, out)
    # Each FFT worker gets a chunk's rows (its threads cost more than a few rows save).
    step = _FFT_CHUNK * effective_n_jobs(workers or 1)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        first_last = np.stack([chunk[..., 0], chunk[..., -1]], axis=-1)
        spectrum = fft.rfft(chunk, n=n_fft, axis=-1, workers=workers)
        spectrum *= gain
        spectrum -= first_last @ ends
        filtered = fft.irfft(spectrum, n=n_fft, axis=-1, workers=workers)[..., :n]
        if dc > 1e-9:  # low-pass only: the line passes, scaled by the DC gain
            filtered += dc * (first_last @ line_basis)
        dest[start : start + step] = filtered
    return out


@functools.lru_cache(maxsize=64)
def _fft_response(design, n, dtype):
    """``(gain, ends, line_basis)`` of :func:`_fft_filtfilt` for rows of ``n`` samples,
    cached (read-only): the squared response on the rfft bins, the filtered spectra of
    the two ramps a row's line is made of, and those ramps."""
    fs = design[0]
    n_fft = fft.next_fast_len(n, real=True)
    gain = np.ones(n_fft // 2 + 1)
    for sos in _designed_sections(*design):
        gain *= np.abs(signal.sosfreqz(sos, worN=fft.rfftfreq(n_fft, 1 / fs), fs=fs)[1]) ** 2
    # line = first * (1 - ramp) + last * ramp: its filtered spectrum, per end point.
    ramp = np.linspace(0.0, 1.0, n)
    line_basis = np.stack([1.0 - ramp, ramp])
    ends = fft.rfft(line_basis, n=n_fft, axis=-1) * gain
    arrays = (gain.astype(dtype), ends.astype(np.result_type(dtype, np.complex64)),
              line_basis.astype(dtype))  # fmt: skip
    for a in arrays:
        a.flags.writeable = False
    return arrays


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
    implementation: str = "sosfiltfilt",
    out: np.ndarray | None = None,
    workers: int | None = None,
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
    implementation : {"sosfiltfilt", "fft"}, default="sosfiltfilt"
        How the zero-phase Butterworth and notch stages are applied. ``"sosfiltfilt"``:
        forward-backward IIR filtering (:func:`scipy.signal.sosfiltfilt`, odd extension
        at the edges). ``"fft"``: the same squared magnitude response applied to the
        spectrum (edges joined after removing the line through the end points); several
        times faster on short windows, equal away from the edges.
    out : ndarray, optional
        Array of the same shape as ``x`` (float32 or float64) to write the result into.
    workers : int, optional
        Threads of the FFTs (``implementation="fft"``; as in :mod:`scipy.fft`, ``-1``:
        all cores); the result does not depend on it.

    Returns
    -------
    filtered : ndarray, same shape and dtype as ``x`` (``out`` if given)
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
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"implementation must be one of {IMPLEMENTATIONS}; got {implementation!r}")
    if out is None:
        out = np.empty(x.shape, dtype=dtype)
    elif out.shape != x.shape:
        raise ValueError(f"out must have the shape of x {x.shape}; got {out.shape}")
    y = x.astype(out.dtype, copy=False)
    if method == "median" and y.shape[-1] >= 2:
        y = y - _median_baseline(y, fs)
    design = (fs, method, lowcut, highcut, order, notch)
    sections = _sections(*design)
    if not sections or y.shape[-1] < 2:
        out[...] = y
    elif implementation == "fft":
        _fft_filtfilt(design, y, out, workers)
    else:
        for sos in sections:
            y = _sosfiltfilt(sos, y)
        out[...] = y
    return out


def _sections(fs, method, lowcut, highcut, order, notch) -> list:
    """Second-order sections of the linear stages (band-pass or low-pass, then notch)."""
    return [sos.copy() for sos in _designed_sections(fs, method, lowcut, highcut, order, notch)]


@functools.lru_cache(maxsize=64)
def _designed_sections(fs, method, lowcut, highcut, order, notch) -> tuple:
    """:func:`_sections`, cached: designing them takes about 1.4 ms, a sixth of the time
    the QRS detector spends filtering a 30-min record (callers get copies)."""
    sections = []
    if method == "bandpass":
        band = [lowcut, highcut] if highcut is not None else lowcut
        btype = "bandpass" if highcut is not None else "highpass"
        sections.append(signal.butter(order, band, btype=btype, fs=fs, output="sos"))
    elif method == "median" and highcut is not None:
        sections.append(signal.butter(order, highcut, btype="lowpass", fs=fs, output="sos"))
    if notch is not None:
        b, a = signal.iirnotch(notch, Q=30.0, fs=fs)
        sections.append(signal.tf2sos(b, a))
    return tuple(sections)


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
        The last channel of 3-D ``X`` is the beat channel of :mod:`ecg_sklearn.features`
        and passes through unchanged. Ignored for 2-D ``X``.
    rr_context : bool, default=True
        3-D ``X`` also has the rhythm-context channel after the beat channel
        (:mod:`ecg_sklearn.features`); it passes through unchanged too.
    implementation : {"fft", "sosfiltfilt"}, default="fft"
        See :func:`filter_ecg`. On beat windows ``"fft"`` is faster, and over the part
        of the window the segmenter keeps it is at least as close to filtering the whole
        record as ``"sosfiltfilt"`` of the windows (tested).
    n_jobs : int, optional
        Threads of the FFTs (``implementation="fft"``): ``None`` one (unless in a
        :func:`joblib.parallel_config` context), ``-1`` all cores. The output does not
        depend on it.

    Attributes
    ----------
    n_features_in_ : int
        Channels of 3-D input (time points of 2-D input) seen at ``fit``.
    n_timepoints_in_ : int
        Time points per window seen at ``fit``.

    Examples
    --------
    >>> from ecg_sklearn import ECGFilter
    >>> from ecg_sklearn.io import load_sample
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
        "rr_context": ["boolean"],
        "implementation": [StrOptions(set(IMPLEMENTATIONS))],
        "n_jobs": [Integral, None],
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
        rr_context=True,
        implementation="fft",
        n_jobs=None,
    ):
        self.fs = fs
        self.method = method
        self.lowcut = lowcut
        self.highcut = highcut
        self.order = order
        self.notch = notch
        self.beat_channel = beat_channel
        self.rr_context = rr_context
        self.implementation = implementation
        self.n_jobs = n_jobs

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
        return self._transform(validate_signal(self, X, reset=False))

    def fit_transform(self, X, y=None):
        """Fit to ``X`` and filter it (``X`` is validated once)."""
        self._validate_params()
        return self._transform(validate_signal(self, X, reset=True))

    def filter_signal(self, signal):
        """Filter a stretch of a record as :meth:`transform` filters each window.

        Filtering a record once, then cutting its windows, does the work once per
        sample instead of once per window that covers it; the windows differ from
        filtered windows only near their edges. The stretch is filtered forward and
        backward (``implementation="sosfiltfilt"`` whatever this filter's, which
        applies to windows): the FFT path keeps its response for each signal length,
        which stretches of every length would pile up.

        Parameters
        ----------
        signal : ndarray, shape (n_leads, n_samples)
            Raw ECG, every channel a lead.

        Returns
        -------
        filtered : ndarray, same shape and dtype as ``signal``
        """
        self._validate_params()
        signal = np.asarray(signal)
        if signal.ndim != 2:
            raise ValueError(f"signal must be (n_leads, n_samples); got shape {signal.shape}")
        return filter_ecg(
            signal, self.fs, **{**self._filter_kwargs(), "implementation": "sosfiltfilt"}
        )

    def _filter_kwargs(self) -> dict:
        return dict(
            method=self.method,
            lowcut=self.lowcut,
            highcut=self.highcut,
            order=int(self.order),
            notch=self.notch,
            implementation=self.implementation,
            workers=effective_n_jobs(self.n_jobs),
        )

    def _transform(self, X):
        kwargs = self._filter_kwargs()
        n_kept = (int(self.beat_channel) + int(self.rr_context)) if X.ndim == 3 else 0
        if n_kept:
            if X.shape[1] <= n_kept:
                raise ValueError(
                    f"X has {X.shape[1]} channel(s): no ECG channel besides the "
                    f"{n_kept} that pass through (beat_channel={self.beat_channel}, "
                    f"rr_context={self.rr_context})"
                )
            out = np.empty_like(X)
            filter_ecg(X[:, :-n_kept], self.fs, out=out[:, :-n_kept], **kwargs)
            out[:, -n_kept:] = X[:, -n_kept:]
            return out
        return filter_ecg(X, self.fs, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
