"""Review sheets: the suggested beats as a CSV for the expert, and the labels read back."""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["SHEET_COLUMNS", "write_review_sheet", "read_review_labels"]


#: Columns of a review sheet.
SHEET_COLUMNS = ("record", "sample", "time_s", "cluster", "n_beats", "called", "label")


def write_review_sheet(suggestions, path, *, record, fs) -> Path:
    """Write :func:`suggest_review`'s suggestions as a CSV for the expert to fill in.

    One row per suggested beat: the record, its position (``sample`` at ``fs``, and in
    seconds), its cluster and the beats that cluster holds, the classifier's call, and
    an empty ``label`` column for the expert's AAMI class (N, S, V, F or Q).
    """
    path = Path(path)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SHEET_COLUMNS)
        for i in range(len(suggestions.beat_index)):
            sample = int(suggestions.beat_samples[i])
            writer.writerow([
                record, sample, f"{sample / fs:.3f}", int(suggestions.cluster[i]),
                int(suggestions.n_beats[i]), suggestions.label[i], "",
            ])  # fmt: skip
    return path


def read_review_labels(path, *, record=None) -> dict:
    """``{sample: label}`` from a filled-in review sheet (:func:`write_review_sheet`).

    Rows with an empty ``label`` are not reviewed. With ``record``, a sheet of another
    record is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"review sheet {path} does not exist")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"sample", "label"} - set(rows[0] if rows else SHEET_COLUMNS)
    if missing:
        raise ValueError(f"{path}: not a review sheet (no {', '.join(sorted(missing))} column)")
    labels = {}
    for line, row in enumerate(rows, start=2):
        if record is not None and row.get("record") not in (None, "", str(record)):
            raise ValueError(f"{path}: line {line} is of record {row['record']!r}, not {record!r}")
        label = (row["label"] or "").strip()
        if label:
            try:
                labels[int(row["sample"])] = label
            except ValueError:
                raise ValueError(f"{path}: line {line}: sample {row['sample']!r} is no "
                                 "whole number") from None  # fmt: skip
    return labels
