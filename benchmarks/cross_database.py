"""End to end under changes of the recording: other rates, polarity, gain, lead, noise,
and other databases.

Every figure is bxb-style (``annotate_record`` on the raw signal; missed beats and extra
detections count as errors), with the false S, V and F calls per hour of recording
(calls of that class on beats of another class or on extra detections) and the extra
detections per hour.

* ``--split DS1`` (selection): the default pipeline is fitted on DS1 with
  ``GroupKFold`` over its records and each record is annotated by the fold model that
  never saw it (models cached under ``benchmarks/results/cross_database_models/``), its
  MLII lead changed by each of :data:`SHIFTS`. ``--split DS2`` (the final look of an
  issue, not for selection): the shipped model (``--seed 0``) or the default pipeline
  fitted on all of DS1 with another seed, on the DS2 records and on qtdb-other; writes
  ``benchmarks/results/cross_database_ds2_seedS.json``, and ``--ds2-table`` gathers
  the seeds run into the ``cross_database_ds2`` section of ``docs/benchmarks.md`` (mean
  and standard deviation over the seeds).
* qtdb-other (``--qtdb``, default ``../shared/data/qtdb-other``): 54 records of four
  other databases (250 Hz), each lead on its own, as a user without MLII would; the
  shipped model (trained on DS1, which shares no record with them), or for a candidate
  (``--param``) the candidate fitted on all of DS1.

Noise is reproducible (seeded by record): baseline wander is a sum of three sinusoids
of 0.05-0.5 Hz, muscle noise Gaussian noise band-passed to 10-100 Hz, each scaled to the
stated signal-to-noise ratio against the record's own variance.

Writes ``benchmarks/results/cross_database.json``, ``docs/figures/cross_database.png``
and the ``cross_database`` section of ``docs/benchmarks.md``.

A candidate (``--param``, ``--train-leads both``: each DS1 record's two leads as
single-lead training examples; ``--drop-class Q``: trained without that class's beats;
``--decision``: ``annotate_record``'s arguments, with
the default models) needs ``--name`` and writes only
``benchmarks/results/cross_database_NAME[_seedS].json`` (the seed when not 0).

Usage: python benchmarks/cross_database.py [--data-dir PATH] [--split DS1|DS2]
[--seed 0] [--folds 11] [--shifts mlii inverted ...] [--qtdb PATH | --no-qtdb]
[--param module__flip=0.5 ... --name NAME] [--train-leads mlii|both] [--drop-class Q]
[--decision self_teach=True ... --name NAME] [--ds2-table]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _common import MODEL_SELECTION_MD, RESULTS, ROOT, read_json, write_json, write_section
from scipy.signal import butter, sosfiltfilt
from sklearn.model_selection import GroupKFold
from sklearn.utils import Bunch

from ecg_sklearn import annotate_record, default_pipeline, load_pretrained
from ecg_sklearn.annotate._files import compare_with_reference
from ecg_sklearn.io import DS1, DS2, get_data_home, load_mitdb, load_record
from ecg_sklearn.metrics import pooled_report
from ecg_sklearn.persistence import load_model, save_model
from ecg_sklearn.signal import SignalQualityWarning, resample_record

SHIFTS = (
    "mlii", "resampled_128", "resampled_250", "inverted", "gain_0.5", "gain_2",
    "second_lead", "baseline_12db", "baseline_6db", "muscle_12db", "muscle_6db",
)  # fmt: skip
SECOND_LEAD = [("V1", "V2", "V4", "V5")]
QTDB = ROOT.parent / "shared" / "data" / "qtdb-other"
QTDB_SOURCES = (("sele", "European ST-T"), ("sel14", "Long-Term ST"),
                ("sel15", "Long-Term ST"), ("sel16", "Normal Sinus Rhythm"),
                ("sel17", "Normal Sinus Rhythm"), ("sel3", "Sudden Cardiac Death"))  # fmt: skip
MODELS = RESULTS / "cross_database_models"
FIGURE = ROOT / "docs" / "figures" / "cross_database.png"


def shifted(signal, fs, shift, seed):
    """``signal`` (one lead, in mV) and its rate after ``shift``."""
    if shift.startswith("resampled_"):
        new_fs = float(shift.split("_")[1])
        signal, _ = resample_record(signal, np.zeros(0, np.int64), fs, new_fs)
        return signal, new_fs
    if shift == "inverted":
        return -signal, fs
    if shift.startswith("gain_"):
        return signal * float(shift.split("_")[1]), fs
    if shift.startswith(("baseline_", "muscle_")):
        kind, snr = shift.split("_")
        rng = np.random.default_rng(seed)
        n = signal.shape[1]
        if kind == "baseline":
            t = np.arange(n) / fs
            noise = sum(np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t + rng.uniform(0, 2 * np.pi))
                        for _ in range(3))  # fmt: skip
        else:
            sos = butter(4, [10.0, min(100.0, 0.45 * fs)], "bandpass", fs=fs, output="sos")
            noise = sosfiltfilt(sos, rng.standard_normal(n))
        power = np.var(signal) / 10 ** (float(snr.removesuffix("db")) / 10)
        noise = noise * np.sqrt(power / np.var(noise))
        return (signal + noise[None]).astype(np.float32), fs
    if shift in ("mlii", "second_lead"):
        return signal, fs
    raise ValueError(f"unknown shift {shift!r}")


def evaluate(pipe, rec, shift, seed, decision=None):
    """compare_with_reference of ``annotate_record`` (with the keyword arguments
    ``decision``) on the shifted record."""
    signal, fs = shifted(rec.signal[:1], rec.fs, shift, seed)
    result = annotate_record(pipe, signal, fs, **(decision or {}))
    samples = np.round(result.beat_samples * rec.fs / fs).astype(np.int64)
    return compare_with_reference(rec, samples, result.beat_labels)


def summary(comparisons, hours):
    """bxb figures, detection and false calls per hour of the pooled ``comparisons``."""
    report = pooled_report(comparisons)
    bxb, det = report["bxb"]["per_class"], report["detection"]
    y_true = np.concatenate([c["y_true"] for c in comparisons])
    y_pred = np.concatenate([c["y_pred"] for c in comparisons])
    extra = np.concatenate([c["extra"] for c in comparisons])
    out = {"hours": hours, "detection_se": det["se"], "detection_ppv": det["ppv"],
           "extra_per_hour": len(extra) / hours}  # fmt: skip
    for c in "SVF":
        false = int(((y_pred == c) & (y_true != c)).sum() + (extra == c).sum())
        out[f"false_{c}_per_hour"] = false / hours
        out[f"{c}_se"], out[f"{c}_ppv"] = bxb[c]["se"], bxb[c]["ppv"]
        out[f"{c}_f1"] = bxb[c]["f1"]
        out[f"{c}_beats"] = int(bxb[c]["support"])
    return out


def training_beats(home, train_leads="mlii", model_fs=None, drop_classes=()):
    """DS1's beat windows (at ``model_fs``, default the records' 360 Hz): its MLII lead,
    or (``"both"``) each of its two leads as single-lead examples of the same patient;
    without the beats of ``drop_classes`` (counted)."""
    data = load_mitdb("DS1", home, fs=model_fs, verbose=0)
    if train_leads == "both":
        other = load_mitdb("DS1", home, leads=SECOND_LEAD, fs=model_fs, verbose=0)
        for key in ("X", "y", "groups"):
            data[key] = np.concatenate([data[key], other[key]])
    if drop_classes:
        keep = ~np.isin(data.y, drop_classes)
        print(f"training without {(~keep).sum()} beats of {', '.join(drop_classes)}")
        for key in ("X", "y", "groups"):
            data[key] = data[key][keep]
    return data


def fold_models(home, seed, folds, params=None, name="default", training=None):
    """``{record: fitted pipeline that never saw it}`` over DS1 (the default pipeline with
    the classifier parameters ``params``, trained on ``training_beats(home, **training)``),
    cached as model files."""
    MODELS.mkdir(parents=True, exist_ok=True)
    records = np.array(DS1)
    data = None
    by_record = {}
    for k, (train, test) in enumerate(GroupKFold(folds).split(records, groups=records)):
        path = MODELS / f"{name}_seed{seed}_fold{k}of{folds}.npz"
        if not path.is_file():
            if data is None:
                data = training_beats(home, **(training or {}))
            rows = np.isin(data.groups, records[train])
            t = time.perf_counter()
            pipe = default_pipeline(data.fs, random_state=seed, verbose=0, **(params or {}))
            pipe.fit(data.X[rows], data.y[rows], cnn__groups=data.groups[rows])
            save_model(pipe, path, leads=["MLII"])
            print(f"fold {k}: fitted in {time.perf_counter() - t:.0f} s", flush=True)
        pipe = load_model(path)
        by_record.update(dict.fromkeys(records[test], pipe))
    return by_record


def mitdb_rows(
    home, split, seed, folds, shifts, params=None, name="default", training=None,
    decision=None, whole_ds1=None,
):  # fmt: skip
    """bxb figures per shift: DS1 by fold models, DS2 by ``whole_ds1``."""
    if split == "DS1":
        models = fold_models(home, seed, folds, params, name, training)
    else:
        models = dict.fromkeys(DS2, whole_ds1)
    rows = {}
    for shift in shifts:
        t = time.perf_counter()
        leads = SECOND_LEAD if shift == "second_lead" else "MLII"
        comparisons, hours = [], 0.0
        for i, (record, pipe) in enumerate(models.items()):
            rec = load_record(record, home, leads=leads)
            comparisons.append(evaluate(pipe, rec, shift, seed * 1000 + i, decision))
            hours += rec.signal.shape[1] / rec.fs / 3600
        rows[shift] = summary(comparisons, hours)
        r = rows[shift]
        print(f"{split} {shift}: S-F1 {r['S_f1']:.3f} V-F1 {r['V_f1']:.3f} false S/V per hour "
              f"{r['false_S_per_hour']:.1f}/{r['false_V_per_hour']:.1f} "
              f"({time.perf_counter() - t:.0f} s)", flush=True)  # fmt: skip
    return rows


def candidate_on_ds1(home, seed, params, name, training=None):
    """The default pipeline with ``params``, fitted on all of DS1 (cached)."""
    path = MODELS / f"{name}_seed{seed}_all.npz"
    if not path.is_file():
        data = training_beats(home, **(training or {}))
        pipe = default_pipeline(data.fs, random_state=seed, verbose=0, **params)
        save_model(pipe.fit(data.X, data.y, cnn__groups=data.groups), path, leads=["MLII"])
    return load_model(path)


def qtdb_rows(folder, pipe, decision=None):
    """Each lead of the qtdb-other records on its own, by source database."""
    records = sorted(p.stem for p in Path(folder).glob("*.hea"))
    by = {}
    for record in records:
        rec = load_record(record, folder)
        source = next(name for prefix, name in QTDB_SOURCES if record.startswith(prefix))
        hours = rec.signal.shape[1] / rec.fs / 3600
        for k in range(rec.signal.shape[0]):
            one = Bunch(**rec)
            one.signal = rec.signal[k : k + 1]
            comparison = evaluate(pipe, one, "mlii", 0, decision)
            for key in (f"lead {k + 1}, all", f"lead {k + 1}, {source}"):
                by.setdefault(key, ([], [0.0]))
                by[key][0].append(comparison)
                by[key][1][0] += hours
    return {key: summary(c, h[0]) for key, (c, h) in sorted(by.items())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--split", choices=("DS1", "DS2"), default="DS1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=11)
    parser.add_argument("--shifts", nargs="+", default=list(SHIFTS), choices=SHIFTS)
    parser.add_argument("--qtdb", default=str(QTDB))
    parser.add_argument("--no-qtdb", action="store_true")
    parser.add_argument(
        "--param", action="append", default=[],
        help="a candidate's classifier parameter NAME=VALUE (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--decision", action="append", default=[],
        help="a candidate's annotate_record argument NAME=VALUE (repeatable; the default "
        "model)",
    )  # fmt: skip
    parser.add_argument("--name", default=None, help="the candidate's name (its JSON)")
    parser.add_argument(
        "--candidates", action="store_true",
        help="only gather the candidates' JSON into the table of docs/model_selection.md",
    )  # fmt: skip
    parser.add_argument(
        "--ds2-table", action="store_true",
        help="only gather the DS2 seeds' JSON into the cross_database_ds2 section",
    )  # fmt: skip
    parser.add_argument(
        "--train-leads", choices=("mlii", "both"), default="mlii",
        help="train on MLII, or on both leads of each DS1 record as single-lead examples",
    )  # fmt: skip
    parser.add_argument(
        "--model-fs", type=float, default=None,
        help="the candidate's model rate in Hz: trained on DS1 resampled to it",
    )  # fmt: skip
    parser.add_argument(
        "--drop-class", action="append", default=[], choices=("N", "S", "V", "F", "Q"),
        help="train the candidate without this class's beats (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--figure-only", action="store_true",
        help="redraw the figure from benchmarks/results/cross_database.json, run nothing",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.figure_only:
        figure(read_json("cross_database"))
        return
    if args.ds2_table:
        results = gather_ds2()
        write_json("cross_database_ds2", results)
        write_section("cross_database_ds2", markdown(results))
        return
    if args.candidates:
        results = {"candidates": gather_candidates()}
        write_json("cross_database_candidates", results)
        write_section("cross_database_candidates", markdown(results), MODEL_SELECTION_MD)
        return
    params = {k: ast.literal_eval(v) for k, v in (p.split("=", 1) for p in args.param)}
    decision = {k: ast.literal_eval(v) for k, v in (p.split("=", 1) for p in args.decision)}
    training = {
        "train_leads": args.train_leads, "model_fs": args.model_fs,
        "drop_classes": tuple(args.drop_class),
    }  # fmt: skip
    trained = bool(params or args.train_leads != "mlii" or args.model_fs or args.drop_class)
    if (trained or decision) and not args.name:
        parser.error("--param, --decision, --train-leads, --model-fs and --drop-class need --name")
    model = args.name if trained else "default"
    if args.split == "DS2" and (args.name or args.folds != 11):
        parser.error("--split DS2 measures the default (the shipped model or --seed S)")
    home = get_data_home(args.data_dir)
    # Inverted and other-lead records warn, as they should; the figures say the rest.
    warnings.simplefilter("ignore", SignalQualityWarning)
    results = {
        "split": args.split, "seed": args.seed, "folds": args.folds,
        "command": " ".join(["python benchmarks/cross_database.py", *(argv or sys.argv[1:])]),
        "params": params,
        "decision": decision,
        **training,
    }  # fmt: skip
    # On DS2 and qtdb-other: the shipped model, or the candidate or seed fitted on DS1
    # (fitted only where one of them is run).
    whole_ds1 = None
    if args.split == "DS2" or not args.no_qtdb:
        whole_ds1 = (
            candidate_on_ds1(home, args.seed, params, model, training)
            if args.name or args.seed else load_pretrained()
        )  # fmt: skip
    results["mitdb"] = mitdb_rows(
        home, args.split, args.seed, args.folds, args.shifts, params, model,
        training, decision, whole_ds1,
    )  # fmt: skip
    results["qtdb"] = {} if args.no_qtdb else qtdb_rows(args.qtdb, whole_ds1, decision)
    if args.split == "DS2":  # one seed of the final look; --ds2-table gathers them
        write_json(f"cross_database_ds2_seed{args.seed}", results)
        return
    if args.name:  # a candidate: its figures only, not the docs
        seed = f"_seed{args.seed}" if args.seed else ""
        write_json(f"cross_database_{args.name}{seed}", results)
        return
    write_json("cross_database", results)
    figure(results)
    write_section("cross_database", markdown(results))


def figure(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["mitdb"]
    qtdb = {k: v for k, v in results["qtdb"].items() if k.startswith("lead 1") or k.endswith("all")}
    fig, (ax, ax_q) = plt.subplots(
        1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [len(rows), len(qtdb)]}
    )
    x = np.arange(len(rows))
    for j, c in enumerate("SV"):
        ax.bar(x + 0.4 * j - 0.2, [r[f"{c}_f1"] for r in rows.values()], 0.4, label=f"{c}-F1")
    ax.set_xticks(x, list(rows), rotation=30, ha="right")
    ax.set(ylim=(0, 1), ylabel="F1 (bxb)", title=f"{results['split']}: the recording changed")
    ax.legend()
    x = np.arange(len(qtdb))
    for j, c in enumerate("SV"):
        values = [r[f"false_{c}_per_hour"] for r in qtdb.values()]
        ax_q.bar(x + 0.4 * j - 0.2, values, 0.4, label=f"false {c} calls")
    ax_q.set_xticks(x, list(qtdb), rotation=30, ha="right")
    ax_q.set(ylabel="per hour", title="qtdb-other, shipped model: false calls")
    ax_q.legend()
    fig.tight_layout()
    FIGURE.parent.mkdir(exist_ok=True)
    fig.savefig(FIGURE, dpi=110)
    plt.close(fig)


def _row(name, r):
    f = lambda x: "" if x != x else f"{x:.3f}"  # noqa: E731  (NaN -> blank)
    return (
        f"| {name} | {f(r['S_se'])} | {f(r['S_ppv'])} | {f(r['S_f1'])} | {f(r['V_se'])} | "
        f"{f(r['V_ppv'])} | {f(r['V_f1'])} | {r['false_S_per_hour']:.1f} | "
        f"{r['false_V_per_hour']:.1f} | {r['false_F_per_hour']:.1f} | "
        f"{r['extra_per_hour']:.1f} | {100 * r['detection_se']:.2f} / "
        f"{100 * r['detection_ppv']:.2f} |"
    )


def gather_ds2() -> dict:
    """The DS2 seeds' figures: each row's values per seed, in seed order."""
    runs = [read_json(p.stem) for p in sorted(RESULTS.glob("cross_database_ds2_seed*.json"))]
    if not runs:
        raise SystemExit("no cross_database_ds2_seed*.json: run --split DS2 --seed S first")
    gathered = {"ds2_seeds": [r["seed"] for r in runs],
                "commands": [r["command"] for r in runs]}  # fmt: skip
    for part in ("mitdb", "qtdb"):
        gathered[part] = {
            row: {key: [r[part][row][key] for r in runs] for key in runs[0][part][row]}
            for row in runs[0][part]
            if all(row in r[part] for r in runs)
        }
    return gathered


def _ds2_markdown(results) -> str:
    def cell(values, digits=3):
        values = np.asarray(values, dtype=float)
        if np.isnan(values).any():  # a class absent from the records
            return ""
        return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"

    keys = ("S_se", "S_ppv", "S_f1", "V_se", "V_ppv", "V_f1")
    head = ("| recording | S Se | S +P | S-F1 | V Se | V +P | V-F1 | false S/h | false V/h | "
            "detection Se / +P (%) |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip

    def row(name, r):
        cells = [cell(r[k]) for k in keys]
        cells += [cell(r["false_S_per_hour"], digits=1), cell(r["false_V_per_hour"], digits=1)]
        detection = (f"{100 * np.mean(r['detection_se']):.2f} / "
                     f"{100 * np.mean(r['detection_ppv']):.2f}")  # fmt: skip
        return f"| {name} | {' | '.join(cells)} | {detection} |"

    seeds = ", ".join(str(s) for s in results["ds2_seeds"])
    commands = "; ".join(f"`{_without_data_dir(c)}`" for c in results["commands"])
    lines = [
        f"{commands}, then `python benchmarks/cross_database.py --ds2-table`: DS2 end to "
        f"end (bxb), mean ± standard deviation over seeds {seeds} (seed 0: the shipped "
        "model; the others: the default pipeline fitted on all of DS1 with that seed), "
        "the MLII lead changed as the row says.",
        "",
        head,
        *(row(name, r) for name, r in results["mitdb"].items()),
        "",
        "qtdb-other, the same models, first lead:",
        "",
        head,
        *(row(name, r) for name, r in results["qtdb"].items() if name.startswith("lead 1")),
    ]
    return "\n".join(lines) + "\n"


def gather_candidates() -> dict:
    """``{json name: its figures}`` of every candidate's JSON, default first."""
    names = sorted(p.stem for p in RESULTS.glob("cross_database_*.json"))
    names = [n for n in names if n != "cross_database_candidates"]
    names = [n for n in names if not n.startswith("cross_database_ds2")]
    names.sort(key=lambda n: (not n.startswith("cross_database_default"), n))
    return {n.removeprefix("cross_database_"): read_json(n) for n in names}


