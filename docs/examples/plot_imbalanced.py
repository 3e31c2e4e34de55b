"""
Class imbalance: loss weights or an imbalanced-learn sampler
============================================================

Most beats are normal (N): in MIT-BIH DS1, S beats are 2% and V beats 7%. A network
trained on the beats as they come learns to call N. Two remedies: weight the loss by
the inverse class frequency (``class_weight="balanced"``, the default), or resample
the training beats with an imbalanced-learn sampler placed after the segmenter in an
``imblearn.pipeline.Pipeline`` (samplers run in ``fit`` only; ``predict`` sees every
beat). This example trains each on the excerpt's DS1 records and tests on its DS2 records.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.under_sampling import RandomUnderSampler

from ecg_sklearn import BeatSegmenter, CNNBeatClassifier, ECGFilter
from ecg_sklearn.io import DS1, load_sample
from ecg_sklearn.metrics import classification_report_ec57

# A sampler returns a plain array, which carries no record-context channel: load the
# windows without it and tell the classifier the layout (8 RR features, one lead).
data = load_sample(rr_context=False)
train = np.isin(data.groups, DS1)
labels, counts = np.unique(data.y[train], return_counts=True)
print("training beats:", ", ".join(f"{c} {n}" for c, n in zip(labels, counts, strict=True)))


def pipeline(class_weight, sampler=None):
    steps = [
        ("filter", ECGFilter(fs=data.fs, rr_context=False)),
        ("segment", BeatSegmenter(fs=data.fs, rr_context=False)),
        ("cnn", CNNBeatClassifier(
            class_weight=class_weight, n_rr_features=8, n_leads=1, max_epochs=12,
            module__n_filters=8, module__downsample=2, valid_size=0.0, random_state=0,
            verbose=0,
        )),
    ]  # fmt: skip
    if sampler is not None:
        steps.insert(2, ("sampler", sampler))
    return ImbPipeline(steps)


candidates = {
    "no remedy": pipeline(None),
    'class_weight="balanced"': pipeline("balanced"),
    "RandomUnderSampler": pipeline(None, RandomUnderSampler(random_state=0)),
    "RandomOverSampler": pipeline(None, RandomOverSampler(random_state=0)),
}

# %%
# Fit each and score the held-out patients: sensitivity (Se) and positive predictivity
# (+P) of S and V.
figures = {}
for name, pipe in candidates.items():
    pipe.fit(data.X[train], data.y[train])
    report = classification_report_ec57(data.y[~train], pipe.predict(data.X[~train]))
    figures[name] = [report["per_class"][c][k] for c in "SV" for k in ("se", "ppv")]
    print(f"{name:24s}", "  ".join(f"{v:.2f}" for v in figures[name]), "(S Se, S +P, V Se, V +P)")

# %%
# Without a remedy the network hardly ever calls S in patients it has not seen.
# Undersampling trains on few beats (as many of each class as the rarest, F, has);
# oversampling repeats the rare beats; loss weights keep every beat once and weigh it
# by its class's rarity. On the full database the default, ``"balanced"``, was chosen
# by grouped cross-validation (docs/model_selection.md).
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.8 / len(figures)
labels = ["S Se", "S +P", "V Se", "V +P"]
for i, (name, values) in enumerate(figures.items()):
    ax.bar(np.arange(4) + i * width, np.nan_to_num(values), width, label=name)
ax.set_xticks(np.arange(4) + 0.4 - width / 2, labels)
ax.set_ylim(0, 1)
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
