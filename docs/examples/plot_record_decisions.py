"""
The record-level decisions, one at a time
=========================================

The network classifies each beat from its window: the beat, its neighbours and its RR
intervals. ``annotate_record`` then decides each beat in the context of its whole
record, in four steps (:class:`~ecg_sklearn.record.RecordDecision`): a beat shaped like
the record's dominant beat is not V or F; a beat in atrial fibrillation is not S; each
beat's probabilities are averaged with those of the record's most similar beats; a beat
called S that is not premature for this record's rhythm, or called V without
confidence and on time, becomes N. This example switches them on one after the other
on two records of the shipped excerpt and counts what each changes.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from ecg_sklearn import load_pretrained
from ecg_sklearn.annotate import annotate_and_compare
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.metrics import pooled_report

pipe = load_pretrained("mitdb-ds1")
OFF = dict(
    af_rule_out=False, similar_beats=False, sveb_prematurity=None, sveb_gradual=False,
    sveb_noise=False, veb_prematurity=None, veb_compensated=False,
    veb_like_neighbours=None, veb_noise=False,
)  # fmt: skip
STEPS = {
    "network alone": (None, OFF),
    "+ dominant beat": (0.95, OFF),
    "+ AF rule": (0.95, {**OFF, "af_rule_out": True}),
    "+ similar beats": (0.95, {**OFF, "af_rule_out": True, "similar_beats": True}),
    "+ timing (default)": (0.95, {}),
}

# %%
# Record 201 (DS1: in the model's training data) has atrial fibrillation, S and V
# beats; record 213 (DS2: never seen) has V and fusion (F) beats. For each step: the
# beats whose label changed from the step before, and the S and V figures, missed and
# extra beats counted as errors (bxb).
results, support = {}, {}
for name in ("201", "213"):
    record = load_record(name, sample_data_dir(), leads="MLII")
    previous = None
    counts = {c: int((record.beat_labels == c).sum()) for c in "NSVF"}
    support[name] = counts
    print(f"record {name}: reference beats {counts}")
    for step, (dominant, kwargs) in STEPS.items():
        pipe.set_params(cnn__dominant_threshold=dominant)
        result, comparison = annotate_and_compare(pipe, record, **kwargs)
        per_class = pooled_report([comparison])["bxb"]["per_class"]
        figures = [per_class[c][k] for c in "SV" for k in ("se", "ppv")]
        results[name, step] = figures
        changed = 0 if previous is None else int((result.beat_labels != previous).sum())
        previous = result.beat_labels
        print(
            f"  {step:20s} changed {changed:3d}   "
            + "  ".join(
                f"{k} {v:.2f}"
                for k, v in zip(["S Se", "S +P", "V Se", "V +P"], figures, strict=True)
            )
        )
pipe.set_params(cnn__dominant_threshold=0.95)

# %%
# The same as a picture, for the classes with at least 10 beats in the record. A step
# can also cost: on a three-minute excerpt a handful of beats moves a figure a lot. The
# whole-database effect of each step (DS2, all records) is in the ablation rows of the
# Benchmarks page.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, name in zip(axes, ("201", "213"), strict=True):
    values = np.nan_to_num(np.array([results[name, step] for step in STEPS]))
    for j, label in enumerate(["S Se", "S +P", "V Se", "V +P"]):
        if support[name][label[0]] >= 10:
            ax.plot(range(len(STEPS)), values[:, j], "o-", label=label)
    ax.set_xticks(range(len(STEPS)), list(STEPS), rotation=30, ha="right", fontsize=8)
    ax.set_title(f"record {name}: {support[name]['S']} S, {support[name]['V']} V beats")
    ax.legend(fontsize=8)
axes[0].set_ylim(-0.05, 1.05)
fig.tight_layout()
