"""
Correct a record with a few reviewed beats
==========================================

Group a record's beats into clusters of alike beats, ask an expert to label one beat of
the clusters most worth a look, and let each label correct the beats of its cluster.
Here the "expert" is the record's reference annotation.
"""

# %%
# Annotate a record of the shipped excerpt with the pretrained pipeline (record 213 is
# in DS2: the model never saw it).
import numpy as np

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.review import apply_review, suggest_review

record = load_record("213", sample_data_dir(), leads="MLII")
result = annotate_record(load_pretrained("mitdb-ds1"), record.signal, record.fs)


def reference_label(samples):
    """The reference label of the annotated beat nearest each position."""
    nearest = np.abs(record.beat_samples[None] - samples[:, None]).argmin(axis=1)
    return record.beat_labels[nearest]


def wrong(result, keep):
    """Beats whose label differs from the reference, among ``keep``."""
    samples = result.beat_samples[keep]
    return int((reference_label(samples) != result.beat_labels[keep]).sum())


# %%
# Six suggestions: one beat per cluster, the clusters whose calls other than N are
# least certain first; each states how many beats its answer settles.
suggestions = suggest_review(result, record.signal, record.fs, n=6)
for sample, called, count in zip(
    suggestions.beat_samples, suggestions.label, suggestions.n_beats, strict=True
):
    print(f"beat at {sample / record.fs:6.2f} s: called {called}, stands for {count} beats")

# %%
# The expert's answers (a mapping from beat position to AAMI class; a filled-in review
# sheet from ``write_review_sheet`` works too) decide the record again.
answers = dict(
    zip(suggestions.beat_samples, reference_label(suggestions.beat_samples), strict=True)
)
reviewed = apply_review(result, record.signal, record.fs, answers, clusters=suggestions.clusters)
others = ~reviewed.reviewed
print(
    f"wrong labels on the other beats: {wrong(result, others)} before the review, "
    f"{wrong(reviewed, others)} after ({reviewed.followed.sum()} beats followed a "
    "reviewed one)"
)

# %%
# Each cluster's beats overlaid, with the label they carry after the review.
import matplotlib.pyplot as plt  # noqa: E402

clusters = suggestions.clusters
half = int(0.3 * record.fs)
fig, axes = plt.subplots(1, len(suggestions.cluster), figsize=(10, 2.2), sharey=True)
for ax, c in zip(axes, suggestions.cluster, strict=True):
    members = np.flatnonzero(clusters.labels == c)[:40]
    for i in members:
        s = reviewed.beat_samples[i]
        ax.plot(record.signal[0, max(0, s - half) : s + half], color="0.5", lw=0.5)
    label = reviewed.beat_labels[members[0]]
    ax.set_title(f"{label}: {clusters.counts[c]} beats", fontsize=9)
    ax.set_xticks([])
fig.tight_layout()
