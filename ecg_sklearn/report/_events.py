"""What a Holter report counts, from an annotated record's beats: heart rate, ectopic
beats and their runs, pauses, atrial fibrillation episodes."""

from __future__ import annotations

import numpy as np

__all__ = [
    "PAUSE_SECONDS",
    "class_runs",
    "ectopy",
    "pauses",
    "heart_rate_per_minute",
    "af_episodes",
    "hourly_counts",
]

#: An interval between beats longer than this is a pause (seconds).
PAUSE_SECONDS = 2.0
#: Intervals a minute needs for its heart rate.
MIN_INTERVALS_PER_MINUTE = 5


def class_runs(labels, label) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive beats labelled ``label``.

    Returns
    -------
    starts, lengths : ndarray of int
        Index of each run's first beat and its number of beats.
    """
    hit = np.r_[0, (np.asarray(labels) == label).astype(np.int8), 0]
    edges = np.flatnonzero(np.diff(hit))
    return edges[::2], edges[1::2] - edges[::2]


def ectopy(samples, labels, fs, label) -> dict:
    """Counts of isolated beats, couplets and runs (3 beats or more) of one class, every
    run and the longest and the fastest (first beat's sample, beats, rate in beats/min)."""
    samples = np.asarray(samples, dtype=np.int64)
    starts, lengths = class_runs(labels, label)
    out = {
        "beats": int(lengths.sum()),
        "isolated": int(np.sum(lengths == 1)),
        "couplets": int(np.sum(lengths == 2)),
        "runs": int(np.sum(lengths >= 3)),
        "longest_run": None,
        "fastest_run": None,
        "run_list": [],
    }
    runs = [(int(s), int(n)) for s, n in zip(starts, lengths, strict=True) if n >= 3]
    if runs:
        described = [
            {
                "sample": int(samples[s]),
                "beats": n,
                "rate": 60.0 * (n - 1) * fs / float(samples[s + n - 1] - samples[s]),
            }
            for s, n in runs
        ]
        out["run_list"] = described
        out["longest_run"] = max(described, key=lambda r: (r["beats"], -r["sample"]))
        out["fastest_run"] = max(described, key=lambda r: (r["rate"], -r["sample"]))
    return out


def _inside(starts, stops, stretches) -> np.ndarray:
    """Whether each ``[start, stop)`` overlaps one of ``stretches`` (``(n, 2)``)."""
    stretches = np.asarray(stretches, dtype=np.int64).reshape(-1, 2)
    hit = np.zeros(len(starts), dtype=bool)
    for a, b in stretches:
        hit |= (starts < b) & (stops > a)
    return hit


def pauses(samples, fs, *, unanalysable=(), min_seconds=PAUSE_SECONDS) -> list[dict]:
    """Intervals between consecutive beats longer than ``min_seconds``, except those that
    overlap an unanalysable stretch: ``{"sample": the beat before, "duration": seconds}``."""
    samples = np.asarray(samples, dtype=np.int64)
    gaps = np.diff(samples)
    long = np.flatnonzero(gaps > min_seconds * fs)
    long = long[~_inside(samples[long], samples[long + 1], unanalysable)]
    return [{"sample": int(samples[i]), "duration": float(gaps[i] / fs)} for i in long]


def heart_rate_per_minute(samples, fs, n_samples, *, unanalysable=()) -> np.ndarray:
    """Mean heart rate (beats/min) of each minute of the record, from the intervals that
    end in it; NaN for minutes that overlap an unanalysable stretch or hold fewer than
    :data:`MIN_INTERVALS_PER_MINUTE` intervals."""
    samples = np.asarray(samples, dtype=np.int64)
    minute = int(round(60 * fs))
    n_minutes = -(-int(n_samples) // minute)
    ends = samples[1:]
    which = ends // minute
    count = np.bincount(which, minlength=n_minutes)[:n_minutes]
    total = np.bincount(which, weights=np.diff(samples), minlength=n_minutes)[:n_minutes]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = 60.0 * fs * count / total
    starts = np.arange(n_minutes) * minute
    rate[_inside(starts, starts + minute, unanalysable)] = np.nan
    rate[count < MIN_INTERVALS_PER_MINUTE] = np.nan
    return rate


def af_episodes(samples, p_af, threshold) -> list[dict]:
    """Runs of consecutive beats whose probability of atrial fibrillation is above
    ``threshold``: ``{"sample": first beat, "stop": last beat}``."""
    samples = np.asarray(samples, dtype=np.int64)
    starts, lengths = class_runs(np.asarray(p_af) > threshold, True)
    return [
        {"sample": int(samples[s]), "stop": int(samples[s + n - 1])}
        for s, n in zip(starts, lengths, strict=True)
    ]


def hourly_counts(samples, labels, fs, n_samples, classes=("S", "V")) -> dict:
    """Beats of each class in each hour of the record: ``{class: [count, ...]}``."""
    hour = int(round(3600 * fs))
    n_hours = max(1, -(-int(n_samples) // hour))
    which = np.asarray(samples, dtype=np.int64) // hour
    labels = np.asarray(labels)
    return {
        c: np.bincount(which[labels == c], minlength=n_hours)[:n_hours].tolist() for c in classes
    }
