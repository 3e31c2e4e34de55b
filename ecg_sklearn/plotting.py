"""Figures (matplotlib). Every function returns the figure and axes; none calls ``show()``."""

from __future__ import annotations

import numpy as np

from .io._annotations import AAMI_CLASSES

__all__ = [
    "plot_annotated_strip",
    "plot_filtering",
    "plot_beats",
    "plot_beat_window",
    "plot_confusion_matrix",
    "plot_gradcam",
    "plot_gradcam_examples",
    "plot_review_suggestion",
]

CLASS_COLORS = dict(
    zip(AAMI_CLASSES, ["tab:blue", "tab:orange", "tab:red", "tab:purple", "tab:gray"], strict=True)
)


def _axes(ax, nrows=1, ncols=1, **kwargs):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    return plt.subplots(nrows, ncols, **kwargs)


def plot_filtering(
    raw, filtered, fs, *, detected=None, reference=None, start=0.0, duration=10.0, ax=None
):
    """Raw and filtered ECG of one lead, with detected and reference beats.

    Parameters
    ----------
    raw, filtered : array-like, shape (n_samples,)
        One lead of the record before and after filtering.
    fs : float
        Sampling rate in Hz.
    detected, reference : array-like of int, optional
        Beat positions (samples) to mark.
    start, duration : float
        Segment shown, in seconds.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax, figsize=(10, 3.5))
    lo, hi = int(start * fs), int((start + duration) * fs)
    raw, filtered = np.asarray(raw)[lo:hi], np.asarray(filtered)[lo:hi]
    t = np.arange(lo, lo + raw.size) / fs
    ax.plot(t, raw, color="0.6", lw=0.8, label="raw")
    ax.plot(t, filtered, color="k", lw=0.9, label="filtered")
    for beats, marker, color, label in (
        (reference, "v", "tab:green", "reference beats"),
        (detected, "x", "tab:red", "detected beats"),
    ):
        if beats is not None:
            b = np.asarray(beats)
            b = b[(b >= lo) & (b < lo + raw.size)]
            ax.plot(b / fs, filtered[b - lo], marker, color=color, ls="none", label=label)
    ax.set(xlabel="time (s)", ylabel="mV", title="ECG before and after filtering")
    ax.legend(loc="upper right", fontsize="small")
    return fig, ax


def plot_annotated_strip(
    signal,
    fs,
    ref_samples,
    ref_labels,
    test_samples,
    test_labels,
    *,
    start=0.0,
    duration=10.0,
    tolerance=0.15,
    ax=None,
):
    """A strip of ECG with each beat's reference label above and predicted label below.

    Predicted labels that differ from the reference are red, as are reference beats
    that were not detected (marked ``-`` below) and detections that match no reference
    beat (marked ``+`` above). Beats are matched within ``tolerance`` seconds, as in
    :func:`~ecg_sklearn.metrics.compare_annotations`.

    Parameters
    ----------
    signal : array-like, shape (n_samples,)
        One lead of the record.
    fs : float
        Sampling rate in Hz.
    ref_samples, test_samples : array-like of int
        Beat positions (samples) of the reference and of the annotator.
    ref_labels, test_labels : array-like of str
        Their labels.
    start, duration : float
        Segment shown, in seconds.
    tolerance : float, default=0.15
    ax : matplotlib Axes, optional

    Returns
    -------
    fig, ax
    """
    from .metrics import match_beats

    fig, ax = _axes(ax, figsize=(12, 3))
    signal = np.asarray(signal, dtype=float)
    lo, hi = int(start * fs), min(int((start + duration) * fs), signal.size)
    ax.plot(np.arange(lo, hi) / fs, signal[lo:hi], color="k", lw=0.8)
    ref, test = np.asarray(ref_samples, dtype=np.int64), np.asarray(test_samples, dtype=np.int64)
    ref_labels, test_labels = np.asarray(ref_labels), np.asarray(test_labels)
    ri, ti = match_beats(ref, test, fs, tolerance)
    predicted = np.full(ref.size, "-", dtype=object)
    predicted[ri] = test_labels[ti]
    extra = np.setdiff1d(np.arange(test.size), ti)
    top, bottom = ax.get_ylim()[1], ax.get_ylim()[0]
    shown = (ref >= lo) & (ref < hi)
    for sample, true, pred in zip(ref[shown], ref_labels[shown], predicted[shown], strict=True):
        color = "tab:green" if pred == true else "tab:red"
        ax.text(sample / fs, top, true, ha="center", va="bottom", fontsize=8)
        ax.text(sample / fs, bottom, pred, ha="center", va="top", fontsize=8, color=color)
    for sample in test[extra][(test[extra] >= lo) & (test[extra] < hi)]:
        ax.text(sample / fs, top, "+", ha="center", va="bottom", fontsize=8, color="tab:red")
    n_errors = int(np.sum(shown & (predicted != ref_labels)))
    ax.set(xlabel="time (s)", ylabel="signal", xlim=(lo / fs, hi / fs))
    ax.set_title(f"reference labels above, predicted below ({n_errors} errors in red)", pad=16)
    return fig, ax


def plot_beats(beats, y, fs, *, before=0.25, max_per_class=50, ax=None):
    """Overlay segmented beats, coloured by class.

    Parameters
    ----------
    beats : ndarray, shape (n_beats, beat_length)
        Cropped beats of one lead (e.g. a slice of :class:`~ecg_sklearn.BeatSegmenter`'s
        output).
    y : array-like of str, shape (n_beats,)
        Labels.
    fs : float
        Sampling rate in Hz.
    before : float, default=0.25
        Seconds before the R peak in each beat (for the time axis).
    max_per_class : int, default=50
        At most this many beats drawn per class.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax, figsize=(6, 4))
    beats, y = np.asarray(beats), np.asarray(y)
    t = np.arange(beats.shape[1]) / fs - before
    for label in [c for c in AAMI_CLASSES if c in set(y)] + sorted(set(y) - set(AAMI_CLASSES)):
        sel = beats[y == label][:max_per_class]
        color = CLASS_COLORS.get(label, "k")
        ax.plot(t, sel.T, color=color, lw=0.5, alpha=0.4)
        ax.plot([], [], color=color, label=f"{label} ({int((y == label).sum())})")
    ax.axvline(0, color="k", ls=":", lw=0.8)
    ax.set(xlabel="time from R peak (s)", ylabel="mV", title="Segmented beats")
    ax.legend(fontsize="small")
    return fig, ax


