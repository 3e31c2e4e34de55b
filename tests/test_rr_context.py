import numpy as np
import pytest
import wfdb

from ecg_sklearn.features import rr_context_features
from ecg_sklearn.features._rhythm import RR_CONTEXT_FEATURES
from ecg_sklearn.io import load_beat_timing, sample_data_dir
from ecg_sklearn.io._annotations import beat_rhythms, read_mit_annotations

FS = 360.0
COLUMN = {name: i for i, name in enumerate(RR_CONTEXT_FEATURES)}


def select_beats(intervals):
    return np.round(np.cumsum(np.concatenate([[1.0], intervals])) * FS).astype(int)


def test_regular_rhythm_has_no_irregularity():
    f = rr_context_features(select_beats(np.full(200, 0.8)), FS)
    assert f.shape == (201, len(RR_CONTEXT_FEATURES)) and f.dtype == np.float32
    np.testing.assert_allclose(f[:, COLUMN["median_rr"]], 0.8, atol=2e-3)
    np.testing.assert_allclose(f[:, COLUMN["pre_rr"]], 1.0, atol=5e-3)
    for name in ("successive_change", "iqr", "two_cluster_spread", "regular_spread"):
        assert f[:, COLUMN[name]].max() < 0.01, name


def test_premature_beat_stands_out_against_its_rhythm():
    rr = np.full(120, 0.8)
    rr[60], rr[61] = 0.5, 1.1  # a premature beat and its compensatory pause
    f = rr_context_features(select_beats(rr), FS)
    beat = 61  # the beat that ends interval 60
    assert f[beat, COLUMN["pre_rr"]] == pytest.approx(0.5 / 0.8, abs=0.01)
    assert f[beat, COLUMN["post_rr"]] == pytest.approx(1.1 / 0.8, abs=0.01)
    # One ectopic pair leaves the regular rhythm's spread at zero.
    assert f[beat, COLUMN["regular_spread"]] < 0.01


def test_af_bigeminy_and_regular_rhythms_separate():
    rng = np.random.default_rng(0)
    af = rr_context_features(select_beats(rng.uniform(0.4, 1.2, 300)), FS)[150]
    bigeminy = rr_context_features(select_beats(np.tile([0.55, 1.0], 150)), FS)[150]
    # Both are irregular beat to beat, but bigeminy repeats at lag 2 and splits into two
    # tight groups; AF does neither.
    assert af[COLUMN["successive_change"]] > 0.2 and bigeminy[COLUMN["successive_change"]] > 0.2
    assert bigeminy[COLUMN["lag2_change"]] < 0.01 < 0.2 < af[COLUMN["lag2_change"]]
    assert bigeminy[COLUMN["two_cluster_spread"]] < 0.01 < 0.05 < af[COLUMN["two_cluster_spread"]]


def test_errors():
    with pytest.raises(ValueError, match="at least 3 beats"):
        rr_context_features([10, 400], FS)
    with pytest.raises(ValueError, match="strictly increasing"):
        rr_context_features([10, 400, 300, 900], FS)
    with pytest.raises(ValueError, match="n_intervals"):
        rr_context_features(select_beats(np.full(10, 0.8)), FS, n_intervals=1)
    with pytest.raises(ValueError, match="fs"):
        rr_context_features(select_beats(np.full(10, 0.8)), -1.0)


def test_short_record_works():
    f = rr_context_features(select_beats(np.array([0.8, 0.7, 0.9])), FS)
    assert f.shape == (4, len(RR_CONTEXT_FEATURES)) and np.all(np.isfinite(f))


def test_aux_notes_match_wfdb():
    folder = sample_data_dir()
    samples, symbols, notes = read_mit_annotations(folder / "201.atr", aux=True)
    ann = wfdb.rdann(str(folder / "201"), "atr")
    np.testing.assert_array_equal(samples, ann.sample)
    assert list(notes) == [n.rstrip("\x00") for n in ann.aux_note]
    assert "(AFIB" in set(notes)


def test_beat_timing_carries_the_rhythm_of_each_beat():
    timing = load_beat_timing("201", sample_data_dir())
    ann = wfdb.rdann(str(sample_data_dir() / "201"), "atr")
    assert timing.fs == 360.0 and len(timing.rhythm) == len(timing.beat_samples)
    # Brute force: the last rhythm change at or before each beat.
    changes = [
        (s, n) for s, sym, n in zip(ann.sample, ann.symbol, ann.aux_note, strict=True) if sym == "+"
    ]
    expected = [next((n for s, n in reversed(changes) if s <= b), "") for b in timing.beat_samples]
    assert list(timing.rhythm) == [e.rstrip("\x00") for e in expected]
    assert "(AFIB" in set(timing.rhythm)
    rhythm = beat_rhythms([5, 50], ["+", "+"], ["(N", "(AFIB"], [1, 5, 49, 50, 99])
    assert list(rhythm) == ["", "(N", "(N", "(AFIB", "(AFIB"]
    with pytest.raises(FileNotFoundError, match="999.hea"):
        load_beat_timing("999", sample_data_dir())


