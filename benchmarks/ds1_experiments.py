"""Ideas for the inter-patient benchmark, tried on DS1 only (GroupKFold by record).

DS2 is never loaded. Each configuration is fitted on the training folds with seeds 0
and 1 (``--seeds`` to change) and scored, like ``tune.py``, by the mean of the S and V
F1 on the held-out DS1 patients; the pooled confusion matrix over the held-out folds is
printed too.

* ``irregularity``: one more RR column for the CNN, the rhythm irregularity around each
  beat: the median absolute difference of successive RR intervals over the 16 beats on
  either side, divided by their median RR interval. It is computed from the record's
  beat positions only (no labels; the median per record is printed). The aim: fewer
  false S calls on irregular but normal beats (N beats in atrial fibrillation). The
  default pipeline has no place for it in its windows, so two thin wrappers here carry
  it as an extra constant channel past the filter and insert it after the 8 RR
  features; the baseline is the default.
* ``positions``: train on the beats at the reference positions (the default), or on
  those plus the same beats at the positions found by ``ecg_sklearn.qrs.detect_qrs``
  (each detection labelled by the reference beat it matches within 150 ms; windows and
  beat channel built from the detections), and score the held-out patients at both
  positions. On DS1, 40% of V detections lie more than 14 ms from the reference mark
  (printed), so this asks whether the end-to-end setting needs training on detections.
* ``context``: windows of +/-2 s (the default), +/-3 s or +/-1.5 s around each beat.
  The context sets how many neighbouring beats the RR features and the neighbours
  channel see; the CNN's crop stays 0.25 s before to 0.4 s after the R peak.
* ``vote``: the default with seeds 0, 1 and 2, each alone and as a soft vote (mean of
  their probabilities): how much of the seeds' spread an ensemble removes.
* ``adabn``: the fitted default predicts each held-out record with its batch-norm
  statistics recomputed on that record's beats (unlabelled; "AdaBN", Li et al. 2016):
  a per-record normalisation of the RR features, the input and every convolution,
  against the patient-to-patient shift; or only those of the waveform branch (the RR
  features are already divided by the record's average RR). Same fitted networks in
  every row.
* ``af``: the default's held-out probabilities with and without the rule of
  :func:`ecg_sklearn.rhythm.exclude_sveb_in_af` (no S where the rhythm of the beats
  called N is irregular, as in atrial fibrillation) at several irregularity thresholds;
  the same fitted networks in every row.
* ``template``: a longer reference of the patient's beats than the neighbours channel
  (the mean of the other beats in the same 4-s window): the pointwise median of the
  filtered beat crops of the 30 beats on either side in the same record (unlabelled),
  in place of the neighbours channel or as a third channel beside it. Filter and
  segmenter are fitted once (they learn nothing from the data) and only the CNN per
  fold; the baseline row is the default computed the same way.

Usage: python benchmarks/ds1_experiments.py EXPERIMENT [--folds 3] [--seeds 0 1]
[--data-dir PATH]
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch
from inter_patient import write_section  # a script beside this one, like tune
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from tune import sv_score

from ecg_sklearn import default_pipeline
from ecg_sklearn.datasets import DS1, get_data_home, load_mitdb, load_record
from ecg_sklearn.metrics import AAMI_CLASSES, match_beats
from ecg_sklearn.qrs import detect_qrs
from ecg_sklearn.rhythm import exclude_sveb_in_af
from ecg_sklearn.windows import make_beat_windows

SEEDS = {"vote": (0, 1, 2)}  # the members of the vote; (0, 1) for the others
CONTEXTS = (2.0, 3.0, 1.5)
HALF_BEATS = 16


def irregularity(beat_samples, fs, half=HALF_BEATS):
    """Median |successive RR difference| over median RR, over ``half`` beats each side."""
    rr = np.diff(beat_samples) / fs
    step = np.abs(np.diff(rr))
    out = np.empty(len(beat_samples))
    for i in range(len(beat_samples)):
        lo, hi = max(0, i - half), min(step.size, i + half)
        out[i] = np.median(step[lo:hi]) / np.median(rr[lo : min(rr.size, hi + 1)])
    return out


class ExtraChannel(TransformerMixin, BaseEstimator):
    """Apply ``step`` to all channels but the last, and carry the last one past it.

    The last channel is passed on as it is, or, with ``insert_at``, its first value is
    inserted after the ``insert_at`` leading columns of ``step``'s 2-D output.
    """

    def __init__(self, step, insert_at=None):
        self.step = step
        self.insert_at = insert_at

    def fit(self, X, y=None):
        self.step.fit(X[:, :-1])
        return self

    def transform(self, X):
        out = self.step.transform(X[:, :-1])
        if self.insert_at is None:
            return np.concatenate([out, X[:, -1:]], axis=1)
        k = self.insert_at
        return np.column_stack([out[:, :k], X[:, -1, 0], out[:, k:]]).astype(out.dtype)


def held_out(pipe, X, y, cv):
    """Held-out predictions (a clone of ``pipe`` fitted per fold) and each fold's score."""
    y_pred = cross_val_predict(pipe, X, y, cv=cv)
    return y_pred, [sv_score(y[test], y_pred[test]) for _, test in cv]