def plot_beat_window(window, fs, *, before=0.25, after=0.4, label=None, ax=None):
    """One beat window: the ECG, its R peak, neighbouring beats and the crop.

    Parameters
    ----------
    window : ndarray, shape (n_channels, n_timepoints)
        One window of the loaders' ``X`` (first channel ECG, last the beat channel).
    fs : float
        Sampling rate in Hz.
    before, after : float
        The segmenter's crop, in seconds, shaded.
    label : str, optional
        Shown in the title.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig, ax
    """
    fig, ax = _axes(ax, figsize=(8, 3))
    window = np.asarray(window)
    n = window.shape[-1]
    t = (np.arange(n) - n // 2) / fs
    ax.plot(t, window[0], color="k", lw=0.9)
    marks = np.flatnonzero(window[-1])
    ax.plot(t[marks], window[0, marks], "o", color="tab:green", label="beats in window")
    ax.axvline(0, color="tab:red", lw=1, label="R peak")
    ax.axvspan(-before, after, color="tab:orange", alpha=0.2, label="segmented beat")
    title = "Beat window" + (f" (class {label})" if label is not None else "")
    ax.set(xlabel="time from R peak (s)", ylabel="mV", title=title)
    ax.legend(loc="upper right", fontsize="small")
    return fig, ax


def plot_confusion_matrix(report, *, ax=None):
    """Confusion matrix of a report from :func:`~ecg_sklearn.metrics.classification_report_ec57`."""
    fig, ax = _axes(ax, figsize=(4.5, 4))
    cm = np.asarray(report["confusion_matrix"])
    labels = report["labels"]
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            color = "w" if norm[i, j] > 0.5 else "k"
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color=color, fontsize=8)
    ax.set(
        xticks=range(len(labels)),
        yticks=range(len(labels)),
        xticklabels=labels,
        yticklabels=labels,
        xlabel="predicted",
        ylabel="true",
        title="Confusion matrix",
    )
    return fig, ax


def plot_gradcam(
    beat, heatmap, fs, *, before=0.25, true_label=None, pred_label=None, pred_by="predicted",
    explained_label=None, ax=None,
):  # fmt: skip
    """A beat coloured by its Grad-CAM importance.

    Parameters
    ----------
    beat : ndarray, shape (beat_length,)
        The segmented beat (one lead).
    heatmap : ndarray, shape (beat_length,)
        Importance per sample, as returned by :class:`~ecg_sklearn.GradCAMExplainer`.
    fs : float
        Sampling rate in Hz.
    before : float, default=0.25
        Seconds before the R peak in the beat.
    true_label, pred_label : str, optional
        Shown in the title.
    pred_by : str, default="predicted"
        How ``pred_label`` was given (``"decided"``: by steps after the pipeline).
    explained_label : str, optional
        The class the heatmap explains, when it is not ``pred_label``.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig, ax
    """
    from matplotlib.collections import LineCollection

    fig, ax = _axes(ax, figsize=(4, 3))
    beat, heatmap = np.asarray(beat, dtype=float), np.asarray(heatmap, dtype=float)
    t = np.arange(beat.size) / fs - before
    points = np.column_stack([t, beat]).reshape(-1, 1, 2)
    segments = np.concatenate([points[:-1], points[1:]], axis=1)
    scale = heatmap.max() if heatmap.max() > 0 else 1.0
    lc = LineCollection(segments, cmap="jet", norm=None, linewidths=2)
    lc.set_array((heatmap[:-1] + heatmap[1:]) / (2 * scale))
    lc.set_clim(0, 1)
    ax.add_collection(lc)
    ax.set_xlim(t[0], t[-1])
    pad = 0.1 * (np.ptp(beat) or 1.0)
    ax.set_ylim(beat.min() - pad, beat.max() + pad)
    fig.colorbar(lc, ax=ax, label="Grad-CAM (normalised)")
    parts = [f"true {true_label}" if true_label is not None else None,
             f"{pred_by} {pred_label}" if pred_label is not None else None]  # fmt: skip
    if explained_label is not None and explained_label != pred_label:
        parts.append(f"Grad-CAM of {explained_label}")
    ax.set(
        xlabel="time from R peak (s)", ylabel="amplitude", title=", ".join(p for p in parts if p)
    )
    return fig, ax


