"""ISHNE Holter files: the documented layout, read lazily, bad files refused, annotated
like the WFDB record they were written from."""

import struct

import numpy as np
import pytest

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.cli import main as cli_main
from ecg_sklearn.io import load_record, open_record, sample_data_dir, write_ishne
from ecg_sklearn.io._ishne import crc16_ccitt, read_ishne_header


@pytest.fixture(scope="module")
def record100():
    return load_record("100", sample_data_dir())


@pytest.fixture
def ishne100(record100, tmp_path):
    return write_ishne(tmp_path / "100.ecg", record100.signal, 360, record100.leads)


def test_crc_is_ccitt_false():
    assert crc16_ccitt(b"123456789") == 0x29B1  # the catalogue's check value


def test_file_has_the_standard_layout(ishne100, record100):
    data = ishne100.read_bytes()
    n = record100.signal.shape[1]
    assert data[:8] == b"ISHNE1.0" and len(data) == 522 + 2 * 2 * n
    assert struct.unpack_from("<H", data, 8)[0] == crc16_ccitt(data[10:522])
    assert struct.unpack_from("<iiii", data, 10) == (0, n, 522, 522)
    assert struct.unpack_from("<h", data, 156)[0] == 2  # leads
    assert struct.unpack_from("<3h", data, 158) == (6, 15, -9)  # II (from MLII), V5, absent
    assert struct.unpack_from("<h", data, 272)[0] == 360  # sampling rate
    resolution = struct.unpack_from("<2h", data, 206)
    first = np.frombuffer(data, "<i2", count=2, offset=522) * np.array(resolution) / 1e6
    np.testing.assert_allclose(first, record100.signal[:, 0], atol=1e-4)


def test_reads_lazily_with_header_rate_leads_and_gain(ishne100, record100):
    header = read_ishne_header(ishne100)
    assert header.fs == 360.0 and header.leads == ["II", "V5"]
    rec = open_record(ishne100, leads=[("MLII", "II")])
    assert rec.record == "100" and rec.leads == ["II"] and rec.signal.shape == (1, 64800)
    part = rec.signal[:, 5000:5100]
    assert part.dtype == np.float32
    np.testing.assert_allclose(part, record100.signal[:1, 5000:5100], atol=1e-4)
    with pytest.raises(ValueError, match="no lead among"):
        open_record(ishne100, leads="V1")
    both = open_record(ishne100)  # a lead taken from both keeps its own gain
    np.testing.assert_allclose(
        both.signal.take([1])[:, 5000:5100], record100.signal[1:, 5000:5100], atol=1e-4
    )


def test_bad_files_get_clear_errors(ishne100, tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        open_record(tmp_path / "missing.ecg")
    (tmp_path / "text.ecg").write_bytes(b"not an ISHNE file" * 40)
    with pytest.raises(OSError, match="not an ISHNE Holter file"):
        open_record(tmp_path / "text.ecg")
    data = bytearray(ishne100.read_bytes())
    data[40] ^= 0xFF  # a byte of the patient's name
    (tmp_path / "damaged.ecg").write_bytes(bytes(data))
    with pytest.raises(OSError, match="checksum"):
        open_record(tmp_path / "damaged.ecg")
    (tmp_path / "short.ecg").write_bytes(ishne100.read_bytes()[:10_000])
    with pytest.raises(OSError, match="truncated ISHNE file.*64800.*2369"):
        open_record(tmp_path / "short.ecg")


def test_write_refuses_what_the_format_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="NaN"):
        write_ishne(tmp_path / "x.ecg", np.full((1, 10), np.nan), 250, ["II"])
    with pytest.raises(ValueError, match="whole sampling rate"):
        write_ishne(tmp_path / "x.ecg", np.zeros((1, 10)), 128.5, ["II"])
    with pytest.raises(ValueError, match="does not fit int16"):
        write_ishne(tmp_path / "x.ecg", np.full((1, 10), 5.0), 250, ["II"], resolution=1)
    with pytest.raises(ValueError, match="lead names"):
        write_ishne(tmp_path / "x.ecg", np.zeros((2, 10)), 250, ["II"])


def test_unknown_leads_are_numbered(tmp_path):
    path = write_ishne(tmp_path / "x.ecg", np.zeros((3, 100)), 200, ["CM5", "CM5b", "V1"])
    assert read_ishne_header(path).leads == ["lead1", "lead2", "V1"]


def test_ishne_record_annotates_like_the_wfdb_one(ishne100, record100):
    pipe = load_pretrained()
    rec = open_record(ishne100, leads="II")
    from_ishne = annotate_record(pipe, rec.signal, rec.fs, chunk_duration=60.0)
    from_wfdb = annotate_record(pipe, record100.signal[:1], record100.fs)
    np.testing.assert_array_equal(from_ishne.beat_samples, from_wfdb.beat_samples)
    np.testing.assert_array_equal(from_ishne.beat_labels, from_wfdb.beat_labels)


@pytest.mark.full_data
def test_whole_record_100_as_ishne_annotates_alike(mitdb_dir, tmp_path):
    whole = load_record("100", mitdb_dir)
    path = write_ishne(tmp_path / "100.ecg", whole.signal, 360, whole.leads)
    pipe = load_pretrained()
    from_ishne = annotate_record(pipe, open_record(path, leads="II").signal, 360.0)
    from_wfdb = annotate_record(pipe, whole.signal[:1], whole.fs)
    np.testing.assert_array_equal(from_ishne.beat_samples, from_wfdb.beat_samples)
    np.testing.assert_array_equal(from_ishne.beat_labels, from_wfdb.beat_labels)


def test_cli_annotates_ishne_files_and_folders(ishne100, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli_main(["annotate", "--record", str(ishne100.parent), "--lead", "MLII,II",
                     "--out-dir", str(out), "--quiet"]) == 0  # fmt: skip
    assert (out / "100.cnn").is_file()
    assert "100:" in capsys.readouterr().out
