"""Beat detection and classification metrics in the manner of ANSI/AAMI EC57."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix

from .io._annotations import AAMI_CLASSES

__all__ = [
    "match_beats",
    "flutter_intervals",
    "detection_scores",
    "classification_report_ec57",
    "UNMATCHED",
    "compare_annotations",
    "pooled_report",
    "format_report",
]


def match_beats(reference, detected, fs: float, tolerance: float = 0.15):
    """Match detected beats one-to-one to reference beats within ``tolerance`` seconds.

    Closest pairs are matched first. Both inputs are sample indices.

    Returns
    -------
    ref_index, det_index : ndarray of int
        Indices into ``reference`` and ``detected`` of the matched pairs, in reference order.
    """
    ref = np.asarray(reference, dtype=np.int64)
    det = np.asarray(detected, dtype=np.int64)
    if ref.size == 0 or det.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    tol = tolerance * fs
    # Candidate pairs: each detection with its nearest reference on either side.
    right = np.searchsorted(ref, det)
    cand_ref = np.concatenate(
        [np.clip(right - 1, 0, ref.size - 1), np.clip(right, 0, ref.size - 1)]
    )
    cand_det = np.concatenate([np.arange(det.size)] * 2)
    dist = np.abs(ref[cand_ref] - det[cand_det])
    keep = dist <= tol
    cand_ref, cand_det, dist = cand_ref[keep], cand_det[keep], dist[keep]
    order = np.argsort(dist, kind="stable")
    used_ref = np.zeros(ref.size, dtype=bool)
    used_det = np.zeros(det.size, dtype=bool)
    pairs = []
    for r, d in zip(cand_ref[order], cand_det[order], strict=True):
        if not used_ref[r] and not used_det[d]:
            used_ref[r] = used_det[d] = True
            pairs.append((r, d))
    if not pairs:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs = np.array(sorted(pairs))
    return pairs[:, 0], pairs[:, 1]


def flutter_intervals(ann_samples, ann_symbols) -> np.ndarray:
    """Ventricular flutter episodes ``[start, end]`` marked by ``[`` and ``]`` annotations."""
    samples = np.asarray(ann_samples)
    symbols = np.asarray(ann_symbols)
    starts = samples[symbols == "["]
    ends = samples[symbols == "]"]
    out = []
    for s in starts:
        after = ends[ends >= s]
        out.append((s, after[0] if after.size else np.iinfo(np.int64).max))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _outside(samples, intervals):
    samples = np.asarray(samples)
    inside = np.zeros(samples.shape, dtype=bool)
    for s, e in intervals:
        inside |= (samples >= s) & (samples <= e)
    return ~inside


def detection_scores(reference, detected, fs, *, tolerance=0.15, exclude=None) -> dict:
    """Beat-by-beat detection counts and Se / +P for one record.

    Parameters
    ----------
    reference, detected : array-like of int
        Reference and detected beat positions (samples).
    fs : float
        Sampling rate in Hz.
    tolerance : float, default=0.15
        Matching window in seconds.
    exclude : ndarray of shape (n, 2), optional
        Sample intervals not scored (e.g. :func:`flutter_intervals`): reference and
        detected beats inside them are dropped before matching.

    Returns
    -------
    scores : dict
        ``tp``, ``fn``, ``fp``, ``se`` and ``ppv``.
    """
    ref = np.asarray(reference, dtype=np.int64)
    det = np.asarray(detected, dtype=np.int64)
    unlabelled = compare_annotations(
        ref, np.zeros(ref.size, dtype="<U1"), det, np.zeros(det.size, dtype="<U1"), fs,
        tolerance=tolerance, exclude=exclude,
    )  # fmt: skip
    return {k: unlabelled[k] for k in ("tp", "fn", "fp", "se", "ppv")}


#: Label of the unmatched row and column of an end-to-end confusion matrix (bxb's
#: "X" row of detections with no reference beat and "O" column of missed beats).
UNMATCHED = "-"


def classification_report_ec57(
    y_true, y_pred, *, labels=AAMI_CLASSES, missed=None, extra=None
) -> dict:
    """EC57-style classification report: per-class Se, +P, F1 and the confusion matrix.

    Parameters
    ----------
    y_true, y_pred : array-like of str
        AAMI labels of the beats (for an end-to-end comparison, of the matched beats).
    labels : sequence of str, default=("N", "S", "V", "F", "Q")
    missed : array-like of str, optional
        Reference labels of beats the annotator did not detect. Given together with
        ``extra``, unmatched beats count as errors, as in PhysioNet's ``bxb``: a missed
        beat of class c lowers c's Se, an extra detection labelled c lowers c's +P, and
        the confusion matrix gains a row and a column :data:`UNMATCHED` (``"-"``):
        the row holds detections matching no reference beat, the column the missed
        reference beats. Accuracy then divides by all beats, unmatched ones included.
    extra : array-like of str, optional
        Predicted labels of detections that match no reference beat.

    Returns
    -------
    report : dict
        ``confusion_matrix`` (rows true, columns predicted, in ``labels`` order),
        ``per_class`` {label: {se, ppv, f1, support}}, ``accuracy``, ``macro_f1`` (over
        classes with support), ``j_index`` (Se_S + Se_V + +P_S + +P_V), ``labels`` (with
        ``"-"`` last when unmatched beats are counted) and ``counting``
        (``"given beats"`` or ``"unmatched as errors (bxb)"``).

    Examples
    --------
    >>> r = classification_report_ec57(["N", "V", "V"], ["N", "V", "N"])
    >>> round(r["per_class"]["V"]["se"], 2), r["per_class"]["V"]["ppv"]
    (0.5, 1.0)
    >>> r = classification_report_ec57(["N", "V"], ["N", "V"], missed=["V"], extra=["V"])
    >>> r["per_class"]["V"]["se"], r["per_class"]["V"]["ppv"], r["labels"][-1]
    (0.5, 0.5, '-')
    """
    labels = list(labels)
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    unknown = sorted(set(np.unique(y_true)) - set(labels))
    if unknown:
        raise ValueError(f"y_true holds labels {unknown} outside {labels}")
    if (missed is None) != (extra is None):
        raise ValueError("give both missed and extra (or neither)")
    bxb = missed is not None
    if bxb:
        missed, extra = np.asarray(missed, dtype=y_true.dtype), np.asarray(extra)
        unknown = sorted(set(np.unique(missed)) - set(labels))
        if unknown:
            raise ValueError(f"missed holds labels {unknown} outside {labels}")
        y_true = np.concatenate([y_true, missed, np.full(extra.size, UNMATCHED)])
        y_pred = np.concatenate([y_pred, np.full(missed.size, UNMATCHED), extra])
    all_labels = [*labels, UNMATCHED] if bxb else labels
    cm = confusion_matrix(y_true, y_pred, labels=all_labels)
    k = len(labels)
    tp = np.diag(cm)[:k].astype(float)
    support = cm[:k].sum(axis=1)
    predicted = cm[:, :k].sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(support > 0, tp / support, np.nan)
        ppv = np.where(predicted > 0, tp / predicted, np.where(support > 0, 0.0, np.nan))
        f1 = np.where(se + ppv > 0, 2 * se * ppv / (se + ppv), 0.0)
    f1 = np.where(support > 0, f1, np.nan)
    per_class = {
        c: {
            "se": float(se[i]),
            "ppv": float(ppv[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, c in enumerate(labels)
    }
    report = {
        "labels": all_labels,
        "counting": "unmatched as errors (bxb)" if bxb else "given beats",
        "confusion_matrix": cm.tolist(),
        "per_class": per_class,
        "accuracy": float(tp.sum() / max(cm.sum(), 1)),
        "macro_f1": float(np.nanmean(f1)) if np.any(support > 0) else float("nan"),
    }
    if {"S", "V"} <= set(labels):
        s, v = per_class["S"], per_class["V"]
        report["j_index"] = float(np.nansum([s["se"], v["se"], s["ppv"], v["ppv"]]))
    return report


def compare_annotations(
    ref_samples, ref_labels, test_samples, test_labels, fs, *, tolerance=0.15, exclude=None
) -> dict:
    """Beat-by-beat comparison of a labelled beat list against a reference (one record).

    Detected beats are matched to reference beats within ``tolerance`` seconds (EC57);
    the labels of matched pairs give the classification part, and the unmatched beats
    the detection part.

    Parameters
    ----------
    ref_samples, test_samples : array-like of int
        Beat positions (samples) of the reference and of the annotator under test.
    ref_labels, test_labels : array-like of str
        Their AAMI labels.
    fs : float
        Sampling rate in Hz.
    tolerance : float, default=0.15
    exclude : ndarray of shape (n, 2), optional
        Sample intervals not scored (ventricular flutter, see :func:`flutter_intervals`).

    Returns
    -------
    result : dict
        ``y_true``, ``y_pred`` (labels of matched beats), ``missed`` (reference labels of
        beats not detected), ``extra`` (test labels of detections matching no reference
        beat), and the detection counts ``tp``, ``fn``, ``fp``, ``se``, ``ppv``. Pass
        ``missed`` and ``extra`` to :func:`classification_report_ec57` to count them as
        class errors (bxb); :func:`pooled_report` does both over records.
    """
    ref, ref_labels = np.asarray(ref_samples, dtype=np.int64), np.asarray(ref_labels)
    test, test_labels = np.asarray(test_samples, dtype=np.int64), np.asarray(test_labels)
    if exclude is not None and len(exclude):
        keep_ref, keep_test = _outside(ref, exclude), _outside(test, exclude)
        ref, ref_labels = ref[keep_ref], ref_labels[keep_ref]
        test, test_labels = test[keep_test], test_labels[keep_test]
    ri, ti = match_beats(ref, test, fs, tolerance)
    missed = np.ones(ref.size, dtype=bool)
    missed[ri] = False
    extra = np.ones(test.size, dtype=bool)
    extra[ti] = False
    tp, fn, fp = int(ri.size), int(missed.sum()), int(extra.sum())
    return {
        "y_true": ref_labels[ri],
        "y_pred": test_labels[ti],
        "missed": ref_labels[missed],
        "extra": test_labels[extra],
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "se": tp / (tp + fn) if tp + fn else float("nan"),
        "ppv": tp / (tp + fp) if tp + fp else float("nan"),
    }


def pooled_report(comparisons) -> dict:
    """EC57 report over several records, from their :func:`compare_annotations` results.

    The matched beats of all records are pooled into one
    :func:`classification_report_ec57` (``counting`` "given beats": the class figures
    of the beats both sides agree exist). Two entries are added:

    * ``"bxb"``: the same report with missed beats and unmatched detections counted as
      errors of their class, as PhysioNet's ``bxb`` does (see
      :func:`classification_report_ec57`); the figure to compare end-to-end systems by;
    * ``"detection"``: ``matched``, ``missed``, ``unmatched_detections``, ``se``,
      ``ppv``, the missed beats by reference class and the unmatched detections by
      predicted class.

    Parameters
    ----------
    comparisons : iterable of dict
        One :func:`compare_annotations` result per record.

    Returns
    -------
    report : dict
    """
    comparisons = list(comparisons)
    if not comparisons:
        raise ValueError("comparisons is empty: give one compare_annotations result per record")
    y_true = np.concatenate([c["y_true"] for c in comparisons])
    y_pred = np.concatenate([c["y_pred"] for c in comparisons])
    missed = np.concatenate([c["missed"] for c in comparisons])
    extra = np.concatenate([c["extra"] for c in comparisons])
    report = classification_report_ec57(y_true, y_pred)
    report["bxb"] = classification_report_ec57(y_true, y_pred, missed=missed, extra=extra)
    tp = len(y_true)
    report["detection"] = {
        "matched": tp,
        "missed": int(missed.size),
        "unmatched_detections": int(extra.size),
        "se": tp / (tp + missed.size) if tp + missed.size else float("nan"),
        "ppv": tp / (tp + extra.size) if tp + extra.size else float("nan"),
        "missed_by_class": {c: int((missed == c).sum()) for c in AAMI_CLASSES},
        "unmatched_by_predicted_class": {c: int((extra == c).sum()) for c in AAMI_CLASSES},
    }
    return report


def format_report(report) -> str:
    """Plain-text table of a :func:`classification_report_ec57` report."""
    lines = [f"{'class':<6}{'Se %':>8}{'+P %':>8}{'F1 %':>8}{'beats':>8}"]
    for c, r in report["per_class"].items():
        vals = [f"{100 * r[k]:8.1f}" if r[k] == r[k] else f"{'-':>8}" for k in ("se", "ppv", "f1")]
        lines.append(f"{c:<6}{''.join(vals)}{r['support']:8d}")
    lines.append(
        f"accuracy {100 * report['accuracy']:.1f}%  macro-F1 {100 * report['macro_f1']:.1f}%"
    )
    if report.get("counting", "given beats") != "given beats":
        lines.append(f"counting: {report['counting']}")
    if "j_index" in report:
        lines.append(f"j-index (Se_S + Se_V + +P_S + +P_V) {report['j_index']:.3f}")
    labels = report["labels"]
    lines.append("confusion matrix (rows true, columns predicted): " + " ".join(labels))
    if UNMATCHED in labels:
        lines.append(f"('{UNMATCHED}': row = detections matching no beat, column = missed beats)")
    lines += [
        f"{lab:<3}" + "".join(f"{v:8d}" for v in row)
        for lab, row in zip(labels, report["confusion_matrix"], strict=True)
    ]
    return "\n".join(lines)
