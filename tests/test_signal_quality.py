"""Flat (lead-off) stretches: found, reported as unanalysable, and kept out of the
rhythm features of the beats around them."""

import numpy as np
import pytest

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.signal import (
    SignalQualityWarning,
    flat_stretches,
    qrs_deflections,
    rhythm_timeline,
)
from ecg_sklearn.signal._quality import MAX_RR_S

FS = 360.0


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


@pytest.fixture(scope="module")
def long_record():
    """15 minutes: the excerpt of record 100 five times over, and its reference beats."""
    rec = load_record("100", sample_data_dir(), leads="MLII")
    n = rec.signal.shape[1]
    signal = np.tile(rec.signal, 5)
    beats = np.concatenate([rec.beat_samples + k * n for k in range(5)])
    return signal, beats


def test_flat_stretches():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.3, int(60 * FS))
    x[3600:7200] = 0.4  # 10 s lead-off at an offset
    x[10000:10500] = 0.0  # 1.4 s: too short to count
    x[14000:16000] = 5.0 + rng.normal(0, 0.001, 2000)  # stuck at the rail, a little noise
    spans = flat_stretches(x, FS)
    assert spans.shape == (2, 2)
    assert spans[0, 0] - 3600 in range(36) and 7200 - spans[0, 1] in range(36)
    assert spans[1, 0] >= 14000 and spans[1, 1] <= 16000 and np.diff(spans[1])[0] > 1900
    assert (
        flat_stretches(np.vstack([x, rng.normal(0, 0.3, x.size)]), FS).size == 0
    )  # one lead alive
    assert flat_stretches(x[:100], FS).shape == (0, 2)


def test_rhythm_timeline():
    beats = np.arange(0, 100 * 288, 288)  # 0.8 s apart
    assert rhythm_timeline(beats, FS) is beats or np.array_equal(rhythm_timeline(beats, FS), beats)
    gapped = np.r_[beats[:50], beats[50:] + int(60 * FS)]  # a minute without beats
    timeline = rhythm_timeline(gapped, FS)
    np.testing.assert_array_equal(np.diff(timeline), 288)
    # An interval overlapping a flat stretch is replaced even when it is short.
    stretches = [[beats[10] + 10, beats[11] - 10]]
    timeline = rhythm_timeline(
        beats + np.r_[np.zeros(11), np.full(89, 100)].astype(int), FS, stretches
    )
    np.testing.assert_array_equal(np.diff(timeline), 288)
    assert MAX_RR_S * FS > 3 * 360  # a pause of 3 s is still an interval


@pytest.mark.parametrize("duration", [10.0, 60.0, 600.0])
def test_lead_off_does_not_poison_the_beats_around_it(pretrained, long_record, duration):
    signal, beats = long_record
    clean = annotate_record(pretrained, signal, FS)
    off = signal.copy()
    start, stop = int(120 * FS), int((120 + duration) * FS)
    off[:, start:stop] = 0.3  # the lead comes off: a flat line at an offset
    result = annotate_record(pretrained, off, FS)
    ((a, b),) = result.unanalysable
    assert a >= start and b <= stop and b - a >= (duration - 0.5) * FS
    outside = (clean.beat_samples < start - FS) | (clean.beat_samples > stop + FS)
    common, i, j = np.intersect1d(clean.beat_samples[outside], result.beat_samples,
                                  return_indices=True)  # fmt: skip
    assert common.size >= 0.98 * outside.sum()
    agree = np.mean(clean.beat_labels[outside][i] == result.beat_labels[j])
    assert agree >= 0.97, agree
    n_clean, n_off = (int(np.sum(r.beat_labels == "S")) for r in (clean, result))
    assert n_off <= n_clean + 3, (n_off, n_clean)  # not every beat after the gap called S
    # The same with the reference beats given and the record-level steps off.
    given = beats[(beats < start) | (beats >= stop)]
    raw = dict(similar_beats=False, sveb_prematurity=None)
    with_gap = annotate_record(pretrained, off, FS, beats=given, **raw)
    assert np.mean(with_gap.beat_labels == "S") < 0.05
    # Chunked and whole find the same stretches and, away from the stretch's edges,
    # the same beats with the same labels (a chunk that starts inside a long flat
    # stretch may find one more or one less beat at its edge).
    whole = annotate_record(pretrained, off, FS, chunk_duration=None)
    np.testing.assert_array_equal(whole.unanalysable, result.unanalysable)
    assert abs(whole.beat_samples.size - result.beat_samples.size) <= 1
    far = (np.abs(whole.beat_samples - start) > 2 * FS) & (
        np.abs(whole.beat_samples - stop) > 2 * FS
    )
    common, i, j = np.intersect1d(whole.beat_samples[far], result.beat_samples,
                                  return_indices=True)  # fmt: skip
    assert common.size == far.sum()
    np.testing.assert_array_equal(whole.beat_labels[far][i], result.beat_labels[j])