def plot_gradcam_examples(explainer, X, y_true, y_pred, *, classes=("N", "S", "V"), correct=True):
    """Grad-CAM of one correctly (or wrongly) classified beat of each class, side by side.

    Parameters
    ----------
    explainer : GradCAMExplainer
    X : ndarray
        Beat windows (what the explainer's pipeline takes).
    y_true, y_pred : array-like of str
        True and decided labels of ``X`` (e.g. :func:`~ecg_sklearn.annotate_record`'s,
        after its record-level steps): each heatmap explains the decided label, and
        its title says "decided".
    classes : sequence of str, default=("N", "S", "V")
        True classes shown.
    correct : bool, default=True
        Show the first correctly classified beat of each class; ``False``: the first
        misclassified one.

    Returns
    -------
    fig, axes
        A class with no such beat gets an axis saying so.
    """
    import matplotlib.pyplot as plt

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    fig, axes = plt.subplots(1, len(classes), figsize=(4.5 * len(classes), 3.2))
    for ax, label in zip(np.atleast_1d(axes), classes, strict=True):
        hits = np.flatnonzero((y_true == label) & ((y_pred == label) == correct))
        if hits.size == 0:
            kind = "correctly" if correct else "wrongly"
            ax.text(0.5, 0.5, f"no {kind} classified {label} beat", ha="center", va="center")
            ax.set_axis_off()
            continue
        i = int(hits[0])
        explainer.plot(X, i, y_true=label, y_pred=y_pred[i], ax=ax)
    fig.tight_layout()
    return fig, axes


def plot_review_suggestion(signal, fs, beat_samples, cluster_members, suggested, *,
                           label="", duration=4.0, max_beats=50):  # fmt: skip
    """A beat to review: the strip around it and its cluster's beats with their template.

    Parameters
    ----------
    signal : array-like, shape (n_samples,)
        One lead of the record at ``fs``.
    fs : float
        Sampling rate in Hz.
    beat_samples : array-like of int, shape (n_beats,)
        Positions of the record's beats.
    cluster_members : array-like of int
        Indices (into ``beat_samples``) of the beats of the suggested beat's cluster.
    suggested : int
        Index of the suggested beat.
    label : str, default=""
        The classifier's call, for the title.
    duration : float, default=4.0
        Seconds of the strip.
    max_beats : int, default=50
        At most this many of the cluster's beats drawn under its template (the median).

    Returns
    -------
    fig, axes
    """
    import matplotlib.pyplot as plt

    x = np.asarray(signal, dtype=np.float64).ravel()
    samples = np.asarray(beat_samples, dtype=np.int64)
    center = int(samples[suggested])
    half = int(duration * fs / 2)
    lo, hi = max(0, center - half), min(x.size, center + half)
    fig, (strip, shape) = plt.subplots(1, 2, figsize=(9, 2.6), gridspec_kw={"width_ratios": [3, 1]})
    strip.plot(np.arange(lo, hi) / fs, x[lo:hi], color="k", lw=0.8)
    strip.axvline(center / fs, color=CLASS_COLORS.get(label, "tab:green"), lw=2, alpha=0.4)
    strip.set(xlabel="time (s)", ylabel="mV", title=f"beat at {center / fs:.2f} s, called {label}")
    members = np.asarray(cluster_members, dtype=np.int64)
    step = max(1, members.size // max_beats)
    w = int(0.3 * fs)
    idx = samples[members[::step], None] + np.arange(-w, w)
    beats = x[np.clip(idx, 0, x.size - 1)]
    t = np.arange(-w, w) / fs
    shape.plot(t, beats.T, color="0.6", lw=0.5)
    shape.plot(t, np.median(beats, axis=0), color="k", lw=1.5)
    shape.set(xlabel="time from beat (s)", title=f"its cluster: {members.size} beats")
    fig.tight_layout()
    return fig, (strip, shape)