def test_index_describes_a_subset_with_the_whole_context():
    rng = np.random.default_rng(1)
    beats = select_beats(rng.uniform(0.5, 1.1, 400))
    full = rr_context_features(beats, FS)
    np.testing.assert_allclose(rr_context_features(beats, FS, index=[0, 7, 200, 400]),
                               full[[0, 7, 200, 400]], rtol=1e-6)  # fmt: skip
    with pytest.raises(ValueError, match="index"):
        rr_context_features(beats, FS, index=[401])


def _timing(record, intervals, labels, rhythm):
    from sklearn.utils import Bunch

    beats = select_beats(np.asarray(intervals))
    return Bunch(record=record, fs=FS, beat_samples=beats, beat_labels=np.asarray(labels),
                 rhythm=np.asarray(rhythm))  # fmt: skip


def _sinus_with_pacs(rng, n=400):
    rr = rng.normal(0.8, 0.01, n)
    labels = np.array(["N"] * (n + 1))
    for k in range(20, n - 2, 17):  # a premature beat and its compensatory pause
        rr[k], rr[k + 1] = 0.5, 1.1
        labels[k + 1] = "S"
    return rr, labels


@pytest.fixture(scope="module")
def rhythm_models():
    from _fitting import fit_rhythm_models

    rng = np.random.default_rng(0)
    timings = []
    for i in range(3):
        rr, labels = _sinus_with_pacs(rng)
        timings.append(_timing(f"s{i}", rr, labels, ["(N"] * len(labels)))
        af = rng.uniform(0.4, 1.2, 400)
        timings.append(_timing(f"a{i}", af, ["N"] * 401, ["(AFIB"] * 401))
    return fit_rhythm_models(timings, every=1)


