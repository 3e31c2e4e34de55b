"""QRS detection on all 48 MIT-BIH records: ecg_sklearn vs wfdb's XQRS vs NeuroKit2.

Beat-by-beat matching within 150 ms, pooled over beats; detections and reference beats
inside ventricular flutter episodes ([ ... ]) are not scored (EC57). Signals are read
into memory first; only detection is timed.

Usage: python benchmarks/qrs.py [--data-dir PATH] [--detectors ecg_sklearn,xqrs,neurokit2]
"""

import argparse
import sys
import time

from _common import RESULTS, read_json, write_json, write_section

from ecg_sklearn.io import MITDB_RECORDS, get_data_home, load_record
from ecg_sklearn.metrics import detection_scores, flutter_intervals
from ecg_sklearn.signal import detect_qrs


def _ecg_sklearn(rec):
    return detect_qrs(rec.signal, rec.fs)


def _xqrs(rec):
    import wfdb.processing

    return wfdb.processing.xqrs_detect(rec.signal[0].astype(float), fs=rec.fs, verbose=False)


def _neurokit2(rec):
    import neurokit2 as nk

    clean = nk.ecg_clean(rec.signal[0], sampling_rate=int(rec.fs))
    _, info = nk.ecg_peaks(clean, sampling_rate=int(rec.fs))
    return info["ECG_R_Peaks"]


def _mlii_first(rec):
    """Both leads in memory, MLII first where the record has it (114 lists it second)."""
    if "MLII" in rec.leads:
        order = [rec.leads.index("MLII")] + [i for i, n in enumerate(rec.leads) if n != "MLII"]
        rec.signal, rec.leads = rec.signal[order], [rec.leads[i] for i in order]
    return rec


def _ecg_sklearn_second_lead(rec):
    """The record's other lead alone (V1 in most records; V2, V4, V5 in the others)."""
    return detect_qrs(rec.signal[1:2], rec.fs)


DETECTORS = {
    "ecg_sklearn": _ecg_sklearn,
    "ecg_sklearn_second_lead": _ecg_sklearn_second_lead,
    "xqrs": _xqrs,
    "neurokit2": _neurokit2,
}


def evaluate(records, detector, *, verbose=False):
    totals = dict(tp=0, fn=0, fp=0)
    detector(records[0])  # warm-up (imports, first touch of memory), not timed
    elapsed = 0.0
    per_record = {}
    for rec in records:
        start = time.perf_counter()
        det = detector(rec)
        elapsed += time.perf_counter() - start
        s = detection_scores(
            rec.beat_samples,
            det,
            rec.fs,
            exclude=flutter_intervals(rec.ann_samples, rec.ann_symbols),
        )
        per_record[rec.record] = s
        for k in totals:
            totals[k] += s[k]
        if verbose and (s["fn"] + s["fp"]) > 20:
            print(f"  {rec.record}: fn {s['fn']} fp {s['fp']}")
    se = totals["tp"] / (totals["tp"] + totals["fn"])
    ppv = totals["tp"] / (totals["tp"] + totals["fp"])
    return dict(totals, se=se, ppv=ppv, seconds=elapsed, per_record=per_record)


def markdown(results) -> str:
    """The docs section, from the JSON that :func:`main` writes."""
    rows = [
        "| detector | Se % | +P % | FN | FP | detection time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results["detectors"].items():
        rows.append(
            f"| {name} | {100 * r['se']:.2f} | {100 * r['ppv']:.2f} | {r['fn']} | {r['fp']} | "
            f"{r['seconds']:.2f} |"
        )
    return (
        f"## QRS detection, all 48 records\n\nCommand: `{results['command']}`. Pooled over "
        "beats, 150 ms matching, ventricular flutter episodes not scored (EC57); signals "
        "in memory, only detection timed; the detectors of one command ran side by side "
        "(times of different commands are not comparable). ecg_sklearn uses MLII (V5 "
        "for 102 and 104); XQRS and NeuroKit2 the same lead. In-sample for ecg_sklearn: "
        "its rules were chosen on these 48 records. `ecg_sklearn_second_lead`: the record's "
        "other lead alone (V1 in most records, V2, V4 or V5 in the others), as a user "
        "without MLII would run it.\n\n" + "\n".join(rows) + "\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--detectors", default="ecg_sklearn,xqrs,neurokit2")
    parser.add_argument("--records", default=None, help="comma-separated subset")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    home = get_data_home(args.data_dir)
    names = args.records.split(",") if args.records else MITDB_RECORDS
    records = [_mlii_first(load_record(r, home)) for r in names]
    print(f"{len(records)} records loaded from {home}")
    print(f"{'detector':<12} {'Se %':>7} {'+P %':>7} {'FN':>6} {'FP':>6} {'time s':>8}")
    results = {
        "command": " ".join(["python benchmarks/qrs.py", *(argv or sys.argv[1:])]),
        "records": names,
        "detectors": {},
    }
    for name in args.detectors.split(","):
        r = evaluate(records, DETECTORS[name], verbose=args.verbose)
        results["detectors"][name] = r
        print(
            f"{name:<12} {100 * r['se']:7.2f} {100 * r['ppv']:7.2f} {r['fn']:6d} {r['fp']:6d} "
            f"{r['seconds']:8.2f}"
        )
    if not args.records:
        # Detectors not run this time keep their earlier rows.
        if (RESULTS / "qrs.json").is_file():
            earlier = read_json("qrs")
            kept = set(earlier["detectors"]) - set(results["detectors"])
            if kept:
                first = earlier["command"].split("; then ")[0]  # the run that made them
                results["command"] = f"{first}; then {results['command']}"
            results["detectors"] = {
                **{k: earlier["detectors"][k] for k in kept},
                **results["detectors"],
            }
        write_json("qrs", results)
        write_section("qrs", markdown(read_json("qrs")))


if __name__ == "__main__":
    main()
