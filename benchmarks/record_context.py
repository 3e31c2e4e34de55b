"""Record-level decisions on DS1: rhythm context and prior correction, out of fold.

Works on the pooled out-of-fold probabilities of ``benchmarks/ds1_oof.py`` (every DS1
beat predicted by networks that never saw its patient, several seeds) and changes only
the decision:

* AF rule: the AF model shipped with the package (``af_probability``, fitted on the
  Long-Term AF Database alone; never DS1 or DS2) gives each DS1 beat a probability of
  atrial fibrillation or flutter from the rhythm and the beats like the dominant one;
  above a threshold (0.8, 0.9, 0.95), S is ruled out (its probability moves to N: no
  beat in AF is supraventricular ectopic; ``rule_out_sveb_in_af``).
* S versus N: the timing model's P(S | rhythm) replaces the network's split of N-or-S
  (``sveb="replace"``) or is combined with it as evidence (``"combine"``, odds product).
* dominant beat: V and F are ruled out for beats whose QRS correlates above a threshold
  with their record's dominant beat (``ecg_sklearn.features._dominant``: the QRS shape most
  of the record's beats share, found without labels), then the AF rule.
* prematurity: S is ruled out for beats whose preceding interval exceeds a fraction of
  the 75th percentile of those of the beats called N among their 30 neighbours on
  either side (``ecg_sklearn.record._prematurity``), on top of the AF and dominant-beat rules.
* timing: after the similar beats, S ruled out above 0.8 or above the record's own
  threshold (``sveb_prematurity="record"``), with or without the rule for runs of S
  that start and end gradually (``rule_out_gradual_sveb``) and the V timing rule
  (``rule_out_timely_veb``).
* rule in: after the similar beats and the timing rules, beats called N below a
  fraction of that reference, with the dominant beat's QRS and another P wave, outside
  AF, become S (``rule_in_premature_sveb``).
* ``prior``: the network is trained with balanced class weights, so its probabilities
  are those of a world where every class is equally common. Multiplying them by the
  training share of each class to the power ``alpha`` (0: unchanged, 1: the Bayes
  decision under the training priors) trades sensitivity of the rare classes (S, F) for
  precision; ``alpha`` is chosen here, on DS1.

Scores are pooled over all DS1 beats, per seed. DS2 is never loaded. The section goes to
``docs/model_selection.md``: it is the DS1 selection of the default's decision (in bold:
``dominant_threshold=0.95`` in the pipeline, then ``RecordDecision``'s steps).

With ``--oof NAME`` it scores the predictions of a candidate configuration
(``ds1_oof.py --name NAME``) instead, to ``benchmarks/results/record_context_NAME.json``
only.

Usage: python benchmarks/record_context.py [--ltafdb PATH] [--data-dir PATH] [--oof NAME]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np
from _common import (
    MODEL_SELECTION_MD,
    RESULTS,
    read_json,
    record_features,
    write_json,
    write_section,
)
from _fitting import fit_rhythm_models
from rhythm_context import LTAFDB
from sklearn.model_selection import GroupKFold
from sklearn.utils import Bunch

from ecg_sklearn.features import dominant_similarity
from ecg_sklearn.io import get_data_home, load_beat_timing, load_record
from ecg_sklearn.metrics import classification_report_ec57
from ecg_sklearn.record import (
    AF_THRESHOLD,
    apply_rhythm_context,
    loaded_rule_in_evidence,
    rule_in_compensated_veb,
    rule_in_premature_sveb,
    rule_out_gradual_sveb,
    rule_out_sveb_in_af,
    rule_out_sveb_in_noise,
    rule_out_sveb_unlike_dominant,
    rule_out_timely_sveb,
    rule_out_timely_veb,
    rule_out_unlike_dominant,
    self_teach,
    smooth_over_similar_beats,
)
from ecg_sklearn.record._chain import SVEB_PREMATURITY
from ecg_sklearn.record._dominant import SVEB_UNLIKE
from ecg_sklearn.record._loaded import loaded_af_probability
from ecg_sklearn.record._prematurity import PREMATURITY_THRESHOLD as FIXED_PREMATURITY
from ecg_sklearn.record._rhythm import rhythm_probabilities
from ecg_sklearn.record._runs import ONSET_RATIO, RETURN_RATIO
from ecg_sklearn.record._similar import N_NEIGHBORS, OWN_WEIGHT
from ecg_sklearn.record._ventricular import VEB_PREMATURITY_THRESHOLD

ALPHAS = (0.0, 0.5, 1.0)
SHOWN_ALPHAS = (0.0, 0.5)  # rows in the docs
DOMINANT_THRESHOLDS = (None, 0.9, 0.95, 0.97, 0.99)
DEFAULT_DOMINANT = 0.95
PREMATURITY_THRESHOLDS = (None, 0.8, 0.85, 0.9, 0.95)
SHOWN_PREMATURITY = (None, 0.8, 0.85, 0.9)  # rows in the docs
#: (n_neighbors, weight) of the similar-beat averaging; None: without.
SIMILAR_SETTINGS = (None, (10, 0.5), (10, 0.2), (20, 0.2))
DEFAULT_SIMILAR = (N_NEIGHBORS, OWN_WEIGHT)
SVEB_NAMES = {None: "network", "replace": "timing", "combine": "both (odds product)"}
AF_THRESHOLDS = (0.8, AF_THRESHOLD, 0.95)
RULE_IN_THRESHOLDS = (None, 0.75, 0.8, 0.85)
#: (sveb_prematurity, sveb_gradual, sveb_noise, veb_prematurity, veb_compensated) after
#: the similar beats; in bold the default.
TIMING_SETTINGS = ((0.8, False, False, None, False), ("record", False, False, None, False),
                   (0.8, False, False, 0.95, False), ("record", False, False, 0.95, False),
                   ("record", True, False, 0.95, False), ("record", True, True, 0.95, False),
                   ("record", True, True, 0.95, True))  # fmt: skip
DEFAULT_TIMING = (SVEB_PREMATURITY, True, True, VEB_PREMATURITY_THRESHOLD, True)
DEFAULT_RULE_IN = None  # annotate_record's sveb_rule_in: no rule in


def default_decision(proba, classes, samples, fs, groups, p_af, features, rule_in=None,
                     evidence=None, unlike=SVEB_UNLIKE):  # fmt: skip
    """``RecordDecision(sveb_rule_in=rule_in, sveb_unlike=unlike)``'s steps as this grid
    composes them: the AF rule, the similar beats (and the AF rule again), the timing
    rules, the P-wave rule in (with ``rule_in``), the record teaching itself, then S ruled
    out for beats unlike the dominant one (with ``unlike``; ``evidence["qrs_similarity"]``)
    (``tests/test_decision_chain.py`` checks they agree)."""
    proba = af_rule(proba, classes, p_af, AF_THRESHOLD)
    proba = smooth_over_similar_beats(proba, features, groups=groups)
    proba = af_rule(proba, classes, p_af, AF_THRESHOLD)  # again: similar beats may carry S
    proba = timing_rules(proba, classes, samples, fs, groups, *DEFAULT_TIMING)
    if rule_in is not None:
        proba = rule_in_premature_sveb(
            proba, classes, samples, fs, evidence, groups=groups, threshold=rule_in
        )
    proba = self_teach(proba, classes, samples, features, p_af=p_af, groups=groups)
    if unlike is None:
        return proba
    return rule_out_sveb_unlike_dominant(proba, classes, evidence["qrs_similarity"], unlike)


def training_priors(y, groups, classes, folds):
    """Per beat, the class shares of the records its fold's network was trained on."""
    priors = np.zeros((len(y), len(classes)))
    for train, test in GroupKFold(folds).split(y, groups=groups):
        priors[test] = [np.mean(y[train] == c) for c in classes]
    return priors


