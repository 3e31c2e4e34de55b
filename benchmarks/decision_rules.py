"""Decision rules on DS1's pooled out-of-fold probabilities: do they carry to new patients?

Works on ``benchmarks/results/ds1_oof.npz`` (``benchmarks/ds1_oof.py``: every DS1 beat
predicted by default pipelines that never saw its patient, several seeds) and changes
only the decision, per seed:

* ``offsets``: a log-probability offset per class (coordinate search over -4..4 in
  steps of 0.5, three sweeps) chosen to maximise (S-F1 + V-F1) / 2 on the other
  records' beats, applied to the held-out records (11-fold GroupKFold over records:
  nested, so no record helps choose its own offsets);
* ``em``: label-free adaptation to each record's class priors (Saerens et al. 2002:
  EM on the record's own probabilities, starting from equal priors, as the network
  was trained with balanced class weights), all classes.

DS2 is never loaded. Writes ``benchmarks/results/decision_rules.json``.

Usage: python benchmarks/decision_rules.py
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _common import RESULTS, sv_score, write_json
from sklearn.model_selection import GroupKFold

GRID = np.arange(-4.0, 4.01, 0.5)


def fit_offsets(log_proba, y, classes, sweeps=3):
    """Per-class offsets maximising the S/V score of ``argmax(log_proba + offsets)``."""
    offsets = np.zeros(log_proba.shape[1])
    for _ in range(sweeps):
        for c in range(len(offsets)):
            scores = []
            for value in GRID:
                trial = offsets.copy()
                trial[c] = value
                scores.append(sv_score(y, classes[(log_proba + trial).argmax(axis=1)]))
            offsets[c] = GRID[int(np.argmax(scores))]
    return offsets


def nested_offsets(log_proba, y, groups, classes, folds=11):
    pred = np.empty(len(y), dtype=classes.dtype)
    for train, test in GroupKFold(folds).split(log_proba, groups=groups):
        offsets = fit_offsets(log_proba[train], y[train], classes)
        pred[test] = classes[(log_proba[test] + offsets).argmax(axis=1)]
    return pred


def em_priors(proba, iterations=50):
    """Posteriors under the record's own class priors, estimated by EM from equal ones."""
    prior = np.full(proba.shape[1], 1.0 / proba.shape[1])
    weights = proba / prior
    estimate = prior
    for _ in range(iterations):
        posterior = weights * estimate
        posterior /= posterior.sum(axis=1, keepdims=True)
        estimate = np.maximum(posterior.mean(axis=0), 1e-6)
    posterior = weights * estimate
    return posterior / posterior.sum(axis=1, keepdims=True)


def main():
    start = time.perf_counter()
    oof = np.load(RESULTS / "ds1_oof.npz")
    classes, y, groups = oof["classes"], oof["y"], oof["groups"]
    rows = {}
    for seed in sorted(k for k in oof.files if k.startswith("seed")):
        proba = oof[seed].astype(float) + 1e-7
        proba /= proba.sum(axis=1, keepdims=True)
        adapted = np.empty_like(proba)
        for record in np.unique(groups):
            rows_of = groups == record
            adapted[rows_of] = em_priors(proba[rows_of])
        rows[seed] = {
            "default": sv_score(y, classes[proba.argmax(axis=1)]),
            "offsets": sv_score(y, nested_offsets(np.log(proba), y, groups, classes)),
            "em": sv_score(y, classes[adapted.argmax(axis=1)]),
        }
        print(seed, {k: round(v, 3) for k, v in rows[seed].items()}, flush=True)
    write_json("decision_rules", {
        "command": " ".join(["python benchmarks/decision_rules.py", *sys.argv[1:]]),
        "score": "(S-F1 + V-F1) / 2, pooled over DS1",
        "rows": rows,
        "seconds": time.perf_counter() - start,
    })  # fmt: skip


if __name__ == "__main__":
    main()
