import pickle
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from ecg_sklearn import BeatSegmenter, CNNBeatClassifier, ECGFilter
from ecg_sklearn.features._windows import CONTEXT_FEATURES
from ecg_sklearn.nn import BeatCNN
from ecg_sklearn.segmentation import BeatFeatures, BeatLayout

#: How a plain array of 8 RR features and one lead splits (only segmenter output says so).
PLAIN_8_1 = dict(n_rr_features=8, n_leads=1)
SMALL = dict(max_epochs=4, lr=3e-3, module__n_filters=8, module__hidden=16, batch_size=128)


def _pipeline(fs, **clf_params):
    return Pipeline(
        [
            ("filter", ECGFilter(fs=fs)),
            ("segment", BeatSegmenter(fs=fs)),
            ("cnn", CNNBeatClassifier(**{"random_state": 0, "verbose": 0, **SMALL, **clf_params})),
        ]
    )


@pytest.fixture(scope="module")
def fitted(sample):
    pipe = _pipeline(sample.fs, valid_size=0)
    pipe.fit(sample.X, sample.y)
    return pipe


def test_pipeline_fits_and_predicts_on_excerpt(sample, fitted):
    clf = fitted[-1]
    assert list(clf.classes_) == ["F", "N", "S", "V"]
    proba = fitted.predict_proba(sample.X[:200])
    assert proba.shape == (200, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    pred = fitted.predict(sample.X)
    assert set(pred) <= set(clf.classes_)
    # It learns: far better than the majority class (0.25) on balanced accuracy.
    from sklearn.metrics import balanced_accuracy_score

    assert balanced_accuracy_score(sample.y, pred) > 0.6
    assert isinstance(clf.module_, BeatCNN)
    assert clf.beat_length_ == 235
    # Prediction batches of 1024 (the default) or 7 give the same probabilities.
    rows = fitted[:-1].transform(sample.X[:1500])
    expected = clf.predict_proba(rows)
    fitted.set_params(cnn__iterator_valid__batch_size=7)  # on a fitted net
    try:
        np.testing.assert_allclose(clf.predict_proba(rows), expected, atol=1e-6)
    finally:
        fitted.set_params(cnn__iterator_valid__batch_size=1024)
    # The inference path gives skorch's own predict_proba of the network's columns, exactly.
    from skorch import NeuralNetClassifier

    network_rows = np.asarray(rows)[:, clf.n_context_features_ :]
    assert clf.n_context_features_ == len(CONTEXT_FEATURES)
    np.testing.assert_array_equal(expected, NeuralNetClassifier.predict_proba(clf, network_rows))


def test_random_state_fixes_results(sample):
    keep = np.isin(sample.groups, ["100", "208", "232"])
    X, y, g = sample.X[keep], sample.y[keep], sample.groups[keep]
    a = _pipeline(sample.fs).fit(X, y, cnn__groups=g).predict_proba(X)
    b = _pipeline(sample.fs).fit(X, y, cnn__groups=g).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = _pipeline(sample.fs, random_state=1).fit(X, y, cnn__groups=g).predict_proba(X)
    assert not np.array_equal(a, c)


def test_clone_pickle_joblib(sample, fitted, tmp_path):
    expected = fitted.predict_proba(sample.X[:50])
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(sample.X[:50]), expected)
    joblib.dump(fitted, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(sample.X[:50]), expected)
    unfitted = clone(fitted)
    assert not hasattr(unfitted[-1], "module_")
    assert unfitted.get_params()["cnn__module__n_filters"] == 8


def test_validation_split_holds_out_whole_patients(sample):
    from ecg_sklearn.nn._training import validation_mask

    y = np.unique(sample.y, return_inverse=True)[1]
    mask = validation_mask(0.25, y, sample.groups, seed=0)
    held = set(sample.groups[mask])
    assert held and not held & set(sample.groups[~mask])
    assert set(y[~mask]) == set(y)  # every class stays in training
    # Patients 0 and 1 hold the only rows of class 1: no split may hold both out.
    y_small, g_small = np.array([0, 1, 1, 0, 0, 0]), np.array([0, 1, 1, 2, 3, 4])
    for seed in range(10):
        mask = validation_mask(0.5, y_small, g_small, seed)
        assert 1 in y_small[~mask]
    with pytest.warns(UserWarning, match="keeps every class in training"):
        only = validation_mask(0.5, np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1]), 0)
    assert only is None


