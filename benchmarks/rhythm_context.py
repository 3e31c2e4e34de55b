"""The rhythm-context model on its own: atrial fibrillation and premature beats from timing.

Features: ``ecg_sklearn.features.rr_context_features`` (the RR intervals of tens of
beats around each beat, no signal). Model: ``HistGradientBoostingClassifier``. Data: the
Long-Term AF Database (84 Holter records, beat and rhythm annotations) and MIT-BIH DS1;
never DS2 for training.

* AF per beat (rhythm ``(AFIB`` or ``(AFL``): ltafdb records held out by record
  (GroupKFold, the model trained on the other ltafdb records and DS1), and DS1 (a model
  trained on ltafdb alone). Then a model on ltafdb + DS1 reads DS2: record 232 (sinus
  bradycardia with long pauses) must not be read as AF.
* S versus N outside AF, from timing alone, the same way.

Usage: python benchmarks/rhythm_context.py [--ltafdb PATH] [--data-dir PATH] [--every 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import NEGATIVE_MD, read_json, write_json, write_section
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from ecg_sklearn.features import rr_context_features
from ecg_sklearn.io import DS1, DS2, get_data_home, load_beat_timing
from ecg_sklearn.io._annotations import AF_RHYTHMS

LTAFDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "ltafdb"


def load(folder, records):
    """Features, AF flags, AAMI labels and record of every beat of ``records``."""
    parts = []
    for record in records:
        t = load_beat_timing(record, folder)
        X = rr_context_features(t.beat_samples, t.fs)
        af = np.isin(t.rhythm, AF_RHYTHMS)
        parts.append((X, af, t.beat_labels, np.full(len(af), str(record))))
    X, af, labels, groups = (np.concatenate(p) for p in zip(*parts, strict=True))
    return X, af, labels, groups


def model(random_state=0):
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)


def scores(y_true, y_pred):
    tp = int(np.sum(y_true & y_pred))
    fn, fp = int(np.sum(y_true & ~y_pred)), int(np.sum(~y_true & y_pred))
    se = tp / (tp + fn) if tp + fn else float("nan")
    ppv = tp / (tp + fp) if tp + fp else float("nan")
    return {"tp": tp, "fn": fn, "fp": fp, "se": se, "ppv": ppv}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ltafdb", default=str(LTAFDB))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--every", type=int, default=10, help="train on every k-th beat")
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    mitdb = get_data_home(args.data_dir)
    lt_records = sorted(p.stem for p in Path(args.ltafdb).glob("*.atr"))
    lt = load(args.ltafdb, lt_records)
    ds1 = load(mitdb, DS1)
    ds2 = load(mitdb, DS2)
    print(f"features: ltafdb {len(lt[0])} beats, DS1 {len(ds1[0])}, DS2 {len(ds2[0])}; "
          f"{time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
    thin = np.arange(len(lt[0])) % args.every == 0
    results = {"command": " ".join(["python benchmarks/rhythm_context.py", *sys.argv[1:]])}
    not_af_lt, not_af_ds1 = ~lt[1], ~ds1[1]
    s_lt, s_ds1 = lt[2] == "S", ds1[2] == "S"

    # AF and S per beat on ltafdb records held out by record.
    af_pred = np.zeros(len(lt[0]), dtype=bool)
    s_proba = np.zeros(len(lt[0]))
    for k, (train, test) in enumerate(GroupKFold(args.folds).split(lt[0], groups=lt[3])):
        fit = np.zeros(len(lt[0]), dtype=bool)
        fit[train] = True
        fit &= thin
        X_fit = np.concatenate([lt[0][fit], ds1[0]])
        af_fit = np.concatenate([lt[1][fit], ds1[1]])
        af_pred[test] = model().fit(X_fit, af_fit).predict(lt[0][test]).astype(bool)
        # S vs N outside AF (V and Q beats left out).
        sn = np.concatenate([~lt[1][fit] & np.isin(lt[2][fit], ["N", "S"]),
                             not_af_ds1 & np.isin(ds1[2], ["N", "S"])])  # fmt: skip
        y_s = np.concatenate([lt[2][fit], ds1[2]])[sn] == "S"
        s_model = model().fit(X_fit[sn], y_s)
        s_proba[test] = s_model.predict_proba(lt[0][test])[:, 1]
        print(f"fold {k}: {time.perf_counter() - start:.0f} s", flush=True)
    results["ltafdb_af"] = scores(lt[1], af_pred)
    sn_lt = not_af_lt & np.isin(lt[2], ["N", "S"])
    results["ltafdb_s"] = scores(s_lt[sn_lt], s_proba[sn_lt] > 0.5)

    # DS1 with a model trained on ltafdb alone.
    af_model = model().fit(lt[0][thin], lt[1][thin])
    results["ds1_af"] = scores(ds1[1], af_model.predict(ds1[0]).astype(bool))
    sn = thin & sn_lt
    s_model = model().fit(lt[0][sn], s_lt[sn])
    sn_ds1 = not_af_ds1 & np.isin(ds1[2], ["N", "S"])
    results["ds1_s"] = scores(s_ds1[sn_ds1], s_model.predict(ds1[0][sn_ds1]).astype(bool))

    # DS2 read by a model on ltafdb + DS1.
    af_model = model().fit(np.concatenate([lt[0][thin], ds1[0]]),
                           np.concatenate([lt[1][thin], ds1[1]]))  # fmt: skip
    af2 = af_model.predict(ds2[0]).astype(bool)
    results["ds2_af"] = scores(ds2[1], af2)
    results["ds2_af_per_record"] = {
        r: {"beats": int((ds2[3] == r).sum()), "af_true": int(ds2[1][ds2[3] == r].sum()),
            "af_called": int(af2[ds2[3] == r].sum())}
        for r in DS2
    }  # fmt: skip
    results["seconds"] = time.perf_counter() - start
    write_json("rhythm_context", results)
    text = markdown(read_json("rhythm_context"))
    print(text)
    write_section("rhythm_context", text, NEGATIVE_MD)  # the former AF rule


def score_row(name, r) -> str:
    """A table row of :func:`scores`: Se and +P in %, then TP, FN and FP."""
    return (f"| {name} | {100 * r['se']:.1f} | {100 * r['ppv']:.1f} | {r['tp']} | "
            f"{r['fn']} | {r['fp']} |")  # fmt: skip


def markdown(results) -> str:
    """The docs section, from the JSON that :func:`main` writes."""
    per = results["ds2_af_per_record"]
    called = ", ".join(
        f"{r} {v['af_called']}/{v['beats']}"
        for r, v in per.items()
        if v["af_called"] or v["af_true"]
    )
    return "\n".join([
        "## Rhythm context from beat timing (Long-Term AF Database and MIT-BIH)",
        "",
        f"Command: `{results['command']}`; {results['seconds']:.0f} s. Per beat, "
        "`rr_context_features` + `HistGradientBoostingClassifier`; AF means rhythm (AFIB "
        "or (AFL. ltafdb rows: records held out by record (the model trained on the other "
        "ltafdb records, every 10th beat, and DS1). DS1 rows: a model trained on ltafdb "
        "alone. DS2 rows: a model on ltafdb + DS1. S rows: S versus N beats outside AF.",
        "",
        "| task | Se % | +P % | TP | FN | FP |",
        "|---|---|---|---|---|---|",
        score_row("AF, ltafdb held out", results["ltafdb_af"]),
        score_row("AF, DS1", results["ds1_af"]),
        score_row("AF, DS2", results["ds2_af"]),
        score_row("S vs N outside AF, ltafdb held out", results["ltafdb_s"]),
        score_row("S vs N outside AF, DS1", results["ds1_s"]),
        "",
        f"DS2 beats called AF per record (called / beats): {called}.",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
