import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from ecg_sklearn import BeatSegmenter, ECGFilter
from ecg_sklearn.features import make_beat_windows
from ecg_sklearn.io import (
    AAMI_CLASSES,
    AAMI_MAP,
    DS1,
    DS2,
    PACED_RECORDS,
    load_mitdb,
    load_record,
    load_sample,
    load_wfdb,
)
from ecg_sklearn.io import _datasets as datasets
from ecg_sklearn.signal import resample_record


def _counts(y):
    return {c: int((y == c).sum()) for c in AAMI_CLASSES}


def test_splits_are_disjoint_and_cover_non_paced_records():
    assert len(DS1) == len(DS2) == 22
    assert not set(DS1) & set(DS2)
    assert not set(PACED_RECORDS) & (set(DS1) | set(DS2))
    assert len(datasets.MITDB_RECORDS) == 48


def test_sample_structure(sample):
    n = len(sample.y)
    assert sample.X.dtype == np.float32
    assert sample.X.shape == (n, 3, 1441)
    assert sample.channels == ["MLII", "beats", "rr_context"]
    assert sample.fs == 360.0
    assert set(np.unique(sample.groups)) == set(datasets.SAMPLE_RECORDS)
    counts = _counts(sample.y)
    assert all(counts[c] > 50 for c in "NSVF"), counts
    assert "ODC-By" in sample.DESCR
    # Beat channel: the centre beat is marked with a plausible average RR (s).
    centre = sample.X[:, 1, 720]
    assert np.all((centre > 0.3) & (centre < 2.0))
    # Record-context channel: the 14 rhythm values, the dominant-beat similarity, zeros.
    assert np.all(sample.X[:, 2, 15:] == 0) and np.all(sample.X[:, 2, 0] > 0.3)
    similarity = sample.X[:, 2, 14]
    assert np.all(np.abs(similarity) <= 1 + 1e-6)
    assert np.median(similarity[sample.y == "N"]) > 0.95 > np.median(similarity[sample.y == "V"])


def test_sample_matches_the_annotation_file(sample):
    rec = load_record("208", datasets.sample_data_dir())
    m = sample.groups == "208"
    np.testing.assert_array_equal(sample.samples[m], rec.beat_samples)
    np.testing.assert_array_equal(sample.symbols[m], rec.beat_symbols)
    # Window centre is the signal at the beat.
    i = 40
    np.testing.assert_allclose(sample.X[m][i, 0, 720], rec.signal[0, rec.beat_samples[i]])
    # Non-beat annotations exist in the record but never become beats.
    assert len(rec.ann_samples) >= len(rec.beat_samples)
    assert set(rec.beat_symbols) <= set(AAMI_MAP)


def test_lead_chosen_by_name(sample):
    data = load_sample(leads=["V1"], records=["208"])
    rec = load_record("208", datasets.sample_data_dir(), leads="V1")
    assert rec.leads == ["V1"]
    np.testing.assert_allclose(data.X[5, 0, 720], rec.signal[0, rec.beat_samples[5]])
    both = load_sample(leads=["MLII", "V1"], records=["208"])
    assert both.X.shape[1] == 4
    plain = load_sample(leads=["MLII", "V1"], records=["208"], rr_context=False)
    np.testing.assert_array_equal(plain.X, both.X[:, :-1])
    assert plain.channels == ["MLII", "V1", "beats"]


def test_resample_to_target_rate():
    data = load_sample(records=["100"], fs=250, context=1.0)
    assert data.fs == 250.0
    assert data.X.shape[2] == 2 * 250 + 1
    native = load_sample(records=["100"])
    ratio = data.samples / native.samples.clip(1)
    assert np.allclose(ratio[5:], 250 / 360, atol=0.01)


def test_resample_record_moves_beats_with_the_signal():
    fs = 360.0
    t = np.arange(int(10 * fs)) / fs
    beats = np.array([360, 1000, 2500])
    signal = np.zeros((1, t.size))
    signal[0, beats] = 1.0
    out, moved = resample_record(signal, beats, fs, 250.0)
    assert out.dtype == np.float32 and out.shape == (1, 2500)
    np.testing.assert_array_equal(moved, np.round(beats * 250 / 360).astype(int))
    # The resampled impulses peak where the moved positions say.
    for b in moved:
        assert abs(int(np.argmax(out[0, b - 5 : b + 6])) - 5) <= 1


