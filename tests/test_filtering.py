import numpy as np
import pytest
from scipy.signal import medfilt

from ecg_sklearn import ECGFilter, filter_ecg
from ecg_sklearn.io import load_record, sample_data_dir

FS = 360.0


def _tone(freq, seconds=10.0, fs=FS):
    t = np.arange(int(seconds * fs)) / fs
    return np.sin(2 * np.pi * freq * t)


def _power(x):
    return float(np.mean(x[500:-500] ** 2))


@pytest.mark.parametrize("implementation", ["sosfiltfilt", "fft"])
@pytest.mark.parametrize("method", ["bandpass", "median"])
def test_baseline_wander_removed_and_qrs_band_kept(method, implementation):
    drift, qrs_band = _tone(0.15), _tone(10.0)
    kw = dict(method=method, implementation=implementation)
    assert _power(filter_ecg(drift, FS, **kw)) < 0.05 * _power(drift)
    assert _power(filter_ecg(qrs_band, FS, **kw)) > 0.8 * _power(qrs_band)


@pytest.mark.parametrize("implementation", ["sosfiltfilt", "fft"])
def test_notch_and_low_pass(implementation):
    hum = _tone(60.0)
    kw = dict(implementation=implementation)
    assert _power(filter_ecg(hum, FS, method="none", notch=60.0, **kw)) < 0.01 * _power(hum)
    assert _power(filter_ecg(hum, FS, highcut=None, **kw)) > 0.8 * _power(hum)
    noise = _tone(100.0)
    assert _power(filter_ecg(noise, FS, highcut=40.0, **kw)) < 0.05 * _power(noise)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"highcut": None}, {"method": "median"}, {"method": "none", "notch": 50.0}],
)
def test_fft_matches_sosfiltfilt_away_from_edges(kwargs):
    rng = np.random.default_rng(0)
    # Drift + line offset + broadband noise: exercises the end-point line removal.
    x = 2.0 + 0.3 * _tone(0.2, 20.0) + rng.normal(size=int(20 * FS)) + np.linspace(0, 3, 7200)
    ref = filter_ecg(x, FS, **kwargs)
    fast = filter_ecg(x, FS, implementation="fft", **kwargs)
    assert fast.shape == x.shape and fast.dtype == x.dtype
    inner = slice(int(5 * FS), -int(5 * FS))
    np.testing.assert_allclose(fast[inner], ref[inner], atol=1e-3 * np.ptp(x))
    out = np.empty_like(x)
    assert filter_ecg(x, FS, implementation="fft", out=out, **kwargs) is out


def test_fft_windows_as_close_to_the_whole_record_as_sosfiltfilt(sample):
    m = sample.groups == "208"
    rec = load_record("208", sample_data_dir(), leads="MLII")
    whole = filter_ecg(rec.signal[0], rec.fs)
    kept = np.arange(-90, 145)  # the default segmenter's crop around the beat
    idx = sample.samples[m][:, None] + kept
    inside = (idx.min(axis=1) >= 720) & (idx.max(axis=1) < whole.size - 720)
    errors = {}
    for impl in ("fft", "sosfiltfilt"):
        win = ECGFilter(fs=sample.fs, implementation=impl).fit_transform(sample.X[m])
        errors[impl] = np.abs(win[inside, 0][:, 720 + kept] - whole[idx[inside]])
    assert np.percentile(errors["fft"], 99) <= np.percentile(errors["sosfiltfilt"], 99)
    assert np.percentile(errors["fft"], 99) < 0.05


def test_fast_median_baseline_close_to_exact():
    rec = load_record("208", sample_data_dir(), leads="MLII")
    x = rec.signal[0].astype(np.float64)
    exact = medfilt(medfilt(x, 73), 217)
    fast = x - filter_ecg(x, FS, method="median", highcut=None)
    err = np.abs(fast - exact)[500:-500]
    assert np.percentile(err, 95) < 0.05 * np.ptp(x)


def test_transformer_filters_ecg_channels_only(sample):
    X = sample.X[:50]
    out = ECGFilter(fs=sample.fs).fit_transform(X)
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 1:], X[:, 1:])  # beat and rhythm-context channels
    assert not np.allclose(out[:, 0], X[:, 0])
    # Filtering each window matches filtering the whole record at the beat (zero-phase).
    rec = load_record("100", sample_data_dir(), leads="MLII")
    whole = filter_ecg(rec.signal, rec.fs)
    m = sample.groups == "100"
    win = ECGFilter(fs=sample.fs).fit_transform(sample.X[m])
    centre = win[:, 0, 720]
    np.testing.assert_allclose(centre[5:-5], whole[0, sample.samples[m]][5:-5], atol=0.02)


def test_vectorised_over_leading_axes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 2, 1000))
    out = filter_ecg(x, FS)
    np.testing.assert_allclose(out[1, 1], filter_ecg(x[1, 1], FS))


def test_errors(sample):
    with pytest.raises(ValueError, match="Nyquist"):
        filter_ecg(np.zeros(100), 80.0, highcut=45.0)
    with pytest.raises(ValueError, match="fs must be a positive"):
        filter_ecg(np.zeros(100), 0)
    f = ECGFilter(fs=sample.fs).fit(sample.X[:10])
    with pytest.raises(ValueError, match="channels|features"):
        f.transform(np.zeros((4, 4, 1441), dtype=np.float32))
    with pytest.raises(ValueError, match="time points"):
        f.transform(sample.X[:4, :, :1001])
    message = r"fitted on 3-D windows .* with 3 channels; got 2-D input of shape \(4, 1441\)"
    with pytest.raises(ValueError, match=message):
        f.transform(sample.X[:4, 0])
    bad = sample.X[:4].copy()
    bad[0, 0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        f.transform(bad)
    with pytest.raises(ValueError, match="method"):
        ECGFilter(fs=360, method="wavelet").fit(sample.X[:4])


def test_fft_threads_do_not_change_the_output(sample):
    one = ECGFilter(fs=sample.fs).fit_transform(sample.X[:3000])
    many = ECGFilter(fs=sample.fs, n_jobs=-1).fit_transform(sample.X[:3000])
    np.testing.assert_array_equal(one, many)


def test_filter_signal_filters_a_record_as_transform_filters_its_windows():
    rec = load_record("100", sample_data_dir(), leads="MLII")
    beat, half = int(rec.beat_samples[50]), 720
    window = rec.signal[None, :, beat - half : beat + half + 1]
    filt = ECGFilter(fs=rec.fs, beat_channel=False, rr_context=False).fit(window)
    filtered = filt.filter_signal(rec.signal.astype(np.float32))
    assert filtered.shape == rec.signal.shape and filtered.dtype == np.float32
    expected = filter_ecg(rec.signal, rec.fs, lowcut=0.5, highcut=45.0)
    np.testing.assert_allclose(filtered, expected, atol=1e-5)
    # A window of the record: the same values away from its ends, where the
    # segmenter crops the beat.
    window = filt.transform(window)[0, 0]
    middle = slice(half - 180, half + 180)
    np.testing.assert_allclose(
        window[middle], filtered[0, beat - half : beat + half + 1][middle], atol=0.02
    )
    with pytest.raises(ValueError, match=r"signal must be \(n_leads, n_samples\)"):
        filt.filter_signal(rec.signal[0])
