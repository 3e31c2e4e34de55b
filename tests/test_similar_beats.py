import numpy as np
import pytest

from ecg_sklearn.features import beat_features
from ecg_sklearn.features._similar import shape_features, timing_features
from ecg_sklearn.io import load_record, load_sample, sample_data_dir
from ecg_sklearn.record import loaded_beat_features, smooth_over_similar_beats

FS = 360.0


def _record(kinds, seed=0):
    """A record of narrow (0) and wide (1) beats 0.8 s apart, a little noise."""
    rng = np.random.default_rng(seed)
    beats = (np.arange(1, len(kinds) + 1) * 288).astype(np.int64)
    t = np.arange(beats[-1] + 400)
    signal = rng.normal(0, 0.01, t.size)
    for b, wide in zip(beats, kinds, strict=True):
        if wide:
            signal += -1.2 * np.exp(-0.5 * ((t - b - 10) / 14.0) ** 2)
        else:
            signal += np.exp(-0.5 * ((t - b) / 4.0) ** 2)
            signal += 0.15 * np.exp(-0.5 * ((t - b + 60) / 10.0) ** 2)  # P wave
    return signal[None], beats


def _one_hot(labels, n_classes=3):
    proba = np.full((len(labels), n_classes), 0.05)
    proba[np.arange(len(labels)), labels] = 0.9
    return proba / proba.sum(axis=1, keepdims=True)


def test_features_put_beats_of_a_kind_together():
    kinds = np.arange(200) % 5 == 0
    signal, beats = _record(kinds)
    features = beat_features(signal, beats, FS)
    assert features.dtype == np.float32 and len(features) == beats.size
    np.testing.assert_array_equal(
        features, np.column_stack([shape_features(signal, beats, FS), timing_features(beats)])
    )
    distance = np.linalg.norm(features[:, None] - features[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    nearest = distance.argmin(axis=1)
    assert np.all(kinds[nearest] == kinds)
    # The same shapes whatever the gain and offset of the recording.
    np.testing.assert_allclose(
        shape_features(3 * signal + 5, beats, FS), shape_features(signal, beats, FS), atol=1e-4
    )


def test_timing_reads_premature_beats():
    beats = np.cumsum(np.r_[100, np.full(99, 300)])
    beats[50] -= 120  # beat 50 comes 40% early
    timing = timing_features(beats)
    assert timing.shape == (100, 2)
    np.testing.assert_allclose(timing[50], 2 * np.log([0.6, 1.4]), rtol=1e-6)  # weighted 2
    np.testing.assert_allclose(timing[[49, 51], [1, 0]], 2 * np.log([0.6, 1.4]), rtol=1e-6)
    timing[[49, 50, 51], :] = 0
    assert np.abs(timing).max() < 1e-6
    assert timing_features(np.array([5])).shape == (1, 2)


def test_isolated_errors_are_outvoted_by_similar_beats():
    kinds = (np.arange(300) % 4 == 0).astype(int)
    signal, beats = _record(kinds)
    called = kinds.copy()
    wrong = np.array([3, 17, 130, 201])
    called[wrong] = 2  # a few beats of each kind called the third class
    proba = _one_hot(called)
    smoothed = smooth_over_similar_beats(proba, beat_features(signal, beats, FS))
    np.testing.assert_allclose(smoothed.sum(axis=1), 1.0)
    np.testing.assert_array_equal(smoothed.argmax(axis=1), kinds)
    # Own weight 1: unchanged; records apart: each keeps its own neighbours.
    features = beat_features(signal, beats, FS)
    np.testing.assert_allclose(
        smooth_over_similar_beats(proba, features, weight=1.0), proba, atol=1e-12
    )
    groups = np.repeat([0, 1], 150)
    apart = smooth_over_similar_beats(proba, features, groups=groups)
    np.testing.assert_array_equal(apart.argmax(axis=1), kinds)


def test_neighbours_come_from_within_the_span_and_blocks_do_not_matter():
    kinds = (np.arange(400) % 3 == 0).astype(int)
    signal, beats = _record(kinds)
    features = beat_features(signal, beats, FS)
    proba = _one_hot(kinds)
    proba[:200] = _one_hot(np.full(200, 2))  # the first half all called 2
    near = smooth_over_similar_beats(proba, features, span=20)
    assert np.all(near[:150].argmax(axis=1) == 2) and np.all(near[250:].argmax(axis=1) != 2)
    for block in (7, 64, 1000):
        np.testing.assert_allclose(
            smooth_over_similar_beats(proba, features, span=20, block=block), near, atol=1e-6
        )


def _brute_force_smoothing(proba, features, n_neighbors, span, weight):
    """Each beat's own probabilities and its nearest beats' mean, one beat at a time."""
    out = np.empty_like(proba)
    for i in range(len(proba)):
        near = np.r_[max(0, i - span) : i, i + 1 : min(len(proba), i + span + 1)]
        if near.size == 0:
            out[i] = proba[i]
            continue
        distance = np.linalg.norm(features[near] - features[i], axis=1)
        nearest = near[np.argsort(distance)[:n_neighbors]]
        out[i] = weight * proba[i] + (1 - weight) * proba[nearest].mean(axis=0)
    return out


@pytest.mark.parametrize(
    "n_beats, span, block",
    # The last: a block's rows compared a part at a time (similar_beats._ROWS).
    [(300, 40, 64), (60, 1000, 1024), (15, 10, 4), (700, 300, 1024)],
)
def test_smoothing_averages_the_nearest_beats_within_the_span(n_beats, span, block):
    rng = np.random.default_rng(n_beats)
    features = rng.normal(size=(n_beats, 6)).astype(np.float32)
    proba = rng.dirichlet(np.ones(4), size=n_beats)
    expected = _brute_force_smoothing(proba, features, 10, span, 0.2)
    smoothed = smooth_over_similar_beats(proba, features, span=span, block=block)
    np.testing.assert_allclose(smoothed, expected, rtol=1e-12, atol=1e-12)


def test_errors():
    proba, features = np.full((5, 3), 1 / 3), np.zeros((5, 4), np.float32)
    with pytest.raises(ValueError, match="one row per beat"):
        smooth_over_similar_beats(proba, features[:4])
    with pytest.raises(ValueError, match="n_neighbors must be a positive integer"):
        smooth_over_similar_beats(proba, features, n_neighbors=0)
    with pytest.raises(ValueError, match="span must be an integer of at least n_neighbors"):
        smooth_over_similar_beats(proba, features, n_neighbors=5, span=2)
    with pytest.raises(ValueError, match="weight must be in"):
        smooth_over_similar_beats(proba, features, weight=1.5)
    with pytest.raises(ValueError, match="groups must have shape"):
        smooth_over_similar_beats(proba, features, groups=[1, 2])
    # A record of one beat keeps its probabilities.
    np.testing.assert_array_equal(smooth_over_similar_beats(proba[:1], features[:1]), proba[:1])


def test_features_of_the_loaders_output_are_those_of_each_record():
    data = load_sample(["208", "232"])
    features = loaded_beat_features(data, sample_data_dir())
    assert features.shape[0] == data.y.size
    for record in ("208", "232"):
        rows = data.groups == record
        signal = load_record(record, sample_data_dir(), leads=["MLII"]).signal
        np.testing.assert_array_equal(
            features[rows], beat_features(signal, data.samples[rows], data.fs)
        )
