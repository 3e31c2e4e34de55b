"""The command line's arguments: one sub-parser per command, arguments checked
before any work."""

from __future__ import annotations

import argparse

import numpy as np

from ..record._chain import SVEB_PREMATURITY
from ..record._dominant import SVEB_UNLIKE
from ..record._neighbours import VEB_LIKE_NEIGHBOURS
from ..record._ventricular import VEB_PREMATURITY_THRESHOLD
from ..shipped._pretrained import list_pretrained
from ._commands import (
    cmd_annotate,
    cmd_evaluate,
    cmd_explain,
    cmd_report,
    cmd_review,
    cmd_run,
    cmd_train,
)

DESCRIPTION = """\
ecg-sklearn: train, annotate, review, report, evaluate and explain heartbeat
classification on ECG.

Without a command it runs the main job (``run``): the pretrained model (trained on
MIT-BIH DS1) annotates DS2 records end to end (beat detection, windows, classification),
prints the EC57 report against the reference labels and writes figures (each record's
ECG with true and predicted labels, the confusion matrix, Grad-CAM of correct and wrong
beats). It uses the DS2 records of the MIT-BIH excerpt shipped with the package unless
--data-dir points to the full database; ``run --train`` trains the default pipeline on
DS1 first instead.
"""


def _threshold_record_or_off(text):
    return "record" if text.lower() == "record" else _threshold_or_off(text)


def _number_or_off(text, accept, expected):
    """None for 'off' (or 'none'); else the number ``accept`` takes, named ``expected``."""
    if text.lower() in ("off", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected} or 'off'; got {text!r}")
    return value


def _threshold_or_off(text):
    return _number_or_off(text, lambda v: v > 0, "a positive number")


def _correlation_or_off(text):
    return _number_or_off(text, lambda v: -1 <= v <= 1, "a number in [-1, 1]")


def _nonzero_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a nonzero integer (-1: all cores); got {text!r}"
        )
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds; got {text!r}")
    return value


def _extension(text):
    from .._files import RECORD_EXTENSIONS

    if not (text.isalnum() and text.isascii()) or text.lower() in RECORD_EXTENSIONS:
        raise argparse.ArgumentTypeError(
            f"expected letters and digits other than {', '.join(RECORD_EXTENSIONS)} (the "
            f"record's own files); got {text!r}"
        )
    return text


def _common(p, data=True):
    if data:
        p.add_argument(
            "--data-dir", default=None,
            help="folder of the MIT-BIH .hea/.dat/.atr files (default: $ECG_SKLEARN_DATA, "
            "else ~/ecg_sklearn_data/mitdb)",
        )  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--max-epochs", type=int, default=None, help="override training epochs")
    p.add_argument("--quiet", action="store_true", help="no per-epoch table")


def _model_options(p):
    p.add_argument("--model", default=None, help="a model file saved by 'train'")
    p.add_argument(
        "--trust-model", action="store_true",
        help="allow a --model file that holds a pickled pipeline (saved with "
        "format='pickle'): loading it can run any code in it, so only for files you "
        "made or trust",
    )  # fmt: skip
    _pretrained_option(p, "--model")


def _pretrained_option(p, instead):
    p.add_argument(
        "--pretrained", default="mitdb-ds1", choices=list_pretrained(),
        help=f"without {instead}: the shipped pretrained model to use (default mitdb-ds1)",
    )  # fmt: skip


def _add_run(sub):
    p = sub.add_parser("run", help="main job: annotate DS2 records, report, write figures")
    _common(p)
    p.add_argument("--out", default="ecg_sklearn_output", help="output folder")
    p.add_argument(
        "--train", action="store_true",
        help="train the default pipeline on DS1 (excerpt or --data-dir) instead of loading "
        "the pretrained model; also saves it as model.npz",
    )  # fmt: skip
    _pretrained_option(p, "--train")
    p.set_defaults(func=cmd_run)


