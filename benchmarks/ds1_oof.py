"""Out-of-fold predictions of the default pipeline over all DS1 records, several seeds.

The model-selection evidence for record-level changes: ``GroupKFold`` over the 22 DS1
records (11 folds: two patients held out at a time, 20 in training), the default
pipeline fitted per fold and seed, and the held-out probabilities pooled over all folds,
so that every DS1 beat is predicted once per seed by a network that never saw its
patient. The saved probabilities are the network's own (``rhythm_context=None``,
``dominant_threshold=None``): changes that act on the probabilities (decision rules,
rhythm context; see ``benchmarks/record_context.py``) are then scored on the same pooled
predictions, seed by seed. DS2 is never loaded.

The probabilities are saved to ``benchmarks/results/ds1_oof.npz`` (not in git; rerun to
make it) and the pooled scores to ``benchmarks/results/ds1_oof.json``. With
``--two-leads`` the pipeline reads MLII and the record's second lead (V1 in most
records; V2, V4 or V5 in the others) and the files are ``ds1_oof_two_leads.*``.

A candidate configuration is scored the same way with ``--param`` (a classifier
parameter of :func:`ecg_sklearn.default_pipeline`, ``NAME=VALUE``, repeatable) and
``--name`` (the files' name).

Usage: python benchmarks/ds1_oof.py [--data-dir PATH] [--seeds 0 1 2] [--folds 11]
[--two-leads] [--param module__n_filters=8 ...] [--name NAME]
"""

from __future__ import annotations

import argparse
import ast
import sys
import time

import numpy as np
from _common import RESULTS, write_json
from sklearn.model_selection import GroupKFold

from ecg_sklearn import default_pipeline
from ecg_sklearn.io import get_data_home, load_mitdb
from ecg_sklearn.metrics import classification_report_ec57

#: The leads of the two-lead pipeline: MLII, then the record's other lead.
TWO_LEADS = ["MLII", ("V1", "V2", "V4", "V5")]


def out_of_fold(data, seed, folds, params):
    """Held-out probabilities of every beat (columns in the order of ``classes``), of
    the default pipeline with the classifier parameters ``params``."""
    proba = None
    for k, (train, test) in enumerate(GroupKFold(folds).split(data.X, groups=data.groups)):
        t = time.perf_counter()
        pipe = default_pipeline(data.fs, random_state=seed, verbose=0, **params)
        pipe.set_params(cnn__rhythm_context=None, cnn__dominant_threshold=None)
        pipe.fit(data.X[train], data.y[train], cnn__groups=data.groups[train])
        p = pipe.predict_proba(data.X[test])
        if proba is None:
            classes = list(pipe.classes_)
            proba = np.zeros((len(data.y), len(classes)), dtype=np.float32)
        # A class missing from a fold's training beats gets probability 0 there.
        for j, c in enumerate(pipe.classes_):
            proba[test, classes.index(c)] = p[:, j]
        held = sorted(set(data.groups[test]))
        print(f"seed {seed} fold {k} ({', '.join(held)}): {time.perf_counter() - t:.0f} s",
              flush=True)  # fmt: skip
    return proba, np.array(classes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=11)
    parser.add_argument("--two-leads", action="store_true", help="MLII and the second lead")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a classifier parameter of the candidate (a Python literal)",
    )
    parser.add_argument("--name", default=None, help="name of the result files")
    args = parser.parse_args(argv)
    params = dict(_parse_param(p) for p in args.param)
    start = time.perf_counter()
    leads = TWO_LEADS if args.two_leads else ["MLII"]
    name = args.name or ("ds1_oof_two_leads" if args.two_leads else "ds1_oof")
    data = load_mitdb("DS1", get_data_home(args.data_dir), leads=leads, verbose=0)
    probas, reports = {}, {}
    for seed in args.seeds:
        proba, classes = out_of_fold(data, seed, args.folds, params)
        probas[f"seed{seed}"] = proba
        report = classification_report_ec57(data.y, classes[proba.argmax(axis=1)])
        reports[seed] = {c: report["per_class"][c] for c in ("S", "V", "F")}
        s, v = report["per_class"]["S"], report["per_class"]["V"]
        print(f"seed {seed}: S Se/+P/F1 {s['se']:.3f}/{s['ppv']:.3f}/{s['f1']:.3f}  "
              f"V {v['se']:.3f}/{v['ppv']:.3f}/{v['f1']:.3f}", flush=True)  # fmt: skip
        # Saved after every seed, so that an interrupted run keeps what it finished.
        RESULTS.mkdir(exist_ok=True)
        np.savez_compressed(
            RESULTS / f"{name}.npz", classes=classes, y=data.y, groups=data.groups,
            samples=data.samples, fs=data.fs, **probas,
        )  # fmt: skip
        write_json(name, {
            "command": " ".join(["python benchmarks/ds1_oof.py", *sys.argv[1:]]),
            "leads": [lead if isinstance(lead, str) else list(lead) for lead in leads],
            "params": params, "folds": args.folds, "seeds": sorted(reports), "reports": reports,
            "seconds": time.perf_counter() - start,
        })  # fmt: skip


def _parse_param(text):
    """``"NAME=VALUE"`` -> ``(NAME, value)``, the value a Python literal or a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise SystemExit(f"--param takes NAME=VALUE; got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


if __name__ == "__main__":
    main()