def test_rhythm_context_finds_premature_beats(rhythm_models):
    from ecg_sklearn.record import apply_rhythm_context

    rng = np.random.default_rng(1)
    rr, labels = _sinus_with_pacs(rng)
    af = rng.uniform(0.4, 1.2, 300)
    beats = select_beats(np.concatenate([rr, af]))  # sinus with PACs, then AF
    classes = np.array(["N", "S", "V"])
    proba = np.tile([0.45, 0.45, 0.1], (beats.size, 1))  # the network cannot tell N from S
    result = apply_rhythm_context(proba, classes, beats, FS, rhythm_models)
    np.testing.assert_allclose(result.proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(result.proba[:, 2], 0.1)  # V is the network's
    label = classes[result.proba.argmax(axis=1)]
    sinus = slice(40, 360)  # away from the change of rhythm
    assert np.mean(label[sinus] == labels[sinus]) > 0.95
    assert set(result) == {"proba", "p_sveb"}  # atrial fibrillation is the AF model's
    # Prior correction: a rare class loses probability by its training share.
    priors = np.array([0.9, 0.05, 0.05])
    corrected = apply_rhythm_context(
        proba, classes, beats, FS, rhythm_models, priors=priors, prior_power=1.0
    )
    assert corrected.proba[:, 2].max() < 0.02


def test_rhythm_context_errors(rhythm_models):
    from _fitting import fit_rhythm_models

    from ecg_sklearn.record import apply_rhythm_context

    beats = select_beats(np.full(10, 0.8))
    with pytest.raises(ValueError, match="must include 'N' and 'S'"):
        apply_rhythm_context(np.ones((11, 2)) / 2, ["N", "V"], beats, FS, rhythm_models)
    with pytest.raises(ValueError, match="proba must be"):
        apply_rhythm_context(np.ones((5, 2)) / 2, ["N", "S"], beats, FS, rhythm_models)
    with pytest.raises(ValueError, match="needs priors"):
        apply_rhythm_context(
            np.ones((11, 2)) / 2, ["N", "S"], beats, FS, rhythm_models, prior_power=0.5
        )
    with pytest.raises(ValueError, match="empty"):
        fit_rhythm_models([])
    only_sinus = _timing("x", np.full(50, 0.8), ["N"] * 51, ["(N"] * 51)
    with pytest.raises(ValueError, match="in AF and out of it"):
        fit_rhythm_models([only_sinus])


def test_rhythm_context_options(rhythm_models):
    from ecg_sklearn.record import apply_rhythm_context
    from ecg_sklearn.record._rhythm import rhythm_probabilities

    rng = np.random.default_rng(2)
    rr, labels = _sinus_with_pacs(rng, 200)
    beats = select_beats(rr)
    classes = np.array(["N", "S"])
    proba = np.tile([0.7, 0.3], (beats.size, 1))
    rhythm = rhythm_probabilities(beats, FS, rhythm_models)
    same = apply_rhythm_context(proba, classes, beats, FS, rhythm_models, rhythm=rhythm)
    np.testing.assert_allclose(
        same.proba, apply_rhythm_context(proba, classes, beats, FS, rhythm_models).proba
    )
    kept = apply_rhythm_context(proba, classes, beats, FS, rhythm_models, sveb=None)
    np.testing.assert_allclose(kept.proba, proba)  # no AF here, the network's split kept
    # "combine": the network's odds (0.3 / 0.7) times the timing likelihood ratio.
    both = apply_rhythm_context(proba, classes, beats, FS, rhythm_models, sveb="combine")
    p_t, prior = np.clip(rhythm.p_sveb, 1e-6, 1 - 1e-6), rhythm_models.sveb_prior
    odds = (0.3 / 0.7) * (p_t / (1 - p_t)) / (prior / (1 - prior))
    np.testing.assert_allclose(both.proba[:, 1], odds / (1 + odds), rtol=1e-4)
    assert classes[both.proba.argmax(axis=1)][labels == "S"].tolist().count("S") > 5
    short = apply_rhythm_context(proba[:2], classes, beats[:2], FS, rhythm_models)
    np.testing.assert_allclose(short.proba, proba[:2])  # two beats: no rhythm to read
    assert np.isnan(short.p_sveb).all()
    with pytest.raises(ValueError, match="sveb must be"):
        apply_rhythm_context(proba, classes, beats, FS, rhythm_models, sveb="vote")


def test_boosted_trees_as_arrays_predict_as_the_estimator(rhythm_models, monkeypatch):
    from ecg_sklearn.record import _trees

    rng = np.random.default_rng(3)
    X = rng.normal(1.0, 0.5, size=(500, len(RR_CONTEXT_FEATURES)))
    X[:5, 2] = np.nan  # missing values follow the trees' learned direction
    for hgb in (rhythm_models.sveb,):
        trees = _trees.BoostedTrees.from_estimator(hgb)
        again = _trees.BoostedTrees(dict(np.load(_save(trees.to_arrays()))))
        np.testing.assert_allclose(again.predict_proba(X), hgb.predict_proba(X), atol=1e-12)
        monkeypatch.setattr(_trees, "_sklearn_predictors", lambda arrays: None)
        numpy_only = _trees.BoostedTrees(trees.to_arrays())
        np.testing.assert_allclose(numpy_only.predict_proba(X), hgb.predict_proba(X), atol=1e-12)
        monkeypatch.undo()
        assert again._predictors, "the compiled predictor agreed and is used"


class _ChangedPredictor:
    """A compiled tree predictor whose private API changed: another signature, or scores."""

    def __init__(self, error):
        self.error = error

    def predict(self, X, *args):
        if self.error:
            raise TypeError("predict() takes 3 positional arguments but 5 were given")
        return np.zeros(len(X))


@pytest.mark.parametrize("error", [True, False])
def test_boosted_trees_fall_back_when_the_compiled_predictor_changes(
    rhythm_models, monkeypatch, error
):
    from ecg_sklearn.record import _trees

    X = np.random.default_rng(5).normal(1.0, 0.5, size=(200, len(RR_CONTEXT_FEATURES)))
    trees = _trees.BoostedTrees.from_estimator(rhythm_models.sveb)
    monkeypatch.setattr(_trees, "_sklearn_predictors", lambda arrays: [_ChangedPredictor(error)])
    np.testing.assert_allclose(
        trees.predict_proba(X), rhythm_models.sveb.predict_proba(X), atol=1e-12
    )
    assert trees._predictors == []


def _save(arrays):
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    return buffer


def test_rhythm_models_saved_and_loaded_without_pickle(rhythm_models, tmp_path):
    from _fitting import save_rhythm_models

    from ecg_sklearn.record import load_rhythm_models
    from ecg_sklearn.record._rhythm import rhythm_probabilities

    save_rhythm_models(rhythm_models, tmp_path, "toy", training={"data": "synthetic"})
    loaded = load_rhythm_models("toy", folder=tmp_path)
    beats = select_beats(np.random.default_rng(4).uniform(0.4, 1.2, 300))
    a = rhythm_probabilities(beats, FS, rhythm_models)
    b = rhythm_probabilities(beats, FS, loaded)
    np.testing.assert_allclose(b.p_sveb, a.p_sveb, atol=1e-12)
    assert loaded.sveb_prior == rhythm_models.sveb_prior
    with pytest.raises(ValueError, match="Unknown rhythm model 'x'"):
        load_rhythm_models("x")
    with pytest.raises(FileNotFoundError, match="not found"):
        load_rhythm_models("toy", folder=tmp_path / "elsewhere")
    raw = bytearray((tmp_path / "toy.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / "toy.npz").write_bytes(bytes(raw))
    load_rhythm_models.cache_clear()
    with pytest.raises(ValueError, match="damaged"):
        load_rhythm_models("toy", folder=tmp_path)


def test_shipped_rhythm_model_reads_premature_beats_in_the_excerpt():
    from ecg_sklearn.record import load_rhythm_models
    from ecg_sklearn.record._rhythm import rhythm_probabilities

    models = load_rhythm_models()  # the package's ltafdb-rhythm
    assert set(models) == {"sveb", "sveb_prior"}
    for record in ("100", "209"):  # isolated atrial premature beats; runs of SVTA
        t = load_beat_timing(record, sample_data_dir())
        p_sveb = rhythm_probabilities(t.beat_samples, t.fs, models).p_sveb
        label = np.asarray(t.beat_labels)
        assert np.mean(p_sveb[label == "S"] > 0.5) > 0.9, record
        assert np.mean(p_sveb[label == "N"] > 0.5) < 0.01, record


def test_features_do_not_depend_on_the_block_size(monkeypatch):
    from ecg_sklearn.features import _rhythm as rr_context

    beats = select_beats(np.random.default_rng(5).uniform(0.4, 1.2, 600))
    whole = rr_context_features(beats, FS)
    monkeypatch.setattr(rr_context, "_BLOCK", 7)  # many blocks, a ragged last one
    np.testing.assert_array_equal(rr_context_features(beats, FS), whole)
    np.testing.assert_array_equal(rr_context_features(beats, FS, index=[3, 599]), whole[[3, 599]])
    # Quartiles that fall between values (other widths) still match NumPy's.
    x = rr_context_features(beats, FS, n_intervals=5)[:, 6]
    assert np.isfinite(x).all() and (x >= 0).all()


def test_rhythm_context_of_some_beats_is_that_of_the_whole_record():
    from ecg_sklearn.features._windows import rhythm_context

    beats = np.cumsum(np.random.default_rng(3).integers(200, 400, 5000))
    index = np.arange(1000, 3100)
    np.testing.assert_array_equal(
        rhythm_context(beats, 360.0, index=index), rhythm_context(beats, 360.0)[index]
    )
    assert rhythm_context(beats[:2], 360.0, index=[1]).shape == (1, 14)


def test_features_of_a_subset_come_from_the_beats_within_reach():
    rng = np.random.default_rng(5)
    beats = np.cumsum(rng.integers(150, 500, 3000))
    whole = rr_context_features(beats, 360.0)
    for index in (
        [0, 1, 2],
        [5, 400],
        np.arange(200, 260),
        [2999],
        np.arange(2800, 3000),
        [91, 92, 93],
    ):
        np.testing.assert_array_equal(rr_context_features(beats, 360.0, index=index), whole[index])
    assert rr_context_features(beats, 360.0, index=[]).shape == (0, 14)
    np.testing.assert_array_equal(
        rr_context_features(beats, 360.0, n_intervals=5, index=[40, 41]),
        rr_context_features(beats, 360.0, n_intervals=5)[[40, 41]],
    )


def _window_by_window(beats, fs, n):
    """The features computed from each beat's window of intervals separately (slow)."""
    rr = np.diff(beats) / fs
    rr_at = np.concatenate([rr[:1], rr]).astype(np.float32)

    def window(i, m):
        return np.pad(rr_at, m, mode="reflect")[i : i + 2 * m + 1]

    rows = []
    for i in range(rr_at.size):
        x = window(i, n) / np.median(window(i, n))
        wide = window(i, 3 * n) / np.median(window(i, 3 * n))
        rows.append([
            np.median(window(i, n)),
            np.median(np.abs(np.diff(x))),
            np.median(np.abs(x[2:] - x[:-2])),
            np.median(np.abs(np.diff(wide))),
        ])  # fmt: skip
    return np.array(rows)


@pytest.mark.parametrize("n_beats", [250, 40])
def test_medians_match_a_window_by_window_computation(n_beats):
    # The medians over every window at once (rank filters) are those of each window.
    beats = select_beats(np.random.default_rng(n_beats).uniform(0.4, 1.2, n_beats))
    f = rr_context_features(beats, FS, n_intervals=10)
    columns = ["median_rr", "successive_change", "lag2_change", "wide_successive_change"]
    expected = _window_by_window(beats, FS, 10)
    np.testing.assert_allclose(f[:, [COLUMN[c] for c in columns]], expected, rtol=1e-5)
