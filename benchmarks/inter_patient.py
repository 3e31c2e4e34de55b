"""Inter-patient benchmark (de Chazal et al. 2004): train on DS1, test on DS2.

Trains ``ecg_sklearn.default_pipeline`` on all DS1 beats (reference positions) and
evaluates on DS2 in two settings:

* ``reference``: DS2 beats at the reference annotation positions (as most papers do);
* ``end_to_end``: DS2 records annotated by ``annotate_record`` (the package's own QRS
  detector, windows, classification); each detection is matched to a reference beat
  within 150 ms. Rows "matched beats" classify the matched beats only; rows "bxb" also
  count missed beats and unmatched detections as errors of their class (as PhysioNet's
  bxb does).

The default decides each beat in the context of its record: the pipeline's ``predict``
rules V and F out where the beat's QRS correlates above 0.95 with its record's dominant
beat (``dominant_threshold``); then ``RecordDecision``, as ``annotate_record`` applies
it (from the loaders' ``samples`` and ``groups`` and each record's signal): S is ruled
out in atrial fibrillation (``af_rule_out``), each beat's probabilities are averaged
with those of its most similar beats of the record, and S and V calls that are not
premature for the record are N (``sveb_prematurity``, ``veb_prematurity``). Ablation
rows change only these decisions for the same fitted networks (no refit), at the
reference positions: the network alone, the pipeline's ``predict``, each step left
out, and the default with the optional P-wave rule in (beats called N that are
premature, with the QRS of the record's dominant beat but another P wave, outside AF,
called S: ``rule_in_premature_sveb``).

Rows "without 232" leave out record 232, which holds 1,382 of DS2's 1,837 S beats.

Mean and standard deviation over seeds. Writes JSON to
``benchmarks/results/inter_patient.json``, the tables to ``docs/benchmarks.md`` and S and V
Se against +P beside the published systems to ``docs/figures/inter_patient.png``.

Usage: python benchmarks/inter_patient.py [--data-dir PATH] [--seeds 0 1 2] [--figure-only]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from _common import ROOT, read_json, write_json, write_section

from ecg_sklearn import annotate_record, default_pipeline
from ecg_sklearn.annotate._files import compare_with_reference
from ecg_sklearn.io import DS2, get_data_home, load_mitdb, load_record
from ecg_sklearn.metrics import classification_report_ec57, pooled_report
from ecg_sklearn.record import LoadedBeats, RecordDecision
from ecg_sklearn.record._prematurity import RULE_IN_THRESHOLD as RULE_IN

#: Ablations: decision parameters set on the fitted default, the record-level steps
#: changed from RecordDecision's defaults, and the row's name.
_NO_RECORD_STEP = dict(
    af_rule_out=False, similar_beats=False, sveb_prematurity=None, sveb_gradual=False,
    sveb_noise=False, veb_prematurity=None, veb_compensated=False,
    veb_like_neighbours=None, veb_noise=False,
)  # fmt: skip
ABLATIONS = {
    "network_alone": ({"cnn__dominant_threshold": None}, _NO_RECORD_STEP, "network alone"),
    "pipeline_predict": ({}, _NO_RECORD_STEP, "the pipeline's predict (no record-level step)"),
    "without_af": ({}, {"af_rule_out": False}, "without the AF rule"),
    "without_similar": ({}, {"similar_beats": False}, "without the similar beats"),
    "without_prematurity": (
        {}, {"sveb_prematurity": None, "sveb_gradual": False, "sveb_noise": False,
         "veb_prematurity": None, "veb_compensated": False},
        "without the timing rules"
    ),
    "without_dominant": ({"cnn__dominant_threshold": None}, {}, "without the dominant-beat rule"),
    "with_rule_in": (
        {}, {"sveb_rule_in": RULE_IN},
        "with the P-wave rule in (`annotate_record(sveb_rule_in=0.8)`, not the default)",
    ),
}  # fmt: skip
#: Records with fewer S and V beats together are left out of the per-record table.
PER_RECORD_MIN = 50
#: Settings with a row without record 232.
WITHOUT_232 = ("reference", "reference_network_alone")
#: The classifier's decision parameters (read at prediction).
_DECISION = (
    "cnn__rhythm_context",
    "cnn__prior_power",
    "cnn__sveb_evidence",
    "cnn__dominant_threshold",
)
SETTINGS = ("reference", "end_to_end", *(f"reference_{k}" for k in ABLATIONS))

FIGURE = ROOT / "docs" / "figures" / "inter_patient.png"
PUBLISHED = [  # (work, S Se, S +P, V Se, V +P) from ../shared/README.md
    ("de Chazal et al. 2004 (LDA)", 76, 38, 77, 82),
    ("Llamedo & Martinez 2011", 77, 39, 81, 87),
    ("Mar et al. 2011", 83.2, 33.5, 86.8, 75.9),
    ("Zhang et al. 2014 (SVM)", 79.1, 36.0, 85.5, 92.7),
    ("Lin & Yang 2014", 81, 31, 86, 73),
    ("Garcia et al. 2017", 62.0, 53.0, 87.3, 59.4),
]
PUBLISHED_F1 = [("Niu et al. 2020 (symbolic CNN)", 76.6, 89.7), ("Xu et al. 2022", 82.8, 91.7)]


def end_to_end(pipe, home):
    """Annotate every DS2 record and compare with the reference, pooled."""
    comparisons = []
    for record in DS2:
        rec = load_record(record, home, leads="MLII")
        result = annotate_record(pipe, rec.signal, rec.fs)
        comparisons.append(compare_with_reference(rec, result.beat_samples, result.beat_labels))
    return pooled_report(comparisons)


def per_record(groups, y_true, y_pred):
    rows = {}
    for record in np.unique(groups):
        m = groups == record
        r = classification_report_ec57(y_true[m], y_pred[m])
        rows[str(record)] = {
            c: {k: r["per_class"][c][k] for k in ("support", "se", "ppv")} for c in ("S", "V")
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


def row_names() -> dict:
    """The name of each setting's row (kept in the JSON, with the settings it ran)."""
    names = {"reference": "reference", "end_to_end": "end to end"}
    names.update({f"reference_{k}": f"reference, {name}" for k, (*_, name) in ABLATIONS.items()})
    return names


