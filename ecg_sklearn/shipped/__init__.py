"""The models shipped with the package: pretrained pipelines and the timing models of the
record-level decisions, stored as arrays and JSON and checked against digests kept in
the code.

Names are imported on first use, so that the classifier can load its timing models
without importing the pipelines that contain it.
"""

import importlib

_EXPORTS = {
    "list_pretrained": "pretrained",
    "load_pretrained": "pretrained",
    "pretrained_info": "pretrained",
    "load_af_model": "timing",
    "load_rhythm_models": "timing",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