def test_records_without_stretches_report_none(pretrained, long_record):
    signal, _ = long_record
    result = annotate_record(pretrained, signal[:, : int(60 * FS)], FS)
    assert result.unanalysable.shape == (0, 2)
    flat = annotate_record(pretrained, np.zeros((1, int(20 * FS))), FS)
    assert flat.beat_samples.size == 0 and flat.unanalysable.tolist() == [[0, int(20 * FS)]]


@pytest.mark.parametrize(
    "transform, problem",
    [
        (lambda x: -x, "the lead looks inverted"),
        (lambda x: np.round(200 * x), "probably not in mV"),  # converter units
        (lambda x: 1000 * x, "probably not in mV"),  # uV
        (lambda x: x / 1000, "not in mV \\(V\\?\\)"),  # V: flat at the mV scale
    ],
)
def test_leads_unlike_the_training_data_are_named(pretrained, transform, problem):
    rec = load_record("208", sample_data_dir(), leads="MLII")
    with pytest.warns(SignalQualityWarning, match=problem):
        result = annotate_record(pretrained, transform(rec.signal), rec.fs)
    assert len(result.signal_problems) == 1


def test_mitdb_leads_raise_no_quality_warning(pretrained):
    import warnings

    for record in ("100", "208", "233"):
        rec = load_record(record, sample_data_dir(), leads="MLII")
        with warnings.catch_warnings():
            warnings.simplefilter("error", SignalQualityWarning)
            assert annotate_record(pretrained, rec.signal, rec.fs).signal_problems == []