def af_rule(proba, classes, p_af, threshold):
    """S ruled out where ``p_af`` exceeds ``threshold`` (None: nowhere)."""
    if threshold is None:
        return proba
    return rule_out_sveb_in_af(proba, classes, np.where(p_af > threshold, 1.0, 0.0))


def timing_rules(proba, classes, samples, fs, groups, sveb, gradual, noise, veb, compensated):
    """The S prematurity rule (threshold ``sveb``), the rules for gradual runs of S and
    S in noise (if ``gradual``, ``noise``), then the V timing rule (``veb``) and the
    compensatory pause rule (if ``compensated``)."""
    proba = rule_out_timely_sveb(proba, classes, samples, groups=groups, threshold=sveb)
    if gradual:
        proba = rule_out_gradual_sveb(proba, classes, samples, groups=groups)
    if noise:
        proba = rule_out_sveb_in_noise(proba, classes, samples, fs, groups=groups)
    if veb is not None:
        proba = rule_out_timely_veb(proba, classes, samples, groups=groups, threshold=veb)
    if compensated:
        proba = rule_in_compensated_veb(proba, classes, samples, groups=groups)
    return proba


def summary(y, y_pred):
    r = classification_report_ec57(y, y_pred)
    cm = np.array(r["confusion_matrix"])
    out = {f"{c}_{k}": r["per_class"][c][k] for c in ("S", "V") for k in ("se", "ppv", "f1")}
    out["score"] = (out["S_f1"] + out["V_f1"]) / 2
    out["N_called_F"] = int(cm[0, 3])
    out["N_called_S"] = int(cm[0, 1])
    out["N_called_V"] = int(cm[0, 2])
    out["S_called_N"] = int(cm[1, 0])
    out["F_se"] = r["per_class"]["F"]["se"]
    return out


