"""What the benchmark scripts share: results as JSON, and generated sections of the docs.

Each script writes its figures to ``benchmarks/results/NAME.json`` and renders its
section of ``docs/benchmarks.md`` (DS1 model selection: ``docs/model_selection.md``)
from that JSON alone, between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``; prose
about the figures stays outside those markers, so a rerun replaces only what the script
produced. ``tests/test_benchmark_docs.py`` renders each section again from its JSON and
compares.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.utils import Bunch

from ecg_sklearn.record import loaded_beat_features

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
NEGATIVE_MD = ROOT / "docs" / "negative_results.md"
MODEL_SELECTION_MD = ROOT / "docs" / "model_selection.md"
MODELS_MD = ROOT / "docs" / "models.md"


def write_json(name: str, results) -> Path:
    """Write ``results`` to ``benchmarks/results/{name}.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=1, default=float))
    return path


def read_json(name: str):
    return json.loads((RESULTS / f"{name}.json").read_text())


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def read_section(name: str, path: Path = BENCHMARKS_MD) -> str | None:
    """The text between the section's markers, None if it has none."""
    start, end = _markers(name)
    text = path.read_text()
    if start not in text or end not in text:
        return None
    return text[text.index(start) + len(start) + 1 : text.index(end)]


def write_section(name: str, text: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace the section between the ``name`` markers in ``path`` (or append it)."""
    start, end = _markers(name)
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{text}{end}\n"
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end) + 1 :]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)


def machine() -> str:
    """The CPU the figures were measured on, e.g. ``"AMD EPYC, 2 cores, AVX2"``: timings
    differ by up to 1.7x between the machines this project runs on."""
    import torch

    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1] for line in f if line.startswith("model name")]
        name = names[0].strip()
    except (OSError, IndexError):
        pass
    return f"{name}, {os.cpu_count()} cores, {torch.backends.cpu.get_cpu_capability()}"


def on_machine(results) -> str:
    """'on <machine>' for a section, from the JSON's ``machine`` (runs that predate it:
    "on this 2-core CPU machine")."""
    return f"on {results['machine']}" if "machine" in results else "on this 2-core CPU machine"


def sv_score(y_true, y_pred) -> float:
    """The model-selection score on DS1: the mean of the S and V F1."""
    return f1_score(y_true, y_pred, average="macro", labels=["S", "V"], zero_division=0)


def record_features(groups, samples, fs, home) -> np.ndarray:
    """``ecg_sklearn.record.loaded_beat_features`` of beats given by the loaders'
    ``groups``, ``samples`` and ``fs`` (without the rest of their output), from MLII."""
    leads = {str(record): ["MLII"] for record in np.unique(groups)}
    data = Bunch(groups=groups, samples=samples, fs=fs, record_leads=leads)
    return loaded_beat_features(data, home)


def timed(fn, *args, **kwargs):
    """``(output, seconds)`` of one call."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def repeat(n, fn, *args):
    """``(output, seconds of each call)`` of ``n`` calls of ``fn``."""
    runs = [timed(fn, *args) for _ in range(n)]
    return runs[0][0], [t for _, t in runs]


def best_of(n, fn, *args):
    """``(output, seconds)`` of the fastest of ``n`` calls: on this VM first runs pay for
    fresh memory and the file cache."""
    out, times = repeat(n, fn, *args)
    return out, min(times)
