"""Whole records a piece at a time: chunked annotation and lazily read records."""

import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch

from ecg_sklearn import annotate_record, default_pipeline, detect_qrs
from ecg_sklearn.annotate import _chunked, _streamed
from ecg_sklearn.features import _dominant as dominant_beat
from ecg_sklearn.features import (
    beat_features,
    dominant_similarity,
    make_beat_windows,
    p_wave_similarity,
    record_context,
)
from ecg_sklearn.features._dominant import qrs_segments
from ecg_sklearn.io import MITDB_RECORDS, load_record, open_record, sample_data_dir
from ecg_sklearn.io._streaming import WFDBSignal
from ecg_sklearn.record import _af as af_module
from ecg_sklearn.record import _neighbours as neighbours_module
from ecg_sklearn.record import _prematurity as prematurity_module
from ecg_sklearn.record import _self_teach as self_teach_module
from ecg_sklearn.record import (
    af_probability,
    rule_in_compensated_veb,
    rule_in_premature_sveb,
    rule_out_gradual_sveb,
    rule_out_sveb_in_af,
    rule_out_sveb_in_noise,
    rule_out_sveb_unlike_dominant,
    rule_out_timely_sveb,
    rule_out_timely_veb,
    rule_out_veb_in_noise,
    rule_out_veb_like_neighbours,
    self_teach,
    smooth_over_similar_beats,
)
from ecg_sklearn.record._af import DOMINANT_LIKE
from ecg_sklearn.signal import resample_record

QUICK = dict(max_epochs=2, module__n_filters=8, module__hidden=16, valid_size=0, lr=3e-3)


@pytest.fixture(scope="module")
def model(sample):
    pipe = default_pipeline(sample.fs, random_state=0, verbose=0, **QUICK)
    return pipe.fit(sample.X, sample.y)


def _whole_record(pipe, signal, fs, avg_rr_span=300.0, span=1000, teach=True, rule_in=None):
    """Detection, windows, classification and the record-level steps, whole record at once."""
    beats = detect_qrs(signal, fs)
    # The record filtered once, its windows cut from it and passed to the later steps;
    # the record context read from the raw signal.
    X = make_beat_windows(
        pipe[0].filter_signal(signal), beats, fs, context=720 / fs, avg_rr_span=avg_rr_span,
        context_features=record_context(signal, beats, fs),
    )  # fmt: skip
    alike = dominant_similarity(signal, beats, fs) >= DOMINANT_LIKE
    p_af = af_probability(beats, fs, alike)
    proba = rule_out_sveb_in_af(pipe[1:].predict_proba(X), pipe.classes_, p_af)
    features = beat_features(signal, beats, fs)
    proba = smooth_over_similar_beats(proba, features, span=span)
    proba = rule_out_sveb_in_af(proba, pipe.classes_, p_af)
    proba = rule_out_timely_sveb(proba, pipe.classes_, beats, threshold="record")
    proba = rule_out_gradual_sveb(proba, pipe.classes_, beats, fs=fs)
    proba = rule_out_sveb_in_noise(proba, pipe.classes_, beats, fs)
    proba = rule_out_timely_veb(proba, pipe.classes_, beats)
    proba = rule_in_compensated_veb(proba, pipe.classes_, beats)
    if rule_in is not None:  # the optional P-wave rule in
        evidence = {
            "qrs_similarity": dominant_similarity(signal, beats, fs),
            "p_wave_similarity": p_wave_similarity(signal, beats, fs),
        }
        proba = rule_in_premature_sveb(proba, pipe.classes_, beats, fs, evidence, threshold=rule_in)
    if teach:
        proba = self_teach(proba, pipe.classes_, beats, features, p_af=p_af, fs=fs)
    similarity = dominant_similarity(signal, beats, fs)
    proba = rule_out_sveb_unlike_dominant(proba, pipe.classes_, similarity)
    proba = rule_out_veb_like_neighbours(
        proba, pipe.classes_, beats, lambda rows: qrs_segments(signal, beats[rows], fs)
    )
    return beats, rule_out_veb_in_noise(proba, pipe.classes_, beats, fs)


