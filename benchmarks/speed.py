"""Speed and memory of ecg_sklearn against the tools users would pick instead.

One run, same records, same machine:

1. Preprocessing all 48 MIT-BIH records from WFDB files to classifier input (read, filter,
   detect beats, segment): ecg_sklearn vs NeuroKit2 (ecg_clean + ecg_peaks + ecg_segment)
   vs wfdb's xqrs_detect plus ecg_sklearn's windows and segmentation. Beat detection alone
   on the in-memory signals is timed too, and loading all records to segmenter output at
   the reference positions, both ways: filtered and segmented record by record while
   loading (``load_mitdb(..., transform=)``), and all windows first.
2. Training the default pipeline on DS1: seconds and beats per second per epoch.
3. Inference of the fitted pipeline on the DS2 windows (beats/s), and of the whole-record
   path (``annotate_record``: raw record to labelled beats).
4. Peak memory (RSS) of a fresh process loading all 48 records as beat windows, and as
   segmenter output (``transform=``).

Usage: python benchmarks/speed.py [--data-dir PATH] [--skip-xqrs] [--skip-training]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
from _common import (
    best_of,
    machine,
    on_machine,
    read_json,
    repeat,
    timed,
    write_json,
    write_section,
)
from qrs import DETECTORS
from sklearn.pipeline import make_pipeline

from ecg_sklearn import BeatSegmenter, ECGFilter, annotate_record, default_pipeline
from ecg_sklearn.features import make_beat_windows
from ecg_sklearn.io import DS2, MITDB_RECORDS, get_data_home, load_mitdb, load_record, load_sample

ROOT = Path(__file__).resolve().parents[1]
LEADS = [("MLII", "V5")]


def from_files(home, detect):
    """Read every record, detect beats with ``detect``, then window, filter and segment."""
    n = 0
    for r in MITDB_RECORDS:
        rec = load_record(r, home, leads=LEADS)
        beats = np.unique(detect(rec))
        X = make_beat_windows(rec.signal, beats, rec.fs)
        F = BeatSegmenter(fs=rec.fs).fit_transform(ECGFilter(fs=rec.fs).fit_transform(X))
        n += len(F)
    return n


def neurokit_from_files(home):
    import neurokit2 as nk

    n = 0
    for r in MITDB_RECORDS:
        rec = load_record(r, home, leads=LEADS)
        clean = nk.ecg_clean(rec.signal[0], sampling_rate=int(rec.fs))
        _, info = nk.ecg_peaks(clean, sampling_rate=int(rec.fs))
        epochs = nk.ecg_segment(
            clean, rpeaks=info["ECG_R_Peaks"], sampling_rate=int(rec.fs), show=False
        )
        n += len(epochs)
    return n


def load_windows(home):
    """All windows first, then the filter and the segmenter on all of them."""
    data = load_mitdb("all48", home, leads=LEADS, verbose=0)
    F = BeatSegmenter(fs=data.fs).fit_transform(ECGFilter(fs=data.fs).fit_transform(data.X))
    return len(F)


def load_segmented(home):
    """Filter and segmenter applied record by record while loading (``transform=``)."""
    pre = make_pipeline(ECGFilter(fs=360.0), BeatSegmenter(fs=360.0))
    pre.fit(load_sample(records=["100"]).X)
    return len(load_mitdb("all48", home, leads=LEADS, verbose=0, transform=pre.transform).X)


def peak_rss_loading(home, segmented=False) -> float:
    """Peak RSS (MB) of a fresh process that loads all 48 records as beat windows (or as
    segmenter output, filtering and segmenting record by record)."""
    load = (
        "load_segmented(home)"
        if segmented
        else "len(load_mitdb('all48', home, leads=LEADS, verbose=0).y)"
    )
    code = (
        "import resource, sys, warnings; warnings.simplefilter('ignore');"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r});"
        f"from speed import LEADS, load_mitdb, load_segmented; home = {str(home)!r};"
        f"print({load}, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--skip-xqrs", action="store_true", help="skip wfdb's slow XQRS")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)
    home = get_data_home(args.data_dir)
    # First, while this process is small: a child's ru_maxrss starts from its parent's
    # RSS at fork, so measuring later would report this process's memory, not the child's.
    rss = peak_rss_loading(home)
    rss_segmented = peak_rss_loading(home, segmented=True)
    rows = []

    ours, xqrs = DETECTORS["ecg_sklearn"], DETECTORS["xqrs"]
    records = [load_record(r, home, leads=LEADS) for r in MITDB_RECORDS]
    # Best of 3 alternating runs of each: the first pass over fresh memory is slower.
    t_ours = t_nk = np.inf
    for _ in range(3):
        t_ours = min(t_ours, timed(lambda: [ours(r) for r in records])[1])
        t_nk = min(t_nk, timed(lambda: [DETECTORS["neurokit2"](r) for r in records])[1])
    rows.append(("Beat detection, 48 records in memory: ecg_sklearn (best of 3)", t_ours, ""))
    rows.append(("Beat detection, 48 records in memory: NeuroKit2 clean+peaks (best of 3)",
                 t_nk, f"ecg_sklearn {t_nk / t_ours:.1f}x faster"))  # fmt: skip

    windows = load_mitdb("all48", home, leads=LEADS, verbose=0).X
    n_windows = len(windows)
    t_fft = timed(ECGFilter(fs=360.0).fit_transform, windows)[1]
    t_sos = timed(ECGFilter(fs=360.0, implementation="sosfiltfilt").fit_transform, windows)[1]
    del windows
    rows.append((f"ECGFilter on the {n_windows} windows of the 48 records: implementation='fft'",
                 t_fft, ""))  # fmt: skip
    rows.append(("ECGFilter on the same windows: implementation='sosfiltfilt'", t_sos,
                 f"fft {t_sos / t_fft:.1f}x faster"))  # fmt: skip

    n, t = best_of(3, load_segmented, home)
    rows.append((f"WFDB files -> segmenter output, reference beats ({n} beats), "
                 "filtered and segmented while loading (`transform=`, best of 3)", t,
                 ""))  # fmt: skip
    n, t = best_of(3, load_windows, home)
    rows.append((f"WFDB files -> segmenter output, reference beats ({n} beats), all windows "
                 "loaded first (best of 3)", t, ""))  # fmt: skip
    n, t_ours_files = timed(from_files, home, ours)
    rows.append((f"WFDB files -> segmenter output, detected beats: ecg_sklearn ({n})",
                 t_ours_files, ""))  # fmt: skip
    n, t = timed(neurokit_from_files, home)
    rows.append((f"WFDB files -> segments: NeuroKit2 clean+peaks+segment ({n})", t,
                 f"ecg_sklearn {t / t_ours_files:.1f}x faster"))  # fmt: skip
    if not args.skip_xqrs:
        n, t = timed(from_files, home, xqrs)
        rows.append((f"WFDB files -> segmenter output: wfdb XQRS + ecg_sklearn windows ({n})",
                     t, f"ecg_sklearn {t / t_ours_files:.1f}x faster"))  # fmt: skip

    rows.append(
        ("Peak RSS of a fresh process loading all 48 records as beat windows (MB)", rss, "")
    )
    rows.append(("Peak RSS of a fresh process loading all 48 records as segmenter output, "
                 "`transform=` (MB)", rss_segmented, ""))  # fmt: skip

    if not args.skip_training:
        train = load_mitdb("DS1", home, verbose=0)
        pipe = default_pipeline(train.fs, random_state=0, verbose=0)
        _, t_fit = timed(pipe.fit, train.X, train.y, cnn__groups=train.groups)
        hist = pipe[-1].history
        n_train = int(round(len(train.y) * (1 - pipe[-1].valid_size)))
        per_epoch = np.median(hist[:, "dur"])
        rows.append((f"Train default pipeline on DS1 ({len(hist)} epochs)", t_fit,
                     f"{n_train / per_epoch:,.0f} training beats/s per epoch"))  # fmt: skip
        test = load_mitdb("DS2", home, verbose=0)
        pipe.predict(test.X[:1000])  # warm-up
        # Best and median of 5: all at once, the filter returns 0.57 GB of fresh memory,
        # whose first touch costs 0.1-2 s on this VM (docs/benchmarks.md).
        for chunk_size, how in [(4096, "in chunks of 4096 windows (the default)"),
                                (None, "all windows at once (chunk_size=None)")]:  # fmt: skip
            pipe.set_params(chunk_size=chunk_size)
            _, times = repeat(5, pipe.predict, test.X)
            t_pred, t_median = min(times), float(np.median(times))
            rows.append((f"Inference, fitted pipeline on DS2 windows ({len(test.y)} beats), "
                         f"{how}, best of 5", t_pred, f"{len(test.y) / t_pred:,.0f} beats/s "
                         f"(median of 5: {t_median:.2f} s, {len(test.y) / t_median:,.0f} "
                         "beats/s)"))  # fmt: skip
        pipe.set_params(chunk_size=4096)
        recs = [load_record(r, home, leads="MLII") for r in DS2]
        # Both ways in turn, best of 3 each: the ratio is measured side by side.
        ways = {
            None: "the default, n_jobs=None: chunks in turn, the filter and network on every core",
            -1: "n_jobs=-1: chunks in a thread per core, each on one core",
        }
        t_rec = {n_jobs: [] for n_jobs in ways}
        for _ in range(3):
            for n_jobs in ways:
                results, t = timed(
                    lambda n_jobs=n_jobs: [
                        annotate_record(pipe, r.signal, r.fs, n_jobs=n_jobs) for r in recs
                    ]
                )
                t_rec[n_jobs].append(t)
        n_beats = sum(len(r.beat_samples) for r in results)
        for n_jobs, how in ways.items():
            t = min(t_rec[n_jobs])
            rows.append((f"Whole-record path on DS2 (raw -> labelled beats, {n_beats} beats, "
                         f"{how}, best of 3)", t, f"{n_beats / t:,.0f} beats/s"))  # fmt: skip

    command = " ".join(
        ["python benchmarks/speed.py", *(argv if argv is not None else sys.argv[1:])]
    )
    write_json("speed", {"command": command, "machine": machine(), "rows": rows})
    text = markdown(read_json("speed"))
    print(text)
    write_section("speed", text)


def markdown(results) -> str:
    """The docs section, from the JSON that :func:`main` writes."""
    lines = ["| measurement | seconds (MB for memory) | note |", "|---|---|---|"]
    lines += [f"| {name} | {value:.2f} | {note} |" for name, value, note in results["rows"]]
    return (
        f"## Speed and memory\n\nCommand: `{results['command']}` {on_machine(results)} "
        "(one run; ratios measured side by side).\n\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    main()