def test_make_beat_windows_marks_neighbours():
    fs = 100.0
    signal = np.arange(1000, dtype=np.float32)[None]
    beats = np.array([5, 100, 180, 290, 995])
    X = make_beat_windows(signal, beats, fs, context=1.0)
    assert X.shape == (5, 3, 201)
    # Centre value is the signal at the beat; edges padded with the edge value.
    np.testing.assert_array_equal(X[:, 0, 100], beats)
    assert X[0, 0, 0] == 0 and X[-1, 0, -1] == 999
    marked = np.flatnonzero(X[2, 1])
    np.testing.assert_array_equal(marked - 100 + 180, [100, 180, 290][: len(marked)])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"records": ["999"]}, "header file '999.hea' not found"),
        ({"records": ["100"], "leads": ["XYZ"]}, "no lead among"),
        ({"records": ["100"], "on_missing_lead": "skip"}, "on_missing_lead"),
        ({"records": []}, "records is empty"),
        ({"records": ["100"], "fs": -1}, "fs must be"),
    ],
)
def test_load_wfdb_errors(kwargs, match):
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        load_wfdb(datasets.sample_data_dir(), **kwargs)


def test_missing_folder_and_annotation(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_wfdb(tmp_path / "nope", ["100"])
    for ext in (".hea", ".dat"):
        shutil.copy(datasets.sample_data_dir() / f"100{ext}", tmp_path)
    with pytest.raises(FileNotFoundError, match="annotation file '100.atr'"):
        load_wfdb(tmp_path, ["100"])
    shutil.copy(datasets.sample_data_dir() / "100.atr", tmp_path)
    (tmp_path / "100.dat").unlink()
    with pytest.raises(FileNotFoundError, match="signal file '100.dat'"):
        load_wfdb(tmp_path, ["100"])


def test_unknown_split_and_missing_database(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="Unknown split 'DS3'"):
        load_mitdb("DS3", tmp_path)
    with pytest.raises(ValueError, match="Unknown MIT-BIH record"):
        load_mitdb(["999"], tmp_path)
    monkeypatch.delenv("ECG_SKLEARN_DATA", raising=False)
    with pytest.raises(OSError, match="download=True"):
        load_mitdb("DS1", tmp_path)


def test_data_home_order(tmp_path, monkeypatch):
    monkeypatch.setenv("ECG_SKLEARN_DATA", str(tmp_path))
    assert datasets.get_data_home() == tmp_path
    assert datasets.get_data_home(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("ECG_SKLEARN_DATA")
    assert datasets.get_data_home() == Path.home() / "ecg_sklearn_data" / "mitdb"


def _fake_checksums(folder, records):
    return {
        f"{r}{ext}": datasets._sha256(folder / f"{r}{ext}")
        for r in records
        for ext in (".hea", ".dat", ".atr")
    }


def test_download_path_with_patched_downloader(tmp_path, monkeypatch):
    """The download goes through wfdb.dl_database and is verified by checksum."""
    import wfdb

    src = datasets.sample_data_dir()
    records = ["100", "208"]
    monkeypatch.setattr(datasets, "_mitdb_checksums", lambda: _fake_checksums(src, records))
    monkeypatch.setattr(datasets, "_resolve_split", lambda split: records)
    calls = []

    def fake_dl(db, dl_dir, records, keep_subdirs):
        calls.append((db, records))
        for r in records:
            for ext in (".hea", ".dat", ".atr"):
                shutil.copy(src / f"{r}{ext}", dl_dir)

    monkeypatch.setattr(wfdb, "dl_database", fake_dl)
    home = tmp_path / "mitdb"
    data = load_mitdb("DS1", home, download=True, verbose=0)
    assert calls == [("mitdb", records)]
    assert set(np.unique(data.groups)) == set(records)
    # A second call finds the verified files and downloads nothing.
    load_mitdb("DS1", home, download=True, verbose=0)
    assert len(calls) == 1
    # A damaged local file is found by its checksum and its record fetched again.
    (home / "100.dat").write_bytes(b"garbage")
    load_mitdb("DS1", home, download=True, verbose=0)
    assert calls[-1] == ("mitdb", ["100"])
    assert datasets._sha256(home / "100.dat") == datasets._sha256(src / "100.dat")
    # A file still damaged after the download is named in the error.
    (home / "208.atr").write_bytes(b"garbage")
    monkeypatch.setattr(wfdb, "dl_database", lambda *a, **k: None)
    with pytest.raises(OSError, match=r"e\.g\. 208\.atr \(wrong SHA-256 checksum\)"):
        load_mitdb("DS1", home, download=True, verbose=0)


def test_download_of_one_record_without_network_names_the_damaged_file(tmp_path, monkeypatch):
    import wfdb

    src = datasets.sample_data_dir()
    monkeypatch.setattr(datasets, "_mitdb_checksums", lambda: _fake_checksums(src, ["100", "208"]))
    home = tmp_path / "mitdb"
    home.mkdir()
    for r in ("100", "208"):
        for ext in (".hea", ".dat", ".atr"):
            shutil.copy(src / f"{r}{ext}", home)
    (home / "100.dat").write_bytes(b"garbage")
    asked = []

    def offline(db, dl_dir, records, keep_subdirs):
        asked.append(records)
        raise ConnectionError("HTTPSConnectionPool(host='physionet.org'): no network")

    monkeypatch.setattr(wfdb, "dl_database", offline)
    with pytest.raises(OSError) as error:
        load_mitdb(["100"], home, download=True, verbose=0)
    assert asked == [["100"]]  # the one record asked for, not the database
    message = str(error.value)
    assert "1 file(s) missing or damaged, e.g. 100.dat (wrong SHA-256 checksum)" in message
    assert "the download failed (ConnectionError" in message
    load_mitdb(["208"], home, download=True, verbose=0)  # an intact record needs no network


def test_missing_samples_name_the_record(tmp_path):
    import wfdb

    rec = load_record("100", datasets.sample_data_dir(), leads=None)
    n = int(30 * rec.fs)
    signal = rec.signal[:, :n].T.astype(np.float64)
    signal[5000:5100, 0] = np.nan  # format 16's missing-value code in the file
    wfdb.wrsamp("gap", fs=rec.fs, units=["mV", "mV"], sig_name=rec.leads, p_signal=signal,
                fmt=["16", "16"], adc_gain=[200.0, 200.0], baseline=[0, 0],
                write_dir=str(tmp_path))  # fmt: skip
    beats = rec.beat_samples[rec.beat_samples < n]
    wfdb.wrann("gap", "atr", beats, symbol=["N"] * beats.size, write_dir=str(tmp_path))
    with pytest.raises(
        ValueError, match=r"Record 'gap': 100 missing samples .* fall in the windows of \d+ of its"
    ):
        datasets.load_wfdb(tmp_path, ["gap"], leads="MLII", verbose=0)


def test_shipped_checksums_cover_all_records():
    sums = datasets._mitdb_checksums()
    assert len(sums) == 3 * 48
    assert {n.split(".")[0] for n in sums} == set(datasets.MITDB_RECORDS)


# ----------------------------------------------------------------- full database
@pytest.mark.full_data
def test_full_database_counts(mitdb_dir):
    ds1 = load_mitdb("DS1", mitdb_dir, verbose=0)
    ds2 = load_mitdb("DS2", mitdb_dir, verbose=0)
    expected1 = {"N": 45866, "S": 944, "V": 3788, "F": 415, "Q": 8}
    expected2 = {"N": 44259, "S": 1837, "V": 3221, "F": 388, "Q": 7}
    for got, expected in ((_counts(ds1.y), expected1), (_counts(ds2.y), expected2)):
        for c, n in expected.items():
            assert abs(got[c] - n) <= max(1, 0.005 * n), (c, got[c], n)
    assert ds1.record_leads["114"] == ["MLII"]  # leads swapped in the header


@pytest.mark.full_data
def test_all_48_records_kept_plus_excluded(mitdb_dir):
    with pytest.warns(UserWarning, match="Excluded 4416 beats"):
        data = load_mitdb("all48", mitdb_dir, on_missing_lead="exclude", verbose=0)
    assert set(data.excluded) == {"102", "104"}
    assert len(data.y) + data.n_excluded == 109494
    fallback = load_mitdb(["102", "104"], mitdb_dir, leads=[("MLII", "V5")], verbose=0)
    assert fallback.record_leads == {"102": ["V5"], "104": ["V5"]}
    with pytest.raises(ValueError, match="has no lead among"):
        load_mitdb(["102"], mitdb_dir, verbose=0)


def test_transform_while_loading_equals_transform_after(sample):
    pre = make_pipeline(ECGFilter(fs=sample.fs), BeatSegmenter(fs=sample.fs)).fit(sample.X[:5])
    streamed = load_sample(transform=pre.transform)
    np.testing.assert_array_equal(streamed.X, pre.transform(sample.X))
    np.testing.assert_array_equal(streamed.y, sample.y)
    np.testing.assert_array_equal(streamed.groups, sample.groups)
    # A transform that returns a view of the (reused) buffer is copied, not overwritten.
    centre = load_sample(transform=lambda w: w[:, 0, w.shape[-1] // 2])
    np.testing.assert_array_equal(centre.X, sample.X[:, 0, sample.X.shape[-1] // 2])
    with pytest.raises(ValueError, match="one row per beat"):
        load_sample(records=["100"], transform=lambda w: w[:3])


def test_full_data_tests_fail_rather_than_skip_when_misconfigured(tmp_path, monkeypatch):
    from conftest import _full_data_dir

    monkeypatch.setenv("ECG_SKLEARN_DATA", str(tmp_path))  # a folder without the database
    with pytest.raises(pytest.fail.Exception, match="holds no MIT-BIH database"):
        _full_data_dir()
    monkeypatch.delenv("ECG_SKLEARN_DATA")
    monkeypatch.setattr("conftest._SHARED", tmp_path / "absent")
    monkeypatch.delenv("CI", raising=False)
    assert _full_data_dir() is None  # a user without the database: the tests skip
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI run without the full"):
        _full_data_dir()
