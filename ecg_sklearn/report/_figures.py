"""The report's figures, drawn with matplotlib and returned (never shown)."""

from __future__ import annotations

import numpy as np

from ..plotting import CLASS_COLORS

__all__ = [
    "plot_heart_rate",
    "plot_hourly_ectopy",
    "plot_labelled_strip",
    "plot_event_strip",
    "plot_cluster_templates",
]

DAY = 24 * 3600.0


def plot_heart_rate(summary, day=0):
    """Heart rate per minute over one day of the record, events marked: runs of S and
    V beats, pauses, atrial fibrillation (shaded), unanalysable signal (grey)."""
    import matplotlib.pyplot as plt

    t0, t1 = day * DAY, min((day + 1) * DAY, summary["duration"])
    fig, ax = plt.subplots(figsize=(11, 3.2))
    rate = np.array([np.nan if r is None else r for r in summary["heart_rate"]["per_minute"]])
    hours = (np.arange(rate.size) + 0.5) / 60.0  # the middle of each minute
    shown = (hours * 3600 >= t0) & (hours * 3600 < t1)
    ax.plot(hours[shown], rate[shown], color="k", lw=0.8, label="heart rate")
    for a, b in summary["unanalysable"]:
        ax.axvspan(a / 3600, b / 3600, color="0.8", lw=0)
    if summary["af"]:
        for i, e in enumerate(summary["af"]["episodes"]):
            ax.axvspan(e["seconds"] / 3600, e["stop"] / summary["fs"] / 3600, color="tab:orange",
                       alpha=0.3, lw=0, label="AF" if i == 0 else None)  # fmt: skip
    top = np.nanmax(rate[shown], initial=100) * 1.1
    for c, marker in (("V", "v"), ("S", "^")):
        runs = [r for r in summary[c]["run_list"] if t0 <= r["seconds"] < t1]
        if runs:
            ax.plot([r["seconds"] / 3600 for r in runs], [top] * len(runs), marker, ms=5,
                    color=CLASS_COLORS[c], ls="none", label=f"{c} runs")  # fmt: skip
    stops = [p for p in summary["pauses"] if t0 <= p["seconds"] < t1]
    if stops:
        ax.plot([p["seconds"] / 3600 for p in stops], [0] * len(stops), "|", ms=10, mew=2,
                color="tab:purple", ls="none", label="pauses")  # fmt: skip
    ax.set(xlim=(t0 / 3600, t1 / 3600), ylim=(-5, top * 1.08), xlabel="hours from start",
           ylabel="beats / min", title=f"Heart rate, day {day + 1}")  # fmt: skip
    ax.legend(loc="upper right", fontsize=7, ncol=5)
    fig.tight_layout()
    return fig, ax


def plot_hourly_ectopy(summary):
    """S and V beats in each hour of the record."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 2.6))
    hourly = summary["hourly"]
    hours = np.arange(len(hourly["S"]))
    for j, c in enumerate(("S", "V")):
        ax.bar(hours + 0.4 * j - 0.2, hourly[c], 0.4, color=CLASS_COLORS[c], label=f"{c} beats")
    ax.set(xlabel="hour from start", ylabel="beats", title="Ectopic beats per hour",
           xlim=(-0.5, max(len(hours), 4) - 0.5))  # fmt: skip
    ax.set_xticks(hours[:: max(1, len(hours) // 24)])
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig, ax


def plot_labelled_strip(signal, fs, samples, labels, *, offset=0.0, figsize=(12, 3), ax=None):
    """A strip of ECG with each beat's label below it, coloured by class.

    Parameters
    ----------
    signal : array-like, shape (n_samples,)
        The lead to draw (the whole strip).
    fs : float
        Sampling rate in Hz.
    samples : array-like of int
        Beat positions within ``signal``.
    labels : array-like of str
        Their labels.
    offset : float, default=0.0
        Time of the strip's first sample (seconds), for the time axis.
    figsize : tuple, default=(12, 3)
    ax : matplotlib Axes, optional

    Returns
    -------
    fig, ax
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize) if ax is None else (ax.figure, ax)
    signal = np.asarray(signal, dtype=float)
    ax.plot(offset + np.arange(signal.size) / fs, signal, color="k", lw=0.8)
    bottom = ax.get_ylim()[0]
    for sample, label in zip(np.asarray(samples), np.asarray(labels), strict=True):
        color = "tab:green" if label == "N" else CLASS_COLORS.get(str(label), "k")
        ax.text(offset + sample / fs, bottom, label, ha="center", va="top", fontsize=8,
                color=color)  # fmt: skip
    ax.set(xlabel="time (s)", ylabel="mV", xlim=(offset, offset + signal.size / fs))
    return fig, ax


def plot_event_strip(signal, fs, samples, labels, seconds, title=None, duration=10.0):
    """Ten seconds of the first lead around ``seconds``, each beat's label below it."""
    start = max(0.0, seconds - 3.0)
    a = int(start * fs)
    b = min(signal.shape[-1], a + int(duration * fs))
    piece = np.asarray(signal[0:1, a:b], dtype=np.float32)[0]
    shown = (samples >= a) & (samples < b)
    fig, ax = plot_labelled_strip(
        piece, fs, samples[shown] - a, labels[shown], offset=a / fs, figsize=(11, 2.4)
    )
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


def plot_cluster_templates(signal, fs, samples, labels, clusters, *, n_shown=12, per_cluster=50):
    """The median beat of the largest clusters, with their count and most frequent label."""
    import matplotlib.pyplot as plt

    order = np.argsort(-clusters.counts, kind="stable")[:n_shown]
    order = order[clusters.counts[order] > 0]
    cols = 6
    rows = -(-len(order) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 1.9 * rows), squeeze=False)
    before, after = int(0.25 * fs), int(0.4 * fs)
    for ax, c in zip(axes.ravel(), order, strict=False):
        members = np.flatnonzero(clusters.labels == c)
        members = members[
            np.linspace(0, members.size - 1, min(per_cluster, members.size)).astype(int)
        ]
        inside = samples[members]
        inside = inside[(inside >= before) & (inside + after <= signal.shape[-1])]
        beats = [np.asarray(signal[0:1, s - before : s + after], np.float32)[0] for s in inside]
        values, counts = np.unique(labels[clusters.labels == c], return_counts=True)
        call = str(values[np.argmax(counts)])
        if beats:
            ax.plot(np.arange(-before, after) / fs, np.median(beats, axis=0),
                    color=CLASS_COLORS.get(call, "k"), lw=1)  # fmt: skip
        ax.set_title(f"{call}: {clusters.counts[c]} beats", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.ravel()[len(order) :]:
        ax.axis("off")
    fig.suptitle("Beat clusters: median beat, most frequent label, count", fontsize=10)
    fig.tight_layout()
    return fig, axes