def pooled(name, y_true, y_pred, scores, seconds):
    matrix = confusion_matrix(y_true, y_pred, labels=list(AAMI_CLASSES))
    ppv, se, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=["S", "V"], zero_division=0
    )  # precision is +P, recall Se
    summary = ", ".join(f"{c} {se[i]:.3f} / {ppv[i]:.3f} / {f1[i]:.3f}" for i, c in enumerate("SV"))
    print(
        f"{name}: folds {np.round(scores, 3).tolist()} mean {np.mean(scores):.3f}; pooled "
        f"Se / +P / F1 {summary}; {seconds:.0f} s\n{matrix}",
        flush=True,
    )
    return {"name": name, "folds": scores, "mean": float(np.mean(scores)), "pooled": summary}


def run_irregularity(data, cv, home, seeds):
    irr = np.empty(len(data.y), dtype=np.float32)
    for record in np.unique(data.groups):
        at = data.groups == record
        irr[at] = irregularity(data.samples[at], data.fs)
    medians = {r: round(float(np.median(irr[data.groups == r])), 3) for r in np.unique(data.groups)}
    print(f"median irregularity per record: {medians}", flush=True)
    extra = np.broadcast_to(irr[:, None, None], (len(irr), 1, data.X.shape[-1]))
    X_irr = np.concatenate([data.X, extra], axis=1)
    rows = []
    for with_irr in (False, True):
        for seed in seeds:
            start = time.perf_counter()
            pipe = default_pipeline(data.fs, random_state=seed, verbose=0)
            if with_irr:
                pipe = Pipeline([
                    ("filter", ExtraChannel(pipe["filter"])),
                    ("segment", ExtraChannel(pipe["segment"], insert_at=8)),
                    ("cnn", pipe["cnn"].set_params(n_rr_features=9)),
                ])  # fmt: skip
            y_pred, scores = held_out(pipe, X_irr if with_irr else data.X, data.y, cv)
            name = f"{'with' if with_irr else 'without'} irregularity, seed {seed}"
            rows.append(pooled(name, data.y, y_pred, scores, time.perf_counter() - start))
    return rows


