"""Holter-length records: peak memory and speed of whole-record annotation.

Joins the first lead (MLII, V5 where absent) of the 48 MIT-BIH records into a 24-hour
record, and three copies into a 72-hour one, written as WFDB format-16 files in a
temporary folder. Each record is annotated by the shipped pretrained model in a fresh
process, two ways:

* ``chunked``: ``open_record`` (the signal read a chunk at a time) and
  ``annotate_record`` with its default ``chunk_duration`` (what ``ecg-sklearn annotate``
  does);
* ``chunked, threads``: the same with ``n_jobs=-1`` (a thread per core);
* ``whole``: the whole signal read into memory first and ``chunk_duration=None``;
* ``traced`` (once): ``chunked`` with ``tracemalloc`` on, for the peak of the NumPy
  arrays alone (what the code allocates, without the allocator's free memory).

Each is run ``--repeats`` times (fresh processes, in turn), as the peak memory varies
from run to run by several MB (the C allocator's reuse of freed memory). Reported: beats,
the median seconds and beats per second (detection, windows and classification
together), the process's resident memory after loading the model, and the median and
range of its peak above that. Writes ``benchmarks/results/holter.json`` and its section
of ``docs/benchmarks.md``.

Usage: python benchmarks/holter.py [--data-dir PATH] [--hours 24 72] [--repeats 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, on_machine, read_json, write_json, write_section

BUILD = """
import numpy as np, wfdb
from ecg_sklearn.io import MITDB_RECORDS, load_record
parts = [load_record(r, {home!r}, leads=[("MLII", "V5")]).signal[0] for r in MITDB_RECORDS]
day = np.concatenate(parts)
for hours in {hours!r}:
    copies = int(round(hours / 24))
    signal = np.tile(day, copies)[:, None].astype(np.float64)
    wfdb.wrsamp(f"holter{{hours}}h", fs=360, units=["mV"], sig_name=["MLII"], p_signal=signal,
                fmt=["16"], adc_gain=[200.0], baseline=[0], write_dir={folder!r})
"""

#: The start of a measuring process: the shipped model loaded and warmed up on the record
#: at ``{path}``, and the process's resident memory then (``after_load``, MB).
SETUP = """
import json, resource, time, tracemalloc
import numpy as np
from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import open_record

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

pipe = load_pretrained()
rec = open_record({path!r})
annotate_record(pipe, rec.signal[:, : 60 * 360], rec.fs)  # warm-up: first predictions
after_load = rss_mb()
"""

MEASURE = (
    SETUP
    + """
if {mode!r} == "traced":
    tracemalloc.start()
start = time.perf_counter()
if {mode!r} == "whole":
    result = annotate_record(pipe, np.asarray(rec.signal), rec.fs, chunk_duration=None)
else:
    result = annotate_record(pipe, rec.signal, rec.fs, n_jobs={n_jobs!r})
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
traced = tracemalloc.get_traced_memory()[1] / 2**20 if tracemalloc.is_tracing() else None
result_mb = (result.beat_samples.nbytes + result.proba.nbytes) / 2**20
print(json.dumps({{"beats": int(result.beat_samples.size), "seconds": seconds,
                  "samples": int(rec.signal.shape[1]), "rss_after_load_mb": after_load,
                  "peak_rss_mb": peak, "traced_peak_mb": traced, "result_mb": result_mb}}))