@pytest.mark.parametrize("record", ["208", "232"])
def test_chunks_give_the_whole_records_beats_and_labels(model, record):
    rec = load_record(record, sample_data_dir(), leads="MLII")
    beats, proba = _whole_record(model, rec.signal, rec.fs)
    # 180 s of record: 20-s chunks (with 30-s margins) cut it in nine.
    for chunk, n_jobs in [(20.0, 1), (47.3, 1), (None, 1), (20.0, 2), (None, 2)]:
        result = annotate_record(model, rec.signal, rec.fs, chunk_duration=chunk, n_jobs=n_jobs)
        np.testing.assert_array_equal(result.beat_samples, beats)
        np.testing.assert_allclose(result.proba, proba, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(result.beat_labels, model.classes_[proba.argmax(axis=1)])


def test_small_batches_take_record_level_values_from_the_beats_in_reach(model, monkeypatch):
    # Batches of 40 beats, similar beats looked for 50 beats around, 50 at a time: each
    # batch's rhythm context, average interval and timing come from a slice of the beats.
    rec = load_record("208", sample_data_dir(), leads="MLII")
    beats, proba = _whole_record(model, rec.signal, rec.fs, avg_rr_span=20.0, span=50)
    assert beats.size > 250
    monkeypatch.setattr(_chunked, "_BEATS_PER_CHUNK", 40)
    monkeypatch.setattr(_streamed, "SIMILAR_SPAN_BEATS", 50)
    monkeypatch.setattr(_streamed, "BLOCK", 50)
    result = annotate_record(model, rec.signal, rec.fs, avg_rr_span=20.0, chunk_duration=20.0)
    np.testing.assert_array_equal(result.beat_samples, beats)
    np.testing.assert_allclose(result.proba, proba, rtol=0, atol=1e-6)


def test_rows_without_windows_give_the_windows_probabilities(model, monkeypatch):
    # The segmenter's rows cut straight from the filtered record (the default) and
    # through beat windows: the same probabilities exactly, batch edges included.
    rec = load_record("232", sample_data_dir(), leads="MLII")
    monkeypatch.setattr(_chunked, "_BEATS_PER_CHUNK", 40)
    direct = annotate_record(model, rec.signal, rec.fs, chunk_duration=20.0)
    monkeypatch.setattr(_chunked, "rows_without_windows", lambda segmenter: False)
    windows = annotate_record(model, rec.signal, rec.fs, chunk_duration=20.0)
    np.testing.assert_array_equal(direct.beat_samples, windows.beat_samples)
    np.testing.assert_array_equal(direct.proba, windows.proba)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_chunks_teach_the_record_as_the_whole_record_does(model, monkeypatch, n_jobs):
    # A model of 2 epochs is unsure of most beats: its calls above 0.3 teach the
    # others. Few taught beats kept, queried a few at a time, read in 20-s chunks.
    monkeypatch.setattr(self_teach_module, "TEACHING_CONFIDENCE", 0.3)
    monkeypatch.setattr(self_teach_module, "MAX_TAUGHT", 100)
    monkeypatch.setattr(self_teach_module, "_QUERY_BLOCK", 64)
    rec = load_record("208", sample_data_dir(), leads="MLII")
    beats, taught = _whole_record(model, rec.signal, rec.fs)
    _, untaught = _whole_record(model, rec.signal, rec.fs, teach=False)
    assert (taught != untaught).any(axis=1).sum() > 5
    result = annotate_record(model, rec.signal, rec.fs, chunk_duration=20.0, n_jobs=n_jobs)
    np.testing.assert_array_equal(result.beat_samples, beats)
    np.testing.assert_allclose(result.proba, taught, rtol=0, atol=1e-6)


def test_chunks_at_another_sampling_rate(model):
    rec = load_record("233", sample_data_dir(), leads="MLII")
    signal, _ = resample_record(rec.signal, [], rec.fs, 250.0)
    whole = annotate_record(model, signal, 250.0, chunk_duration=None)
    chunked = annotate_record(model, signal, 250.0, chunk_duration=25.0)
    np.testing.assert_array_equal(chunked.beat_samples, whole.beat_samples)
    np.testing.assert_array_equal(chunked.beat_labels, whole.beat_labels)
    assert whole.beat_samples.size > 250


class _CountingSignal(WFDBSignal):
    def _read(self, start, stop):
        self.reads.append(stop - start)
        return super()._read(start, stop)


def test_lazy_record_is_read_a_chunk_at_a_time(model, monkeypatch):
    rec = open_record(sample_data_dir() / "100", leads="MLII")
    assert rec.fs == 360.0 and rec.leads == ["MLII"] and rec.record == "100"
    whole = load_record("100", sample_data_dir(), leads="MLII")
    np.testing.assert_array_equal(np.asarray(rec.signal), whole.signal)
    np.testing.assert_array_equal(rec.signal[:, 500:900], whole.signal[:, 500:900])
    counting = _CountingSignal(rec.signal.path, rec.signal.channels, rec.signal.shape[1])
    counting.reads = []
    monkeypatch.setattr("ecg_sklearn.annotate._chunked._BEATS_PER_CHUNK", 64)  # about 50 s of beats
    lazy = annotate_record(model, counting, rec.fs, chunk_duration=30.0)
    in_memory = annotate_record(model, whole.signal, whole.fs, chunk_duration=None)
    np.testing.assert_array_equal(lazy.beat_samples, in_memory.beat_samples)
    np.testing.assert_array_equal(lazy.beat_labels, in_memory.beat_labels)
    # Threads read the lazy signal in turn; the network's threads are restored after.
    threads = torch.get_num_threads()
    in_threads = annotate_record(model, counting, rec.fs, chunk_duration=30.0, n_jobs=2)
    np.testing.assert_array_equal(in_threads.proba, lazy.proba)
    assert torch.get_num_threads() == threads
    assert len(counting.reads) > 6 + 3 and max(counting.reads) <= (30 + 2 * 30.1) * 360
    with pytest.raises(IndexError, match="contiguous sample ranges"):
        rec.signal[:, ::2]


def _rdrecord(path, channels, start, stop):
    import wfdb

    rec = wfdb.rdrecord(str(path), sampfrom=start, sampto=stop, channels=channels, return_res=32)
    return np.ascontiguousarray(rec.p_signal.T, dtype=np.float32)


@pytest.mark.parametrize("fmt", ["212", "16", "80"])
def test_lazy_wfdb_signal_reads_what_wfdb_reads(tmp_path, fmt):
    import wfdb

    if fmt == "212":  # the shipped excerpt's format, as MIT-BIH's
        path = sample_data_dir() / "100"
    else:
        digital = np.random.default_rng(0).integers(-120, 120, size=(5001, 3), dtype=np.int32)
        digital[17, 1] = -32768 if fmt == "16" else -128  # a missing sample
        wfdb.wrsamp("rec", fs=250, units=["mV"] * 3, sig_name=["I", "II", "V1"],
                    d_signal=digital, fmt=[fmt] * 3, adc_gain=[200.0, 150.5, 200.0],
                    baseline=[0, 7, -3], write_dir=str(tmp_path))  # fmt: skip
        path = tmp_path / "rec"
    rec = open_record(path)
    direct = fmt in ("212", "16")  # formats read without wfdb.rdrecord
    n = rec.signal.shape[1]
    for channels in ([0], [1], [1, 0]):
        lazy = rec.signal.take(channels)
        for start, stop in ((0, 1), (1, 998), (17, 18), (333, 4001), (n - 3, n)):
            np.testing.assert_array_equal(
                lazy[:, start:stop], _rdrecord(path, channels, start, stop), err_msg=f"{start}"
            )
        assert (lazy._direct is not None) == direct
    if fmt != "212":
        assert np.isnan(rec.signal[:, 10:20][1, 7])
    # A signal file shortened after opening names the record and what was read.
    dat = tmp_path / "short"
    dat.mkdir()
    for ext in (".hea", ".dat"):
        shutil.copy(path.parent / f"{path.name}{ext}", dat)
    short = open_record(dat / path.name).signal
    data = (dat / f"{path.name}.dat").read_bytes()
    (dat / f"{path.name}.dat").write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match=f"Record '{path.name}': .*truncated"):
        short[:, n - 10 : n]
    # Truncated before opening: refused at once, naming the file and both sizes.
    with pytest.raises(OSError, match=f"{path.name}.dat holds {len(data) // 2} bytes"):
        open_record(dat / path.name)