def detected_beats(home):
    """DS1 windows at the detector's positions, labelled by the matched reference beat."""
    X, y, groups, offsets, n_unmatched = [], [], [], {c: [] for c in AAMI_CLASSES}, 0
    for record in DS1:
        rec = load_record(record, home, leads="MLII")
        found = detect_qrs(rec.signal, rec.fs)
        ref, det = match_beats(rec.beat_samples, found, rec.fs, 0.15)
        labels = np.asarray(rec.beat_labels)[ref]
        X.append(make_beat_windows(rec.signal, found, rec.fs)[det])
        y.append(labels)
        groups.append(np.full(det.size, record))
        n_unmatched += found.size - det.size
        for c in AAMI_CLASSES:
            offsets[c].append(found[det][labels == c] - rec.beat_samples[ref][labels == c])
    print(f"{n_unmatched} DS1 detections match no reference beat (left out)")
    for c, off in offsets.items():
        off = np.concatenate(off) / rec.fs * 1000
        if off.size:
            print(
                f"  {c}: {off.size} matched, |detection - reference| > 14 ms for "
                f"{np.mean(np.abs(off) > 14):.1%}, > 28 ms for {np.mean(np.abs(off) > 28):.1%}"
            )
    return np.concatenate(X), np.concatenate(y), np.concatenate(groups)


def run_positions(data, cv, home, seeds):
    X_det, y_det, g_det = detected_beats(home)
    rows = []
    for both in (False, True):
        for seed in seeds:
            start, at_ref, at_det = time.perf_counter(), [], []
            for _, test in cv:
                held_out = np.unique(data.groups[test])
                train_ref = ~np.isin(data.groups, held_out)
                train_det = ~np.isin(g_det, held_out)
                X, y = data.X[train_ref], data.y[train_ref]
                if both:
                    X = np.concatenate([X, X_det[train_det]])
                    y = np.concatenate([y, y_det[train_det]])
                pipe = default_pipeline(data.fs, random_state=seed, verbose=0).fit(X, y)
                at_ref.append(sv_score(data.y[~train_ref], pipe.predict(data.X[~train_ref])))
                at_det.append(sv_score(y_det[~train_det], pipe.predict(X_det[~train_det])))
            name = f"trained on {'reference + detected' if both else 'reference'}, seed {seed}"
            print(
                f"{name}: scored at reference {np.round(at_ref, 3).tolist()} mean "
                f"{np.mean(at_ref):.3f}; at detected {np.round(at_det, 3).tolist()} mean "
                f"{np.mean(at_det):.3f}; {time.perf_counter() - start:.0f} s",
                flush=True,
            )
            rows.append({"name": name, "at_reference": at_ref, "at_detected": at_det})
    return rows


def run_context(data, cv, home, seeds):
    rows = []
    for context in CONTEXTS:
        windows = data if context == 2.0 else load_mitdb("DS1", home, context=context, verbose=0)
        assert np.array_equal(windows.groups, data.groups), "same beats, same folds"
        for seed in seeds:
            start = time.perf_counter()
            pipe = default_pipeline(data.fs, random_state=seed, verbose=0)
            y_pred, scores = held_out(pipe, windows.X, data.y, cv)
            name = f"windows of +/-{context:g} s, seed {seed}"
            rows.append(pooled(name, data.y, y_pred, scores, time.perf_counter() - start))
    return rows


def run_vote(data, cv, home, seeds):
    start, proba = time.perf_counter(), {}
    for fold, (train, test) in enumerate(cv):
        for seed in seeds:
            pipe = default_pipeline(data.fs, random_state=seed, verbose=0)
            pipe.fit(data.X[train], data.y[train])
            proba[fold, seed] = pipe.predict_proba(data.X[test])
            classes = pipe.classes_
    rows = []
    for members in [(seed,) for seed in seeds] + [tuple(seeds)]:
        scores = []
        y_pred = np.empty(len(data.y), dtype=data.y.dtype)
        for fold, (_, test) in enumerate(cv):
            mean = np.mean([proba[fold, seed] for seed in members], axis=0)
            y_pred[test] = classes[mean.argmax(axis=1)]
            scores.append(sv_score(data.y[test], y_pred[test]))
        name = f"seed {members[0]}" if len(members) == 1 else f"soft vote of seeds {members}"
        rows.append(pooled(name, data.y, y_pred, scores, time.perf_counter() - start))
    return rows


