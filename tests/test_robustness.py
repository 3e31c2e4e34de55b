"""Each row of docs/robustness.md is backed by a test here (or in the module's tests)."""

import shutil
import subprocess
import sys
import warnings
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ecg_sklearn import BeatSegmenter, ECGFilter, detect_qrs, filter_ecg
from ecg_sklearn.io import load_wfdb, sample_data_dir
from ecg_sklearn.metrics import classification_report_ec57


@pytest.fixture
def record_dir(tmp_path):
    for ext in (".hea", ".dat", ".atr"):
        shutil.copy(sample_data_dir() / f"100{ext}", tmp_path)
    return tmp_path


def _damage(path, data):
    path.write_bytes(data)


@pytest.mark.parametrize(
    "ext, transform, match",
    [
        (".dat", lambda b: b[: len(b) // 2], "100.dat holds 97200 bytes"),
        (".hea", lambda b: b"garbage here\n", "cannot read header 100.hea"),
        (".hea", lambda b: b.replace(b" 212 ", b" 999 "), "unsupported WFDB signal format"),
        (".atr", lambda b: b"\x00\x01garbage" * 3, "cannot read annotations 100.atr"),
        (".atr", lambda b: b[:11], "cannot read annotations 100.atr"),
    ],
)
def test_damaged_files_name_the_file(record_dir, ext, transform, match):
    path = record_dir / f"100{ext}"
    _damage(path, transform(path.read_bytes()))
    with pytest.raises(OSError, match=match):
        load_wfdb(record_dir, ["100"], verbose=0)


def test_record_without_beats_warns(record_dir):
    (record_dir / "100.atr").write_bytes(b"")
    with pytest.warns(UserWarning, match="no beat annotation"):
        data = load_wfdb(record_dir, ["100"], verbose=0)
    assert data.X.shape[0] == 0
    with pytest.warns(UserWarning, match="no beat annotation"):
        data = load_wfdb(record_dir, ["100"], verbose=0, transform=lambda w: w[:, 0])
    assert data.X.shape[0] == 0


@pytest.mark.parametrize("damaged", [".atr", ".hea"])
@settings(max_examples=25, deadline=timedelta(seconds=5))  # a hang fails the example
@given(blob=st.binary(min_size=0, max_size=300))
def test_fuzzed_files_never_hang_or_crash_obscurely(tmp_path_factory, damaged, blob):
    folder = tmp_path_factory.mktemp("fuzz")
    for ext in {".hea", ".dat", ".atr"} - {damaged}:
        shutil.copy(sample_data_dir() / f"100{ext}", folder)
    (folder / f"100{damaged}").write_bytes(blob)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "no beat annotation"
            load_wfdb(folder, ["100"], verbose=0)
    except (OSError, ValueError) as error:
        assert "100" in str(error), f"the error does not name the record: {error}"


def test_beat_annotation_beyond_the_signal_names_the_record(tmp_path):
    import wfdb

    for ext in (".hea", ".dat"):
        shutil.copy(sample_data_dir() / f"100{ext}", tmp_path)
    n = wfdb.rdheader(str(tmp_path / "100")).sig_len
    wfdb.wrann("100", "atr", np.array([100, 500, n + 10]), np.array(["N", "N", "V"]),
               write_dir=str(tmp_path))  # fmt: skip
    with pytest.raises(ValueError, match=f"Record '100': beat annotation at sample {n + 10}"):
        load_wfdb(tmp_path, ["100"], verbose=0)


def test_flat_noisy_and_empty_inputs(sample):
    assert detect_qrs(np.zeros(5000), 360.0).size == 0  # flat line: no beats, no error
    noisy = np.random.default_rng(0).normal(size=36000)
    assert np.all(np.isfinite(filter_ecg(noisy, 360.0)))
    with pytest.raises(ValueError, match="0 sample"):
        ECGFilter(fs=360.0).fit(sample.X[:0])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D"):
        ECGFilter(fs=360.0).fit(sample.X[0, 0])
    with pytest.raises(ValueError, match="4 dimensions|2-D .* or 3-D"):
        ECGFilter(fs=360.0).fit(sample.X[None, :2])
    with pytest.raises(ValueError, match="outside"):
        classification_report_ec57(["N", "X"], ["N", "N"])


@settings(max_examples=20, deadline=None)
@given(
    arrays(np.float64, (3, 2, 64), elements=st.floats(-5, 5)),
    arrays(np.float64, (3, 2, 64), elements=st.floats(-5, 5)),
    st.floats(-3, 3),
)
def test_filter_is_linear_and_keeps_shape(a, b, k):
    f = ECGFilter(fs=100.0, beat_channel=False)
    fa, fb = f.fit_transform(a), f.transform(b)
    assert fa.shape == a.shape and fa.dtype == a.dtype
    np.testing.assert_allclose(f.transform(a + k * b), fa + k * fb, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(st.integers(-30, 30))
def test_segmenter_follows_a_shift_of_the_beats(shift):
    fs = 100.0
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(1, 3000)).astype(np.float32)
    beats = np.arange(200, 2800, 90)
    from ecg_sklearn.features import make_beat_windows

    seg = BeatSegmenter(fs=fs, before=0.2, after=0.3)
    a = seg.fit_transform(make_beat_windows(signal, beats, fs, context=1.0))
    shifted = np.roll(signal, shift, axis=1)
    b = seg.transform(make_beat_windows(shifted, beats + shift, fs, context=1.0))
    np.testing.assert_allclose(a, b, rtol=1e-6)  # same beats, same crops, same RR


def test_persistence_in_a_new_process(sample, tmp_path):
    from ecg_sklearn import default_pipeline
    from ecg_sklearn.persistence import save_model

    keep = np.isin(sample.groups, ["100", "208"])
    pipe = default_pipeline(sample.fs, random_state=0, verbose=0, max_epochs=1, valid_size=0)
    pipe.fit(sample.X[keep], sample.y[keep])
    path = save_model(pipe, tmp_path / "m.npz")
    np.save(tmp_path / "X.npy", sample.X[:30])
    np.save(tmp_path / "p.npy", pipe.predict_proba(sample.X[:30]))
    import torch

    # Bit-identical float results need the same number of torch threads in both processes.
    code = (
        f"import torch; torch.set_num_threads({torch.get_num_threads()});"
        "import numpy as np; from ecg_sklearn.persistence import load_model;"
        f"m = load_model({str(path)!r}); X = np.load({str(tmp_path / 'X.npy')!r});"
        f"assert np.array_equal(m.predict_proba(X), np.load({str(tmp_path / 'p.npy')!r}))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
