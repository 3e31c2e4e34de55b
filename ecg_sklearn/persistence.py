"""Saving and loading fitted pipelines with the package version recorded."""

from __future__ import annotations

import warnings
from pathlib import Path

import joblib

from . import __version__

__all__ = ["save_model", "load_model"]


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