def test_open_record_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="header file '999.hea' not found"):
        open_record(tmp_path / "999")
    with pytest.raises(ValueError, match=r"no lead among 'V9'; its leads are \['MLII', 'V5'\]"):
        open_record(sample_data_dir() / "100", leads="V9")
    with pytest.raises(FileNotFoundError, match="EDF file"):
        open_record(tmp_path / "x.edf")
    (tmp_path / "bad.edf").write_bytes(b"not an EDF file" * 30)
    with pytest.raises(OSError, match="Cannot read EDF file"):
        open_record(tmp_path / "bad.edf")


def test_edf_record_annotates_like_the_wfdb_one(model, tmp_path):
    pyedflib = pytest.importorskip("pyedflib")
    whole = load_record("213", sample_data_dir())
    path = tmp_path / "213.edf"
    headers = [
        {"label": name, "dimension": "mV", "sample_frequency": 360, "physical_max": 10.0,
         "physical_min": -10.0, "digital_max": 32767, "digital_min": -32768}
        for name in whole.leads
    ]  # fmt: skip
    with pyedflib.EdfWriter(str(path), len(whole.leads), file_type=pyedflib.FILETYPE_EDFPLUS) as w:
        w.setSignalHeaders(headers)
        w.writeSamples([lead.astype(np.float64) for lead in whole.signal])
    rec = open_record(path, leads="MLII")
    assert rec.fs == 360.0 and rec.leads == ["MLII"] and rec.signal.shape == (1, 64800)
    np.testing.assert_allclose(rec.signal[:, 100:200], whole.signal[:1, 100:200], atol=1e-3)
    edf = annotate_record(model, rec.signal, rec.fs, chunk_duration=40.0)
    wfdb = annotate_record(model, whole.signal[:1], whole.fs)
    np.testing.assert_array_equal(edf.beat_samples, wfdb.beat_samples)
    assert np.mean(edf.beat_labels == wfdb.beat_labels) > 0.99


