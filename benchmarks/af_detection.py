"""Atrial fibrillation per beat from timing and dominant-like beats.

The AF model (``ecg_sklearn.record.af_probability``) reads ``af_features``: the rhythm
context of ``rr_context_features`` and the irregularity of the intervals between
consecutive dominant-like beats. It is fitted on the Long-Term AF Database (every 10th
beat; beats labelled V or F are not dominant-like, as it has no signals) and never on
MIT-BIH. Each beat's probability is the running median over 61 beats; a beat is in AF
(rhythm ``(AFIB`` or ``(AFL``) above
0.8. Rows:

* ltafdb records held out by record (GroupKFold, the model fitted on the other folds);
  dominant-like from the labels;
* DS1 and DS2 with the model fitted on all ltafdb records (the shipped ``ltafdb-af``):
  dominant-like where the QRS correlates at least 0.8 with the record's dominant beat
  (``dominant_similarity``, reference beat positions, first lead). The similarity cut,
  the smoothing and the threshold were chosen on DS1, so its row is not held out;
* the timing-only model of the default pipeline's rhythm context (``ltafdb-rhythm``, P
  > 0.9) on DS1 and DS2, for comparison.

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
from ecg_sklearn.record import af_probability, load_af_model, load_rhythm_models
from ecg_sklearn.record._af import AF_THRESHOLD, DOMINANT_LIKE
from ecg_sklearn.record._rhythm import rhythm_probabilities

EVERY = 10


def mitdb_rows(home, records, af_model, rhythm_models):
    """AF truth, the AF model's calls and the timing-only calls, per record."""
    out = {}
    for record in records:
        t = load_beat_timing(record, home)
        signal = load_record(record, home, leads=[("MLII", "V5")]).signal
        like = dominant_similarity(signal, t.beat_samples, t.fs) >= DOMINANT_LIKE
        p = af_probability(t.beat_samples, t.fs, like, model=af_model)
        timing = rhythm_probabilities(t.beat_samples, t.fs, rhythm_models).p_af
        out[record] = (np.isin(t.rhythm, AF_RHYTHMS), p > AF_THRESHOLD, timing > 0.9)
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
        "ltafdb_held_out": scores(np.concatenate(truth), np.concatenate(called)),
    }
    home = get_data_home(args.data_dir)
    af_model, rhythm_models = load_af_model(), load_rhythm_models()
    for name, recs in (("ds1", DS1), ("ds2", DS2)):
        rows = mitdb_rows(home, recs, af_model, rhythm_models)
        results[name] = pooled(rows, 1)
        results[f"{name}_timing_only"] = pooled(rows, 2)
        results[f"{name}_false_af"] = {
            r: [int((~v[0] & v[1]).sum()), int((~v[0] & v[2]).sum())]
            for r, v in rows.items()
            if (~v[0] & (v[1] | v[2])).sum() >= 50
        }
    results["seconds"] = time.perf_counter() - start
    write_json("af_detection", results)
    text = markdown(read_json("af_detection"))
    print(text)
    write_section("af_detection", text)


def markdown(results) -> str:
    """The docs section, from the JSON that :func:`main` writes."""

    def false_af(name):
        return ", ".join(f"{r} {a} / {b}" for r, (a, b) in results[f"{name}_false_af"].items())

    return "\n".join([
        "## Atrial fibrillation per beat (timing and dominant-like beats)",
        "",
        f"Command: `{results['command']}`; {results['seconds']:.0f} s. "
        "`ecg_sklearn.features`: AF or flutter where the running median (61 "
        "beats) of the AF model's probability exceeds 0.8. ltafdb: records held out by "
        "record (dominant-like: not labelled V or F). DS1, DS2: the shipped `ltafdb-af` "
        "(dominant-like: QRS correlation with the dominant beat at least 0.8); DS1 chose "
        "the cut, the smoothing and the threshold. Timing only: the rhythm context's AF "
        "model at P > 0.9.",
        "",
        "| rows | Se % | +P % | TP | FN | FP |",
        "|---|---|---|---|---|---|",
        score_row("ltafdb held out", results["ltafdb_held_out"]),
        score_row("DS1", results["ds1"]),
        score_row("DS1, timing only", results["ds1_timing_only"]),
        score_row("DS2", results["ds2"]),
        score_row("DS2, timing only", results["ds2_timing_only"]),
        "",
        f"Records with 50 or more false AF beats (this model / timing only): DS1 "
        f"{false_af('ds1')}; DS2 {false_af('ds2')}.",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
