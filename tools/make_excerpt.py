"""Rebuild the shipped MIT-BIH excerpt from a full copy of the database.

Usage: ``python tools/make_excerpt.py PATH/TO/mitdb`` (from the repository root).
Digital samples and header fields (format 212, gain, baseline) are copied unchanged;
annotation positions are shifted to the excerpt's start.
"""

import sys
from pathlib import Path

import numpy as np
import wfdb

from ecg_sklearn.io import sample_data_dir
from ecg_sklearn.io._datasets import SAMPLE_DURATION, SAMPLE_RECORDS


def make_excerpt(source, target=None) -> None:
    target = Path(target or sample_data_dir())
    target.mkdir(parents=True, exist_ok=True)
    for record, start_s in SAMPLE_RECORDS.items():
        path = str(Path(source) / record)
        header = wfdb.rdheader(path)
        start = int(start_s * header.fs)
        stop = start + int(SAMPLE_DURATION * header.fs)
        rec = wfdb.rdrecord(path, sampfrom=start, sampto=stop, physical=False)
        wfdb.wrsamp(
            record, fs=rec.fs, units=rec.units, sig_name=rec.sig_name, d_signal=rec.d_signal,
            fmt=rec.fmt, adc_gain=rec.adc_gain, baseline=rec.baseline, write_dir=str(target),
            comments=[*header.comments,
                      f"Excerpt of MIT-BIH record {record}, samples {start}-{stop}"],
        )  # fmt: skip
        ann = wfdb.rdann(path, "atr", sampfrom=start, sampto=stop - 1)
        wfdb.wrann(
            record, "atr", np.asarray(ann.sample) - start, symbol=ann.symbol,
            aux_note=ann.aux_note, fs=rec.fs, write_dir=str(target),
        )  # fmt: skip


if __name__ == "__main__":
    make_excerpt(sys.argv[1], *sys.argv[2:])
