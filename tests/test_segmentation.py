import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ecg_sklearn import BeatSegmenter, ECGFilter
from ecg_sklearn.annotate._rows import rows_without_windows, segmenter_rows
from ecg_sklearn.features import (
    RHYTHM_FEATURES,
    RR_FEATURES,
    average_rr,
    dominant_similarity,
    make_beat_windows,
    record_context,
    rr_features,
)
from ecg_sklearn.features._rhythm import RR_CONTEXT_FEATURES
from ecg_sklearn.io import load_record, sample_data_dir

FS = 100.0


def _windows(beats, n=2000):
    signal = np.sin(np.arange(n) / 7.0)[None].astype(np.float32)
    return make_beat_windows(signal, np.asarray(beats), FS, context=1.0, rr_context=False)


def test_crop_and_rr_features_on_known_beats():
    beats = [100, 180, 300, 390, 480, 600]
    X = _windows(beats)
    seg = BeatSegmenter(fs=FS, rr_context=False, before=0.1, after=0.2).fit(X)
    out = seg.transform(X)
    assert seg.beat_length_ == 31
    assert out.shape == (6, len(RR_FEATURES) + 31)
    np.testing.assert_allclose(out[:, 8:], X[:, 0, 90:121])
    rr = dict(zip(RR_FEATURES, out[3, :8].T, strict=True))  # beat at 390
    assert rr["pre_rr"] == pytest.approx(0.9)
    assert rr["post_rr"] == pytest.approx(0.9)
    # Beats in the window [290, 490]: 300, 390, 480 -> local RR 0.9 s.
    assert rr["local_rr"] == pytest.approx(0.9)
    avg = X[3, -1, 100]
    assert rr["avg_rr"] == pytest.approx(avg)
    assert rr["pre_rr_ratio"] == pytest.approx(0.9 / avg)
    # First beat: no previous beat in its window -> distance to the edge (a lower bound).
    assert out[0, 0] == pytest.approx(1.0)
    assert out[1, 0] == pytest.approx(0.8)


def test_feature_names_and_plain_sklearn_estimator(sample):
    seg = BeatSegmenter(fs=sample.fs).fit(sample.X)
    names = seg.get_feature_names_out()
    assert len(names) == seg.transform(sample.X[:3]).shape[1]
    assert list(names[:15]) == [f"context_{n}" for n in RR_CONTEXT_FEATURES] + [
        "context_dominant_similarity"
    ]
    assert list(names[15:23]) == list(RR_FEATURES) and names[23] == "ch0_-90"
    pipe = make_pipeline(
        ECGFilter(fs=sample.fs),
        BeatSegmenter(fs=sample.fs),
        StandardScaler(),
        LogisticRegression(max_iter=300),
    )
    pipe.fit(sample.X, sample.y)
    assert pipe.score(sample.X, sample.y) > 0.9


def test_window_lengths_tunable_by_grid_search(sample):
    keep = np.isin(sample.groups, ["100", "208", "209", "232"])
    pipe = make_pipeline(
        BeatSegmenter(fs=sample.fs), StandardScaler(), LogisticRegression(max_iter=200)
    )
    grid = GridSearchCV(
        pipe,
        {"beatsegmenter__before": [0.1, 0.25], "beatsegmenter__after": [0.3]},
        cv=GroupKFold(n_splits=2),
    )
    grid.fit(sample.X[keep], sample.y[keep], groups=sample.groups[keep])
    scores = grid.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]  # the window length reached the segmenter
    best = grid.cv_results_["params"][int(np.argmax(scores))]["beatsegmenter__before"]
    assert grid.best_params_["beatsegmenter__before"] == best
    seg = grid.best_estimator_[0]
    assert seg.before == best and seg.beat_length_ == round((best + 0.3) * sample.fs) + 1
    assert clone(grid.best_estimator_).get_params()["beatsegmenter__after"] == 0.3


def test_without_rr_features_and_2d_input(sample):
    seg = BeatSegmenter(fs=sample.fs, rr_features=False).fit(sample.X)
    assert seg.transform(sample.X[:2]).shape == (2, 15 + seg.beat_length_)
    two_d = sample.X[:5, 0]
    plain = BeatSegmenter(fs=sample.fs, rr_features=False, rr_context=False)
    assert plain.fit_transform(two_d).shape == (5, seg.beat_length_)
    with pytest.raises(ValueError, match="needs the beat channel"):
        BeatSegmenter(fs=sample.fs).fit(two_d)


