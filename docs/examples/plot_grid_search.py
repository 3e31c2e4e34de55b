"""
Tune a pipeline with GridSearchCV and patient-grouped folds
===========================================================

Every step of the pipeline is a scikit-learn estimator, so ``GridSearchCV`` tunes the
filter, the segmenter and the network together. Two things make the scores honest for
ECG: folds that never split a patient (``GroupKFold`` with the record as the group) and
a score that looks at the rare classes (here the mean F1 of S and V, not accuracy).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import GridSearchCV, GroupKFold

from ecg_sklearn import default_pipeline
from ecg_sklearn.io import load_sample

data = load_sample()
sv_f1 = make_scorer(f1_score, labels=["S", "V"], average="macro", zero_division=0)

# %%
# Metadata routing passes ``groups`` both to the folds and to the network's ``fit``
# (where early stopping, if switched on, holds out whole patients). Four folds of two
# records each; a short training (4 epochs) keeps the example fast.
with sklearn.config_context(enable_metadata_routing=True):
    pipe = default_pipeline(data.fs, random_state=0, verbose=0, max_epochs=4)
    pipe["cnn"].set_fit_request(groups=True)
    grid = GridSearchCV(
        pipe,
        {"segment__before": [0.15, 0.25], "cnn__module__n_filters": [4, 8]},
        cv=GroupKFold(n_splits=4),
        scoring=sv_f1,
    )
    grid.fit(data.X, data.y, groups=data.groups)
print("best:", grid.best_params_, f"S/V F1 {grid.best_score_:.3f}")

# %%
# Each setting's score on each held-out pair of patients: the spread between patients
# is larger than between settings, which is why a benchmark needs many patients.
scores = np.array([grid.cv_results_[f"split{i}_test_score"] for i in range(4)])
names = [
    "\n".join(f"{k.split('__')[-1]}={v}" for k, v in params.items())
    for params in grid.cv_results_["params"]
]
fig, ax = plt.subplots(figsize=(7, 4))
for i, fold in enumerate(scores):
    ax.plot(names, fold, "o-", alpha=0.6, label=f"fold {i}")
ax.plot(names, scores.mean(axis=0), "k_", markersize=30, mew=2, label="mean")
ax.set_ylabel("mean F1 of S and V")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
fig.tight_layout()