def _add_train(sub):
    p = sub.add_parser("train", help="train the default pipeline and save it")
    _common(p)
    p.add_argument("--split", default="DS1", help="DS1, DS2, all or comma-separated records")
    p.add_argument(
        "--model", required=True,
        help="where to save the model (e.g. model.npz: parameters and weights, no pickle)",
    )  # fmt: skip
    p.add_argument("--download", action="store_true", help="download MIT-BIH if missing")
    p.set_defaults(func=cmd_train)


def _add_annotate(sub):
    p = sub.add_parser("annotate", help="label every beat of records -> WFDB annotation files")
    _model_options(p)
    p.add_argument(
        "--record", required=True, nargs="+",
        help="record path(s) without extension (DIR/100), EDF or ISHNE Holter files "
        "(DIR/x.edf, DIR/x.ecg), or folders "
        "(every record in them)",
    )  # fmt: skip
    p.add_argument(
        "--n-jobs",
        type=_nonzero_int,
        default=1,
        help="records annotated at once; for one record, its threads (-1: all cores)",
    )
    p.add_argument(
        "--chunk-duration", type=_positive_float, default=600.0,
        help="seconds of signal read and processed at a time (default 600)",
    )  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--lead", default="MLII", help="lead name(s), comma-separated alternatives")
    p.add_argument(
        "--extension", default="cnn", type=_extension,
        help="annotation file extension (default cnn; never hea or atr, the record's own)",
    )  # fmt: skip
    p.add_argument("--out-dir", default=None, help="folder for the annotation file")
    _decision_options(p)
    p.add_argument(
        "--detect-af", action="store_true",
        help="also find atrial fibrillation: rhythm annotations '(AFIB' and '(N' in the "
        "file, and the share of beats in AF (the labels do not change)",
    )  # fmt: skip
    p.set_defaults(func=cmd_annotate)


def _decision_options(p):
    """``annotate_record``'s record-level decisions and the lead's polarity."""
    p.add_argument(
        "--no-af-rule-out", action="store_true",
        help="keep S calls in atrial fibrillation or flutter (by default, no beat in AF is S)",
    )  # fmt: skip
    p.add_argument(
        "--no-similar-beats", action="store_true",
        help="keep each beat's own probabilities (by default they are averaged with those "
        "of the record's 10 most similar beats)",
    )  # fmt: skip
    p.add_argument(
        "--sveb-prematurity", type=_threshold_record_or_off, default=SVEB_PREMATURITY,
        help="S calls stand only for beats whose RR interval is below this fraction of "
        "the 75th percentile of those of the N beats around them (default 'record': "
        "0.9 times the 5th percentile of that ratio among the record's N beats; 'off': "
        "the model's calls as they are)",
    )  # fmt: skip
    p.add_argument(
        "--no-sveb-gradual", action="store_true",
        help="keep runs of S calls that speed up and slow down gradually (by default they "
        "are a change of sinus rate, N: ectopic beats and tachycardias start abruptly)",
    )  # fmt: skip
    p.add_argument(
        "--no-sveb-noise", action="store_true",
        help="keep S calls where the detections come at random (by default they are Q: "
        "noise taken for beats tells nothing of a beat's timing)",
    )  # fmt: skip
    p.add_argument(
        "--veb-prematurity", type=_threshold_or_off, default=VEB_PREMATURITY_THRESHOLD,
        help="V calls with P(V) below 0.7 stand only for beats whose RR interval is "
        "below this fraction of that reference or that are followed by a pause "
        "(default 0.95; 'off': the model's calls as they are)",
    )  # fmt: skip
    p.add_argument(
        "--no-veb-compensated", action="store_true",
        help="keep the calls of premature beats followed by a full compensatory pause (by "
        "default those with P(V) >= 0.1 are V)",
    )  # fmt: skip
    p.add_argument(
        "--sveb-unlike", type=_correlation_or_off, default=SVEB_UNLIKE,
        help="S calls stand only for beats whose QRS correlates at least this much with "
        "the record's dominant beat (default %(default)s; 'off': no such rule)",
    )  # fmt: skip
    p.add_argument(
        "--veb-like-neighbours", type=_correlation_or_off, default=VEB_LIKE_NEIGHBOURS,
        help="V calls with P(V) below 0.8 stand only for beats whose QRS correlates at "
        "most this much with the median QRS of the 4 beats called N on either side "
        "(default %(default)s; 'off': no such rule)",
    )  # fmt: skip
    p.add_argument(
        "--no-veb-noise", action="store_true",
        help="keep V calls where the detections come at random (by default they are Q: "
        "detections in noise are mostly noise)",
    )  # fmt: skip
    p.add_argument(
        "--no-self-teach", action="store_true",
        help="keep the calls as the rules leave them (by default the record then teaches "
        "itself: its calls of probability 0.8 or more label the uncertain beats like them)",
    )  # fmt: skip
    p.add_argument(
        "--polarity", choices=("auto", "given"), default="auto",
        help="'auto' (default): a lead whose QRS and P wave both point down (reversed "
        "electrodes) is read upside down, with a warning; 'given': as it is",
    )  # fmt: skip


