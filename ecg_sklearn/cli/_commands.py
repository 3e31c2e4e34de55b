"""The commands of the command line: run (the main job), train, annotate, evaluate, explain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._files import record_name
from ..io._datasets import (
    DS1,
    DS2,
    SAMPLE_RECORDS,
    get_data_home,
    load_mitdb,
    load_sample,
    sample_data_dir,
)
from ..io._wfdb import load_record

COMMANDS = ("run", "train", "annotate", "evaluate", "explain")


def _print_report(report, title):
    from ..metrics import format_report

    print(f"\n{title}\n{format_report(report)}")


def _split(data, records):
    keep = np.isin(data.groups, list(records))
    return data.X[keep], data.y[keep], data.groups[keep]


def _fit_default_pipeline(args, fs, X, y, groups):
    """The default pipeline with the command line's seed, epochs and verbosity, fitted."""
    from ..pipeline import default_pipeline

    params = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    pipe = default_pipeline(fs, random_state=args.seed, verbose=int(not args.quiet), **params)
    return pipe.fit(X, y, cnn__groups=groups)


# ---------------------------------------------------------------------- run (main job)
def _save(fig, path):
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _strip_start(ref_samples, ref_labels, predicted, fs, duration):
    """Start (s) of the ``duration``-s strip with the most non-N or misclassified beats."""
    interesting = ref_samples[(ref_labels != "N") | (predicted != ref_labels)] / fs
    if interesting.size == 0:
        return 0.0
    counts = np.searchsorted(interesting, interesting + duration) - np.arange(interesting.size)
    return max(0.0, float(interesting[np.argmax(counts)]) - 1.0)


def _annotate_records(pipe, folder, records, out):
    """Annotate and score each record; strips to ``out``; Grad-CAM candidates returned."""
    from ..annotate._files import annotate_and_compare
    from ..annotate._record import pipeline_layout, pipeline_windows
    from ..metrics import match_beats
    from ..plotting import plot_annotated_strip

    fs, n_leads, _ = pipeline_layout(pipe)
    comparisons, windows, y_true, y_pred = [], [], [], []
    for name in records:
        rec = load_record(name, folder, leads="MLII" if n_leads == 1 else None, fs=fs)
        result, comparison = annotate_and_compare(pipe, rec)
        comparisons.append(comparison)
        ri, ti = match_beats(rec.beat_samples, result.beat_samples, fs)
        predicted = np.full(rec.beat_samples.size, "-", dtype=object)
        predicted[ri] = result.beat_labels[ti]
        start = _strip_start(rec.beat_samples, rec.beat_labels, predicted, fs, 10.0)
        fig, _ = plot_annotated_strip(
            rec.signal[0], fs, rec.beat_samples, rec.beat_labels,
            result.beat_samples, result.beat_labels, start=start, duration=10.0,
        )  # fmt: skip
        fig.axes[0].set_ylabel(f"record {name}, {rec.leads[0]} (mV)")
        _save(fig, out / f"strip_{name}.png")
        # Grad-CAM candidates: the first correct and first wrong matched beat per class.
        true, pred = rec.beat_labels[ri], result.beat_labels[ti]
        chosen = [
            np.flatnonzero((true == c) & ((pred == c) == ok))[0]
            for c in np.unique(true)
            for ok in (True, False)
            if np.any((true == c) & ((pred == c) == ok))
        ]
        X = pipeline_windows(pipe, rec.signal, result.beat_samples)
        windows.append(X[ti[chosen]])
        y_true.append(true[chosen])
        y_pred.append(pred[chosen])
        print(f"{name}: {len(result.beat_samples)} beats annotated", flush=True)
    return comparisons, np.concatenate(windows), np.concatenate(y_true), np.concatenate(y_pred)