def _without_data_dir(command):
    return re.sub(r"--data-dir \S+ ?", "", command)


def _pair(r):
    return f"{r['S_f1']:.3f} / {r['V_f1']:.3f}" if r else ""


def candidates_markdown(results) -> str:
    lines = [
        "Each row: `python benchmarks/cross_database.py --data-dir PATH ARGS` (ARGS in the "
        "list below; 11 folds), then `--candidates` to gather them. DS1 columns: S-F1 / "
        "V-F1 end to end (bxb), each DS1 record annotated by the fold model that never saw "
        "it, its MLII lead changed as the column says; qtdb-other: the candidate fitted on "
        "all of DS1, first lead. Detector and record-level decisions: the package's at the "
        "time of the run: the default, flip_gain, flip_gain_16 and rate rows without the "
        "record teaching itself (as `--decision self_teach=False` runs now), the self_teach "
        "and flip_gain_st rows without the shape rule for S (`--decision "
        "sveb_unlike=None`), the rest with both. The default's networks were trained "
        "without `module__normalize` up to the unlike rows; `unlike_rerun` is `unlike` "
        "retrained on another machine (its difference from `unlike` is the noise of "
        "retraining); gain_norm's networks are the current default's, and `default_ec` is "
        "the current default retrained on an AMD EPYC machine, where the `both_gain` and "
        "`both_flip_gain` rows were trained. `veb_like_noise_rerun` is `veb_like_noise`'s "
        "default retrained on another AMD EPYC machine, where `gradual_slow`, `first_run` "
        "and `compensated_01` were measured with the same networks.",
        "",
        "| candidate | seed | MLII | inverted | gain x0.5 | gain x2 | second lead | "
        "qtdb lead 1: S-F1 / V-F1, V Se | qtdb lead 1: false S / V per hour |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    commands = []
    for name, r in results["candidates"].items():
        m, q = r["mitdb"], r["qtdb"].get("lead 1, all")
        cells = [_pair(m.get(s)) for s in ("mlii", "inverted", "gain_0.5", "gain_2", "second_lead")]
        qtdb = (f"{_pair(q)}, {q['V_se']:.3f} | {q['false_S_per_hour']:.1f} / "
                f"{q['false_V_per_hour']:.1f}" if q else " | ")  # fmt: skip
        lines.append(f"| {name} | {r['seed']} | {' | '.join(cells)} | {qtdb} |")
        args = _without_data_dir(r["command"]).removeprefix("python benchmarks/cross_database.py ")
        commands.append(f"{name}: `{args}`")
    return "\n".join([*lines, "", "ARGS: " + "; ".join(commands) + "."]) + "\n"


def markdown(results) -> str:
    if "candidates" in results:
        return candidates_markdown(results)
    if "ds2_seeds" in results:
        return _ds2_markdown(results)
    head = (
        "| recording | S Se | S +P | S-F1 | V Se | V +P | V-F1 | false S/h | false V/h | "
        "false F/h | extra/h | detection Se / +P (%) |\n|---|---|---|---|---|---|---|---|"
        "---|---|---|---|"
    )
    split = results["split"]
    who = (f"each DS1 record annotated by the default pipeline fitted on the other folds "
           f"({results['folds']} folds, seed {results['seed']})" if split == "DS1"
           else "the shipped `mitdb-ds1` model on DS2")  # fmt: skip
    lines = [f"`{results['command']}`: {who}; end to end, bxb counting.", "", head]
    lines += [_row(name, r) for name, r in results["mitdb"].items()]
    if results["qtdb"]:
        model = ("the shipped model" if not results["seed"]
                 else f"the default fitted on all of DS1 (seed {results['seed']})")  # fmt: skip
        lines += ["", "qtdb-other (54 records of four other databases, 250 Hz), each lead on "
                  f"its own, {model}:", "", head]  # fmt: skip
        lines += [_row(name, r) for name, r in results["qtdb"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
