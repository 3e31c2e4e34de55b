"""Rebuild the pretrained models shipped in the package, and measure the shipped files.

``--rebuild`` first fits the timing models of the default pipeline's rhythm context on
the Long-Term AF Database (``_fitting.fit_rhythm_models`` on every record,
every 10th beat; written as ``ltafdb-rhythm.{npz,json}``) and the AF model
(``_fitting.fit_af_model``, ``ltafdb-af``), then trains each model of
``ecg_sklearn.shipped._pretrained.PRETRAINED`` from the full MIT-BIH database
(``train_pretrained``: the default pipeline, its seed, its split) and writes
``ecg_sklearn/data/pretrained/NAME.{npz,json}``. Without it the script only
measures. Measured, for the files as shipped (``load_pretrained``):

* DS2 at the reference beat positions (EC57 report), with the record-level steps of
  ``annotate_record`` (similar beats, prematurity) applied to the pipeline's
  probabilities;
* DS2 end to end (the package's QRS detector, windows, classification): matched beats,
  and bxb (missed and extra beats counted as errors);
* the shipped excerpt's DS2 records end to end: what ``ecg-sklearn`` (the main job)
  prints.

``--excerpt-only`` measures the excerpt alone and keeps the DS2 figures of the JSON,
with the command that made them: DS2 is the test set, measured once at the end of an
issue, while the decision or detector may change between.

Writes ``benchmarks/results/pretrained.json``, the figures section of
``docs/models.md`` (the model card) and, shipped beside each model, its card's figures
(``ecg_sklearn/data/pretrained/NAME.card.json``, which Holter reports show);
``--card-only`` writes the cards and the model card's section from the JSON, measuring
nothing.

Usage: python benchmarks/pretrained.py [--rebuild | --excerpt-only | --card-only]
[--data-dir PATH] [--ltafdb PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from _common import MODELS_MD, ROOT, read_json, write_json, write_section
from _fitting import (
    fit_af_model,
    fit_rhythm_models,
    save_af_model,
    save_pretrained,
    save_rhythm_models,
    train_pretrained,
)
from rhythm_context import LTAFDB

from ecg_sklearn.annotate import annotate_and_compare
from ecg_sklearn.io import (
    DS2,
    get_data_home,
    load_beat_timing,
    load_mitdb,
    load_record,
    sample_data_dir,
)
from ecg_sklearn.io._datasets import SAMPLE_RECORDS
from ecg_sklearn.metrics import classification_report_ec57, pooled_report
from ecg_sklearn.record import LoadedBeats, RecordDecision
from ecg_sklearn.shipped import load_pretrained, pretrained_info
from ecg_sklearn.shipped._pretrained import PRETRAINED

PACKAGE_DIR = ROOT / "ecg_sklearn" / "data" / "pretrained"
EXCERPT_DS2 = [r for r in SAMPLE_RECORDS if r in DS2]


def rebuild_timing_models(ltafdb, command):
    """Fit the timing models on the Long-Term AF Database and write them in the package:
    the rhythm context's (``ltafdb-rhythm``) and the AF model (``ltafdb-af``)."""
    start = time.perf_counter()
    paths = sorted(Path(ltafdb).glob("*.atr"))
    timings = [load_beat_timing(p.stem, ltafdb) for p in paths]
    training = {
        "data": "Long-Term AF Database (PhysioNet ltafdb, ODC-By 1.0), beat and rhythm "
        "annotations only",
        "records": [p.stem for p in paths],
        "every": 10,
        "random_state": 0,
        "command": command,
    }
    save_rhythm_models(fit_rhythm_models(timings), PACKAGE_DIR, "ltafdb-rhythm", training=training)
    training["data"] += "; beats labelled V or F are not dominant-like"
    save_af_model(fit_af_model(timings), PACKAGE_DIR, "ltafdb-af", training=training)
    print(f"ltafdb-rhythm, ltafdb-af: rebuilt in {time.perf_counter() - start:.0f} s", flush=True)


def rebuild(name, home, command):
    start = time.perf_counter()
    pipe, data = train_pretrained(name, home, verbose=0)
    classes, counts = np.unique(data.y, return_counts=True)
    training = {
        "split": PRETRAINED[name]["split"],
        "records": sorted(np.unique(data.groups).tolist()),
        "beats": {str(c): int(n) for c, n in zip(classes, counts, strict=True)},
        "seed": PRETRAINED[name]["seed"],
        "epochs": len(pipe["cnn"].history),
        "command": command,
    }
    leads = [c for c in data.channels if c not in ("beats", "rr_context")]
    save_pretrained(pipe, name, PACKAGE_DIR, leads=leads, training=training)
    print(f"{name}: rebuilt in {time.perf_counter() - start:.0f} s", flush=True)


def end_to_end(pipe, folder, records):
    comparisons = [
        annotate_and_compare(pipe, load_record(r, folder, leads="MLII"))[1] for r in records
    ]
    return pooled_report(comparisons)


def measure(name, home):
    pipe = load_pretrained(name)
    test = load_mitdb("DS2", home, verbose=0)
    # The record-level steps, as annotate_record applies them.
    proba = RecordDecision().predict_proba(pipe, test.X, LoadedBeats(test, home))
    return {
        "ds2_reference": classification_report_ec57(test.y, pipe.classes_[proba.argmax(1)]),
        "ds2_end_to_end": end_to_end(pipe, home, DS2),
        "excerpt_end_to_end": end_to_end(pipe, sample_data_dir(), EXCERPT_DS2),
    }