def test_validation_split_without_groups_keeps_every_class():
    from ecg_sklearn.nn._training import validation_mask

    # Rows in record order: the last fifth of each class's rows, in input order.
    y = np.array([0] * 50 + [1] * 10 + [0] * 30 + [2] * 1 + [1] * 10)
    mask = validation_mask(0.2, y, None, seed=0)
    for c, n in ((0, 16), (1, 4), (2, 0)):
        rows = np.flatnonzero(y == c)
        assert mask[rows].sum() == n and mask[rows[len(rows) - n :]].all()
    # Rows sorted by class, as a resampler returns them: same shares, and a warning.
    with pytest.warns(UserWarning, match="one block per class"):
        mask = validation_mask(0.2, np.repeat([0, 1, 2, 3], [40, 40, 40, 8]), None, 0)
    assert list(np.bincount(np.repeat([0, 1, 2, 3], [40, 40, 40, 8])[~mask])) == [32, 32, 32, 6]


def test_fit_leaves_the_callers_torch_random_state_alone():
    import torch

    X = np.random.default_rng(0).normal(size=(40, 8 + 20)).astype(np.float32) ** 2 + 0.1
    y = np.array(["N", "V"] * 20)
    for random_state in (0, None):
        torch.manual_seed(5)
        state = torch.random.get_rng_state()
        clf = CNNBeatClassifier(max_epochs=1, valid_size=0, verbose=0, random_state=random_state)
        clf.set_params(**PLAIN_8_1).fit(X, y)
        assert torch.equal(torch.random.get_rng_state(), state)


def test_partial_fit_is_not_offered():
    clf = CNNBeatClassifier()
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError):
        clf.partial_fit(np.zeros((2, 9)), [0, 1])


def test_fit_without_groups_and_silence(sample, capsys):
    keep = np.isin(sample.groups, ["100", "208"])
    pipe = _pipeline(sample.fs, max_epochs=1)
    pipe.fit(sample.X[keep], sample.y[keep])
    assert capsys.readouterr().out == ""
    pipe.set_params(cnn__verbose=1).fit(sample.X[keep], sample.y[keep])
    out = capsys.readouterr().out
    assert "epoch" in out and "valid_loss" in out


