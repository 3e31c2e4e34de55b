"""Careless input to the API and the command line: a record's own files are never
written over, and bad arguments are refused before any work with a message that names
them."""

import shutil

import numpy as np
import pytest
from sklearn.utils import Bunch

from ecg_sklearn import load_pretrained
from ecg_sklearn.annotate import annotate_records, write_annotations
from ecg_sklearn.cli import main
from ecg_sklearn.io import load_record, open_record, sample_data_dir


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


@pytest.fixture
def record(tmp_path):
    for ext in ("hea", "dat", "atr"):
        shutil.copy(sample_data_dir() / f"100.{ext}", tmp_path)
    return tmp_path / "100"


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("extension", ["atr", "hea", "dat"])
def test_a_records_own_files_are_never_written_over(pretrained, record, extension, capsys):
    before = _files(record.parent)
    with pytest.raises(ValueError, match="it is a file of the record '100'"):
        annotate_records(pretrained, [record], extension=extension, verbose=0)
    with pytest.raises(ValueError, match="it is a file of the record '100'"):
        annotate_records(pretrained, [record.parent], extension=extension, verbose=0)
    result = Bunch(beat_samples=np.array([10]), beat_labels=np.array(["N"]), fs=360.0)
    with pytest.raises(ValueError, match="it is a file of the record"):
        write_annotations(result, "100", extension=extension, write_dir=record.parent)
    try:  # the command line: an argument error (atr, hea) or the API's refusal
        code = main(["annotate", "--record", str(record), "--extension", extension])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    assert "a file of the record" in capsys.readouterr().err or extension != "dat"
    assert _files(record.parent) == before


def test_the_signal_file_named_in_the_header_is_protected(pretrained, record):
    header = record.with_suffix(".hea")
    header.write_text(header.read_text().replace("100.dat", "100.sig"))
    record.with_suffix(".dat").rename(record.with_suffix(".sig"))
    with pytest.raises(ValueError, match="it is a file of the record"):
        annotate_records(pretrained, [record], extension="sig", verbose=0)
    edf = record.parent / "holter.edf"
    edf.write_bytes(b"0")
    with pytest.raises(ValueError, match="it is a file of the record 'holter'"):
        annotate_records(pretrained, [edf], extension="edf", verbose=0)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--n-jobs", "0"], "--n-jobs: expected a nonzero integer"),
        (["--chunk-duration", "0"], "--chunk-duration: expected a positive number"),
        (["--chunk-duration", "nan"], "--chunk-duration: expected a positive number"),
        (["--extension", "a/b"], "--extension: expected letters and digits"),
        (["--pretrained", "nope"], "--pretrained: invalid choice: 'nope'"),
        (["--sveb-prematurity", "median"], "--sveb-prematurity: expected a positive number"),
        (["--veb-prematurity", "record"], "--veb-prematurity: expected a positive number"),
        (["--sveb-unlike", "2"], "--sveb-unlike: expected a number in [-1, 1] or 'off'"),
    ],
)
def test_command_line_arguments_are_checked_first(record, args, message, capsys):
    with pytest.raises(SystemExit):
        main(["annotate", "--record", str(record), str(record), *args])
    assert message in capsys.readouterr().err
    assert not record.with_suffix(".cnn").exists()


def test_command_line_names_bad_paths_without_a_traceback(record, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["annotate", "--record", str(record), str(empty), "--quiet"]) == 2
    assert "holds no record (.hea, .edf, .bdf or .ecg)" in capsys.readouterr().err
    assert not record.with_suffix(".cnn").exists()  # nothing done before the check
    assert main(["annotate", "--model", str(tmp_path / "nope.npz"), "--record", str(record)]) == 2
    assert "nope.npz' not found" in capsys.readouterr().err


def test_n_jobs_zero_is_refused_by_the_api(pretrained, record):
    with pytest.raises(ValueError, match="n_jobs must be a nonzero int"):
        annotate_records(pretrained, [record, record], n_jobs=0, verbose=0)


def _format16_record(folder, name="r16", units="mV", scale=1.0, seconds=20):
    """A copy of record 100's first seconds in format 16 (optionally in other units)."""
    import wfdb

    rec = load_record("100", sample_data_dir(), leads=None)
    n = int(seconds * rec.fs)
    wfdb.wrsamp(name, fs=rec.fs, units=[units, units], sig_name=rec.leads,
                p_signal=scale * rec.signal[:, :n].T.astype(np.float64), fmt=["16", "16"],
                adc_gain=[200.0 / scale] * 2, baseline=[0, 0], write_dir=str(folder))  # fmt: skip
    beats = rec.beat_samples[rec.beat_samples < n]
    wfdb.wrann(name, "atr", beats, symbol=["N"] * beats.size, write_dir=str(folder))
    return folder / name, rec.signal[:, :n]