def _row(setting, report):
    c = report["per_class"]
    f = lambda x: "" if x != x else f"{100 * x:.1f}"  # noqa: E731  (NaN -> blank)
    return (
        f"| {setting} | {sum(c[k]['support'] for k in c)} | {f(c['S']['se'])} | "
        f"{f(c['S']['ppv'])} | {f(c['S']['f1'])} | {f(c['V']['se'])} | {f(c['V']['ppv'])} | "
        f"{f(c['V']['f1'])} | {f(c['N']['se'])} | {report['confusion_matrix'][0][3]} |"
    )


#: The rows of a shipped model card: (title, key of the model's results, bxb or not).
CARD_ROWS = [
    ("MIT-BIH DS2 (22 patients never seen in training), end to end, bxb", "ds2_end_to_end", True),
    ("MIT-BIH DS2 at the reference beat positions", "ds2_reference", False),
]


def card(results, name) -> dict:
    """The figures shipped with model ``name`` (its ``.card.json``), from the results."""
    r = results["models"][name]
    rows = []
    for title, key, bxb in CARD_ROWS:
        report = r[key]["bxb"] if bxb else r[key]
        c = report["per_class"]
        rows.append({
            "data": title,
            "beats": int(sum(c[k]["support"] for k in c)),
            **{f"{k}_{m}": round(float(c[k][m]), 4) for k in "SV" for m in ("se", "ppv", "f1")},
        })  # fmt: skip
    note = results.get("ds2_note", "")
    return {
        "name": name,
        "rows": rows,
        "command": results.get("ds2_command", results["command"]),
        "note": f"Measured {note}." if note else "",
    }


def write_cards(results):
    for name in results["models"]:
        path = PACKAGE_DIR / f"{name}.card.json"
        path.write_text(json.dumps(card(results, name), indent=1) + "\n")


def markdown(results) -> str:
    lines = [f"Command: `{results['command']}`.", ""]
    if "ds2_command" in results:
        lines += [
            f"The DS2 rows are older: `{results['ds2_command']}` ({results['ds2_note']}).",
            "",
        ]
    for name, r in results["models"].items():
        excerpt = ", ".join(EXCERPT_DS2)
        lines += [
            f"Model `{name}` (weights SHA-256 `{r['weights_sha256'][:12]}…`), in %:",
            "",
            "| data | beats | S Se | S +P | S F1 | V Se | V +P | V F1 | N Se | N beats called F |",
            "|---|---|---|---|---|---|---|---|---|---|",
            _row("DS2, reference beat positions", r["ds2_reference"]),
            _row("DS2 end to end (matched beats)", r["ds2_end_to_end"]),
            _row("DS2 end to end (bxb)", r["ds2_end_to_end"]["bxb"]),
            _row(f"excerpt {excerpt} end to end (matched beats)", r["excerpt_end_to_end"]),
            _row(f"excerpt {excerpt} end to end (bxb)", r["excerpt_end_to_end"]["bxb"]),
            "",
            "Confusion matrix, DS2 at reference positions (rows true, columns predicted, "
            "order N S V F Q):",
            "",
            "```",
            *[" ".join(f"{v:6d}" for v in row) for row in r["ds2_reference"]["confusion_matrix"]],
            "```",
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rebuild", action="store_true", help="train and write the models")
    parser.add_argument("--ltafdb", default=str(LTAFDB), help="Long-Term AF Database folder")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--excerpt-only", action="store_true",
        help="measure the shipped excerpt only; keep the DS2 figures of the JSON",
    )  # fmt: skip
    parser.add_argument("--ds2-note", default="", help="with --excerpt-only: why DS2 is older")
    parser.add_argument(
        "--card-only", action="store_true", help="write the shipped cards from the JSON only"
    )
    args = parser.parse_args(argv)
    if args.card_only:
        write_section("pretrained", markdown(read_json("pretrained")), MODELS_MD)
        write_cards(read_json("pretrained"))
        return
    if args.excerpt_only and args.rebuild:
        parser.error("--excerpt-only measures the shipped files: it cannot --rebuild")
    home = get_data_home(args.data_dir)
    command = " ".join(["python benchmarks/pretrained.py", *(argv or sys.argv[1:])])
    results = {"command": command, "models": {}}
    if args.rebuild:
        rebuild_timing_models(args.ltafdb, "python benchmarks/pretrained.py --rebuild")
    if args.excerpt_only:
        earlier = read_json("pretrained")
        results["ds2_command"] = earlier.get("ds2_command", earlier["command"])
        results["ds2_note"] = args.ds2_note or earlier.get("ds2_note", "")
    for name in PRETRAINED:
        if args.rebuild:
            rebuild(name, home, "python benchmarks/pretrained.py --rebuild")
        start = time.perf_counter()
        if args.excerpt_only:
            kept = earlier["models"][name]
            results["models"][name] = {
                **{k: kept[k] for k in ("ds2_reference", "ds2_end_to_end")},
                "excerpt_end_to_end": end_to_end(
                    load_pretrained(name), sample_data_dir(), EXCERPT_DS2
                ),
            }
        else:
            results["models"][name] = measure(name, home)
        results["models"][name]["weights_sha256"] = pretrained_info(name)["weights_sha256"]
        print(f"{name}: measured in {time.perf_counter() - start:.0f} s", flush=True)
    print(markdown(results))
    if not args.no_write:
        write_json("pretrained", results)
        write_section("pretrained", markdown(read_json("pretrained")), MODELS_MD)
        write_cards(read_json("pretrained"))


if __name__ == "__main__":
    main()