def test_errors(sample):
    X = np.zeros((10, 8 + 100), dtype=np.float32)
    y = np.array(["N", "V"] * 5)
    with pytest.raises(ValueError, match="do not split into n_leads=3"):
        CNNBeatClassifier(n_rr_features=8, n_leads=3, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="X is a plain array"):
        CNNBeatClassifier(verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="n_leads must be 'auto' or an int >= 1; got 0"):
        CNNBeatClassifier(n_rr_features=8, n_leads=0, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        CNNBeatClassifier(class_weight="inverse", verbose=0, **PLAIN_8_1).fit(X, y)
    with pytest.raises(ValueError, match="valid_size"):
        CNNBeatClassifier(valid_size=1.5, verbose=0, **PLAIN_8_1).fit(X, y)


def _grid(sample, n_jobs):
    keep = np.isin(sample.groups, ["100", "201", "208", "232"])
    pipe = _pipeline(sample.fs, max_epochs=2, n_threads=1, valid_size=0.3)
    pipe[-1].set_fit_request(groups=True)
    grid = GridSearchCV(
        pipe,
        {
            "filter__method": ["bandpass", "median"],
            "segment__before": [0.2, 0.25],
            "cnn__lr": [1e-3],
        },
        cv=GroupKFold(n_splits=2),
        scoring="balanced_accuracy",
        n_jobs=n_jobs,
    )
    grid.fit(sample.X[keep], sample.y[keep], groups=sample.groups[keep])
    return grid


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_all_steps_with_routing(sample, n_jobs):
    with sklearn.config_context(enable_metadata_routing=True):
        grid = _grid(sample, n_jobs)
    assert len(grid.cv_results_["params"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.predict(sample.X[:5]).shape == (5,)


class _TrainingRows(Callback):
    """Records the labels of the rows the network trains on and validates on."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.train, self.valid = None, None

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if self.train is None:
            self.train = np.bincount(dataset_train.y, minlength=len(net.classes_))
            self.valid = np.bincount(dataset_valid.y, minlength=len(net.classes_))


def test_imbalanced_learn_sampler_in_imblearn_pipeline(sample):
    from imblearn.pipeline import Pipeline as ImbPipeline
    from imblearn.under_sampling import RandomUnderSampler

    spy = _TrainingRows()
    clf = CNNBeatClassifier(
        random_state=0, verbose=0, class_weight=None, callbacks=[("spy", spy)], **SMALL
    )
    # The sampler returns a plain array: the classifier cannot read the layout from it.
    # (Plain arrays carry no rhythm-context columns either: windows without them here.)
    X = sample.X[:, :-1]
    seg = BeatSegmenter(fs=sample.fs, rr_context=False)
    plain = ImbPipeline([("segment", seg), ("sampler", RandomUnderSampler())])
    with pytest.raises(ValueError, match="X is a plain array"):
        plain.steps.append(("cnn", clone(clf)))
        plain.fit(X, sample.y)
    clf.set_params(**PLAIN_8_1)
    pipe = ImbPipeline(
        [
            ("filter", ECGFilter(fs=sample.fs, rr_context=False)),
            ("segment", clone(seg)),
            ("sampler", RandomUnderSampler(random_state=0)),
            ("cnn", clf),
        ]
    )
    with pytest.warns(UserWarning, match="one block per class"):
        pipe.fit(X, sample.y)
    # The sampler balanced the rows; the network trains on 80% of each class and
    # validates on the other 20%: no class is missing from either side.
    n_f = int((sample.y == "F").sum())  # F is the rarest class of the excerpt
    n_valid = round(0.2 * n_f)
    assert list(spy.train) == [n_f - n_valid] * 4
    assert list(spy.valid) == [n_valid] * 4
    assert len(pipe.predict(X[:10])) == 10


def test_batch_loader_gives_dataloaders_batches():
    import torch
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    from ecg_sklearn.nn._training import BatchLoader

    X = np.arange(52, dtype=np.float32).reshape(26, 2)
    y = np.arange(26)
    dataset = Dataset(X, y)
    for shuffle in (False, True):
        torch.manual_seed(3)
        ours = [(xb.clone(), yb.clone()) for xb, yb in BatchLoader(dataset, 4, shuffle=shuffle)]
        torch.manual_seed(3)
        theirs = list(DataLoader(dataset, 4, shuffle=shuffle))
        assert len(ours) == len(theirs) == 7
        for (xa, ya), (xb, yb) in zip(ours, theirs, strict=True):
            torch.testing.assert_close(xa, xb)
            torch.testing.assert_close(ya, yb)
    assert len(list(BatchLoader(dataset, 4, drop_last=True))) == 6


def test_batch_loader_joins_a_lone_last_row_to_the_batch_before():
    # Batch normalisation cannot train on a batch of one row.
    import torch
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    from ecg_sklearn.nn._training import BatchLoader

    dataset = Dataset(np.arange(50, dtype=np.float32).reshape(25, 2), np.arange(25))
    for shuffle in (False, True):
        torch.manual_seed(3)
        loader = BatchLoader(dataset, 4, shuffle=shuffle)
        ours = [yb.clone() for _, yb in loader]
        torch.manual_seed(3)
        theirs = [yb for _, yb in DataLoader(dataset, 4, shuffle=shuffle)]
        assert [len(b) for b in ours] == [4] * 5 + [5] == [len(yb) for _, yb in loader]
        assert len(loader) == 6
        torch.testing.assert_close(torch.cat(ours), torch.cat(theirs))
    assert [len(b) for _, b in BatchLoader(dataset, 1)] == [1] * 25
    assert len(BatchLoader(dataset, 4, drop_last=True)) == 6


def test_fit_with_a_lone_row_in_the_last_batch(sample):
    n = 2 * 32 + 1  # torch's batch norm raises on a training batch of one row
    pipe = _pipeline(sample.fs, valid_size=0, max_epochs=1, batch_size=32)
    pipe.fit(sample.X[:n], sample.y[:n])
    assert pipe.predict(sample.X[:3]).shape == (3,)


def test_training_batches_are_shuffled():
    from skorch.dataset import Dataset

    clf = CNNBeatClassifier()
    assert clf.get_params()["iterator_train__shuffle"] is True
    dataset = Dataset(np.zeros((3000, 3), np.float32), np.arange(3000))
    (_, first), *_ = clf.get_iterator(dataset, training=True)
    assert not np.array_equal(first.numpy(), np.arange(256))  # a random draw, not rows 0..255
    (_, first), *_ = clf.get_iterator(dataset, training=False)
    np.testing.assert_array_equal(first.numpy(), np.arange(1024))  # in order, 1024 at a time
    assert (
        clone(CNNBeatClassifier(iterator_train__shuffle=False)).get_params()[
            "iterator_train__shuffle"
        ]
        is False
    )


def test_beat_cnn_downsample_averages_sample_pairs():
    import torch

    torch.manual_seed(0)
    half = BeatCNN(3, 117, n_rr_features=2).eval()
    pooled = BeatCNN(3, 234, n_rr_features=2, downsample=2).eval()
    pooled.load_state_dict(half.state_dict())  # the pooling has no weights
    x = torch.rand(5, 2 + 234) + 0.5
    pairs = x[:, 2:].reshape(5, 117, 2).mean(-1)
    with torch.no_grad():
        torch.testing.assert_close(pooled(x), half(torch.cat([x[:, :2], pairs], 1)))
    odd = BeatCNN(3, 235, downsample=2).eval()  # an odd length keeps its last sample
    assert odd(torch.rand(4, 8 + 235) + 0.5).shape == (4, 3)


@pytest.mark.parametrize("downsample, beat_length", [(2, 235), (2, 234), (3, 100), (1, 47)])
def test_beat_cnn_predicts_the_same_without_gradients(downsample, beat_length):
    import torch

    torch.manual_seed(0)
    net = BeatCNN(5, beat_length, n_leads=2, n_filters=8, downsample=downsample).eval()
    with torch.no_grad():  # running statistics other than the initial ones
        for norm in [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm1d)]:
            norm.running_mean.uniform_(-0.5, 0.5)
            norm.running_var.uniform_(0.5, 2.0)
    x = torch.rand(64, 8 + 2 * beat_length) + 0.5
    with_gradients = net(x)  # the modules as trained
    with torch.inference_mode():
        inference = net(x)  # the inference path's slices
    if downsample <= 2:
        assert torch.equal(inference, with_gradients)
    torch.testing.assert_close(inference, with_gradients.detach(), rtol=1e-5, atol=1e-6)


def test_beat_augmentation_shifts_and_scales_only_in_training():
    import torch

    from ecg_sklearn.nn import BeatAugmentation

    wave = torch.randn(64, 2, 50)
    aug = BeatAugmentation(max_shift=3, max_scale=1.5)
    assert aug.eval()(wave) is wave
    torch.manual_seed(0)
    out = aug.train()(wave)
    shifts = set()
    for row, orig in zip(out, wave, strict=True):
        factor = row[0, 25] / orig[0, 25 - _shift_of(row, orig)]
        assert 1 / 1.5 - 1e-5 <= factor <= 1.5 + 1e-5
        shifts.add(_shift_of(row, orig))
    assert shifts == set(range(-3, 4))  # 64 draws reach every shift
    torch.manual_seed(0)
    torch.testing.assert_close(aug(wave), out)  # the seed fixes the draws
    with pytest.raises(ValueError, match="max_scale"):
        BeatAugmentation(max_scale=0.5)


def test_beat_augmentation_inverts_beats_with_the_given_probability():
    import torch

    from ecg_sklearn.nn import BeatAugmentation

    wave = torch.randn(4000, 2, 20)
    torch.manual_seed(0)
    out = BeatAugmentation(flip=0.3).train()(wave)
    inverted = torch.all(out == -wave, dim=(1, 2))
    assert torch.all(inverted | torch.all(out == wave, dim=(1, 2)))  # whole beats, all leads
    assert abs(inverted.float().mean().item() - 0.3) < 0.03
    assert BeatAugmentation(flip=1.0).eval()(wave) is wave
    with pytest.raises(ValueError, match="flip in"):
        BeatAugmentation(flip=1.5)


def test_beat_augmentation_adds_noise_relative_to_each_beat():
    import torch

    from ecg_sklearn.nn import BeatAugmentation

    wave = torch.randn(2000, 2, 200) * torch.tensor([1.0, 10.0]).view(1, 2, 1)
    torch.manual_seed(0)
    added = BeatAugmentation(noise=0.2).train()(wave) - wave
    ratio = added.std(dim=-1) / wave.std(dim=-1)  # uniform in [0, 0.2], one level a beat
    assert ratio.max() < 0.25  # 0.2 and the sampling error of 200 points
    assert abs(ratio.mean().item() - 0.1) < 0.01
    assert (ratio[:, 0] - ratio[:, 1]).abs().mean() < 0.01
    assert BeatAugmentation(noise=0.2).eval()(wave) is wave
    with pytest.raises(ValueError, match="noise >= 0"):
        BeatAugmentation(noise=-0.1)


def test_normalized_network_reads_beats_relative_to_their_reference():
    import torch

    from ecg_sklearn.nn import BeatCNN

    torch.manual_seed(0)
    net = BeatCNN(5, 60, n_leads=2, n_rr_features=8, normalize=True).eval().double()
    x = torch.randn(16, 8 + 120, dtype=torch.float64)
    with torch.no_grad():
        logits = net(x)
        for factor in (-3.0, 0.5, -1.0):  # gain and polarity of the recording
            changed = torch.cat([x[:, :8], factor * x[:, 8:]], dim=1)
            torch.testing.assert_close(net(changed), logits)
        plain = BeatCNN(5, 60, n_leads=2, n_rr_features=8).eval().double()
        plain.load_state_dict(net.state_dict())
        assert not torch.allclose(plain(-x), plain(x))  # without it, polarity matters
    with pytest.raises(ValueError, match="even n_leads"):
        BeatCNN(5, 60, n_leads=3, normalize=True)
    with pytest.raises(ValueError, match="normalize must be"):
        BeatCNN(5, 60, n_leads=2, normalize="polarity")


def test_gain_normalized_network_keeps_polarity():
    import torch

    from ecg_sklearn.nn import BeatCNN

    torch.manual_seed(0)
    net = BeatCNN(5, 60, n_leads=2, n_rr_features=8, normalize="gain").eval().double()
    x = torch.randn(16, 8 + 120, dtype=torch.float64)
    with torch.no_grad():
        logits = net(x)
        for factor in (3.0, 0.5):
            changed = torch.cat([x[:, :8], factor * x[:, 8:]], dim=1)
            torch.testing.assert_close(net(changed), logits)
        inverted = torch.cat([x[:, :8], -x[:, 8:]], dim=1)
        assert not torch.allclose(net(inverted), logits)


def _shift_of(row, orig):
    """The shift s in [-3, 3] with row[:, t] proportional to orig[:, t - s] inside."""
    for s in range(-3, 4):
        a, b = row[:, 5:-5], orig[:, 5 - s : orig.shape[-1] - 5 - s]
        ratio = a / b
        if _is_constant(ratio):
            return s
    raise AssertionError("no shift in [-3, 3] explains the row")


def _is_constant(x):
    import torch

    return bool(torch.allclose(x, torch.full_like(x, float(x[0, 0])), rtol=1e-4))


def test_max_class_weight_caps_balanced_weights():
    X = np.random.default_rng(0).normal(size=(110, 8 + 20)).astype(np.float32) ** 2 + 0.1
    y = np.array(["N"] * 100 + ["S"] * 9 + ["Q"])
    params = dict(max_epochs=1, valid_size=0, verbose=0, module__n_filters=4, **PLAIN_8_1)
    balanced = CNNBeatClassifier(**params).fit(X, y).class_weight_
    np.testing.assert_allclose(balanced, 110 / (3 * np.array([100, 1, 9])))  # N Q S
    capped = CNNBeatClassifier(max_class_weight=2.0, **params).fit(X, y).class_weight_
    np.testing.assert_allclose(capped, np.minimum(balanced, 2.0))
    for class_weight in ("balanced", None):  # checked even when there is nothing to cap
        with pytest.raises(ValueError, match="max_class_weight"):
            CNNBeatClassifier(max_class_weight=-1, class_weight=class_weight, **params).fit(X, y)


def test_label_smoothing_with_uneven_class_weights_warns():
    X = np.random.default_rng(0).normal(size=(110, 8 + 20)).astype(np.float32) ** 2 + 0.1
    y = np.array(["N"] * 100 + ["S"] * 9 + ["Q"])  # balanced weights 0.37 (N) to 36.7 (Q)
    params = dict(max_epochs=1, valid_size=0, verbose=0, module__n_filters=4, **PLAIN_8_1)
    smoothing = {"criterion__label_smoothing": 0.1}
    with pytest.warns(UserWarning, match="label_smoothing=0.1 with class weights"):
        CNNBeatClassifier(**params, **smoothing).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        CNNBeatClassifier(class_weight=None, **params, **smoothing).fit(X, y)
        CNNBeatClassifier(max_class_weight=1.0, **params, **smoothing).fit(X, y)
        CNNBeatClassifier(**params).fit(X, y)


def test_default_pipeline_scales_its_sample_counts_with_fs():
    from ecg_sklearn import default_pipeline

    at_360 = default_pipeline(360.0).get_params()
    assert at_360["filter__implementation"] == "fft"
    assert at_360["segment__neighbours"] and at_360["cnn__n_leads"] == "auto"
    assert at_360["cnn__valid_size"] == 0  # no early stopping
    assert (at_360["cnn__module__downsample"], at_360["cnn__module__max_shift"]) == (2, 5)
    assert at_360["cnn__module__n_filters"] == 8 and at_360["cnn__class_weight"] == "balanced"
    at_128 = default_pipeline(128.0, module__max_scale=1.0).get_params()
    assert (at_128["cnn__module__downsample"], at_128["cnn__module__max_shift"]) == (1, 2)
    assert at_128["cnn__module__max_scale"] == 1.0  # overrides win


def test_default_pipeline_on_two_lead_windows():
    from ecg_sklearn import default_pipeline
    from ecg_sklearn.io import load_sample

    data = load_sample(records=["100", "208"], leads=["MLII", ("V1", "V2", "V4", "V5")])
    pipe = default_pipeline(data.fs, max_epochs=1, valid_size=0, verbose=0)
    pipe.fit(data.X, data.y)
    assert pipe["segment"].n_leads_ == pipe["cnn"].n_leads_ == 4
    assert pipe["segment"].n_rr_features_ == pipe["cnn"].n_rr_features_ == 8
    assert pipe["cnn"].beat_length_ == 235
    assert pipe.predict(data.X[:3]).shape == (3,)


@pytest.mark.parametrize("leads", [["MLII"], ["MLII", ("V1", "V2", "V4", "V5")]])
@pytest.mark.parametrize("segmenter", [{}, {"neighbours": True}, {"rr_features": False}])
def test_classifier_reads_the_segmenters_layout(leads, segmenter):
    from ecg_sklearn.io import load_sample

    data = load_sample(records=["100"], leads=leads)
    X, y = data.X[:64], data.y[:64]
    seg = BeatSegmenter(fs=data.fs, **segmenter)
    pipe = Pipeline(
        [
            ("filter", ECGFilter(fs=data.fs)),
            ("segment", seg),
            ("cnn", CNNBeatClassifier(max_epochs=1, valid_size=0, verbose=0)),
        ]
    ).fit(X, y)
    cnn = pipe["cnn"]
    assert (cnn.n_rr_features_, cnn.n_leads_, cnn.beat_length_) == (
        seg.n_rr_features_,
        seg.n_leads_,
        seg.beat_length_,
    )
    assert cnn.module_.n_leads == seg.n_leads_ and cnn.get_params()["n_leads"] == "auto"
    # Parameters that disagree with the segmenter's output fail with the reason.
    wrong = {"cnn__n_leads": seg.n_leads_ + 1}
    with pytest.raises(ValueError, match="but the segmenter's output has"):
        clone(pipe).set_params(**wrong).fit(X, y)
    # Rows of another layout are refused at prediction.
    other = pipe[:-1].set_params(segment__before=0.2).fit_transform(X)
    with pytest.raises(ValueError, match="the classifier was fitted on"):
        cnn.predict(other)


def test_beat_features_keep_their_layout_only_while_it_holds():
    from ecg_sklearn.io import load_sample

    data = load_sample(records=["100"])
    seg = BeatSegmenter(fs=data.fs).fit(data.X[:10])
    out = seg.transform(data.X[:10])
    layout = BeatLayout(8, 1, seg.beat_length_, len(CONTEXT_FEATURES))
    assert isinstance(out, BeatFeatures) and out.layout == layout
    assert out[2:5].layout == layout and out[[0, 3]].layout == layout
    assert out[:, :8].layout is None and out[0].layout is None
    assert type(np.asarray(out)) is np.ndarray
    again = pickle.loads(pickle.dumps(out))
    assert again.layout == layout and np.array_equal(again, out)
    with pytest.raises(ValueError, match="does not hold rows of"):
        BeatFeatures(out[:, 1:], layout)


def test_rhythm_context_decides_as_apply_rhythm_context(sample):
    from ecg_sklearn import default_pipeline
    from ecg_sklearn.record import (
        apply_rhythm_context,
        load_rhythm_models,
        rule_out_unlike_dominant,
    )

    pipe = default_pipeline(sample.fs, random_state=0, verbose=0, max_epochs=2)
    pipe.fit(sample.X, sample.y)
    cnn = pipe["cnn"]
    assert cnn.rhythm_context is None and cnn.prior_power == 0.0
    assert cnn.dominant_threshold == 0.95
    full = pipe.predict_proba(sample.X)
    pipe.set_params(cnn__dominant_threshold=None)
    network = pipe.predict_proba(sample.X)
    # The decision parameters are read at prediction: no refit needed to change them.
    pipe.set_params(cnn__rhythm_context="ltafdb-rhythm", cnn__sveb_evidence="combine")
    for power in (0.0, 0.5):
        proba = pipe.set_params(cnn__prior_power=power).predict_proba(sample.X)
        expected = apply_rhythm_context(
            network.astype(np.float64), cnn.classes_, sample.samples, sample.fs,
            load_rhythm_models(), groups=sample.groups, sveb="combine",
            priors=cnn.class_prior_, prior_power=power,
        ).proba  # fmt: skip
        np.testing.assert_allclose(proba, expected, atol=1e-5)
        assert not np.allclose(proba, network, atol=1e-3)
    pipe.set_params(cnn__rhythm_context=None, cnn__sveb_evidence=None, cnn__prior_power=0.0)
    decided = network
    np.testing.assert_allclose(cnn.class_prior_.sum(), 1.0)
    # The dominant-beat rule, on top: V and F ruled out for beats like the record's usual one.
    similarity = sample.X[:, -1, CONTEXT_FEATURES.index("dominant_similarity")]
    expected = rule_out_unlike_dominant(decided.astype(np.float64), cnn.classes_, similarity, 0.95)
    np.testing.assert_allclose(full, expected, atol=1e-5)
    ectopic = np.isin(cnn.classes_, ["V", "F"])
    alike = similarity > 0.95
    assert np.all(full[alike][:, ectopic] == 0)
    assert np.any(ectopic[decided[alike].argmax(axis=1)])  # beats that the rule turned
    assert np.array_equal(full[~alike], decided[~alike])


def test_rhythm_context_errors(sample):
    keep = np.isin(sample.groups, ["100", "208"])
    X, y = sample.X[keep], sample.y[keep]
    clf = CNNBeatClassifier(
        max_epochs=1, valid_size=0, verbose=0, rhythm_context="ltafdb-rhythm",
        sveb_evidence="replace",
    )  # fmt: skip
    plain = Pipeline([("segment", BeatSegmenter(fs=sample.fs, rr_context=False)), ("cnn", clf)])
    with pytest.raises(ValueError, match="needs the rhythm-context columns"):
        plain.fit(X[:, :-1], y)
    pipe = Pipeline([("segment", BeatSegmenter(fs=sample.fs)), ("cnn", clone(clf))])
    plain.set_params(cnn__rhythm_context=None, cnn__sveb_evidence=None, cnn__dominant_threshold=0.9)
    with pytest.raises(ValueError, match="dominant_threshold needs the record-context"):
        plain.fit(X[:, :-1], y)
    with pytest.raises(ValueError, match="needs classes 'N' and 'S'"):
        pipe.fit(X, np.where(y == "S", "N", y))
    with pytest.raises(ValueError, match="sveb_evidence must be"):
        pipe.set_params(cnn__sveb_evidence="vote").fit(X, y)
    with pytest.raises(ValueError, match="rhythm_context and sveb_evidence go together"):
        pipe.set_params(cnn__sveb_evidence=None).fit(X, y)
    with pytest.raises(ValueError, match=r"dominant_threshold must be a number in \[-1, 1\]"):
        pipe.set_params(cnn__sveb_evidence="replace", cnn__dominant_threshold=2).fit(X, y)
    pipe.set_params(cnn__dominant_threshold=None)
    # A record too short for a rhythm (context zeros) keeps the network's decision.
    pipe.set_params(cnn__sveb_evidence="replace").fit(X, y)
    short = X[:2].copy()
    short[:, -1] = 0.0
    p = pipe.predict_proba(short)
    pipe.set_params(cnn__rhythm_context=None, cnn__sveb_evidence=None)
    np.testing.assert_allclose(p, pipe.predict_proba(short), rtol=1e-6)  # float32 rounding