def cmd_run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..explain import GradCAMExplainer
    from ..metrics import pooled_report
    from ..plotting import plot_confusion_matrix, plot_gradcam_examples

    if args.data_dir is None:
        folder, source = sample_data_dir(), "shipped MIT-BIH excerpt"
        records = [r for r in SAMPLE_RECORDS if r in DS2]
    else:
        folder, source = get_data_home(args.data_dir), str(get_data_home(args.data_dir))
        records = list(DS2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.train:
        if args.data_dir is None:
            train = load_sample([r for r in SAMPLE_RECORDS if r in DS1])
        else:
            train = load_mitdb("DS1", args.data_dir)
        print(f"Data: {source}; training the default pipeline on {len(train.y)} DS1 beats")
        pipe = _fit_default_pipeline(args, train.fs, train.X, train.y, train.groups)
        model = "the pipeline trained now"
    else:
        from ..shipped._pretrained import load_pretrained

        pipe, model = load_pretrained(args.pretrained), f"pretrained model {args.pretrained!r}"
    print(f"Data: {source}; annotating DS2 records {', '.join(records)} with {model}")
    comparisons, X, y_true, y_pred = _annotate_records(pipe, folder, records, out)
    report = pooled_report(comparisons)
    det = report["detection"]
    print(
        f"\nDetection: Se {100 * det['se']:.2f}% +P {100 * det['ppv']:.2f}% "
        f"({det['matched']} matched, {det['missed']} missed, {det['unmatched_detections']} extra)"
    )
    _print_report(report, "Classification of the matched beats:")
    _print_report(report["bxb"], "With missed and extra beats as errors (bxb):")
    (out / "report.json").write_text(json.dumps(report, indent=1))
    _save(plot_confusion_matrix(report["bxb"])[0], out / "confusion_matrix.png")
    explainer = GradCAMExplainer(pipe)
    for correct, name in ((True, "gradcam_correct.png"), (False, "gradcam_wrong.png")):
        _save(plot_gradcam_examples(explainer, X, y_true, y_pred, correct=correct)[0], out / name)
    written = ["report.json", "confusion_matrix.png", "gradcam_correct.png", "gradcam_wrong.png"]
    written.append(f"strip_{{{','.join(records)}}}.png")
    if args.train:
        from ..persistence import save_model

        save_model(pipe, out / "model.npz")
        written.append("model.npz")
    print(f"Wrote {', '.join(written)} to {out}")
    return 0


# ---------------------------------------------------------------------- train
def cmd_train(args) -> int:
    from ..persistence import save_model

    data = load_mitdb(args.split, args.data_dir, download=args.download)
    pipe = _fit_default_pipeline(args, data.fs, data.X, data.y, data.groups)
    path = save_model(pipe, args.model)
    print(f"Trained on {len(data.y)} beats of {args.split}; model saved to {path}")
    return 0


# ---------------------------------------------------------------------- annotate
def _load_model(args):
    """The pipeline of --model, else the pretrained one; and words that name it."""
    if args.model is not None:
        from ..persistence import load_model

        return load_model(args.model, trusted=args.trust_model), f"model {args.model}"
    from ..shipped._pretrained import load_pretrained

    return load_pretrained(args.pretrained), f"pretrained model {args.pretrained!r}"


def _record_path(record):
    path = Path(record)
    return path.parent, path.name


def cmd_annotate(args) -> int:
    from ..annotate._files import annotate_records
    from ..annotate._record import pipeline_layout

    pipe, model = _load_model(args)
    _, n_leads, _ = pipeline_layout(pipe)
    leads = [tuple(args.lead.split(","))] if n_leads == 1 else None
    model_leads = None
    if args.model is None:
        from ..shipped._pretrained import pretrained_info

        model_leads = pretrained_info(args.pretrained)["leads"]
    print(f"Annotating with {model}", flush=True)
    results = annotate_records(
        pipe, args.record, leads=leads, write_dir=args.out_dir, extension=args.extension,
        n_jobs=args.n_jobs, verbose=int(not args.quiet),
        af_rule_out=not args.no_af_rule_out, similar_beats=not args.no_similar_beats,
        sveb_prematurity=args.sveb_prematurity, sveb_gradual=not args.no_sveb_gradual,
        sveb_noise=not args.no_sveb_noise,
        veb_prematurity=args.veb_prematurity, veb_compensated=not args.no_veb_compensated,
        sveb_unlike=args.sveb_unlike, self_teach=not args.no_self_teach,
        veb_like_neighbours=args.veb_like_neighbours, veb_noise=not args.no_veb_noise,
        polarity=args.polarity, chunk_duration=args.chunk_duration,
        detect_af=args.detect_af,
    )  # fmt: skip
    for r in results:
        if r.error is not None:
            print(f"{r.record}: FAILED, skipped: {r.error}")
            continue
        rule = ""
        if r.af_burden is not None:
            rule += f"; {100 * r.af_burden:.1f}% of beats in atrial fibrillation"
        if r.unanalysable_s:
            rule += f"; {r.unanalysable_s:.0f} s unanalysable (flat signal: lead off?)"
        print(f"{r.record}: {r.n_beats} beats {r.counts}{rule}; annotations written to {r.path}")
        for problem in r.problems:
            print(f"{r.record}: WARNING: {problem}")
        if model_leads and r.leads[0] not in model_leads:
            built_on = ", ".join(model_leads)
            print(f"{r.record}: WARNING: lead {r.leads[0]} was read; {model} was built on "
                  f"{built_on}: its labels on other leads are less reliable")  # fmt: skip
    failed = sum(r.error is not None for r in results)
    if failed:
        print(f"{failed} of {len(results)} records failed")
    return int(failed > 0)


# ---------------------------------------------------------------------- review
def cmd_report(args) -> int:
    from ..report import report_record

    pipe, model = _load_model(args)
    info = {"name": model, "description": "a model given with --model"}
    if args.model is None:
        from ..shipped._pretrained import pretrained_info

        info = pretrained_info(args.pretrained)
    print(f"Reporting {record_name(args.record)} with {model}", flush=True)
    html, summary = report_record(
        pipe, args.record, args.out, leads=[tuple(args.lead.split(","))], model=info,
        clusters=not args.no_clusters, verbose=int(not args.quiet),
    )  # fmt: skip
    print(f"Report written to {html} and {summary}")
    return 0


def cmd_review(args) -> int:
    from ..annotate._files import write_annotations
    from ..annotate._record import annotate_record
    from ..io import open_record
    from ..review import apply_review, beat_clusters, read_review_labels

    name = record_name(args.record)
    # The sheet is read and checked before the record is annotated.
    labels = None if args.labels is None else read_review_labels(args.labels, record=name)
    pipe, model = _load_model(args)
    rec = open_record(args.record, leads=[tuple(args.lead.split(","))])
    print(f"Annotating {name} with {model}", flush=True)
    signal = np.asarray(rec.signal[0:1, :])
    # With each beat's probability of AF: no beat in AF becomes S by the review.
    result = annotate_record(pipe, signal, rec.fs, detect_af=True, verbose=int(not args.quiet))
    clusters = beat_clusters(result, signal, rec.fs)
    out = Path(args.out_dir or ".")
    if labels is None:
        return _write_suggestions(args, name, rec.fs, signal, result, clusters, out)
    reviewed = apply_review(result, signal, rec.fs, labels, clusters=clusters)
    reviewed.p_af = None  # AF informed the review; the file holds beats, as annotate's
    out.mkdir(parents=True, exist_ok=True)
    path = write_annotations(reviewed, name, extension=args.extension, write_dir=out)
    print(f"{name}: {int(reviewed.reviewed.sum())} reviewed beats, "
          f"{int(reviewed.followed.sum())} followed them; "
          f"{int((reviewed.beat_labels != result.beat_labels).sum())} of "
          f"{len(result.beat_labels)} labels changed; annotations written to {path}")  # fmt: skip
    return 0


def _write_suggestions(args, name, fs, signal, result, clusters, out):
    from ..plotting import plot_review_suggestion
    from ..review import suggest_review, write_review_sheet

    s = suggest_review(result, signal, fs, n=args.suggest, clusters=clusters)
    out.mkdir(parents=True, exist_ok=True)
    sheet = write_review_sheet(s, out / f"{name}_review.csv", record=name, fs=fs)
    for i, (index, c) in enumerate(zip(s.beat_index, s.cluster, strict=True)):
        fig, _ = plot_review_suggestion(
            signal[0], fs, result.beat_samples, np.flatnonzero(clusters.labels == c),
            index, label=s.label[i],
        )  # fmt: skip
        _save(fig, out / f"{name}_review_{i + 1}.png")
    print(f"{name}: {len(s.beat_index)} beats to review (standing for "
          f"{int(s.n_beats.sum())} of {len(result.beat_samples)} beats): fill in the "
          f"label column of {sheet} (N, S, V, F or Q), then run "
          f"ecg-sklearn review {args.record} --labels {sheet}")  # fmt: skip
    return 0


# ---------------------------------------------------------------------- evaluate
def cmd_evaluate(args) -> int:
    from ..annotate._files import compare_with_reference
    from ..io._annotations import read_annotations, select_beats
    from ..metrics import pooled_report

    folder = Path(args.data_dir) if args.data_dir else get_data_home(None)
    ann_dir = Path(args.annotation_dir) if args.annotation_dir else folder
    records = args.records or list(DS2)
    comparisons = []
    for name in records:
        ref = load_record(name, folder, leads=None)
        test_samples, _, test_labels = select_beats(
            *read_annotations(ann_dir, name, args.extension)
        )
        cmp = compare_with_reference(ref, test_samples, test_labels)
        comparisons.append(cmp)
        if args.per_record:
            print(f"{name}: detection Se {cmp['se']:.4f} +P {cmp['ppv']:.4f}")
    report = pooled_report(comparisons)
    det = report["detection"]
    print(
        f"Detection over {len(records)} records (150 ms): Se {100 * det['se']:.2f}% "
        f"+P {100 * det['ppv']:.2f}% (matched {det['matched']}, missed {det['missed']}, "
        f"unmatched detections {det['unmatched_detections']})"
    )
    _print_report(report, "Classification of matched beats:")
    _print_report(report["bxb"], "Classification with missed and extra beats as errors (bxb):")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


# ---------------------------------------------------------------------- explain
def cmd_explain(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..annotate._record import pipeline_layout, pipeline_windows
    from ..explain import GradCAMExplainer

    pipe, _ = _load_model(args)
    fs, n_leads, _ = pipeline_layout(pipe)
    folder, name = _record_path(args.record)
    rec = load_record(name, folder, leads=[tuple(args.lead.split(","))] * n_leads, fs=fs)
    if not 0 <= args.beat < len(rec.beat_samples):
        raise SystemExit(f"--beat must be in [0, {len(rec.beat_samples)}): the record's beats")
    X = pipeline_windows(pipe, rec.signal, rec.beat_samples)
    fig, _ = GradCAMExplainer(pipe).plot(X, args.beat, y_true=rec.beat_labels[args.beat])
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    print(f"Grad-CAM of beat {args.beat} of record {name} written to {args.out}")
    return 0
