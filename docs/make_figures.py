"""Regenerate the figures of docs/.

``python docs/make_figures.py`` draws the signal figures and the landing page's annotated
strip (the pretrained model on a DS2 record) from the shipped excerpt;
``python docs/make_figures.py MODEL DATA_DIR`` also draws Grad-CAM of correctly
classified N, S and V DS2 beats with MODEL: a model saved by ``ecg-sklearn train``, or
the name of a shipped pretrained model (``mitdb-ds1``, trained on DS1).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ecg_sklearn import (  # noqa: E402
    BeatSegmenter,
    ECGFilter,
    annotate_record,
    detect_qrs,
    load_pretrained,
)
from ecg_sklearn.io import load_record, load_sample, sample_data_dir  # noqa: E402
from ecg_sklearn.plotting import (  # noqa: E402
    plot_annotated_strip,
    plot_beat_window,
    plot_beats,
    plot_filtering,
)
from ecg_sklearn.signal import filter_ecg  # noqa: E402

OUT = Path(__file__).resolve().parent / "figures"


def main():
    OUT.mkdir(exist_ok=True)
    rec = load_record("208", sample_data_dir(), leads="MLII")
    clean = filter_ecg(rec.signal[0], rec.fs)
    fig, _ = plot_filtering(rec.signal[0], clean, rec.fs, detected=detect_qrs(rec.signal, rec.fs),
                            reference=rec.beat_samples, start=20, duration=8)  # fmt: skip
    fig.savefig(OUT / "filtering.png", dpi=100, bbox_inches="tight")
    data = load_sample()
    X = ECGFilter(fs=data.fs).fit_transform(data.X)
    seg = BeatSegmenter(fs=data.fs).fit(X)
    fig, _ = plot_beats(seg.transform(X)[:, 8:], data.y, data.fs, before=seg.before)
    fig.savefig(OUT / "beats.png", dpi=100, bbox_inches="tight")
    i = int((data.y == "V").argmax())
    fig, _ = plot_beat_window(X[i], data.fs, before=seg.before, after=seg.after, label=data.y[i])
    fig.savefig(OUT / "beat_window.png", dpi=100, bbox_inches="tight")
    rec = load_record("233", sample_data_dir(), leads="MLII")
    result = annotate_record(load_pretrained(), rec.signal, rec.fs)
    fig, _ = plot_annotated_strip(rec.signal[0], rec.fs, rec.beat_samples, rec.beat_labels,
                                  result.beat_samples, result.beat_labels, start=56.0,
                                  duration=10.0)  # fmt: skip
    fig.savefig(OUT / "annotated_strip.png", dpi=100, bbox_inches="tight")


def gradcam(model_path, data_dir):
    from ecg_sklearn import GradCAMExplainer
    from ecg_sklearn.io import load_mitdb
    from ecg_sklearn.persistence import load_model
    from ecg_sklearn.plotting import plot_gradcam_examples
    from ecg_sklearn.shipped import list_pretrained, load_pretrained

    shipped = model_path in list_pretrained()
    pipe = load_pretrained(model_path) if shipped else load_model(model_path)
    test = load_mitdb("DS2", data_dir, verbose=0)
    fig, _ = plot_gradcam_examples(GradCAMExplainer(pipe), test.X, test.y, pipe.predict(test.X))
    fig.savefig(OUT / "gradcam_examples.png", dpi=100, bbox_inches="tight")


if __name__ == "__main__":
    main()
    if len(sys.argv) == 3:
        gradcam(*sys.argv[1:])
