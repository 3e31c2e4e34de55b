"""AF per beat from timing and the dominant-like beats."""

import json

import numpy as np
import pytest
from _fitting import fit_af_model, save_af_model
from sklearn.utils import Bunch

from ecg_sklearn.features import af_features
from ecg_sklearn.features._af import (
    AF_FEATURES,
    DOMINANT_INTERVAL_FEATURES,
    dominant_interval_features,
)
from ecg_sklearn.record import af_probability, load_af_model
from ecg_sklearn.record._af import AF_THRESHOLD

FS = 360.0


def _positions(rr):
    return np.round(np.cumsum(np.r_[1.0, rr]) * FS).astype(np.int64)


def _trigeminy(n_beats=600, seed=0):
    """Sinus rhythm at 75/min with a premature ventricular beat every third beat."""
    rng = np.random.default_rng(seed)
    rr = 0.8 * (1 + 0.01 * rng.standard_normal(n_beats - 1))
    ectopic = np.arange(n_beats) % 3 == 2
    rr[ectopic[1:]] = 0.5  # coupling interval
    rr[np.roll(ectopic, 1)[1:]] = 1.1  # compensatory pause
    return _positions(rr), ~ectopic


def _fibrillation(n_beats=600, seed=0):
    """Irregularly irregular intervals: independent, mean 0.7 s, standard deviation 0.15 s."""
    rng = np.random.default_rng(seed)
    return _positions(np.clip(rng.normal(0.7, 0.15, n_beats - 1), 0.3, None))


def test_dominant_intervals_of_a_regular_rhythm():
    beats = _positions(np.full(200, 0.8))
    f = dominant_interval_features(beats, FS, np.ones(beats.size, bool))
    assert f.shape == (beats.size, len(DOMINANT_INTERVAL_FEATURES)) and f.dtype == np.float32
    np.testing.assert_allclose(f[100], [1, 0, 0, 0, 0], atol=1e-6)


def test_ectopic_beats_leave_the_dominant_intervals_regular():
    beats, like = _trigeminy()
    f = dominant_interval_features(beats, FS, like)[300]
    every = dominant_interval_features(beats, FS, np.ones(beats.size, bool))[300]
    # Only the intervals between two sinus beats are kept: a third of them.
    assert f[0] == pytest.approx(21 / 61, abs=0.02)
    assert f[1] < 0.05 and every[1] > 0.3  # successive change without and with the ectopy
    index = np.array([5, 300, 598])
    np.testing.assert_array_equal(
        dominant_interval_features(beats, FS, like, index=index),
        dominant_interval_features(beats, FS, like)[index],
    )


def test_too_few_dominant_intervals_give_nan():
    beats, like = _trigeminy()
    like[::2] = False  # no two dominant-like beats in a row
    f = dominant_interval_features(beats, FS, like)
    assert np.all(f[:, 0] == 0) and np.isnan(f[:, 1:]).all()


def test_shipped_model_tells_ventricular_ectopy_from_fibrillation():
    beats, like = _trigeminy()
    assert np.median(af_probability(beats, FS, like)) < 0.2
    af = _fibrillation()
    assert np.mean(af_probability(af, FS, np.ones(af.size, bool)) > AF_THRESHOLD) > 0.9
    assert af_features(af, FS, np.ones(af.size, bool)).shape == (af.size, len(AF_FEATURES))


def test_smoothing_is_a_running_median():
    af = _fibrillation(200)
    like = np.ones(af.size, bool)
    raw = af_probability(af, FS, like, smoothing=1)
    smooth = af_probability(af, FS, like, smoothing=5)
    assert smooth[100] == pytest.approx(np.median(raw[98:103]))
    with pytest.raises(ValueError, match="smoothing must be a positive int"):
        af_probability(af, FS, like, smoothing=0)


