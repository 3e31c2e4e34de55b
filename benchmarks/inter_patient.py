"""Inter-patient benchmark (de Chazal et al. 2004): train on DS1, test on DS2.

Trains ``ecg_sklearn.default_pipeline`` on all DS1 beats (reference positions) and
evaluates on DS2 in two settings:

* ``reference``: DS2 beats at the reference annotation positions (as most papers do);
* ``end_to_end``: DS2 records annotated by ``annotate_record`` (the package's own QRS
  detector, windows, classification); each detection is matched to a reference beat
  within 150 ms. Rows "matched beats" classify the matched beats only; rows "bxb" also
  count missed beats and unmatched detections as errors of their class (as PhysioNet's
  bxb does).

Rows "record context" decide each beat in the context of its record
(``ecg_sklearn.rr_context.apply_rhythm_context``, settings chosen on DS1 by
``benchmarks/record_context.py``): timing models fitted on the Long-Term AF Database
(never MIT-BIH) split the network's N-or-S probability by whether the beat is premature
for its rhythm and rule S out where the rhythm is AF (P > 0.9); the probabilities are
also multiplied by the DS1 class shares to the power 0.5.

Rows "without 232" leave out record 232, which holds 1,382 of DS2's 1,837 S beats.

The rows "AF rule" add the optional rhythm rule (``ecg_sklearn.rhythm.exclude_sveb_in_af``:
no S where the rhythm of the beats called N is irregular, as in atrial fibrillation;
``annotate_record(..., af_threshold=0.1)``) to the same networks' probabilities.

Mean and standard deviation over seeds. Writes JSON to
``benchmarks/results/inter_patient.json`` and the tables to ``docs/benchmarks.md``.

Usage: python benchmarks/inter_patient.py [--data-dir PATH] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import read_json, write_json, write_section

from ecg_sklearn import annotate_record, default_pipeline
from ecg_sklearn.annotate import compare_with_reference
from ecg_sklearn.datasets import DS2, get_data_home, load_beat_timing, load_mitdb, load_record
from ecg_sklearn.metrics import classification_report_ec57, pooled_report
from ecg_sklearn.rhythm import exclude_sveb_in_af
from ecg_sklearn.rr_context import apply_rhythm_context, fit_rhythm_models

SETTINGS = (
    "reference",
    "end_to_end",
    "reference_record_context",
    "end_to_end_record_context",
    "reference_AF_rule",
    "end_to_end_AF_rule",
)
LTAFDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "ltafdb"
#: The record-context decision chosen on DS1 (benchmarks/record_context.py).
CONTEXT = {"af_threshold": 0.9, "sveb": "replace", "prior_power": 0.5}

PUBLISHED = [  # (work, S Se, S +P, V Se, V +P) from ../shared/README.md
    ("de Chazal et al. 2004 (LDA)", 76, 38, 77, 82),
    ("Llamedo & Martinez 2011", 77, 39, 81, 87),
    ("Mar et al. 2011", 83.2, 33.5, 86.8, 75.9),
    ("Zhang et al. 2014 (SVM)", 79.1, 36.0, 85.5, 92.7),
    ("Lin & Yang 2014", 81, 31, 86, 73),
    ("Garcia et al. 2017", 62.0, 53.0, 87.3, 59.4),
]
PUBLISHED_F1 = [("Niu et al. 2020 (symbolic CNN)", 76.6, 89.7), ("Xu et al. 2022", 82.8, 91.7)]


def end_to_end(pipe, home, models, priors):
    """Annotate every DS2 record and compare with the reference, pooled.

    Returns the reports without a rule, with the record context and with the AF rule,
    all from one annotation pass.
    """
    plain, context, ruled = [], [], []
    for record in DS2:
        rec = load_record(record, home, leads="MLII")
        result = annotate_record(pipe, rec.signal, rec.fs)
        proba, _ = exclude_sveb_in_af(result.proba, result.classes, result.beat_samples, result.fs)
        in_context = apply_rhythm_context(
            result.proba, result.classes, result.beat_samples, result.fs, models,
            priors=priors, **CONTEXT,
        ).proba  # fmt: skip
        for comparisons, label in (
            (plain, result.beat_labels),
            (context, result.classes[in_context.argmax(axis=1)]),
            (ruled, result.classes[proba.argmax(axis=1)]),
        ):
            comparisons.append(compare_with_reference(rec, result.beat_samples, label))
    return pooled_report(plain), pooled_report(context), pooled_report(ruled)


def per_record(groups, y_true, y_pred):
    rows = {}
    for record in np.unique(groups):
        m = groups == record
        r = classification_report_ec57(y_true[m], y_pred[m])
        rows[str(record)] = {
            c: {k: r["per_class"][c][k] for k in ("support", "se", "ppv")} for c in ("S", "V")
        }
    return rows


def af_rule_per_record(test, y_pred, y_ruled, irregular):
    """Per record: beats under the AF rule, and the S beats it lost and false S it removed."""
    changed = (y_pred == "S") & (y_ruled != "S")
    rows = {}
    for record in np.unique(test.groups[irregular]):
        m = test.groups == record
        rows[str(record)] = {
            "irregular": int(irregular[m].sum()),
            "true_s_lost": int((changed & m & (test.y == "S")).sum()),
            "false_s_removed": int((changed & m & (test.y != "S")).sum()),
        }
    return rows


SUMMARY_KEYS = [
    ("S", "se"), ("S", "ppv"), ("S", "f1"), ("V", "se"), ("V", "ppv"), ("V", "f1"),
    ("N", "se"), ("N", "ppv"), ("F", "se"), ("F", "ppv"),
]  # fmt: skip


def summarise(reports):
    out = {}
    for c, k in SUMMARY_KEYS:
        vals = np.array([r["per_class"][c][k] for r in reports], dtype=float)
        out[f"{c}_{k}"] = (float(np.nanmean(vals)), float(np.nanstd(vals)))
    n_as_f = np.array([r["confusion_matrix"][0][3] for r in reports], dtype=float)
    out["N_called_F"] = (float(n_as_f.mean()), float(n_as_f.std()))
    for k in ("accuracy", "macro_f1", "j_index"):
        vals = np.array([r[k] for r in reports], dtype=float)
        out[k] = (float(vals.mean()), float(vals.std()))
    return out


def _rows(results):
    """(setting, summary key, row name) of the summary table (the AF rule left out)."""
    for setting in SETTINGS:
        if setting.endswith("AF_rule"):
            continue
        name = setting.replace("_AF", ", AF").replace("_", " ")
        if setting.startswith("end_to_end"):
            yield setting, "summary", f"{name} (matched beats)"
            yield setting, "summary_bxb", f"{name} (bxb)"
        else:
            yield setting, "summary", name
        if "summary_without_232" in results[setting]:
            yield setting, "summary_without_232", f"{name}, without 232"


def _pm(pair, scale=100, digits=1):
    return f"{scale * pair[0]:.{digits}f} ± {scale * pair[1]:.{digits}f}"


def markdown(results) -> str:
    lines = [
        "## Inter-patient benchmark (DS1 → DS2)",
        "",
        f"Command: `{results['command']}`; {len(results['seeds'])} seeds "
        f"({', '.join(map(str, results['seeds']))}); total run time "
        f"{results['seconds']:.0f} s on this 2-core CPU machine.",
        "",
        "Mean ± standard deviation over seeds, in %.",
        "",
        "| setting | S Se | S +P | S F1 | V Se | V +P | V F1 | N Se | F Se | accuracy "
        "| macro-F1 | j-index (0-4) | N beats called F |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for setting, key, name in _rows(results):
        s = results[setting][key]
        lines.append(
            f"| {name} | {_pm(s['S_se'])} | {_pm(s['S_ppv'])} | "
            f"{_pm(s['S_f1'])} | {_pm(s['V_se'])} | {_pm(s['V_ppv'])} | {_pm(s['V_f1'])} | "
            f"{_pm(s['N_se'])} | {_pm(s['F_se'])} | {_pm(s['accuracy'])} | "
            f"{_pm(s['macro_f1'])} | {_pm(s['j_index'], 1, 3)} | "
            f"{_pm(s['N_called_F'], 1, 0)} |"
        )
    lines += [
        "",
        "Published results (reference beat positions):",
        "",
        "| work | S Se | S +P | S F1 | V Se | V +P | V F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for work, sse, sppv, vse, vppv in PUBLISHED:
        sf1, vf1 = 2 * sse * sppv / (sse + sppv), 2 * vse * vppv / (vse + vppv)
        lines.append(f"| {work} | {sse} | {sppv} | {sf1:.1f} | {vse} | {vppv} | {vf1:.1f} |")
    for work, sf1, vf1 in PUBLISHED_F1:
        lines.append(f"| {work} | | | {sf1} | | | {vf1} |")
    det = results["end_to_end"]["reports"][0]["detection"]
    lines += [
        "",
        f"End to end (seed {results['seeds'][0]}): {det['matched']} DS2 beats matched, "
        f"{det['missed']} missed (by class {det['missed_by_class']}), "
        f"{det['unmatched_detections']} detections matching no reference beat; detection "
        f"Se {100 * det['se']:.2f}%, +P {100 * det['ppv']:.2f}%.",
        "",
        f"Confusion matrix, reference positions, seed {results['seeds'][0]} "
        "(rows true, columns predicted, order N S V F Q):",
        "",
        "```",
        *[
            " ".join(f"{v:6d}" for v in row)
            for row in results["reference"]["reports"][0]["confusion_matrix"]
        ],
        "```",
        "",
        f"Per record (seed {results['seeds'][0]}, reference positions), records with S or V beats:",
        "",
        "| record | S beats | S Se | S +P | V beats | V Se | V +P |",
        "|---|---|---|---|---|---|---|",
    ]
    for record, r in results["reference"]["per_record"].items():
        s, v = r["S"], r["V"]
        if s["support"] or v["support"]:
            f = lambda x: "" if x != x else f"{100 * x:.1f}"  # noqa: E731  (NaN -> blank)
            lines.append(
                f"| {record} | {s['support']} | {f(s['se'])} | {f(s['ppv'])} | "
                f"{v['support']} | {f(v['se'])} | {f(v['ppv'])} |"
            )
    lines += [
        "",
        "The rows of the AF rule (an option, off by default; docs/negative_results.md), "
        "with the records where it applied, are in benchmarks/results/inter_patient.json.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ltafdb", default=str(LTAFDB), help="Long-Term AF Database folder")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    home = get_data_home(args.data_dir)
    train = load_mitdb("DS1", home)
    test = load_mitdb("DS2", home)
    results = {"seeds": args.seeds, **{setting: {"reports": []} for setting in SETTINGS}}
    models = fit_rhythm_models(
        load_beat_timing(p.stem, args.ltafdb) for p in sorted(Path(args.ltafdb).glob("*.atr"))
    )
    print(f"rhythm models fitted on ltafdb: {time.perf_counter() - start:.0f} s", flush=True)
    for seed in args.seeds:
        t = time.perf_counter()
        pipe = default_pipeline(train.fs, random_state=seed, verbose=0)
        pipe.fit(train.X, train.y, cnn__groups=train.groups)
        fit_s = time.perf_counter() - t
        proba, classes = pipe.predict_proba(test.X), pipe.classes_
        y_pred = classes[proba.argmax(axis=1)]
        ref = classification_report_ec57(test.y, y_pred)
        ref["fit_seconds"] = fit_s
        ref["epochs"] = len(pipe[-1].history)
        results["reference"]["reports"].append(ref)
        not_232 = test.groups != "232"
        results["reference"].setdefault("reports_without_232", []).append(
            classification_report_ec57(test.y[not_232], y_pred[not_232])
        )
        priors = np.array([np.mean(train.y == c) for c in classes])
        y_context = classes[apply_rhythm_context(
            proba, classes, test.samples, test.fs, models, groups=test.groups,
            priors=priors, **CONTEXT,
        ).proba.argmax(axis=1)]  # fmt: skip
        results["reference_record_context"]["reports"].append(
            classification_report_ec57(test.y, y_context)
        )
        results["reference_record_context"].setdefault("reports_without_232", []).append(
            classification_report_ec57(test.y[not_232], y_context[not_232])
        )
        if seed == args.seeds[0]:
            results["reference_record_context"]["per_record"] = per_record(
                test.groups, test.y, y_context
            )
        ruled, irregular = exclude_sveb_in_af(
            proba, classes, test.samples, test.fs, groups=test.groups
        )
        y_ruled = classes[ruled.argmax(axis=1)]
        rule = classification_report_ec57(test.y, y_ruled)
        rule["irregular_beats"] = int(irregular.sum())
        results["reference_AF_rule"]["reports"].append(rule)
        if seed == args.seeds[0]:
            results["reference"]["per_record"] = per_record(test.groups, test.y, y_pred)
        results["reference_AF_rule"].setdefault("per_record", []).append(
            af_rule_per_record(test, y_pred, y_ruled, irregular)
        )
        e2e, e2e_context, e2e_ruled = end_to_end(pipe, home, models, priors)
        results["end_to_end"]["reports"].append(e2e)
        results["end_to_end_record_context"]["reports"].append(e2e_context)
        results["end_to_end_AF_rule"]["reports"].append(e2e_ruled)
        last = {setting: results[setting]["reports"][-1]["per_class"] for setting in SETTINGS}
        print(
            f"seed {seed}: fit {fit_s:.0f} s ({ref['epochs']} epochs); S-F1 / V-F1 "
            + "; ".join(
                f"{setting} {c['S']['f1']:.3f} / {c['V']['f1']:.3f}" for setting, c in last.items()
            )
            + f"; rule applied to {irregular.sum()} DS2 beats at the reference positions",
            flush=True,
        )
    for setting in SETTINGS:
        reports = results[setting]["reports"]
        results[setting]["summary"] = summarise(reports)
        if setting.startswith("end_to_end"):
            results[setting]["summary_bxb"] = summarise([r["bxb"] for r in reports])
    for setting in ("reference", "reference_record_context"):
        results[setting]["summary_without_232"] = summarise(results[setting]["reports_without_232"])
    results["seconds"] = time.perf_counter() - start
    results["command"] = " ".join(["python benchmarks/inter_patient.py", *(argv or sys.argv[1:])])
    text = markdown(results)
    print(text)
    print(f"Total run time: {results['seconds']:.0f} s")
    if not args.no_write:
        write_json("inter_patient", results)
        write_section("inter_patient", markdown(read_json("inter_patient")))


if __name__ == "__main__":
    main()
