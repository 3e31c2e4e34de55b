import numpy as np
import pytest
import wfdb

from ecg_sklearn.io import MITDB_RECORDS, sample_data_dir
from ecg_sklearn.io._annotations import read_mit_annotations
from ecg_sklearn.io._datasets import SAMPLE_RECORDS


def _same_as_wfdb(folder, record):
    samples, symbols = read_mit_annotations(folder / f"{record}.atr")
    ann = wfdb.rdann(str(folder / record), "atr")
    np.testing.assert_array_equal(samples, ann.sample)
    assert list(symbols) == list(ann.symbol)


@pytest.mark.parametrize("record", sorted(SAMPLE_RECORDS))
def test_excerpt_annotations_match_wfdb(record):
    # Written by wfdb.wrann: a time-resolution note, SKIP, AUX rhythm strings.
    _same_as_wfdb(sample_data_dir(), record)


@pytest.mark.full_data
def test_all_48_records_match_wfdb(mitdb_dir):
    for record in MITDB_RECORDS:
        _same_as_wfdb(mitdb_dir, record)


def test_round_trip_of_written_annotations(tmp_path):
    samples = np.array([5, 400, 1500, 70000, 70010])  # 70000: a step over 1023 (SKIP)
    symbols = ["N", "V", "+", "A", "~"]
    wfdb.wrann("rec", "atr", samples, symbol=symbols, fs=250,
               aux_note=["", "", "(AFIB", "", ""], write_dir=str(tmp_path))  # fmt: skip
    got_samples, got_symbols = read_mit_annotations(tmp_path / "rec.atr")
    np.testing.assert_array_equal(got_samples, samples)
    assert list(got_symbols) == symbols


def test_custom_label_definitions_are_left_to_wfdb(tmp_path):
    # A NOTE whose AUX starts with "## " but is not the time resolution.
    words = [(22 << 10) | 0, (63 << 10) | 8]
    payload = b"## label"
    words += list(np.frombuffer(payload, dtype="<u2"))
    words += [(1 << 10) | 100, 0]
    (tmp_path / "x.atr").write_bytes(np.asarray(words, dtype="<u2").tobytes())
    assert read_mit_annotations(tmp_path / "x.atr") is None


def test_damaged_files_raise_value_errors(tmp_path):
    (tmp_path / "odd.atr").write_bytes(b"\x01\x02\x03")
    with pytest.raises(ValueError, match="odd number of bytes"):
        read_mit_annotations(tmp_path / "odd.atr")
    (tmp_path / "skip.atr").write_bytes(np.asarray([59 << 10, 1], dtype="<u2").tobytes())
    with pytest.raises(ValueError, match="truncated SKIP"):
        read_mit_annotations(tmp_path / "skip.atr")
