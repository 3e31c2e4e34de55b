"""
A Holter report
===============

:func:`ecg_sklearn.report.report_record` (``ecg-sklearn report RECORD``) annotates a
record and writes a Holter report: one self-contained HTML file (heart rate over the
day, ectopic beats and their runs, pauses, atrial fibrillation, beat clusters, strips
of the notable events, the model and its limits) and the same figures as JSON. Here
the report of twelve minutes joined from four records of the shipped excerpt, written
as an ISHNE Holter file first, as a recorder would export it. The report this example
writes is on this site: `holter_report.html <../holter_report.html>`_.
"""

# %%
import json
import tempfile
from pathlib import Path

import numpy as np

from ecg_sklearn import load_pretrained
from ecg_sklearn.io import load_record, sample_data_dir, write_ishne
from ecg_sklearn.report import plot_heart_rate, report_record
from ecg_sklearn.shipped import pretrained_info

parts = [load_record(r, sample_data_dir(), leads="MLII") for r in ("100", "201", "232", "233")]
folder = Path(tempfile.mkdtemp())
path = write_ishne(
    folder / "holter.ecg", np.concatenate([p.signal for p in parts], axis=1), 360, ["MLII"]
)

# %%
# Annotate and report into the folder ``holter_report`` (progress bars off here). The
# HTML needs no network to be viewed: its figures are embedded.
model = pretrained_info("mitdb-ds1")  # its name and description, shown in the report
html, summary_path = report_record(
    load_pretrained("mitdb-ds1"), path, "holter_report", leads="II", model=model, verbose=0
)
print(f"{html.name}: {html.stat().st_size / 1e3:.0f} kB; {summary_path.name}")

# %%
# The JSON holds every figure of the report, for programs.
summary = json.loads(summary_path.read_text())
hr = summary["heart_rate"]
print(f"{summary['beats']} beats in {summary['duration'] / 60:.0f} min; heart rate mean "
      f"{hr['mean']:.0f}, min {hr['min']['bpm']:.0f}, max {hr['max']['bpm']:.0f} /min")  # fmt: skip
for c in ("S", "V"):
    e = summary[c]
    print(f"{c}: {e['beats']} beats, {e['isolated']} isolated, {e['couplets']} couplets, "
          f"{e['runs']} runs")  # fmt: skip
print(f"pauses over 2 s: {len(summary['pauses'])}; AF episodes: {len(summary['af']['episodes'])}, "
      f"burden {100 * summary['af']['burden']:.1f}% of the analysable time")  # fmt: skip

# %%
# The report's heart-rate figure: the rate of each minute, runs of S and V beats,
# pauses and atrial fibrillation marked.
fig, ax = plot_heart_rate(summary)
