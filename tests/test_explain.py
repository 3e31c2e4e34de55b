import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from ecg_sklearn import BeatSegmenter, CNNBeatClassifier, GradCAMExplainer  # noqa: E402
from ecg_sklearn.features import make_beat_windows  # noqa: E402

FS = 100.0
BUMP = 0.3  # seconds after the R peak


def _synthetic(n=400, seed=0):
    """Beats whose class is decided by a bump BUMP s after the R peak."""
    rng = np.random.default_rng(seed)
    beats = np.arange(n) * 100 + 150
    signal = 0.05 * rng.normal(size=beats[-1] + 150)
    y = rng.choice(["N", "V"], size=n)
    t = np.arange(-20, 21)
    for b, label in zip(beats, y, strict=True):
        signal[b - 2 : b + 3] += [0.3, 0.7, 1.0, 0.7, 0.3]  # an R peak for every beat
        if label == "V":
            signal[b + int(BUMP * FS) + t] += 0.6 * np.exp(-0.5 * (t / 4.0) ** 2)
    X = make_beat_windows(signal[None].astype(np.float32), beats, FS, context=1.0)
    return X, y


def _fit_synthetic():
    X, y = _synthetic()
    pipe = Pipeline(
        [
            ("segment", BeatSegmenter(fs=FS, before=0.3, after=0.6, rr_features=False)),
            (
                "cnn",
                CNNBeatClassifier(
                    n_rr_features=0, max_epochs=8, lr=3e-3, batch_size=32, valid_size=0,
                    random_state=0, verbose=0, module__n_filters=8, module__hidden=16,
                ),
            ),
        ]
    )  # fmt: skip
    return pipe.fit(X, y), X, y


@pytest.fixture(scope="module")
def synthetic_pipeline():
    return _fit_synthetic()


def test_heatmap_peaks_at_the_deciding_bump(synthetic_pipeline):
    pipe, X, y = synthetic_pipeline
    pred = pipe.predict(X)
    assert (pred == y).mean() > 0.95
    ok = (y == "V") & (pred == "V")
    heat = GradCAMExplainer(pipe).explain(X[ok])
    assert heat.shape == (ok.sum(), pipe[-1].beat_length_)
    assert np.all(heat >= 0)
    r_peak = int(round(0.3 * FS))  # index of the R peak within the cropped beat
    bump = r_peak + int(round(BUMP * FS))
    # Grad-CAM's resolution is the last convolution's receptive field (about 40 samples
    # here): ask that the heatmap peak nearer the bump than the R peak every class has.
    peaks = heat.argmax(axis=1)
    assert np.mean(np.abs(peaks - bump) < (bump - r_peak) / 2) > 0.8, np.bincount(peaks)


def test_heatmaps_change_when_weights_are_randomised(synthetic_pipeline):
    """Model-parameter randomisation test (Adebayo et al. 2018)."""
    pipe, X, y = synthetic_pipeline
    sel = y == "V"
    trained = GradCAMExplainer(pipe).explain(X[sel], target="V")
    random_pipe = clone(pipe).fit(X[:40], y[:40])  # same layout, then re-randomise
    torch.manual_seed(123)
    for m in random_pipe[-1].module_.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    randomised = GradCAMExplainer(random_pipe).explain(X[sel], target="V")
    rho = [spearmanr(a, b).statistic for a, b in zip(trained, randomised, strict=True)]
    assert np.nanmean(rho) < 0.5, np.nanmean(rho)


def test_targets_layers_and_errors(synthetic_pipeline):
    pipe, X, y = synthetic_pipeline
    explainer = GradCAMExplainer(pipe, layer="features.0")
    assert explainer.explain(X[:3], target=["N", "V", "V"]).shape == (3, 91)
    with pytest.raises(ValueError, match="Unknown target"):
        explainer.explain(X[:3], target="S")
    with pytest.raises(ValueError, match="No layer named"):
        GradCAMExplainer(pipe, layer="nope").explain(X[:2])
    with pytest.raises(TypeError, match="last step is a CNNBeatClassifier"):
        GradCAMExplainer(Pipeline([("segment", pipe[0])])).explain(X[:2])
    fig, ax = GradCAMExplainer(pipe).plot(X, 0, y_true=y[0])
    predicted = pipe.predict(X[:1])[0]
    assert ax.get_title() == f"true {y[0]}, predicted {predicted}"
    # A label decided after the pipeline is the one explained and shown as decided.
    other = next(c for c in pipe.classes_ if c != predicted)
    fig, ax = GradCAMExplainer(pipe).plot(X, 0, y_true=y[0], y_pred=other)
    assert ax.get_title() == f"true {y[0]}, decided {other}"
    line = ax.collections[0].get_array()
    heat = GradCAMExplainer(pipe).explain(X[:1], target=other)[0]
    scale = heat.max() if heat.max() > 0 else 1.0
    np.testing.assert_allclose(line, (heat[:-1] + heat[1:]) / (2 * scale), rtol=1e-5, atol=1e-6)
    # The examples of wrongly decided beats show the decided label, never the true one.
    from ecg_sklearn.plotting import plot_gradcam_examples

    decided = np.where(np.arange(len(y)) % 2, y, np.where(y == "N", "V", "N"))
    _, axes = plot_gradcam_examples(GradCAMExplainer(pipe), X, y, decided, classes=["N", "V"],
                                    correct=False)  # fmt: skip
    for ax, label in zip(axes, ["N", "V"], strict=True):
        wrong = next(i for i in range(len(y)) if y[i] == label and decided[i] != label)
        assert ax.get_title() == f"true {label}, decided {decided[wrong]}"
    matplotlib.pyplot.close("all")