def _rows(results):
    """(setting, summary key, row name) of the summary table."""
    for setting, name in results["row_names"].items():
        if setting.startswith("end_to_end"):
            yield setting, "summary", f"{name} (matched beats)"
            yield setting, "summary_bxb", f"{name} (bxb)"
        else:
            yield setting, "summary", name
        if setting in WITHOUT_232 and "summary_without_232" in results[setting]:
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
        f"Per record (seed {results['seeds'][0]}, reference positions), records with at least "
        f"{PER_RECORD_MIN} S or V beats (all records in the JSON):",
        "",
        "| record | S beats | S Se | S +P | V beats | V Se | V +P |",
        "|---|---|---|---|---|---|---|",
    ]
    for record, r in results["reference"]["per_record"].items():
        s, v = r["S"], r["V"]
        if s["support"] + v["support"] >= PER_RECORD_MIN:
            f = lambda x: "" if x != x else f"{100 * x:.1f}"  # noqa: E731  (NaN -> blank)
            lines.append(
                f"| {record} | {s['support']} | {f(s['se'])} | {f(s['ppv'])} | "
                f"{v['support']} | {f(v['se'])} | {f(v['ppv'])} |"
            )
    return "\n".join(lines) + "\n"


def figure(results):
    """DS2 S and V sensitivity against positive predictivity: these rows and the published."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.6), sharex=True, sharey=True)
    f1 = np.linspace(0.01, 1, 200)
    markers = "v^<>ph"
    for ax, c in zip(axes, "SV", strict=True):
        for level in (0.5, 0.7, 0.9):  # iso-F1 curves: +P = F1 Se / (2 Se - F1)
            se = f1[2 * f1 > level]
            ax.plot(100 * se, 100 * level * se / (2 * se - level), color="0.85", lw=0.8)
            ax.text(100.5, 100 * level / (2 - level), f"F1 {level}", fontsize=7, color="0.5")
        for (work, s_se, s_ppv, v_se, v_ppv), marker in zip(PUBLISHED, markers, strict=True):
            se, ppv = (s_se, s_ppv) if c == "S" else (v_se, v_ppv)
            ax.plot(se, ppv, marker, color="0.45", ms=6, mfc="none", label=work)
        for setting, key, label, marker in [
            ("reference", "summary", "ecg_sklearn, reference beats", "s"),
            ("end_to_end", "summary_bxb", "ecg_sklearn, end to end (bxb)", "D"),
        ]:
            s = results[setting][key]
            ax.errorbar(100 * s[f"{c}_se"][0], 100 * s[f"{c}_ppv"][0],
                        xerr=100 * s[f"{c}_se"][1], yerr=100 * s[f"{c}_ppv"][1],
                        fmt=marker, ms=6, capsize=2, label=label)  # fmt: skip
        ax.set(title=f"{c} beats, DS2", xlabel="Se (%)", xlim=(40, 106), ylim=(20, 102))
    axes[0].set_ylabel("+P (%)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    FIGURE.parent.mkdir(exist_ok=True)
    fig.savefig(FIGURE, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--figure-only", action="store_true",
        help="redraw the figure from benchmarks/results/inter_patient.json, run nothing",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.figure_only:
        figure(read_json("inter_patient"))
        return
    start = time.perf_counter()
    home = get_data_home(args.data_dir)
    train = load_mitdb("DS1", home)
    test = load_mitdb("DS2", home)
    results = {"seeds": args.seeds, "row_names": row_names()}
    results.update({setting: {"reports": []} for setting in SETTINGS})
    not_232 = test.groups != "232"
    beats = LoadedBeats(test, home)  # similar-beat features and P-wave evidence, kept
    for seed in args.seeds:
        t = time.perf_counter()
        pipe = default_pipeline(train.fs, random_state=seed, verbose=0)
        pipe.fit(train.X, train.y, cnn__groups=train.groups)
        fit_s = time.perf_counter() - t
        decision = {k: v for k, v in pipe.get_params().items() if k in _DECISION}
        for setting, change, steps in [("reference", {}, {})] + [
            (f"reference_{k}", *rest) for k, (*rest, _) in ABLATIONS.items()
        ]:
            proba = pipe.set_params(**change).predict_proba(test.X)
            pipe.set_params(**decision)
            proba = RecordDecision(**steps).decide(proba, pipe.classes_, beats)
            y_pred = pipe.classes_[proba.argmax(axis=1)]
            report = classification_report_ec57(test.y, y_pred)
            results[setting]["reports"].append(report)
            if setting in WITHOUT_232:
                results[setting].setdefault("reports_without_232", []).append(
                    classification_report_ec57(test.y[not_232], y_pred[not_232])
                )
            if seed == args.seeds[0]:
                results[setting]["per_record"] = per_record(test.groups, test.y, y_pred)
        results["reference"]["reports"][-1].update(fit_seconds=fit_s, epochs=len(pipe[-1].history))
        results["end_to_end"]["reports"].append(end_to_end(pipe, home))
        last = {setting: results[setting]["reports"][-1]["per_class"] for setting in SETTINGS}
        print(
            f"seed {seed}: fit {fit_s:.0f} s; S-F1 / V-F1 "
            + "; ".join(f"{k} {c['S']['f1']:.3f} / {c['V']['f1']:.3f}" for k, c in last.items()),
            flush=True,
        )
    for setting in SETTINGS:
        reports = results[setting]["reports"]
        results[setting]["summary"] = summarise(reports)
        if setting.startswith("end_to_end"):
            results[setting]["summary_bxb"] = summarise([r["bxb"] for r in reports])
    for setting in WITHOUT_232:
        results[setting]["summary_without_232"] = summarise(results[setting]["reports_without_232"])
    results["seconds"] = time.perf_counter() - start
    results["command"] = " ".join(["python benchmarks/inter_patient.py", *(argv or sys.argv[1:])])
    text = markdown(results)
    print(text)
    print(f"Total run time: {results['seconds']:.0f} s")
    if not args.no_write:
        write_json("inter_patient", results)
        figure(results)
        write_section("inter_patient", markdown(read_json("inter_patient")))


if __name__ == "__main__":
    main()