def test_errors(sample):
    with pytest.raises(ValueError, match="too short"):
        BeatSegmenter(fs=sample.fs, before=3.0).fit(sample.X[:4])
    seg = BeatSegmenter(fs=sample.fs).fit(sample.X[:4])
    with pytest.raises(ValueError, match="time points"):
        seg.transform(sample.X[:4, :, 100:-100])
    unmarked = sample.X[:4].copy()
    unmarked[:, -2] = 0  # the beat channel (the record-context channel is last)
    with pytest.raises(ValueError, match="no beat marked at their centre"):
        seg.transform(unmarked)
    with pytest.raises(ValueError, match="no ECG channel"):
        BeatSegmenter(fs=sample.fs).fit(sample.X[:4, -1:])


def test_rr_features_independent_of_chunking(sample, monkeypatch):

    whole = rr_features(sample.X[:, -2], sample.fs)
    _chunks_of(monkeypatch, 7)  # many chunks, a ragged last one
    np.testing.assert_array_equal(rr_features(sample.X[:, -2], sample.fs), whole)
    # The error names the first window without a beat at its centre, across chunks.
    broken = sample.X[:, -2].copy()
    broken[10, broken.shape[1] // 2] = 0.0
    with pytest.raises(ValueError, match="at row 10"):
        rr_features(broken, sample.fs)


def test_neighbours_average_the_other_beats_of_the_window(monkeypatch):

    beats = [100, 180, 300, 390, 1000, 1050, 1100, 1500]
    X = _windows(beats)
    X[:, 0] += np.arange(len(beats))[:, None]  # tell the windows apart
    seg = BeatSegmenter(fs=FS, rr_context=False, before=0.1, after=0.2, neighbours=True).fit(X)
    out = seg.transform(X)
    assert seg.n_leads_ == 2 and out.shape == (8, 8 + 2 * 31)
    np.testing.assert_array_equal(out[:, 8:39], X[:, 0, 90:121])
    # Windows span 201 samples with the beat at 100; crops run from -10 to +20 samples.
    # Beat 180 (window 80..280): 100 at column 20 fits (crop 10..40).
    np.testing.assert_array_equal(out[1, 39:], X[1, 0, 10:41])
    # Beat 300 (window 200..400): 390 at column 190 would end past 200 -> its own beat.
    np.testing.assert_array_equal(out[2, 39:], out[2, 8:39])
    # Beat 1050 (window 950..1150): 1000 and 1100 at columns 50 and 150 -> their mean.
    expected = (X[5, 0, 40:71] + X[5, 0, 140:171]) / 2
    np.testing.assert_allclose(out[5, 39:], expected, rtol=1e-6)
    np.testing.assert_array_equal(out[7, 39:], out[7, 8:39])  # 1500: alone
    names = seg.get_feature_names_out()
    assert len(names) == out.shape[1] and names[39] == "neighbours_ch0_-10"
    _chunks_of(monkeypatch, 3)  # chunks do not change the result
    np.testing.assert_array_equal(seg.transform(X), out)
    with pytest.raises(ValueError, match="neighbours=True needs the beat channel"):
        BeatSegmenter(fs=FS, rr_context=False, rr_features=False, neighbours=True).fit(X[:, 0])


def test_rhythm_features_compare_the_beat_with_the_other_intervals(monkeypatch):

    beats = np.array([100, 180, 260, 320, 420, 500, 580])  # 320 premature, then a pause
    signal = np.sin(np.arange(2000) / 7.0)[None].astype(np.float32)
    X = make_beat_windows(signal, beats, FS, context=2.0, rr_context=False)  # +-200 samples
    seg = BeatSegmenter(fs=FS, rr_context=False, before=0.1, after=0.2, rhythm_features=True).fit(X)
    out = seg.transform(X)
    n_rr = len(RR_FEATURES) + len(RHYTHM_FEATURES)
    assert out.shape == (7, n_rr + 31)
    plain = BeatSegmenter(fs=FS, rr_context=False, before=0.1, after=0.2).fit_transform(X)
    np.testing.assert_array_equal(out[:, :8], plain[:, :8])
    rhythm = out[:, 8:n_rr]
    # 320 (window 120..520): other intervals 180->260 and 420->500, 0.8 s each.
    np.testing.assert_allclose(rhythm[3], [0.6 / 0.8, 1.0 / 0.8, 1.0])
    # 260 (window 60..460): other intervals 100->180 (0.8 s) and 320->420 (1.0 s).
    np.testing.assert_allclose(rhythm[2], [0.8 / 0.9, 0.6 / 0.9, 1.25])
    # 500 (window 300..700): one other interval, 320->420 (1.0 s) -> spread 1.
    np.testing.assert_allclose(rhythm[5], [0.8, 0.8, 1.0])
    names = seg.get_feature_names_out()
    assert list(names[:n_rr]) == [*RR_FEATURES, *RHYTHM_FEATURES] and len(names) == out.shape[1]
    assert seg.n_rr_features_ == n_rr
    assert BeatSegmenter(fs=FS, rr_context=False, rr_features=False).fit(X).n_rr_features_ == 0
    public = rr_features(X[:, -1], FS, rhythm=True)  # float64; out is float32
    np.testing.assert_allclose(public, out[:, :n_rr], rtol=1e-6)
    _chunks_of(monkeypatch, 3)  # chunks do not change the result
    np.testing.assert_array_equal(seg.transform(X), out)
    with pytest.raises(ValueError, match="rhythm_features=True needs rr_features=True"):
        BeatSegmenter(fs=FS, rr_context=False, rr_features=False, rhythm_features=True).fit(X)


def test_record_context_columns_come_first(sample):
    from ecg_sklearn.features import rr_context_features
    from ecg_sklearn.io import load_sample

    seg = BeatSegmenter(fs=sample.fs).fit(sample.X)
    out = seg.transform(sample.X)
    assert seg.n_context_features_ == 15 and out.layout.n_context_features == 15
    plain = BeatSegmenter(fs=sample.fs, rr_context=False).fit_transform(sample.X[:, :-1])
    np.testing.assert_array_equal(out[:, 15:], plain)
    # The context of each beat is its record's rhythm, from all the record's beats.
    rows = sample.groups == "201"
    expected = rr_context_features(sample.samples[rows], sample.fs)
    np.testing.assert_allclose(out[rows, :14], expected, rtol=1e-6)
    # ... and its likeness to the record's dominant beat.
    record = load_record("201", sample_data_dir(), leads=["MLII"])
    similarity = dominant_similarity(record.signal, sample.samples[rows], sample.fs)
    np.testing.assert_allclose(out[rows, 14], similarity, atol=1e-6)
    # Windows and segmenter that disagree on the context channel fail with the reason.
    with pytest.raises(ValueError, match="not a record-context channel"):
        two_leads = load_sample(records=["208"], leads=["MLII", "V1"], rr_context=False)
        BeatSegmenter(fs=sample.fs).fit_transform(two_leads.X[:3])  # [MLII, V1, beats]
    with pytest.raises(ValueError, match="with the segmenter's rr_context"):
        BeatSegmenter(fs=sample.fs, rr_context=False).fit_transform(sample.X[:3])


def test_neighbours_of_windows_without_other_beats():
    X = _windows([1000])  # a lone beat: no other beat in any window of the block
    out = BeatSegmenter(fs=FS, rr_context=False, before=0.1, after=0.2, neighbours=True)
    out = out.fit_transform(X)
    np.testing.assert_array_equal(out[:, 8 + 31 :], out[:, 8 : 8 + 31])  # its own crop


def _chunks_of(monkeypatch, rows):
    """Make the segmenter and rr_features work ``rows`` windows at a time."""
    from ecg_sklearn import segmentation
    from ecg_sklearn.features import _rr_intervals

    monkeypatch.setattr(segmentation, "ROWS_PER_CHUNK", rows)
    monkeypatch.setattr(_rr_intervals, "ROWS_PER_CHUNK", rows)


@pytest.mark.parametrize(("neighbours", "rhythm"), [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("n_leads", [1, 2])
def test_rows_cut_from_the_signal_are_the_windows_rows(neighbours, rhythm, n_leads):
    # annotate_record's rows without the windows: value for value what the segmenter
    # gives for the windows, at the record's ends, beside a lone beat and in between.
    rng = np.random.default_rng(0)
    n = 4000
    signal = rng.normal(size=(n_leads, n)).astype(np.float32)
    beats = np.r_[5, 60, 150, 230, 330, 2000, 3600, 3700, 3780, 3850, 3990]
    X = make_beat_windows(signal, beats, FS, context=1.0)
    seg = BeatSegmenter(
        fs=FS, before=0.2, after=0.3, neighbours=neighbours, rhythm_features=rhythm
    ).fit(X)
    assert rows_without_windows(seg)
    index = np.r_[0, 2, 5, 7, 10]
    rows = segmenter_rows(
        seg, signal, beats, index, average_rr(beats, FS), record_context(signal, beats, FS)[index]
    )
    expected = seg.transform(X[index])
    np.testing.assert_array_equal(rows, expected)
    assert rows.layout == expected.layout
    assert not rows_without_windows(BeatSegmenter(fs=FS, rr_context=False).fit(X[:, :-1]))
    assert not rows_without_windows(BeatSegmenter(fs=FS))
