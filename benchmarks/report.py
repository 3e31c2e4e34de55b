"""Holter reports of 24- and 72-hour records: time and memory beyond the annotation.

Joins the first lead of the 48 MIT-BIH records into a 24-hour record and three copies
into a 72-hour one (as ``benchmarks/holter.py`` does, WFDB format 16 in a temporary
folder). In a fresh process per record: the shipped model annotates it read on demand
(``open_record``, ``annotate_record(detect_af=True)``), then ``write_report`` writes
its HTML and JSON (beat clusters included). Reported: beats, the seconds of each step,
the process's resident memory after loading the model and its peak over the whole run,
and the size of the HTML. Writes ``benchmarks/results/report.json`` and its section of
``docs/benchmarks.md``.

Usage: python benchmarks/report.py [--data-dir PATH] [--hours 24 72]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, on_machine, read_json, write_json, write_section
from holter import BUILD, SETUP, run

MEASURE = (
    SETUP
    + """
from pathlib import Path
from ecg_sklearn.report import write_report
start = time.perf_counter()
result = annotate_record(pipe, rec.signal, rec.fs, detect_af=True)
annotated = time.perf_counter()
html, _ = write_report(result, rec.signal, rec.fs, {out!r}, record="holter",
                       model={{"name": "mitdb-ds1"}})
done = time.perf_counter()
print(json.dumps({{"beats": int(result.beat_samples.size), "annotate_seconds": annotated - start,
                  "report_seconds": done - annotated, "rss_after_load_mb": after_load,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "html_mb": Path(html).stat().st_size / 2**20}}))
"""
)


def markdown(results) -> str:
    lines = [
        "## Holter reports: time and memory",
        "",
        f"Command: `{results['command']}`; {on_machine(results)}. The shipped model annotates "
        "each record read on demand (AF detection on), then `write_report` writes its HTML "
        "and JSON, beat clusters included; one fresh process per record.",
        "",
        "| record | beats | annotation (s) | report (s) | resident after loading the model "
        "(MB) | peak resident, whole run (MB) | HTML (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['hours']} h | {r['beats']:,} | {r['annotate_seconds']:.1f} | "
            f"{r['report_seconds']:.1f} | {r['rss_after_load_mb']:.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r['html_mb']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--hours", type=int, nargs="+", default=[24, 72])
    args = parser.parse_args(argv)
    from ecg_sklearn.io import get_data_home

    start = time.perf_counter()
    home = str(get_data_home(args.data_dir))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        run(BUILD.format(home=home, hours=args.hours, folder=folder))
        for hours in args.hours:
            path, out = str(Path(folder) / f"holter{hours}h"), str(Path(folder) / f"out{hours}")
            row = {"hours": hours, **json.loads(run(MEASURE.format(path=path, out=out)))}
            print(row, flush=True)
            rows.append(row)
    command = " ".join(["python benchmarks/report.py", *(argv or sys.argv[1:])])
    write_json("report", {"command": command, "machine": machine(), "rows": rows,
                          "seconds": time.perf_counter() - start})  # fmt: skip
    text = markdown(read_json("report"))
    print(text)
    write_section("report", text)


if __name__ == "__main__":
    main()
