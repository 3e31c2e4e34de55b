"""Saving and loading fitted pipelines with the package version recorded, and the
plain-array files (no pickle) of the shipped models."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np

from . import __version__

__all__ = ["save_model", "load_model"]


def write_arrays(path, arrays) -> str:
    """Write named arrays as an ``.npz`` file; return its SHA-256 (hex)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    raw = buffer.getvalue()
    Path(path).write_bytes(raw)
    return hashlib.sha256(raw).hexdigest()


def write_model_files(folder, name, arrays, info, *, sha256_key) -> Path:
    """Write ``NAME.npz`` (``arrays``) and ``NAME.json`` (``info`` with the ``.npz``'s
    SHA-256 under ``sha256_key``, last) in ``folder``, created if needed; return the
    ``.json`` path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = {**info, sha256_key: write_arrays(folder / f"{name}.npz", arrays)}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(info, indent=1) + "\n")
    return path


def read_arrays(path, sha256) -> dict:
    """Named arrays of an ``.npz`` file whose SHA-256 must be ``sha256`` (no pickle)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ValueError(
            f"Model file {str(path)!r} is damaged: its SHA-256 differs from the one "
            "recorded in the model's .json; reinstall the package"
        )
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            return {k: arrays[k].copy() for k in arrays.files}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValueError(f"{str(path)!r} is not an array file: {exc}") from exc


def read_shipped_arrays(name, folder, shipped, features, what) -> dict:
    """Arrays of ``NAME.{npz,json}`` in ``folder`` (default: the package's shipped models,
    where ``name`` must be one of ``shipped``), checked to be fitted on ``features``.
    ``what`` names the kind of model in the errors."""
    from importlib import resources

    if folder is None:
        if name not in shipped:
            raise ValueError(f"Unknown {what} {name!r}; available: {sorted(shipped)}")
        folder = resources.files("ecg_sklearn").joinpath("data", "pretrained")
    path = Path(str(folder)) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{what[0].upper() + what[1:]} file {str(path)!r} not found")
    info = json.loads(path.read_text())
    if info.get("features") != list(features):
        raise ValueError(f"{str(path)!r} lists other features than this version's {what} reads")
    return read_arrays(path.with_suffix(".npz"), info.get("sha256"))


def save_model(pipeline, path) -> Path:
    """Save a fitted pipeline with joblib, recording the ecg_sklearn version."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"ecg_sklearn_version": __version__, "pipeline": pipeline}, path)
    return path


def load_model(path):
    """Load a pipeline saved by :func:`save_model`; warn if another version saved it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found")
    saved = joblib.load(path)
    if not isinstance(saved, dict) or "pipeline" not in saved:
        raise ValueError(f"{str(path)!r} was not written by ecg_sklearn.save_model")
    version = saved.get("ecg_sklearn_version")
    if version != __version__:
        warnings.warn(
            f"Model {path.name} was saved with ecg_sklearn {version}; this is {__version__}. "
            "Predictions may differ.",
            UserWarning,
            stacklevel=2,
        )
    return saved["pipeline"]