def test_command_line_names_the_record_and_the_problem(tmp_path, capsys):
    import shutil

    import wfdb

    from ecg_sklearn.cli import main

    rec = load_record("208", sample_data_dir(), leads=None)
    wfdb.wrsamp("inv", fs=rec.fs, units=["mV", "mV"], sig_name=rec.leads,
                p_signal=-rec.signal.T.astype(np.float64), fmt=["16", "16"],
                write_dir=str(tmp_path))  # fmt: skip
    shutil.copy(sample_data_dir() / "100.hea", tmp_path)
    assert main(["annotate", "--record", str(tmp_path / "inv"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "inv: WARNING: the QRS and the P wave point down" in out
    assert main(["annotate", "--record", str(tmp_path / "inv"), "--polarity", "given"]) == 0
    assert "inv: WARNING: the QRS points down" in capsys.readouterr().out
    assert main(["annotate", "--record", str(tmp_path / "inv"), "--lead", "V1", "--quiet"]) == 0
    assert "inv: WARNING: lead V1 was read; pretrained model 'mitdb-ds1' was built on MLII" in (
        capsys.readouterr().out
    )


def test_loader_excludes_beats_in_flat_stretches_and_bridges_the_rhythm(tmp_path, long_record):
    import wfdb

    from ecg_sklearn.io import load_wfdb

    signal, beats = long_record
    off = signal.copy()
    start, stop = int(120 * FS), int(180 * FS)
    off[:, start:stop] = 0.3
    kept_beats = beats[(beats < start) | (beats >= stop)]
    lone = beats[(beats >= start) & (beats < stop)][:2]  # two beats annotated in the gap
    for name, sig, ann in (("clean", signal, beats), ("off", off, np.r_[kept_beats, lone])):
        ann = np.sort(ann)
        wfdb.wrsamp(
            name, fs=FS, units=["mV"], sig_name=["MLII"], p_signal=sig.T.astype(float),
            fmt=["16"], adc_gain=[200.0], baseline=[0], write_dir=str(tmp_path),
        )  # fmt: skip
        wfdb.wrann(name, "atr", ann, np.full(ann.size, "N"), write_dir=str(tmp_path))
    with pytest.warns(UserWarning, match=r"Excluded 2 beats annotated inside flat .*\['off'\]"):
        data = load_wfdb(tmp_path, ["clean", "off"], verbose=0)
    ((a, b),) = data.unanalysable["off"]["stretches"]
    assert a >= start and b <= stop and data.unanalysable["off"]["n_beats"] == 2
    assert "clean" not in data.unanalysable and data.n_excluded == 2
    assert "60 s flat" in data.DESCR or "59 s flat" in data.DESCR
    np.testing.assert_array_equal(data.samples[data.groups == "off"], kept_beats)
    assert len(data.y) == len(data.X) == len(data.groups) == beats.size + kept_beats.size
    clean = data.X[data.groups == "clean"][np.isin(beats, kept_beats)]
    gapped = data.X[data.groups == "off"]
    # The beat channel's average RR and the rhythm context match the clean record's
    # (the 60-s interval is not read as an RR interval; without the timeline the average
    # RR of the beats after it rises by about a quarter).
    # The first two beats' own intervals touch the gap (the clean record has an S there).
    after = np.flatnonzero(kept_beats >= stop)[2:200]
    avg_rr = clean[after, 1].max(axis=1), gapped[after, 1].max(axis=1)
    np.testing.assert_allclose(avg_rr[1], avg_rr[0], rtol=0.02)
    np.testing.assert_allclose(gapped[after, 2, :4], clean[after, 2, :4], rtol=0.05, atol=0.02)


def test_annotation_files_mark_unanalysable_stretches(pretrained, long_record, tmp_path):
    import wfdb

    from ecg_sklearn import write_annotations

    signal, _ = long_record
    off = signal[:, : int(180 * FS)].copy()
    off[:, int(60 * FS) : int(100 * FS)] = 0.3
    result = annotate_record(pretrained, off, FS)
    ((a, b),) = result.unanalysable
    path = write_annotations(result, "rec", write_dir=tmp_path)
    ann = wfdb.rdann(str(path.with_suffix("")), "cnn")
    noise = np.asarray(ann.symbol) == "~"
    np.testing.assert_array_equal(ann.sample[noise], [a, b])
    np.testing.assert_array_equal(ann.subtype[noise], [-1, 0])  # WFDB: unreadable, clean
    np.testing.assert_array_equal(ann.sample[~noise], result.beat_samples)
    assert np.all(np.diff(ann.sample) >= 0)


def test_qrs_deflections_read_each_beat_and_the_record_end():
    rec = load_record("100", sample_data_dir(), leads="MLII")
    x, beats = rec.signal[0], rec.beat_samples
    beats = np.r_[beats[beats < x.size - 200], x.size - 3]  # the last beat's 0.1 s run off
    half = int(round(0.1 * FS))
    expected = []
    for b in beats[beats >= half]:
        seg = x[b - half : b + half + 1]
        expected.append((seg.max() - np.median(seg), np.median(seg) - seg.min()))
    above, below = np.array(expected).T
    upright, amplitude = qrs_deflections(rec.signal, beats, FS, n_beats=beats.size)
    assert upright == pytest.approx(np.mean(above > below))
    assert amplitude == pytest.approx(np.median(above + below))
    assert np.isnan(qrs_deflections(rec.signal, beats[:0], FS)[0])
    # Read through a callable, as annotate_record does: nearby beats in one read.
    calls = []
    read = lambda a, b: calls.append(b - a) or rec.signal[:, a:b]  # noqa: E731
    assert qrs_deflections(read, beats, FS, n_beats=10) == qrs_deflections(
        rec.signal, beats, FS, n_beats=10
    )
    assert len(calls) <= 10 and max(calls) <= 1 << 13


def test_read_segments_shares_reads_between_nearby_beats():
    from ecg_sklearn.signal._quality import read_segments

    x = np.arange(300_000, dtype=np.float64)[None]
    centres = np.r_[np.arange(100, 20_000, 300), 150_000, 299_990]  # close, then far apart
    calls = []
    read = lambda a, b: calls.append((a, b)) or x[:, a:b]  # noqa: E731
    segments = read_segments(read, centres, 50, 20)
    assert segments.shape == (centres.size, 70)
    np.testing.assert_array_equal(segments[:-1], centres[:-1, None] + np.arange(-50, 20))
    np.testing.assert_array_equal(segments[-1, :10], np.arange(299_940, 299_950))
    assert np.isnan(segments[-1, 60:]).all() and not np.isnan(segments[-1, :60]).any()
    assert calls == [
        (50, 8220),
        (8450, 16_620),
        (16_850, 19_920),
        (149_950, 150_020),
        (299_940, 300_010),
    ]
