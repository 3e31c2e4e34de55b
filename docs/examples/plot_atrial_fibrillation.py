"""
Atrial fibrillation over a long record
======================================

``annotate_record(..., detect_af=True)`` gives each beat a probability of atrial
fibrillation or flutter (``result.p_af``), read from the irregularity of the intervals
between beats shaped like the record's dominant beat. Beats above
:data:`~ecg_sklearn.record.AF_THRESHOLD` are in AF; their share is the AF burden. Here a
long record is made by joining the eight three-minute records of the shipped excerpt
(24 minutes, eight patients); one of them, 201, has atrial fibrillation.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import wfdb

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.record import AF_THRESHOLD

names = ["100", "208", "209", "201", "213", "223", "232", "233"]
records = [load_record(name, sample_data_dir(), leads="MLII") for name in names]
signal = np.concatenate([r.signal for r in records], axis=1)
fs = records[0].fs
print(f"{signal.shape[1] / fs / 60:.0f} minutes at {fs:.0f} Hz")

# %%
# The reference: MIT-BIH marks rhythm changes with notes such as ``(AFIB`` and ``(N``.
# Each stretch of the joined record is in AF from an ``(AFIB`` note to the next note.
reference_af = []
offset = 0
for name, record in zip(names, records, strict=True):
    ann = wfdb.rdann(str(sample_data_dir() / name), "atr")
    changes = [(s, n.strip("\x00")) for s, n in zip(ann.sample, ann.aux_note, strict=True) if n]
    ends = [s for s, _ in changes[1:]] + [record.signal.shape[1]] if changes else []
    for (start, note), stop in zip(changes, ends, strict=True):
        if note in ("(AFIB", "(AFL"):
            reference_af.append(((offset + start) / fs, (offset + stop) / fs))
    offset += record.signal.shape[1]
for a, b in reference_af:
    print(f"reference AF from {a / 60:.2f} to {b / 60:.2f} min")

# %%
# Annotate with AF detection; print the burden and the AF episodes found.
result = annotate_record(load_pretrained("mitdb-ds1"), signal, fs, detect_af=True)
in_af = result.p_af > AF_THRESHOLD
times = result.beat_samples / fs
print(f"{len(times)} beats, AF burden {100 * in_af.mean():.1f}% of beats")
edges = np.flatnonzero(np.diff(np.r_[0, in_af.astype(int), 0]))
for start, stop in zip(edges[::2], edges[1::2], strict=True):
    print(f"AF from {times[start] / 60:.2f} to {times[stop - 1] / 60:.2f} min")

# %%
# The probability over time, the reference AF shaded, record boundaries dotted.
fig, ax = plt.subplots(figsize=(9, 3))
for a, b in reference_af:
    ax.axvspan(a / 60, b / 60, color="tab:orange", alpha=0.3, label="reference AF")
ax.plot(times / 60, result.p_af, lw=1, label="P(AF)")
ax.axhline(AF_THRESHOLD, color="k", ls="--", lw=0.8, label="threshold")
for i, name in enumerate(names):
    ax.axvline(3 * i, color="gray", ls=":", lw=0.8)
    ax.text(3 * i + 1.5, 1.04, name, ha="center", fontsize=8)
ax.set_xlabel("time (min)")
ax.set_ylabel("P(AF)")
ax.set_ylim(0, 1.1)
ax.legend(fontsize=8, loc="center left")
fig.tight_layout()