@pytest.mark.parametrize("smoothing", [61, 60, 1])
def test_probability_of_some_beats_is_that_of_the_whole_record(smoothing, monkeypatch):
    from scipy.ndimage import median_filter

    from ecg_sklearn.record import _af

    # AF between sinus rhythm with ectopy: beats near both ends and both changes.
    ectopy, like = _trigeminy(300)
    af = _fibrillation(300)
    beats = np.r_[ectopy, ectopy[-1] + 300 + af, ectopy[-1] + af[-1] + 600 + ectopy]
    like = np.r_[like, np.ones(af.size, bool), like]
    index = np.array([0, 3, 150, 298, 300, 330, 450, 599, 600, 640, beats.size - 2, beats.size - 1])
    raw = af_probability(beats, FS, like, smoothing=1)
    whole = median_filter(raw, size=smoothing, mode="nearest")
    np.testing.assert_allclose(af_probability(beats, FS, like, smoothing=smoothing), whole)
    some = af_probability(beats, FS, like, smoothing=smoothing, index=index)
    np.testing.assert_allclose(some, whole[index], rtol=0, atol=1e-12)
    # A long record, a block of beats at a time: the same values.
    monkeypatch.setattr(_af, "_BLOCK_BEATS", 128)
    blocked = af_probability(beats, FS, like, smoothing=smoothing)
    np.testing.assert_allclose(blocked, whole, rtol=0, atol=1e-12)
    shuffled = index[::-1]
    np.testing.assert_allclose(
        af_probability(beats, FS, like, smoothing=smoothing, index=shuffled), whole[shuffled]
    )
    assert whole[index].min() < 0.2 and whole[index].max() > AF_THRESHOLD
    with pytest.raises(ValueError, match="index must be 1-D with values in"):
        af_probability(beats, FS, like, index=[beats.size])


def test_fit_save_and_load(tmp_path):
    sinus, _ = _trigeminy(400)
    af = _fibrillation(400)
    timings = [
        Bunch(record="a", fs=FS, beat_samples=af, beat_labels=np.full(af.size, "N"),
              rhythm=np.full(af.size, "(AFIB")),
        Bunch(record="b", fs=FS, beat_samples=sinus, beat_labels=np.where(
            np.arange(sinus.size) % 3 == 2, "V", "N"), rhythm=np.full(sinus.size, "(N")),
    ]  # fmt: skip
    model = fit_af_model(timings, every=2)
    save_af_model(model, tmp_path, "toy", training={"records": ["a", "b"]})
    loaded = load_af_model("toy", folder=tmp_path)
    X = af_features(af, FS, np.ones(af.size, bool))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-9)
    with pytest.raises(ValueError, match="in AF and out of it"):
        fit_af_model(timings[:1])
    info = json.loads((tmp_path / "toy.json").read_text())
    (tmp_path / "toy.json").write_text(json.dumps({**info, "features": ["median_rr"]}))
    load_af_model.cache_clear()
    with pytest.raises(ValueError, match="lists other features"):
        load_af_model("toy", folder=tmp_path)


def test_errors(tmp_path):
    beats = _positions(np.full(20, 0.8))
    with pytest.raises(ValueError, match="same length"):
        dominant_interval_features(beats, FS, np.ones(5, bool))
    with pytest.raises(ValueError, match="strictly increasing"):
        dominant_interval_features(beats[::-1], FS, np.ones(beats.size, bool))
    with pytest.raises(ValueError, match="n_intervals must be an int"):
        dominant_interval_features(beats, FS, np.ones(beats.size, bool), n_intervals=1)
    with pytest.raises(ValueError, match="dominant_like must have one value per beat"):
        af_probability(beats, FS, np.ones(5, bool))
    # A record shorter than the context still gets a value per beat.
    short = af_probability(beats[:4], FS, np.ones(4, bool))
    assert short.shape == (4,) and np.all((short >= 0) & (short <= 1))
    with pytest.raises(ValueError, match="Unknown AF model"):
        load_af_model("nope")
    with pytest.raises(FileNotFoundError, match="not found"):
        load_af_model("nope", folder=tmp_path)