def adapt_batch_norm(module, Z, *, skip=(), batch_size=1024):
    """A copy of ``module`` with batch-norm statistics from the rows ``Z``.

    The batch norms inside the submodules named in ``skip`` keep theirs.
    """
    module = copy.deepcopy(module).eval()
    kept = {id(m) for name in skip for m in getattr(module, name).modules()}
    for norm in module.modules():
        if isinstance(norm, torch.nn.BatchNorm1d) and id(norm) not in kept:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average over all batches
            norm.train()
    with torch.no_grad():
        for batch in torch.from_numpy(np.ascontiguousarray(Z, dtype=np.float32)).split(batch_size):
            module(batch)
    return module.eval()


ADAPTED = {  # row name: submodules whose batch norms keep the training statistics
    "default": None,
    "all batch norms per record": (),
    "waveform batch norms per record": ("rr_embedding",),
}


def run_adabn(data, cv, home, seeds):
    rows = []
    for seed in seeds:
        start = time.perf_counter()
        scores = {name: [] for name in ADAPTED}
        y_pred = {name: np.empty_like(data.y) for name in ADAPTED}
        for train, test in cv:
            pipe = default_pipeline(data.fs, random_state=seed, verbose=0)
            pipe.fit(data.X[train], data.y[train])
            net, fitted = pipe["cnn"], pipe["cnn"].module_
            for record in np.unique(data.groups[test]):
                rows_of = test[data.groups[test] == record]
                Z = pipe[:-1].transform(data.X[rows_of])
                for name, skip in ADAPTED.items():
                    net.module_ = fitted if skip is None else adapt_batch_norm(fitted, Z, skip=skip)
                    y_pred[name][rows_of] = net.predict(Z)
                net.module_ = fitted
            for name in ADAPTED:
                scores[name].append(sv_score(data.y[test], y_pred[name][test]))
        for name in ADAPTED:
            seconds = time.perf_counter() - start
            rows.append(pooled(f"{name}, seed {seed}", data.y, y_pred[name], scores[name], seconds))
    return rows


AF_THRESHOLDS = (None, 0.06, 0.08, 0.1, 0.12, 0.15)


def run_af(data, cv, home, seeds):
    rows = []
    for seed in seeds:
        start = time.perf_counter()
        pipe = default_pipeline(data.fs, random_state=seed, verbose=0)
        proba = cross_val_predict(pipe, data.X, data.y, cv=cv, method="predict_proba")
        classes = np.unique(data.y)  # the columns of cross_val_predict's probabilities
        for threshold in AF_THRESHOLDS:
            ruled = proba
            if threshold is not None:
                ruled, irregular = exclude_sveb_in_af(
                    proba, classes, data.samples, data.fs, groups=data.groups, threshold=threshold
                )
            y_pred = classes[ruled.argmax(axis=1)]
            scores = [sv_score(data.y[test], y_pred[test]) for _, test in cv]
            name = f"no AF rule, seed {seed}" if threshold is None else (
                f"AF rule at {threshold:g} ({irregular.mean():.1%} of beats), seed {seed}"
            )  # fmt: skip
            rows.append(pooled(name, data.y, y_pred, scores, time.perf_counter() - start))
    return rows


TEMPLATE_HALF = 30  # beats on either side of the median template


def record_templates(crops, groups, half=TEMPLATE_HALF):
    """Per beat, the pointwise median of the crops of the ``2 * half + 1`` beats around it.

    Beats are taken from the same record (in ``groups``) in their order; near a
    record's ends the ``2 * half + 1`` beats nearest to the end.
    """
    out = np.empty_like(crops)
    for record in np.unique(groups):
        rows = np.flatnonzero(groups == record)
        width = min(2 * half + 1, rows.size)
        first = np.clip(np.arange(rows.size) - half, 0, rows.size - width)
        for start in range(0, rows.size, 512):  # chunks keep the median's copy small
            stop = min(start + 512, rows.size)
            lo, hi = first[start], first[stop - 1] + width
            view = sliding_window_view(crops[rows[lo:hi]], width, axis=0)
            out[rows[start:stop]] = np.median(view, axis=-1)[first[start:stop] - lo]
    return out


