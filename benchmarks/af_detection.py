"""Atrial fibrillation per beat from timing and dominant-like beats.

The AF model (``ecg_sklearn.record.af_probability``) reads ``af_features``: the rhythm
context of ``rr_context_features`` and the irregularity of the intervals between
consecutive dominant-like beats. It is fitted on the Long-Term AF Database (every 10th
beat; beats labelled V or F are not dominant-like, as it has no signals) and never on
MIT-BIH. Each beat's probability is the running median over 61 beats; a beat is in AF
(rhythm ``(AFIB`` or ``(AFL``) above ``AF_THRESHOLD`` (0.9), which the record-level
decisions also use (no S in AF). Rows:

* ltafdb records held out by record (GroupKFold, the model fitted on the other folds);
  dominant-like from the labels;
* DS1 and DS2 with the model fitted on all ltafdb records (the shipped ``ltafdb-af``):
  dominant-like where the QRS correlates at least 0.8 with the record's dominant beat
  (``dominant_similarity``, reference beat positions, first lead). The similarity cut,
  the smoothing and the threshold were chosen on DS1, so its row is not held out.

Timing alone (``rr_context_features``, no dominant-like beats) is measured by
``benchmarks/rhythm_context.py``.

Usage: python benchmarks/af_detection.py [--ltafdb PATH] [--data-dir PATH] [--folds 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import read_json, write_json, write_section
from _fitting import fit_af_model
from rhythm_context import LTAFDB, score_row, scores
from sklearn.model_selection import GroupKFold

from ecg_sklearn.features import dominant_similarity
from ecg_sklearn.io import DS1, DS2, get_data_home, load_beat_timing, load_record
from ecg_sklearn.io._annotations import AF_RHYTHMS
from ecg_sklearn.record import AF_THRESHOLD, af_probability, load_af_model
from ecg_sklearn.record._af import DOMINANT_LIKE

EVERY = 10


def mitdb_rows(home, records, af_model):
    """AF truth and the AF model's calls, per record."""
    out = {}
    for record in records:
        t = load_beat_timing(record, home)
        signal = load_record(record, home, leads=[("MLII", "V5")]).signal
        like = dominant_similarity(signal, t.beat_samples, t.fs) >= DOMINANT_LIKE
        p = af_probability(t.beat_samples, t.fs, like, model=af_model)
        out[record] = (np.isin(t.rhythm, AF_RHYTHMS), p > AF_THRESHOLD)
    return out


def pooled(rows, k):
    truth = np.concatenate([v[0] for v in rows.values()])
    return scores(truth, np.concatenate([v[k] for v in rows.values()]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ltafdb", default=str(LTAFDB))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    records = sorted(p.stem for p in Path(args.ltafdb).glob("*.atr"))
    timings = [load_beat_timing(r, args.ltafdb) for r in records]
    print(f"ltafdb: {len(records)} records read, {time.perf_counter() - start:.0f} s", flush=True)

    truth, called = [], []
    folds = GroupKFold(args.folds).split(records, groups=records)
    for k, (train, test) in enumerate(folds):
        model = fit_af_model([timings[i] for i in train], every=EVERY)
        for i in test:
            t = timings[i]
            like = ~np.isin(t.beat_labels, ["V", "F"])
            truth.append(np.isin(t.rhythm, AF_RHYTHMS))
            called.append(af_probability(t.beat_samples, t.fs, like, model=model) > AF_THRESHOLD)
        print(f"fold {k}: {time.perf_counter() - start:.0f} s", flush=True)
    results = {
        "command": " ".join(["python benchmarks/af_detection.py", *(argv or sys.argv[1:])]),
        "threshold": AF_THRESHOLD,
        "ltafdb_held_out": scores(np.concatenate(truth), np.concatenate(called)),
    }
    home = get_data_home(args.data_dir)
    af_model = load_af_model()
    for name, recs in (("ds1", DS1), ("ds2", DS2)):
        rows = mitdb_rows(home, recs, af_model)
        results[name] = pooled(rows, 1)
        results[f"{name}_false_af"] = {
            r: int((~v[0] & v[1]).sum()) for r, v in rows.items() if (~v[0] & v[1]).sum() >= 50
        }
    results["seconds"] = time.perf_counter() - start
    write_json("af_detection", results)
    text = markdown(read_json("af_detection"))
    print(text)
    write_section("af_detection", text)


def markdown(results) -> str:
    """The docs section, from the JSON that :func:`main` writes."""

    def false_af(name):
        return ", ".join(f"{r} {n}" for r, n in results[f"{name}_false_af"].items()) or "none"

    return "\n".join([
        "## Atrial fibrillation per beat (timing and dominant-like beats)",
        "",
        f"Command: `{results['command']}`; {results['seconds']:.0f} s. "
        "`ecg_sklearn.features`: AF or flutter where the running median (61 "
        f"beats) of the AF model's probability exceeds {results['threshold']}. ltafdb: "
        "records held out by record (dominant-like: not labelled V or F). DS1, DS2: the "
        "shipped `ltafdb-af` (dominant-like: QRS correlation with the dominant beat at "
        "least 0.8); DS1 chose the cut, the smoothing and the threshold.",
        "",
        "| rows | Se % | +P % | TP | FN | FP |",
        "|---|---|---|---|---|---|",
        score_row("ltafdb held out", results["ltafdb_held_out"]),
        score_row("DS1", results["ds1"]),
        score_row("DS2", results["ds2"]),
        "",
        f"Records with 50 or more false AF beats: DS1 {false_af('ds1')}; DS2 "
        f"{false_af('ds2')}.",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