def test_memory_is_bounded_by_the_chunk_not_the_record(model, monkeypatch):
    # Batches, similar-beat blocks, reference beats and prematurity blocks made small,
    # so that records of 12 and 36 minutes hold many of each: the peak of the arrays
    # then grows with the record by the result and the beats' values alone.
    monkeypatch.setattr(_chunked, "_BEATS_PER_CHUNK", 40)
    monkeypatch.setattr(_streamed, "SIMILAR_SPAN_BEATS", 50)
    monkeypatch.setattr(_streamed, "BLOCK", 50)
    monkeypatch.setattr(dominant_beat, "MAX_REFERENCE_BEATS", 20)
    monkeypatch.setattr(prematurity_module, "_BLOCK", 256)
    monkeypatch.setattr(af_module, "_BLOCK_BEATS", 256)
    monkeypatch.setattr(self_teach_module, "MAX_TAUGHT", 500)
    monkeypatch.setattr(self_teach_module, "_QUERY_BLOCK", 256)
    monkeypatch.setattr(neighbours_module, "_BLOCK", 16)
    rec = load_record("100", sample_data_dir(), leads="MLII")
    kwargs = dict(sveb_rule_in=0.8)  # the optional P-wave rule in too
    for copies in (4, 12):  # caches filled (FFT plans and the like, of each length)
        annotate_record(model, np.tile(rec.signal, copies), rec.fs, chunk_duration=60.0, **kwargs)

    def peak(copies, chunk_duration):
        signal = np.tile(rec.signal, copies)
        tracemalloc.start()
        try:
            result = annotate_record(model, signal, rec.fs, chunk_duration=chunk_duration, **kwargs)
            return tracemalloc.get_traced_memory()[1], result.beat_samples.size
        finally:
            tracemalloc.stop()

    short, n_short = peak(4, 60.0)
    long, n_long = peak(12, 60.0)
    assert n_long > 2500 and (long - short) / (n_long - n_short) < 100  # bytes a beat
    # The detector reading the whole record at once: its arrays grow with it.
    whole, n_whole = peak(8, None)
    assert (whole - short) / (n_whole - n_short) > 1000


def test_nan_inside_a_chunk_names_its_time(model):
    rec = load_record("100", sample_data_dir(), leads="MLII")
    signal = rec.signal.copy()
    signal[0, 100 * 360] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf values \(first at 100.00 s\)"):
        annotate_record(model, signal, rec.fs, chunk_duration=30.0)