def similarities(samples, groups, fs, data_dir):
    """Each beat's likeness to its record's dominant beat (MLII), record by record."""
    out = np.zeros(len(samples), dtype=np.float32)
    for record in np.unique(groups):
        rows = groups == record
        signal = load_record(record, data_dir, leads=["MLII"], fs=fs).signal
        out[rows] = dominant_similarity(signal, samples[rows], fs)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ltafdb", default=str(LTAFDB))
    parser.add_argument("--data-dir", default=None, help="MIT-BIH (for the signals)")
    parser.add_argument("--oof", default="ds1_oof", help="name of ds1_oof.py's files")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    oof = np.load(RESULTS / f"{args.oof}.npz")
    classes, y, groups = oof["classes"], oof["y"], oof["groups"]
    samples, fs = oof["samples"], float(oof["fs"])
    seeds = sorted(k for k in oof.files if k.startswith("seed"))
    models = fit_rhythm_models(
        load_beat_timing(p.stem, args.ltafdb) for p in sorted(Path(args.ltafdb).glob("*.atr"))
    )
    rhythm = rhythm_probabilities(samples, fs, models, groups=groups)
    priors = training_priors(y, groups, classes, int(read_json(args.oof)["folds"]))
    home = get_data_home(args.data_dir)
    leads = dict.fromkeys(map(str, np.unique(groups)), ["MLII"])
    loaded = Bunch(groups=groups, samples=samples, fs=fs, record_leads=leads)
    p_af = loaded_af_probability(loaded, home)
    rows = []
    for sveb in (None, "replace", "combine"):
        for threshold in (None, *AF_THRESHOLDS):
            for alpha in ALPHAS:
                per_seed = {}
                for seed in seeds:
                    proba = apply_rhythm_context(
                        oof[seed], classes, samples, fs, models, groups=groups,
                        sveb=sveb, priors=priors, prior_power=alpha, rhythm=rhythm,
                    ).proba  # fmt: skip
                    proba = af_rule(proba, classes, p_af, threshold)
                    per_seed[seed] = summary(y, classes[proba.argmax(axis=1)])
                rows.append({"sveb": sveb, "af": threshold, "alpha": alpha, "per_seed": per_seed})
                scores = " ".join(f"{v['score']:.3f}" for v in per_seed.values())
                print(f"S vs N {sveb}, AF > {threshold}, alpha {alpha:.2f}: {scores}")
    similarity = similarities(samples, groups, fs, home)
    features = record_features(groups, samples, fs, home)
    dominant_rows = []
    for threshold in DOMINANT_THRESHOLDS:
        per_seed = {}
        for seed in seeds:
            proba = oof[seed].astype(np.float64)
            if threshold is not None:
                proba = rule_out_unlike_dominant(proba, classes, similarity, threshold)
            proba = af_rule(proba, classes, p_af, AF_THRESHOLD)
            per_seed[seed] = summary(y, classes[proba.argmax(axis=1)])
        dominant_rows.append({"threshold": threshold, "per_seed": per_seed})
        scores = " ".join(f"{v['score']:.3f}" for v in per_seed.values())
        print(f"V and F ruled out above similarity {threshold}, AF rule: {scores}")
    in_record = {  # the pipeline's decision and the AF rule
        seed: af_rule(
            rule_out_unlike_dominant(
                oof[seed].astype(np.float64), classes, similarity, DEFAULT_DOMINANT
            ),
            classes, p_af, AF_THRESHOLD,
        )
        for seed in seeds
    }  # fmt: skip
    prematurity_rows = []
    for threshold in PREMATURITY_THRESHOLDS:
        per_seed = {}
        for seed in seeds:
            proba = in_record[seed].copy()
            if threshold is not None:
                proba = rule_out_timely_sveb(
                    proba, classes, samples, groups=groups, threshold=threshold
                )
            per_seed[seed] = summary(y, classes[proba.argmax(axis=1)])
        prematurity_rows.append({"threshold": threshold, "per_seed": per_seed})
        scores = " ".join(f"{v['score']:.3f}" for v in per_seed.values())
        print(f"default, S ruled out above prematurity {threshold}: {scores}")
    similar_rows = []
    for setting in SIMILAR_SETTINGS:
        per_seed = {}
        for seed in seeds:
            proba = in_record[seed].copy()
            if setting is not None:
                n_neighbors, weight = setting
                proba = smooth_over_similar_beats(
                    proba, features, groups=groups, n_neighbors=n_neighbors, weight=weight
                )
            proba = rule_out_timely_sveb(proba, classes, samples, groups=groups)
            per_seed[seed] = summary(y, classes[proba.argmax(axis=1)])
        similar_rows.append({"setting": setting, "per_seed": per_seed})
        scores = " ".join(f"{v['score']:.3f}" for v in per_seed.values())
        print(f"similar beats {setting}, then the prematurity rule: {scores}")
    evidence = loaded_rule_in_evidence(loaded, home)
    evidence["p_af"] = p_af
    smoothed = {
        seed: smooth_over_similar_beats(in_record[seed].copy(), features, groups=groups)
        for seed in seeds
    }
    timing_rows = []
    for setting in TIMING_SETTINGS:
        per_seed = {}
        for seed in seeds:
            proba = timing_rules(smoothed[seed].copy(), classes, samples, fs, groups, *setting)
            per_seed[seed] = summary(y, classes[proba.argmax(axis=1)])
        timing_rows.append({"setting": list(setting), "per_seed": per_seed})
        scores = " ".join(f"{v['score']:.3f}" for v in per_seed.values())
        print(f"similar beats, then S prematurity, gradual runs, noise, V prematurity {setting}: "
              f"{scores}")  # fmt: skip
    rule_in_rows = []
    for threshold in RULE_IN_THRESHOLDS:
        per_seed = {}
        for seed in seeds:
            proba = default_decision(
                rule_out_unlike_dominant(
                    oof[seed].astype(np.float64), classes, similarity, DEFAULT_DOMINANT
                ),
                classes, samples, fs, groups, p_af, features, threshold, evidence,
            )  # fmt: skip
            per_seed[seed] = summary(y, classes[proba.argmax(axis=1)])
        rule_in_rows.append({"threshold": threshold, "per_seed": per_seed})
        scores = " ".join(f"{v['score']:.3f}" for v in per_seed.values())
        print(f"then S ruled in below prematurity {threshold}: {scores}")
    af_beats = p_af > AF_THRESHOLD
    results = {
        "command": " ".join(["python benchmarks/record_context.py", *sys.argv[1:]]),
        "seeds": seeds,
        "rows": rows,
        "dominant_rows": dominant_rows,
        "prematurity_rows": prematurity_rows,
        "similar_rows": similar_rows,
        "timing_rows": timing_rows,
        "rule_in_rows": rule_in_rows,
        "af_called_per_record": {
            str(r): int(af_beats[groups == r].sum()) for r in np.unique(groups)
        },
        "seconds": time.perf_counter() - start,
    }
    name = "record_context" if args.oof == "ds1_oof" else f"record_context_{args.oof}"
    write_json(name, results)
    text = markdown(read_json(name))
    print(text)
    if name == "record_context":
        write_section("record_context", text, MODEL_SELECTION_MD)


