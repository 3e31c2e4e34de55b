"""The files of the shipped models: arrays in ``.npz`` and a JSON description, written
atomically and read back only if their SHA-256 digests match those kept in the code."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ._files import write_bytes_atomically

#: SHA-256 of each file of the models shipped in ``ecg_sklearn/data/pretrained``: a file
#: replaced or damaged after installation is refused. Update with ``sha256sum`` when a
#: shipped model is rebuilt (``tests/test_pretrained.py`` checks them).
SHIPPED_MODELS = {
    "mitdb-ds1": {
        "kind": "pipeline",
        "split": "DS1",
        "seed": 0,
        "description": "default pipeline trained on MIT-BIH DS1 (22 records, MLII, 360 Hz); "
        "its DS2 figures are inter-patient",
    },
    "ltafdb-rhythm": {
        "kind": "rhythm",
        "description": "S-versus-N timing model fitted on the Long-Term AF Database "
        "(84 Holter records, every 10th beat; no MIT-BIH record)",
    },
    "ltafdb-af": {
        "kind": "af",
        "description": "AF per beat from af_features, fitted on the Long-Term AF Database "
        "(84 Holter records, every 10th beat; no MIT-BIH record)",
    },
}


def shipped_models(kind: str) -> dict:
    """The entries of :data:`SHIPPED_MODELS` of one ``kind`` (``"pipeline"``,
    ``"rhythm"``, ``"af"``)."""
    return {name: model for name, model in SHIPPED_MODELS.items() if model["kind"] == kind}


SHIPPED_SHA256 = {
    "ltafdb-af.json": "1ad327c82c993b7e6811cf165e919b7616c7278ca89ec0181227707e09070849",
    "ltafdb-af.npz": "3af5705065405f08f8dbf2ddd016415b750762697be02d1828b3e2daea9a6661",
    "ltafdb-rhythm.json": "fcecaa0e130905397d8eedbf6d06449fe0ce75e7489b5108d0d1aa29216ef5b7",
    "ltafdb-rhythm.npz": "e85d5f7ce593ba8ac44e18e79fd2ada80a528617ed11afa67a9aaa8b1424e0c3",
    "mitdb-ds1.json": "268c9ba674123a8f691ee1a4c5a81b59c5aaa627186141b5061b724291ed3f68",
    "mitdb-ds1.npz": "1df4ce15e47acdf7f5b361696bdc0e68141a8eb86237b0540ebe716537e80380",
}


# ---------------------------------------------------------------------- files
def npz_bytes(arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def write_model_files(folder, name, arrays, info, *, sha256_key) -> Path:
    """Write ``NAME.npz`` (``arrays``) and ``NAME.json`` (``info`` with the ``.npz``'s
    SHA-256 under ``sha256_key``, last) in ``folder``, created if needed; return the
    ``.json`` path."""
    folder = Path(folder)
    raw = npz_bytes(arrays)
    write_bytes_atomically(folder / f"{name}.npz", raw)
    info = {**info, sha256_key: _sha256(raw)}
    text = json.dumps(info, indent=1) + "\n"
    return write_bytes_atomically(folder / f"{name}.json", text.encode())


def _read_checked(path, sha256, *, shipped) -> bytes:
    """The bytes of ``path``, whose SHA-256 must be ``sha256`` (recorded in the package's
    code for ``shipped`` files, else in the model's ``.json``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found")
    raw = path.read_bytes()
    if _sha256(raw) != sha256:
        where = "in ecg_sklearn; reinstall the package" if shipped else "in the model's .json"
        raise ValueError(
            f"Model file {str(path)!r} is damaged or replaced: its SHA-256 differs from "
            f"the one recorded {where}"
        )
    return raw


def _load_npz(raw, path) -> dict:
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            return {k: arrays[k].copy() for k in arrays.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{str(path)!r} is not an array file: {exc}") from exc


def read_arrays(path, sha256=None, *, shipped=False) -> dict:
    """Named arrays of an ``.npz`` file (no pickle) whose SHA-256 must be ``sha256``, or
    for a ``shipped`` file the one :data:`SHIPPED_SHA256` lists."""
    if shipped:
        sha256 = SHIPPED_SHA256[Path(path).name]
    return _load_npz(_read_checked(path, sha256, shipped=shipped), path)


def shipped_folder() -> Path:
    """The package's folder of shipped models."""
    from importlib import resources

    return Path(str(resources.files("ecg_sklearn").joinpath("data", "pretrained")))


def read_model_description(path, *, shipped: bool) -> dict:
    """The JSON description ``NAME.json`` of a model in the shipped-model format;
    ``shipped`` files must have the SHA-256 that :data:`SHIPPED_SHA256` lists."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found")
    raw = _read_checked(path, SHIPPED_SHA256[path.name], shipped=True) if shipped else None
    try:
        info = json.loads(raw if raw is not None else path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{str(path)!r} is not a model description: {exc}") from exc
    if not isinstance(info, dict):
        raise ValueError(f"{str(path)!r} is not a model description (not a JSON object)")
    return info


def read_shipped_arrays(name, folder, shipped, features, what) -> dict:
    """Arrays of ``NAME.{npz,json}`` in ``folder`` (default: the package's shipped models,
    where ``name`` must be one of ``shipped`` and the files have the SHA-256 that
    :data:`SHIPPED_SHA256` lists), checked to be fitted on ``features``. ``what`` names
    the kind of model in the errors."""
    if folder is None and name not in shipped:
        raise ValueError(f"Unknown {what} {name!r}; available: {sorted(shipped)}")
    path = Path(folder or shipped_folder()) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{what[0].upper() + what[1:]} file {str(path)!r} not found")
    info = read_model_description(path, shipped=folder is None)
    if info.get("features") != list(features):
        raise ValueError(f"{str(path)!r} lists other features than this version's {what} reads")
    npz = path.with_suffix(".npz")
    return read_arrays(npz, info.get("sha256"), shipped=folder is None)