@pytest.mark.full_data
def test_chunks_give_the_whole_records_labels_on_all_48_records(model, mitdb_dir):
    for record in MITDB_RECORDS:
        rec = load_record(record, mitdb_dir, leads=[("MLII", "V5")])
        beats, proba = _whole_record(model, rec.signal, rec.fs)
        _, ruled_in = _whole_record(model, rec.signal, rec.fs, rule_in=0.8)
        lazy = open_record(mitdb_dir / record, leads=[("MLII", "V5")]).signal
        # One thread with the default decisions, two with the P-wave rule in too.
        for n_jobs, rule_in, p in ((1, None, proba), (2, 0.8, ruled_in)):
            result = annotate_record(
                model, lazy, rec.fs, chunk_duration=120.0, n_jobs=n_jobs, sveb_rule_in=rule_in
            )
            np.testing.assert_array_equal(result.beat_samples, beats, err_msg=record)
            np.testing.assert_array_equal(result.beat_labels, model.classes_[p.argmax(1)], record)


def test_annotate_records_skips_a_failed_record_and_runs_in_parallel(
    model, tmp_path, records_folder
):
    from ecg_sklearn.annotate import annotate_records

    folder = records_folder()
    (folder / "232.dat").write_bytes((folder / "232.dat").read_bytes()[:1000])  # truncated
    serial = annotate_records(model, [folder], write_dir=tmp_path / "a", verbose=0)
    assert [r.record for r in serial] == ["100", "213", "232"]
    assert (
        serial[2].path is None
        and "OSError: Record '232': 232.dat holds 1000 bytes" in serial[2].error
    )
    assert not (tmp_path / "a" / "232.cnn").exists()
    for r in serial[:2]:
        assert r.error is None and r.path.is_file() and r.n_beats > 150
    parallel = annotate_records(
        model, [folder / "100", folder / "213"], write_dir=tmp_path / "b", n_jobs=2, verbose=0
    )
    threads = annotate_records(model, [folder / "213"], write_dir=tmp_path / "c", n_jobs=2)
    for a, b in zip(serial[:2] + serial[1:2], parallel + threads, strict=True):
        assert (a.record, a.counts) == (b.record, b.counts)
        assert a.path.read_bytes() == b.path.read_bytes()
    with pytest.raises(FileNotFoundError, match=r"holds no record \(.hea, .edf, .bdf or .ecg\)"):
        annotate_records(model, [tmp_path / "a"], verbose=0)


def test_annotation_files_are_written_whole_or_not_at_all(model, tmp_path, monkeypatch):
    import wfdb

    from ecg_sklearn.annotate import write_annotations

    result = annotate_record(model, load_record("100", sample_data_dir()).signal[:1], 360.0)

    def crash(record_name, extension, sample, write_dir, **kwargs):
        (Path(write_dir) / f"{record_name}.{extension}").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(wfdb, "wrann", crash)
    with pytest.raises(KeyboardInterrupt):
        write_annotations(result, "100", write_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the file nor the temporary folder


def test_command_line_annotates_a_folder(tmp_path, capsys, records_folder):
    from ecg_sklearn.cli import main

    folder = records_folder(("100", "213"))
    (folder / "213.hea").write_text("garbage\n")
    code = main(["annotate", "--record", str(folder), "--quiet", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "1 of 2 records failed" in out and "213: FAILED, skipped" in out
    assert (
        tmp_path / "100.cnn"
    ).is_file() and "Annotating with pretrained model 'mitdb-ds1'" in out


def test_a_record_at_another_rate_is_resampled_once(monkeypatch):
    from ecg_sklearn.annotate import _source

    monkeypatch.setattr(_source, "_RESAMPLE_BLOCK", 5000)  # several blocks in 3 minutes
    rec = load_record("233", sample_data_dir(), leads="MLII")
    signal, _ = resample_record(rec.signal, [], rec.fs, 250.0)
    whole, _ = resample_record(signal, [], 250.0, 360.0)  # the record resampled whole
    counting = np.asarray(signal)
    reads = []

    class Counting:
        shape = counting.shape

        def __getitem__(self, key):
            reads.append(key[1].stop - key[1].start)
            return counting[key]

    source = _source.ModelRateSignal(Counting(), 250.0, 360.0, 1)
    assert source.n_samples == whole.shape[1]
    for start, stop in [(0, 100), (12_345, 20_000), (whole.shape[1] - 777, whole.shape[1])]:
        np.testing.assert_allclose(source.read(start, stop), whole[:, start:stop], atol=1e-6)
    # Every input sample read once, plus the resampling filter's margins at the blocks' edges.
    n_blocks = -(-whole.shape[1] // 5000)
    assert len(reads) == n_blocks and sum(reads) < signal.shape[1] + 2 * n_blocks * source.margin