def _seed_mean(per_seed, key):
    """The mean over seeds of one figure of a row."""
    return np.mean([figures[key] for figures in per_seed.values()])


def _table_row(label, per_seed, seeds, percents, counts) -> str:
    """A table row: its label, the score per seed, then seed means (in % or counts)."""
    mean = functools.partial(_seed_mean, per_seed)
    cells = [" / ".join(f"{per_seed[s]['score']:.3f}" for s in seeds)]
    cells += [f"{100 * mean(key):.1f}" for key in percents]
    cells += [f"{mean(key):.0f}" for key in counts]
    return f"| {label} | " + " | ".join(cells) + " |"


def _table_start(intro, columns) -> list[str]:
    """The lines that open a table: a blank line, ``intro``, a blank line, the header."""
    return ["", intro, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def markdown(results) -> str:
    """The docs section, from the JSON that :func:`main` writes."""
    seeds = results["seeds"]
    lines = [
        "## Record-level decisions on DS1 (pooled out-of-fold predictions)",
        "",
        f"Command: `{results['command']}` after `python benchmarks/ds1_oof.py`; "
        f"{results['seconds']:.0f} s. Every DS1 beat predicted by default pipelines that "
        "never saw its patient (11-fold GroupKFold), seeds "
        f"{', '.join(s[4:] for s in seeds)}; only the decision changes between rows. "
        "Score: (S-F1 + V-F1) / 2, pooled over DS1, per seed. The rows left out (alpha 1, "
        "the network's split at alpha 0.5, the timing evidence without the AF rule or at "
        "alpha 0) are in benchmarks/results/record_context.json. In bold: the default's "
        "decision on the network's probabilities (the network's S-versus-N split, no prior "
        "correction, S ruled out in AF at `AF_THRESHOLD`), then the default's later steps.",
        "",
        "| S vs N by | S ruled out where | alpha | score per seed | S Se | S +P | S F1 | V F1 "
        "| N called S | N called F |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        shown = row["alpha"] in SHOWN_ALPHAS
        shown &= row["sveb"] is not None or row["alpha"] == 0.0
        timing = row["sveb"] is not None
        if not shown or (timing and (row["af"] is None or row["alpha"] == 0.0)):
            continue  # the whole grid is in the JSON
        per = row["per_seed"]
        where = "nowhere" if row["af"] is None else f"P(AF) > {row['af']}"

        mean = functools.partial(_seed_mean, per)
        default = row["sveb"] is None and row["af"] == AF_THRESHOLD and row["alpha"] == 0.0
        mark = "**" if default else ""
        lines.append(
            f"| {mark}{SVEB_NAMES[row['sveb']]}{mark} | {where} | "
            f"{row['alpha']:.2f} | "
            + " / ".join(f"{per[s]['score']:.3f}" for s in seeds)
            + f" | {100 * mean('S_se'):.1f} | {100 * mean('S_ppv'):.1f} | "
            f"{100 * mean('S_f1'):.1f} | {100 * mean('V_f1'):.1f} | {mean('N_called_S'):.0f} | "
            f"{mean('N_called_F'):.0f} |"
        )
    lines += _table_start(
        "V and F ruled out for beats whose QRS correlates above a threshold with their "
        "record's dominant beat (`dominant_threshold`), then S in AF:",
        ("V and F ruled out where", "score per seed", "V Se", "V +P", "V F1", "F Se",
         "N called V", "N called F"),
    )  # fmt: skip
    for row in results["dominant_rows"]:
        t = row["threshold"]
        mark = "**" if t == DEFAULT_DOMINANT else ""
        where = "nowhere" if t is None else f"similarity > {t}"
        lines.append(
            _table_row(
                f"{mark}{where}{mark}", row["per_seed"], seeds,
                ("V_se", "V_ppv", "V_f1", "F_se"), ("N_called_V", "N_called_F"),
            )
        )  # fmt: skip
    lines += _table_start(
        "On top of both rules, S ruled out for beats whose preceding interval exceeds a "
        "fraction of the 75th percentile of those of the beats called N among their 30 "
        "neighbours on either side (`annotate_record(sveb_prematurity=)`; in bold its default):",
        ("S ruled out where the interval exceeds", "score per seed", "S Se", "S +P", "S F1",
         "N called S", "S called N"),
    )  # fmt: skip
    for row in results.get("prematurity_rows", []):
        t = row["threshold"]
        if t not in SHOWN_PREMATURITY:
            continue  # in the JSON
        mark = "**" if t == FIXED_PREMATURITY else ""
        where = "nowhere (the pipeline's calls)" if t is None else f"{t} of the N beats' reference"
        lines.append(
            _table_row(
                f"{mark}{where}{mark}", row["per_seed"], seeds, ("S_se", "S_ppv", "S_f1"),
                ("N_called_S", "S_called_N"),
            )
        )  # fmt: skip
    lines += _table_start(
        "Between the pipeline's decision and the prematurity rule, each beat's probabilities "
        "averaged with those of its most similar beats of the record among the 1,000 on "
        "either side (`annotate_record(similar_beats=True)`; in bold the default):",
        ("similar beats averaged", "own weight", "score per seed", "S Se", "S +P", "V Se",
         "V +P", "V F1", "N called F"),
    )  # fmt: skip
    for row in results.get("similar_rows", []):
        setting = row["setting"]
        mark = "**" if setting is not None and tuple(setting) == DEFAULT_SIMILAR else ""
        k, w = ("none", "") if setting is None else setting
        lines.append(
            _table_row(
                f"{mark}{k}{mark} | {w}", row["per_seed"], seeds,
                ("S_se", "S_ppv", "V_se", "V_ppv", "V_f1"), ("N_called_F",),
            )
        )  # fmt: skip
    lines += [] if "timing_rows" not in results else _table_start(
        "After the similar beats, the prematurity rule for S with a fixed threshold or the "
        "record's own (`sveb_prematurity=\"record\"`: 0.9 times the 5th percentile of the "
        "ratio among the record's beats called N), and the timing rule for V (beats called "
        "V with P(V) below 0.7, above 0.95 of the reference and with no pause after them, "
        "called N; `veb_prematurity`), and S ruled out for runs of beats called S that "
        f"start and end gradually (the beats around the run at its rate start at "
        f"{ONSET_RATIO} of the interval before or more and are followed by at most "
        f"{RETURN_RATIO} times their last; `sveb_gradual`) and called Q where the "
        "detections come at random (two intervals under 0.35 s and half the record's median "
        "interval, each between two 1.5 times longer, within 6 beats; `sveb_noise`); in bold "
        "the default; last, beats below 0.9 of the reference followed by a full compensatory "
        "pause (with the next interval, 0.95 of two references or more) with P(V) of 0.3 or "
        "more called V (`veb_compensated`):",
        ("S ruled out above", "gradual runs of S", "S in noise", "V timing rule",
         "V with a compensatory pause", "score per seed", "S Se", "S +P", "S F1", "V Se",
         "V +P", "V F1"),
    )  # fmt: skip
    for row in results.get("timing_rows", []):
        sveb, gradual, noise, veb, compensated = row["setting"]
        mark = "**" if (sveb, gradual, noise, veb, compensated) == DEFAULT_TIMING else ""
        where = "the record's own" if sveb == "record" else f"{sveb}"
        rule = "none" if veb is None else f"above {veb}"
        runs, noisy = ("N" if gradual else "kept"), ("Q" if noise else "kept")
        lines.append(
            _table_row(
                f"{mark}{where}{mark} | {runs} | {noisy} | {rule} | "
                f"{'V' if compensated else 'kept'}", row["per_seed"], seeds,
                ("S_se", "S_ppv", "S_f1", "V_se", "V_ppv", "V_f1"), (),
            )
        )  # fmt: skip
    lines += _table_start(
        "After the similar beats and the timing rules, beats called N whose interval is "
        "below a fraction of that reference, with a QRS correlating at least 0.9 with the "
        "dominant beat, a P wave correlating below 0.5 with the dominant P wave (300 to 50 "
        f"ms before the beat) and P(AF) at most {AF_THRESHOLD}, called S "
        "(`annotate_record(sveb_rule_in=)`; in bold its default, no rule in):",
        ("S ruled in where the interval is below", "score per seed", "S Se", "S +P", "S F1",
         "N called S", "S called N"),
    )  # fmt: skip
    for row in results.get("rule_in_rows", []):
        t = row["threshold"]
        mark = "**" if t == DEFAULT_RULE_IN else ""
        where = "nowhere" if t is None else f"{t} of the N beats' reference"
        lines.append(
            _table_row(
                f"{mark}{where}{mark}", row["per_seed"], seeds, ("S_se", "S_ppv", "S_f1"),
                ("N_called_S", "S_called_N"),
            )
        )  # fmt: skip
    called = ", ".join(f"{r} {n}" for r, n in results["af_called_per_record"].items() if n)
    lines += ["", f"DS1 beats in AF (P(AF) > {AF_THRESHOLD}), per record: {called}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