"""
)


#: How each record is annotated, and ``annotate_record``'s ``n_jobs``; "traced" is
#: "chunked" with Python's allocations traced (``tracemalloc``: NumPy's arrays, not the
#: network's tensors), run once, for the peak of the arrays alone.
MODES = {"chunked": None, "chunked, threads": -1, "whole": None}
TRACED = {"traced": None}


def run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def markdown(results) -> str:
    configurations = _configurations(results["rows"])
    traced = {hours: runs[0] for (hours, mode), runs in configurations.items() if mode in TRACED}
    timed = {key: runs for key, runs in configurations.items() if key[1] not in TRACED}
    lines = [
        "## Holter-length records: memory and speed",
        "",
        f"Command: `{results['command']}`; {results['seconds']:.0f} s {on_machine(results)}. "
        "The 48 MIT-BIH records' first lead joined (24 h) and three copies of that "
        "(72 h), at 360 Hz, annotated by the pretrained model in a fresh process: "
        "`chunked` reads and processes the record a chunk at a time (the default, 600 s), "
        "`chunked, threads` does so in a thread per core (`n_jobs=-1`), "
        "`whole` reads it into memory and processes it at once (`chunk_duration=None`). "
        f"Each configuration ran {_runs(timed)} times, in turn: medians, and the "
        "range of the peak memory.",
        "",
        "| record | mode | beats | seconds | beats/s | RSS after loading the model (MB) "
        "| peak RSS above that (MB), median (range) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (hours, mode), runs in timed.items():
        seconds = np.median([r["seconds"] for r in runs])
        above = _above_load(runs)
        lines.append(
            f"| {hours} h | {mode} | {runs[0]['beats']:,} | {seconds:.1f} | "
            f"{runs[0]['beats'] / seconds:,.0f} | {runs[0]['rss_after_load_mb']:.0f} | "
            f"{np.median(above):.0f} ({min(above):.0f}-{max(above):.0f}) |"
        )
    if traced:
        lines += [
            "",
            "The same chunked runs with Python's allocations traced (`tracemalloc`: the NumPy "
            "arrays, not the network's tensors nor the allocator's free memory), once: their "
            "peak, and the size of the result (the beats' positions and probabilities).",
            "",
            "| record | traced peak (MB) | result (MB) |",
            "|---|---|---|",
        ]
        lines += [
            f"| {hours} h | {row['traced_peak_mb']:.1f} | {row['result_mb']:.1f} |"
            for hours, row in traced.items()
        ]
    lines += _growth(timed, traced)
    return "\n".join(lines) + "\n"


def _growth(timed, traced) -> list[str]:
    """Lines on how the chunked path's peak grows from the shortest record to the longest."""
    runs = {hours: rows for (hours, mode), rows in timed.items() if mode == "chunked"}
    if len(runs) < 2:
        return []
    short, long = min(runs), max(runs)
    low, high = (np.median(_above_load(runs[hours])) for hours in (short, long))
    text = (
        f"From {short} h to {long} h, the chunked path's median peak grows by "
        f"{high - low:.1f} MB ({high / low - 1:+.0%})"
    )
    if short in traced and long in traced:
        t0, t1 = traced[short], traced[long]
        text += (
            f", its traced peak by {t1['traced_peak_mb'] - t0['traced_peak_mb']:.1f} MB and "
            f"the result by {t1['result_mb'] - t0['result_mb']:.1f} MB"
        )
    return ["", text + "."]


def _above_load(runs) -> list[float]:
    """Each run's peak resident memory above that after loading the model (MB)."""
    return [r["peak_rss_mb"] - r["rss_after_load_mb"] for r in runs]


def _runs(configurations) -> str:
    counts = sorted({len(runs) for runs in configurations.values()})
    return "/".join(map(str, counts))


def _configurations(rows) -> dict:
    """``(hours, mode)`` -> its runs, in the order first run."""
    out = {}
    for row in rows:
        out.setdefault((row["hours"], row["mode"]), []).append(row)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--hours", type=int, nargs="+", default=[24, 72])
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process runs of each")
    args = parser.parse_args(argv)
    from ecg_sklearn.io import get_data_home

    start = time.perf_counter()
    home = str(get_data_home(args.data_dir))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        run(BUILD.format(home=home, hours=args.hours, folder=folder))
        print(f"records written: {time.perf_counter() - start:.0f} s", flush=True)
        runs = [*itertools.product(range(args.repeats), args.hours, MODES.items()),
                *itertools.product([0], args.hours, TRACED.items())]  # fmt: skip
        for _, hours, (mode, n_jobs) in runs:  # each configuration in turn, repeated
            path = str(Path(folder) / f"holter{hours}h")
            row = {"hours": hours, "mode": mode, **json.loads(run(MEASURE.format(
                path=path, mode=mode, n_jobs=n_jobs)))}  # fmt: skip
            print(row, flush=True)
            rows.append(row)
    command = " ".join(["python benchmarks/holter.py", *(argv or sys.argv[1:])])
    write_json("holter", {"command": command, "machine": machine(), "rows": rows,
                          "seconds": time.perf_counter() - start})  # fmt: skip
    text = markdown(read_json("holter"))
    print(text)
    write_section("holter", text)


if __name__ == "__main__":
    main()
