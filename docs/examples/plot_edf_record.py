"""
Annotate an EDF recording
=========================

Recorders export EDF as often as WFDB. :func:`ecg_sklearn.io.open_record` opens either
without reading the signal (``pip install "ecg_sklearn[edf]"`` for EDF), with the
header's sampling rate and lead names; ``annotate_record`` reads it a piece at a time.
Here an EDF file is written from a record of the shipped excerpt, so that its labels
can be compared with those of the WFDB original.
"""

# %%
# Write record 213 of the excerpt (360 Hz, leads MLII and V1) as an EDF+ file, in mV.
import tempfile
from pathlib import Path

import numpy as np
import pyedflib

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import load_record, open_record, sample_data_dir
from ecg_sklearn.plotting import plot_annotated_strip

wfdb_record = load_record("213", sample_data_dir())
path = Path(tempfile.mkdtemp()) / "holter.edf"
headers = [
    {"label": lead, "dimension": "mV", "sample_frequency": wfdb_record.fs,
     "physical_max": 10.0, "physical_min": -10.0, "digital_max": 32767, "digital_min": -32768}
    for lead in wfdb_record.leads
]  # fmt: skip
with pyedflib.EdfWriter(str(path), len(headers), file_type=pyedflib.FILETYPE_EDFPLUS) as edf:
    edf.setSignalHeaders(headers)
    edf.writeSamples([lead.astype(np.float64) for lead in wfdb_record.signal])

# %%
# Open it: nothing but the header is read yet. ``leads`` picks a lead by name (with
# alternatives, ``[("MLII", "II")]``); the signal is read when used.
record = open_record(path, leads="MLII")
print(f"{path.name}: {record.fs:.0f} Hz, leads {record.leads}, {record.signal.shape[1]} samples")

# %%
# Annotate it in chunks of 60 s, and the WFDB original whole: same beats, same labels
# (the EDF file stores the signal at another resolution, so a label may differ).
model = load_pretrained("mitdb-ds1")
from_edf = annotate_record(model, record.signal, record.fs, chunk_duration=60.0)
from_wfdb = annotate_record(model, wfdb_record.signal[:1], wfdb_record.fs)
same_beats = np.array_equal(from_edf.beat_samples, from_wfdb.beat_samples)
agree = np.mean(from_edf.beat_labels == from_wfdb.beat_labels) if same_beats else float("nan")
print(f"{len(from_edf.beat_samples)} beats; same positions: {same_beats}; same labels: {agree:.1%}")
labels, counts = np.unique(from_edf.beat_labels, return_counts=True)
print("labels:", ", ".join(f"{c} {n}" for c, n in zip(labels, counts, strict=True)))

# %%
# Ten seconds of the EDF recording: reference labels (from the WFDB record's
# annotation file) above, the labels annotated from the EDF file below.
fig, ax = plot_annotated_strip(
    record.signal[0], record.fs, wfdb_record.beat_samples, wfdb_record.beat_labels,
    from_edf.beat_samples, from_edf.beat_labels, start=30.0, duration=10.0,
)  # fmt: skip
fig.tight_layout()

# %%
# The command line does the same: ``ecg-sklearn annotate --record holter.edf`` writes
# ``holter.cnn``, a WFDB annotation file, beside the labels' counts.
