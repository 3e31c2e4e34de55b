"""The whole-record path's speed by input rate, beside the window path, and where its
time goes.

The 22 DS2 records (MLII) of the full MIT-BIH database, in memory, at 360 Hz and
resampled to 128, 250 and 500 Hz (``resample_record``, polyphase). For each rate the
shipped model annotates every record (``annotate_record``: raw signal to labelled beats,
the record-level decisions included) with one thread (``torch.set_num_threads(1)``,
``n_jobs=None``) and with every core (``n_jobs=-1``: a chunk per thread); best of
``--repeats`` runs, the rates and ways in turn. Beside it, the window path: the same
model's ``predict_proba`` on the loader's DS2 windows at 360 Hz (filter, segmenter,
network; no detection, no record-level decisions), and the whole-record path at 360 Hz
with each window filtered (``filter_once=False``) and with the segmenter reading beat
windows (as it does for a pipeline of other steps) instead of its rows cut straight
from the filtered record (the same labels). Then a profile of one pass of the
whole-record path at 360 Hz with one thread (``cProfile``): the cumulative seconds of
its main steps. Writes ``benchmarks/results/record_speed.json`` and its section of
``docs/benchmarks.md``.

Usage: python benchmarks/record_speed.py [--data-dir PATH] [--rates 128 250 360 500]
[--repeats 3]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from unittest.mock import patch

import torch
from _common import machine, on_machine, read_json, write_json, write_section

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.annotate import _chunked
from ecg_sklearn.io import DS2, get_data_home, load_mitdb, load_record
from ecg_sklearn.signal import resample_record

#: The steps of the profile: (what, function name, file it is defined in).
STEPS = [
    ("QRS detection and flat stretches", "detect_in_chunks", "annotate/_chunked.py"),
    ("dominant beat and P wave", "record_templates", "annotate/_chunked.py"),
    ("beat rows and network (filter, segmenter, network) and rhythm features",
     "classify_in_chunks", "annotate/_chunked.py"),
    ("of which the filter (ECGFilter.filter_signal)", "filter_signal", "signal/_filtering.py"),
    ("of which the segmenter's rows (segmenter_rows)", "segmenter_rows", "annotate/_rows.py"),
    ("of which the network (predict_in_batches)", "predict_in_batches", "nn/_training.py"),
    ("AF probability", "af_probability", "record/_af.py"),
    ("record-level rules (RecordDecision.apply_rules)", "apply_rules", "record/_chain.py"),
    ("of which the similar-beat vote", "smooth_in_chunks", "annotate/_streamed.py"),
    ("the record teaching itself (RecordDecision.teach)", "teach", "record/_chain.py"),
    ("whole record (annotate_record)", "annotate_record", "annotate/_record.py"),
]  # fmt: skip


def annotate_all(pipe, records, n_jobs, filter_once=True):
    return [annotate_record(pipe, r.signal, r.fs, n_jobs=n_jobs, filter_once=filter_once)
            for r in records]  # fmt: skip


def profile(pipe, records) -> dict:
    profiler = cProfile.Profile()
    profiler.enable()
    annotate_all(pipe, records, None)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    out = {}
    for what, name, where in STEPS:
        out[what] = sum(
            cumulative
            for (path, _, function), (_, _, _, cumulative, _) in stats.items()
            if function == name and path.replace("\\", "/").endswith(where)
        )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rates", type=float, nargs="+", default=[128.0, 250.0, 360.0, 500.0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    home = get_data_home(args.data_dir)
    pipe = load_pretrained()
    at_360 = [load_record(r, home, leads="MLII") for r in DS2]
    records = {}
    for fs in args.rates:
        records[fs] = [
            r if fs == r.fs else type(r)(
                signal=resample_record(r.signal, r.beat_samples, r.fs, fs)[0], fs=fs
            )
            for r in at_360
        ]  # fmt: skip
    windows = load_mitdb("DS2", home, verbose=0).X
    beats = {}
    times = {(fs, way): [] for fs in args.rates for way in ("one thread", "all cores")}
    times["window path"] = []
    times["each window filtered"] = []
    times["beat windows"] = []
    n_threads = torch.get_num_threads()
    annotate_all(pipe, at_360[:1], None)  # warm-up
    for _ in range(args.repeats):
        for fs in args.rates:
            for way, n_jobs, threads in (("one thread", None, 1), ("all cores", -1, n_threads)):
                torch.set_num_threads(threads)
                t = time.perf_counter()
                results = annotate_all(pipe, records[fs], n_jobs)
                times[fs, way].append(time.perf_counter() - t)
                beats[fs] = sum(len(r.beat_samples) for r in results)
        torch.set_num_threads(1)
        t = time.perf_counter()
        annotate_all(pipe, records[360.0], None, filter_once=False)
        times["each window filtered"].append(time.perf_counter() - t)
        # The segmenter's rows through beat windows, as for a pipeline of other steps.
        with patch.object(_chunked, "rows_without_windows", lambda segmenter: False):
            t = time.perf_counter()
            annotate_all(pipe, records[360.0], None)
            times["beat windows"].append(time.perf_counter() - t)
        t = time.perf_counter()
        pipe.predict_proba(windows)
        times["window path"].append(time.perf_counter() - t)
    torch.set_num_threads(1)
    steps = profile(pipe, at_360)
    torch.set_num_threads(n_threads)
    rows = [
        {"rate": fs, "way": way, "beats": beats[fs], "seconds": min(times[fs, way])}
        for fs in args.rates
        for way in ("one thread", "all cores")
    ]
    rows.append({"rate": 360.0, "way": "one thread, each window filtered (filter_once=False)",
                 "beats": beats[360.0], "seconds": min(times["each window filtered"])})  # fmt: skip
    rows.append({"rate": 360.0, "way": "one thread, the segmenter reading beat windows",
                 "beats": beats[360.0], "seconds": min(times["beat windows"])})  # fmt: skip
    rows.append({"rate": 360.0, "way": "window path, one thread", "beats": len(windows),
                 "seconds": min(times["window path"])})  # fmt: skip
    command = " ".join(["python benchmarks/record_speed.py", *(argv or sys.argv[1:])])
    results = {"command": command, "machine": machine(), "repeats": args.repeats, "rows": rows,
               "profile": steps, "profile_beats": beats.get(360.0)}  # fmt: skip
    write_json("record_speed", {**results, "seconds": time.perf_counter() - start})
    text = markdown(read_json("record_speed"))
    print(text)
    write_section("record_speed", text)


def markdown(results) -> str:
    lines = [
        "## Whole records by input rate, and where the time goes",
        "",
        f"Command: `{results['command']}`; {on_machine(results)}. The shipped model on the 22 "
        "DS2 records (MLII) in memory, resampled from 360 Hz; raw signal to labelled beats "
        "(`annotate_record`); best of "
        f"{results['repeats']} runs, rates and ways in turn. Window path: `predict_proba` on "
        "the loader's DS2 windows (no detection, no record-level decisions).",
        "",
        "| input rate (Hz) | way | beats | seconds | beats/s |",
        "|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['rate']:.0f} | {r['way']} | {r['beats']:,} | {r['seconds']:.2f} | "
            f"{r['beats'] / r['seconds']:,.0f} |"
        )
    total = results["profile"]["whole record (annotate_record)"]
    lines += [
        "",
        f"Profile of one pass at 360 Hz, one thread ({results['profile_beats']:,} beats; "
        "`cProfile`, which slows the code it watches; cumulative seconds):",
        "",
        "| step | seconds | share |",
        "|---|---|---|",
        *[
            f"| {what} | {s:.2f} | {100 * s / total:.0f}% |"
            for what, s in results["profile"].items()
        ],
    ]
    parts = [s for what, s in results["profile"].items() if not what.startswith(("of which",
             "whole"))]  # fmt: skip
    lines.insert(-1, f"| anything else | {total - sum(parts):.2f} | "
                 f"{100 * (total - sum(parts)) / total:.0f}% |")  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