@pytest.mark.parametrize("declared", ["8", "80", "212", "310"])
def test_a_header_with_the_wrong_format_is_refused(tmp_path, declared):
    path, _ = _format16_record(tmp_path)
    header = path.with_suffix(".hea")
    header.write_text(header.read_text().replace(" 16 ", f" {declared} "))
    for read in (lambda: load_record(path.name, tmp_path, leads=None), lambda: open_record(path)):
        with pytest.raises(OSError, match=r"r16\.dat holds 28800 bytes, but r16\.hea says"):
            read()


def test_a_signal_file_longer_or_shorter_than_its_header_is_refused(tmp_path):
    path, _ = _format16_record(tmp_path)
    dat = path.with_suffix(".dat")
    raw = dat.read_bytes()
    for changed in (raw + raw[:4000], raw[:-4000]):
        dat.write_bytes(changed)
        with pytest.raises(OSError, match="the header's format or length is wrong"):
            open_record(path)
    dat.write_bytes(raw)
    assert open_record(path).signal.shape == (2, 7200)


def test_units_are_read_and_converted_to_mv(tmp_path):
    path, mv = _format16_record(tmp_path, units="uV", scale=1000.0)
    assert "uV" in path.with_suffix(".hea").read_text()
    np.testing.assert_allclose(load_record("r16", tmp_path, leads=None).signal, mv, atol=2e-3)
    np.testing.assert_allclose(open_record(path).signal[:, :], mv, atol=2e-3)
    header = path.with_suffix(".hea")
    header.write_text(header.read_text().replace("uV", "mmHg"))
    with pytest.raises(OSError, match="signal 'MLII' is in 'mmHg', not a voltage"):
        open_record(path)


def test_a_non_numeric_gain_is_refused(tmp_path):
    path, _ = _format16_record(tmp_path)
    header = path.with_suffix(".hea")
    lines = header.read_text().splitlines()
    words = lines[1].split()
    words[2] = "abc/mV"
    header.write_text("\n".join([lines[0], " ".join(words), *lines[2:]]) + "\n")
    with pytest.raises(OSError, match="the gain of signal line 1 of r16.hea, 'abc/mV', is not a"):
        open_record(path)


def test_sampling_rates_below_what_detection_needs_are_refused(pretrained):
    from ecg_sklearn import annotate_record, detect_qrs

    for call in (
        lambda: annotate_record(pretrained, np.zeros(600), 1.0),
        lambda: detect_qrs(np.zeros(600), 50.0),
    ):
        with pytest.raises(ValueError, match="below the 100 Hz that beat detection"):
            call()


def test_beats_given_must_be_sorted_unique_and_inside(pretrained):
    from ecg_sklearn import annotate_record

    rec = load_record("100", sample_data_dir(), leads="MLII")
    beats = rec.beat_samples[:84]
    for bad, message in [
        (np.r_[beats, rec.signal.shape[1] + 10], "1 of 85 lie outside the signal's 64800"),
        (np.r_[-5, beats], "1 of 85 lie outside"),
        (np.r_[beats[:40], beats[39:]], r"beats\[40\] = \d+ is repeated"),
        (beats[::-1], "not in increasing order"),
        (beats + 0.5, "whole sample numbers"),
        (np.zeros(0, dtype=int), "non-empty 1-D"),
    ]:
        with pytest.raises(ValueError, match=message):
            annotate_record(pretrained, rec.signal, rec.fs, beats=bad)
    assert annotate_record(pretrained, rec.signal, rec.fs, beats=beats).beat_samples.size == 84


def test_an_edf_without_signals_or_in_uv(tmp_path):
    pyedflib = pytest.importorskip("pyedflib")
    rec = load_record("100", sample_data_dir(), leads="MLII")
    path = tmp_path / "uv.edf"
    header = {"label": "MLII", "dimension": "uV", "sample_frequency": 360,
              "physical_max": 10000.0, "physical_min": -10000.0, "digital_max": 32767,
              "digital_min": -32768}  # fmt: skip
    with pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS) as w:
        w.setSignalHeaders([header])
        w.writeSamples([1000.0 * rec.signal[0].astype(np.float64)])
    np.testing.assert_allclose(open_record(path).signal[:, :3600], rec.signal[:, :3600], atol=1e-3)
    empty = tmp_path / "notes.edf"
    with pyedflib.EdfWriter(str(empty), 0, file_type=pyedflib.FILETYPE_EDFPLUS) as w:
        w.writeAnnotation(0.0, -1, "recording start")
    with pytest.raises(ValueError, match="notes.edf holds no signal"):
        open_record(empty)


def test_a_flat_record_is_reported_not_a_wfdb_error(tmp_path, capsys):
    import wfdb

    wfdb.wrsamp("flat", fs=360.0, units=["mV"], sig_name=["MLII"], fmt=["16"],
                p_signal=np.full((7200, 1), 0.2), adc_gain=[200.0], baseline=[0],
                write_dir=str(tmp_path))  # fmt: skip
    assert main(["annotate", "--record", str(tmp_path / "flat"), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "flat: FAILED, skipped: ValueError: Record 'flat': no beat to write" in out
    assert not (tmp_path / "flat.cnn").exists()
