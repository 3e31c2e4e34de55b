"""A Holter record's summary as plain data (the report's JSON) and its notable events."""

from __future__ import annotations

import numpy as np

from ..io import AAMI_CLASSES
from ..record import AF_THRESHOLD
from ._events import (
    PAUSE_SECONDS,
    af_episodes,
    ectopy,
    heart_rate_per_minute,
    hourly_counts,
    pauses,
)

__all__ = ["holter_summary", "notable_events"]


def _at(rate, pick) -> dict | None:
    """``pick`` (``np.nanargmin`` or ``np.nanargmax``) of the per-minute rates: its rate and
    the start of its minute; None where no minute has a rate."""
    if not np.any(np.isfinite(rate)):
        return None
    i = int(pick(rate))
    return {"bpm": float(rate[i]), "seconds": 60.0 * i}


def holter_summary(result, n_samples, *, record=None, start=None) -> dict:
    """What a Holter report states about an annotated record, as JSON-ready data.

    Parameters
    ----------
    result : Bunch
        :func:`~ecg_sklearn.annotate_record`'s result (with ``p_af`` when annotated with
        ``detect_af=True``).
    n_samples : int
        The record's length in samples at ``result.fs``.
    record : str, optional
        The record's name.
    start : datetime.datetime, optional
        When the recording started (times are also given in seconds from the start).

    Returns
    -------
    summary : dict
        ``duration`` and ``analysable`` (seconds), ``unanalysable`` (``[start, stop]``
        seconds), ``beats`` and ``counts`` per class, ``heart_rate`` (``mean``, ``min``
        and ``max`` of the per-minute rates with their minute, ``per_minute``),
        ``S`` and ``V`` (isolated, couplets, runs, longest and fastest run), ``pauses``
        (over 2.0 s), ``af`` (episodes and burden: the share of analysable time in
        AF; None without ``p_af``) and ``hourly`` (S and V beats per hour). Event
        positions are samples at ``fs`` (``sample``) and seconds (``seconds``).
    """
    fs = float(result["fs"])
    samples = np.asarray(result["beat_samples"], dtype=np.int64)
    labels = np.asarray(result["beat_labels"])
    stretches = np.asarray(result.get("unanalysable", np.zeros((0, 2))), dtype=np.int64)
    stretches = stretches.reshape(-1, 2)
    unanalysable_s = float(np.sum(stretches[:, 1] - stretches[:, 0]) / fs)
    rate = heart_rate_per_minute(samples, fs, n_samples, unanalysable=stretches)
    summary = {
        "record": record,
        "start": None if start is None else start.isoformat(),
        "fs": fs,
        "duration": n_samples / fs,
        "analysable": n_samples / fs - unanalysable_s,
        "unanalysable": (stretches / fs).tolist(),
        "beats": int(samples.size),
        "counts": {c: int(np.sum(labels == c)) for c in AAMI_CLASSES},
        "heart_rate": {
            "mean": float(np.nanmean(rate)) if np.any(np.isfinite(rate)) else None,
            "min": _at(rate, np.nanargmin),
            "max": _at(rate, np.nanargmax),
            "per_minute": [None if not np.isfinite(r) else round(float(r), 1) for r in rate],
        },
        "S": ectopy(samples, labels, fs, "S"),
        "V": ectopy(samples, labels, fs, "V"),
        "pauses": pauses(samples, fs, unanalysable=stretches),
        "pause_seconds": PAUSE_SECONDS,
        "af": None,
        "hourly": hourly_counts(samples, labels, fs, n_samples),
    }
    if result.get("p_af") is not None:
        episodes = af_episodes(samples, result["p_af"], AF_THRESHOLD)
        in_af = sum(e["stop"] - e["sample"] for e in episodes) / fs
        summary["af"] = {
            "episodes": episodes,
            "burden": in_af / summary["analysable"] if summary["analysable"] > 0 else None,
            "threshold": AF_THRESHOLD,
        }
    _add_seconds(summary, fs)
    return summary


def _add_seconds(node, fs):
    """Give every event dict with a ``sample`` its time in seconds too."""
    if isinstance(node, dict):
        if "sample" in node:
            node["seconds"] = node["sample"] / fs
        for value in list(node.values()):
            _add_seconds(value, fs)
    elif isinstance(node, list):
        for value in node:
            _add_seconds(value, fs)


def notable_events(summary) -> list[tuple[str, float]]:
    """``(title, seconds)`` of the events a reader looks at first, in the report's order:
    longest and fastest V and S runs, longest pause, onset of the longest AF episode,
    maximum and minimum heart rate."""
    events = []
    for c, name in (("V", "ventricular"), ("S", "supraventricular")):
        longest, fastest = summary[c]["longest_run"], summary[c]["fastest_run"]
        if longest:
            events.append((f"Longest {name} run: {longest['beats']} beats", longest["seconds"]))
        if fastest and fastest["sample"] != longest["sample"]:
            events.append((f"Fastest {name} run: {fastest['rate']:.0f} /min", fastest["seconds"]))
    if summary["pauses"]:
        p = max(summary["pauses"], key=lambda p: p["duration"])
        events.append((f"Longest pause: {p['duration']:.1f} s", p["seconds"]))
    if summary["af"] and summary["af"]["episodes"]:
        e = max(summary["af"]["episodes"], key=lambda e: e["stop"] - e["sample"])
        events.append(("Onset of the longest AF episode", e["seconds"]))
    for key, name in (("max", "Maximum"), ("min", "Minimum")):
        hr = summary["heart_rate"][key]
        if hr:
            events.append((f"{name} heart rate: {hr['bpm']:.0f} /min", hr["seconds"] + 25.0))
    return events