def test_annotate_record_detects_af_on_the_excerpt(sample):
    from sklearn.pipeline import Pipeline

    from ecg_sklearn import BeatSegmenter, CNNBeatClassifier, annotate_record, load_pretrained
    from ecg_sklearn.io import load_beat_timing, load_record, sample_data_dir
    from ecg_sklearn.io._annotations import AF_RHYTHMS

    pipe = load_pretrained()
    # 201: its AF starts 41 beats before the excerpt ends; the 61-beat running median
    # lags at the onset and at the end (15 beats under the threshold).
    for record, least in [("201", 0.9), ("208", 1.0), ("232", 1.0)]:
        t = load_beat_timing(record, sample_data_dir())
        rec = load_record(record, sample_data_dir(), leads="MLII")
        result = annotate_record(pipe, rec.signal, rec.fs, beats=t.beat_samples, detect_af=True)
        in_af = np.isin(t.rhythm, AF_RHYTHMS)
        assert np.mean((result.p_af > AF_THRESHOLD) == in_af) >= least, record
        assert in_af.any() == (record == "201")
    assert annotate_record(pipe, rec.signal, rec.fs).p_af is None
    # AF is read from the beats and the signal, whatever the pipeline's windows.
    clf = CNNBeatClassifier(max_epochs=1, valid_size=0, verbose=0, dominant_threshold=None)
    plain = Pipeline([("segment", BeatSegmenter(fs=sample.fs, rr_context=False)), ("cnn", clf)])
    plain.fit(sample.X[:200, :-1], sample.y[:200])
    again = annotate_record(plain, rec.signal, rec.fs, beats=t.beat_samples, detect_af=True)
    np.testing.assert_allclose(again.p_af, result.p_af)


def test_command_line_writes_af_episodes(tmp_path, capsys, records_folder):
    from ecg_sklearn.cli import main
    from ecg_sklearn.io._annotations import beat_rhythms, read_annotations

    folder = records_folder(("201", "100"))
    args = ["annotate", "--record", str(folder), "--quiet", "--out-dir", str(tmp_path)]
    assert main([*args, "--detect-af"]) == 0
    out = capsys.readouterr().out
    burden = {r: float(out.split(f"{r}: ")[1].split("% of beats in atrial")[0].split()[-1])
              for r in ("100", "201")}  # fmt: skip
    assert burden["100"] == 0 and 5 < burden["201"] < 60
    samples, symbols, notes = read_annotations(tmp_path, "201", "cnn", aux=True)
    beats = samples[symbols != "+"]
    rhythm = beat_rhythms(samples, symbols, notes, beats)
    assert set(rhythm) == {"(AFIB", "(N"} and notes[0] in ("(AFIB", "(N")
    assert np.mean(rhythm == "(AFIB") * 100 == pytest.approx(burden["201"], abs=0.1)
    # Without --detect-af the file holds the beats only, the same beats.
    assert main([*args, "--extension", "plain"]) == 0
    plain, plain_symbols = read_annotations(tmp_path, "201", "plain")
    np.testing.assert_array_equal(plain, beats)
    assert "+" not in set(plain_symbols)


def test_rule_out_sveb_in_af_moves_s_to_n_where_in_af():
    from ecg_sklearn.record import rule_out_sveb_in_af

    classes = np.array(["N", "S", "V"])
    proba = np.array([[0.2, 0.7, 0.1], [0.2, 0.7, 0.1], [0.2, 0.7, 0.1]])
    p_af = np.array([AF_THRESHOLD + 0.01, AF_THRESHOLD, np.nan])  # in AF, not, unknown
    out = rule_out_sveb_in_af(proba.copy(), classes, p_af)
    np.testing.assert_allclose(out, [[0.9, 0.0, 0.1], [0.2, 0.7, 0.1], [0.2, 0.7, 0.1]])
    no_s = np.array([[0.9, 0.1]] * 3)
    np.testing.assert_array_equal(rule_out_sveb_in_af(no_s.copy(), ["N", "V"], p_af), no_s)
    with pytest.raises(ValueError, match="p_af must be 1-D"):
        rule_out_sveb_in_af(proba.copy(), classes, p_af[:, None])
    with pytest.raises(ValueError, match="proba must be"):
        rule_out_sveb_in_af(proba[:2].copy(), classes, p_af)
