"""The report as a self-contained HTML file (Jinja2 template, PNG figures embedded)
beside its JSON."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .._files import record_name, write_bytes_atomically
from .._version import __version__
from ._figures import (
    DAY,
    plot_cluster_templates,
    plot_event_strip,
    plot_heart_rate,
    plot_hourly_ectopy,
)
from ._summary import holter_summary, notable_events

__all__ = ["write_report", "report_record", "MODEL_LIMITS"]

#: What the report says of the model's limits, whatever the model.
MODEL_LIMITS = (
    "The model labels each beat N, S, V, F or Q (AAMI classes) and reads atrial "
    "fibrillation from the beats' timing. The shipped model was trained on 22 patients of "
    "the MIT-BIH Arrhythmia Database (lead MLII, 1970s Holter tapes); on other leads, "
    "recorders and patients it calls more beats S or V falsely and misses more, and it "
    "knows no other rhythm or morphology (paced beats, bundle branch blocks are read as "
    "one of the five classes). Its measured figures and errors are in the documentation "
    "(Pretrained models; Benchmarks)."
)


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _hms(seconds) -> str:
    seconds = int(round(float(seconds)))
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days} d {text}" if days else text


def _environment():
    try:
        import jinja2
    except ImportError as exc:
        raise ImportError("Reports need Jinja2: pip install 'ecg_sklearn[report]'") from exc
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ecg_sklearn", "report/templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["hms"] = _hms
    env.filters["bpm"] = lambda v: "-" if v is None else f"{v:.0f} /min"
    return env


def write_report(
    result, signal, fs, out_dir, *, record, model=None, start=None, clusters=True, verbose=0
) -> tuple[Path, Path]:
    """Write the Holter report of an annotated record: ``NAME_report.html`` and
    ``NAME_report.json`` in ``out_dir``.

    Parameters
    ----------
    result : Bunch
        :func:`~ecg_sklearn.annotate_record`'s result for ``signal`` (with
        ``detect_af=True`` for the AF figures).
    signal : array-like or lazy signal, shape (n_leads, n_samples)
        The record as annotated (a signal of :func:`ecg_sklearn.io.open_record` is read
        a piece at a time); the strips show its first lead.
    fs : float
        Sampling rate of ``signal`` in Hz (``result.fs``).
    out_dir : path-like
        Folder to write to (made if missing).
    record : str
        The record's name.
    model : dict, optional
        ``name``, ``description`` and ``card`` (measured figures) of the model, as
        :func:`~ecg_sklearn.shipped.pretrained_info` gives them; "unknown" by default.
    start : datetime.datetime, optional
        When the recording started.
    clusters : bool, default=True
        Show the beat morphology clusters (:func:`ecg_sklearn.review.beat_clusters`).
    verbose : int, default=0
        Show a progress bar.

    Returns
    -------
    html, json : Path
    """
    from ..review import beat_clusters

    if float(result["fs"]) != float(fs):
        raise ValueError(f"the result is at {result['fs']} Hz, the signal at {fs} Hz")
    template = _environment().get_template("report.html")  # Jinja2 missing: fail first
    samples = np.asarray(result["beat_samples"], dtype=np.int64)
    labels = np.asarray(result["beat_labels"])
    summary = holter_summary(result, signal.shape[-1], record=record, start=start)
    events = notable_events(summary)
    n_days = max(1, int(np.ceil(summary["duration"] / DAY)))
    steps = tqdm(total=n_days + 2 + len(events), desc="report", disable=not verbose, leave=False)
    heart_rate = []
    for day in range(n_days):
        heart_rate.append(_png(plot_heart_rate(summary, day)[0]))
        steps.update()
    hourly = _png(plot_hourly_ectopy(summary)[0])
    templates = None
    if clusters and samples.size >= 2:
        found = beat_clusters(result, signal, fs)
        templates = _png(plot_cluster_templates(signal, fs, samples, labels, found)[0])
    steps.update(2)
    strips = []
    for title, seconds in events:
        fig, _ = plot_event_strip(signal, fs, samples, labels, seconds)
        strips.append((title, _png(fig)))
        steps.update()
    steps.close()
    model = {"name": "unknown", "description": "a model without a description", **(model or {})}
    model.setdefault("limits", MODEL_LIMITS)
    model.setdefault("card", None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{record}_report.json"
    html = template.render(
        s=summary, version=__version__, model=model, heart_rate=heart_rate, hourly=hourly,
        clusters=templates, strips=strips, json_name=json_path.name,
        longest_pause=max((p["duration"] for p in summary["pauses"]), default=0.0),
    )  # fmt: skip
    write_bytes_atomically(json_path, json.dumps(summary, indent=1, allow_nan=False).encode())
    html_path = write_bytes_atomically(out_dir / f"{record}_report.html", html.encode())
    return Path(html_path), json_path


def report_record(
    pipeline, path, out_dir, *, leads=None, model=None, clusters=True, verbose=1, **kwargs
):
    """Annotate a record and write its Holter report (:func:`write_report`).

    Parameters
    ----------
    pipeline : fitted Pipeline
        As for :func:`~ecg_sklearn.annotate_record` (e.g. ``load_pretrained()``).
    path : path-like
        A WFDB record (without extension), an EDF or an ISHNE file, read on demand.
    out_dir : path-like
        Folder of the report.
    leads : str or sequence, optional
        The lead to read (as for :func:`ecg_sklearn.io.open_record`); the first by default.
    model : dict, optional
        The model's ``name`` and ``description``, shown in the report.
    clusters : bool, default=True
        Show the beat morphology clusters.
    verbose : int, default=1
        Progress bars.
    **kwargs
        Passed to :func:`~ecg_sklearn.annotate_record`.

    Returns
    -------
    html, json : Path
    """
    from ..annotate import annotate_record
    from ..io import open_record

    rec = open_record(path, leads=leads)
    signal = rec.signal.take([0])  # the first lead asked for, read on demand
    result = annotate_record(pipeline, signal, rec.fs, detect_af=True, verbose=verbose, **kwargs)
    return write_report(
        result, signal, rec.fs, out_dir, record=record_name(path), model=model,
        clusters=clusters, verbose=verbose, start=rec.get("start"),
    )  # fmt: skip