def _one_record_options(p):
    """The model, one record (WFDB, EDF or ISHNE) and its lead: ``review`` and ``report``."""
    _model_options(p)
    p.add_argument(
        "record", help="record path without extension (DIR/100), an EDF or an ISHNE file"
    )
    p.add_argument("--lead", default="MLII", help="lead name(s), comma-separated alternatives")


def _add_review(sub):
    p = sub.add_parser(
        "review", help="a few beats an expert labels -> the record's corrected annotations"
    )
    _one_record_options(p)
    todo = p.add_mutually_exclusive_group(required=True)
    todo.add_argument(
        "--suggest", type=int, metavar="N",
        help="write N beats to review: a CSV to fill in and a PNG of each (its strip, "
        "its cluster's beats and their count)",
    )  # fmt: skip
    todo.add_argument(
        "--labels", metavar="FILE",
        help="the filled-in CSV: write the record's annotations decided again",
    )  # fmt: skip
    p.add_argument("--out-dir", default=None, help="folder for the files written (default .)")
    p.add_argument(
        "--extension", default="rev", type=_extension,
        help="extension of the reviewed annotation file (default rev)",
    )  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_review)


def _add_report(sub):
    p = sub.add_parser(
        "report", help="a Holter report of a record: one self-contained HTML file and its JSON"
    )
    _one_record_options(p)
    p.add_argument("--out", default=".", help="folder of NAME_report.html and .json (default .)")
    p.add_argument("--no-clusters", action="store_true", help="leave out the beat clusters")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_report)


def _add_evaluate(sub):
    p = sub.add_parser("evaluate", help="compare annotation files with the reference (EC57)")
    p.add_argument("--data-dir", default=None, help="folder with the reference .atr files")
    p.add_argument("--annotation-dir", default=None, help="folder of the annotations tested")
    p.add_argument("--extension", default="cnn", help="extension of the annotations tested")
    p.add_argument("--records", nargs="*", default=None, help="records (default: DS2)")
    p.add_argument("--per-record", action="store_true", help="print each record's detection")
    p.add_argument("--json", default=None, help="write the report as JSON here")
    p.set_defaults(func=cmd_evaluate)


def _add_explain(sub):
    p = sub.add_parser("explain", help="Grad-CAM of one beat of a record -> PNG")
    _model_options(p)
    p.add_argument("--record", required=True, help="record path without extension")
    p.add_argument("--beat", type=int, required=True, help="index of the annotated beat")
    p.add_argument("--lead", default="MLII")
    p.add_argument("--out", default="gradcam.png")
    p.set_defaults(func=cmd_explain)


def build_parser() -> argparse.ArgumentParser:
    """The ``ecg-sklearn`` argument parser: one sub-command per command."""
    parser = argparse.ArgumentParser(
        prog="ecg-sklearn", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_run(sub)
    _add_train(sub)
    _add_annotate(sub)
    _add_review(sub)
    _add_report(sub)
    _add_evaluate(sub)
    _add_explain(sub)
    return parser
