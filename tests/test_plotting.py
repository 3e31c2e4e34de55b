import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from ecg_sklearn import (  # noqa: E402
    BeatSegmenter,
    ECGFilter,
    detect_qrs,
    plotting,  # noqa: E402
)
from ecg_sklearn.io import load_record, sample_data_dir  # noqa: E402
from ecg_sklearn.signal import filter_ecg  # noqa: E402


def test_signal_figures(sample, tmp_path):
    rec = load_record("208", sample_data_dir(), leads="MLII")
    clean = filter_ecg(rec.signal[0], rec.fs)
    fig, ax = plotting.plot_filtering(
        rec.signal[0], clean, rec.fs, detected=detect_qrs(rec.signal, rec.fs),
        reference=rec.beat_samples, start=5, duration=8,
    )  # fmt: skip
    assert len(ax.lines) == 4 and ax.get_xlim()[0] >= 4.5
    fig.savefig(tmp_path / "filtering.png")

    X = ECGFilter(fs=sample.fs).fit_transform(sample.X[:300])
    seg = BeatSegmenter(fs=sample.fs).fit(X)
    beats = seg.transform(X)[:, 8:]
    fig, ax = plotting.plot_beats(beats, sample.y[:300], sample.fs)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("N") for t in labels)

    fig, ax = plotting.plot_beat_window(X[10], sample.fs, label=sample.y[10])
    assert "class" in ax.get_title()
    matplotlib.pyplot.close("all")


def test_confusion_and_gradcam_figures():
    from ecg_sklearn.metrics import classification_report_ec57

    report = classification_report_ec57(["N", "S", "V", "N"], ["N", "N", "V", "N"])
    fig, ax = plotting.plot_confusion_matrix(report)
    assert len(ax.texts) == 25
    beat = np.sin(np.linspace(0, 6, 100))
    fig, ax = plotting.plot_gradcam(
        beat, np.linspace(0, 1, 100), 360.0, true_label="N", pred_label="V"
    )
    assert "predicted V" in ax.get_title()
    matplotlib.pyplot.close("all")