def run_template(data, cv, home, seeds):
    front = default_pipeline(data.fs)[:-1]
    Z = front.fit_transform(data.X)
    n_rr, length = front["segment"].n_rr_features_, front["segment"].beat_length_
    crop, neighbours = slice(n_rr, n_rr + length), slice(n_rr + length, None)
    template = record_templates(Z[:, crop], data.groups)
    instead = Z.copy()
    instead[:, neighbours] = template
    variants = {
        "default": (Z, 2),
        "template instead of neighbours": (instead, 2),
        "template added": (np.concatenate([Z, template], axis=1), 3),
    }
    rows = []
    for seed in seeds:
        for name, (features, n_leads) in variants.items():
            start = time.perf_counter()
            cnn = default_pipeline(data.fs, random_state=seed, verbose=0)["cnn"]
            y_pred, scores = held_out(cnn.set_params(n_leads=n_leads), features, data.y, cv)
            rows.append(
                pooled(f"{name}, seed {seed}", data.y, y_pred, scores, time.perf_counter() - start)
            )
    return rows


def _scores(scores):
    return f"{np.mean(scores):.3f} {np.round(scores, 3).tolist()}"


EXPERIMENTS = {
    "irregularity": run_irregularity,
    "context": run_context,
    "vote": run_vote,
    "adabn": run_adabn,
    "af": run_af,
    "template": run_template,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("experiment", choices=[*EXPERIMENTS, "positions"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    args = parser.parse_args(argv)
    seeds = args.seeds or SEEDS.get(args.experiment, (0, 1))
    start = time.perf_counter()
    home = get_data_home(args.data_dir)
    data = load_mitdb("DS1", home, verbose=0)
    cv = list(GroupKFold(args.folds).split(data.X, data.y, data.groups))
    if args.experiment in EXPERIMENTS:
        rows = EXPERIMENTS[args.experiment](data, cv, home, seeds)
        table = [
            "| configuration | mean [per fold] | pooled Se / +P / F1 |",
            "|---|---|---|",
        ] + [f"| {r['name']} | {_scores(r['folds'])} | {r['pooled']} |" for r in rows]
    else:
        rows = run_positions(data, cv, home, seeds)
        table = ["| training | scored at reference | scored at detected |", "|---|---|---|"]
        table += [
            f"| {r['name']} | {_scores(r['at_reference'])} | {_scores(r['at_detected'])} |"
            for r in rows
        ]
    seconds = time.perf_counter() - start
    print(f"{seconds:.0f} s")

    option = suffix = ""  # other folds or seeds get a section of their own
    if args.folds != 3:
        suffix += f"-folds-{args.folds}"
    if args.seeds is not None:
        option = " --seeds " + " ".join(map(str, seeds))
        suffix += "-seeds-" + "-".join(map(str, seeds))

    text = (
        f"## DS1 experiment '{args.experiment}'{suffix.replace('-', ' ')} (GroupKFold by "
        f"record)\n\nCommand: `python benchmarks/ds1_experiments.py {args.experiment} "
        f"--folds {args.folds}{option}`; {args.folds} folds over the 22 DS1 records, DS2 "
        f"never loaded; (S-F1 + V-F1) / 2 of the held-out patients; {seconds:.0f} s.\n\n"
        + "\n".join(table)
        + "\n"
    )
    docs = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
    write_section(docs, f"ds1-{args.experiment}{suffix}", text)


if __name__ == "__main__":
    main()
