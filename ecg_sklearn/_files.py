"""Files written whole or not at all, and the files that belong to a record."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

_TEMP_TAG = ".ecg_sklearn-partial-"  # in the names of temporary files and folders
_STALE_S = 3600.0  # a temporary older than this was left by a process that died


def _remove_stale(folder: Path, target: str) -> None:
    """Remove temporaries of ``target`` that a process killed mid-write left behind."""
    now = time.time()
    for old in folder.glob(f".{target}{_TEMP_TAG}*"):
        with contextlib.suppress(OSError):
            if now - old.lstat().st_mtime > _STALE_S:
                shutil.rmtree(old) if old.is_dir() else old.unlink()


def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


@contextlib.contextmanager
def replaced_atomically(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    Whatever the caller writes to the temporary path appears at ``path`` whole, in one
    rename, or not at all: an error removes it, and temporaries that a killed process
    left (older than an hour) are removed at the next write of the same file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent, path.name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{_TEMP_TAG}")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # as open() creates files, not mkstemp's 0o600
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def temporary_folder_beside(path):
    """A temporary folder beside ``path`` (same file system, for a rename into place),
    removed afterwards; stale ones of the same target are removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent, path.name)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}{_TEMP_TAG}") as tmp:
        yield Path(tmp)


def write_bytes_atomically(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (flushed to disk before the rename)."""
    with replaced_atomically(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return Path(path)


#: Records held in one file: EDF/BDF and ISHNE Holter (``.ecg``); a WFDB record is a path
#: without extension.
FILE_RECORD_SUFFIXES = (".edf", ".bdf", ".ecg")


def record_name(path) -> str:
    """A record's name: the file's stem for a one-file record, else the path's name."""
    path = Path(path)
    return path.stem if path.suffix.lower() in FILE_RECORD_SUFFIXES else path.name


#: Extensions of a WFDB record's own files that annotation output never replaces: the
#: header and the reference beat annotations (``atr`` in PhysioNet's databases).
RECORD_EXTENSIONS = ("hea", "atr")


def record_files(path) -> set[Path]:
    """The files that make up a record: for a WFDB record path (without extension) its
    header, the signal files the header names and its reference annotations
    (:data:`RECORD_EXTENSIONS`); for an EDF or ISHNE file, the file itself. Resolved
    paths; those that do not exist are included too."""
    path = Path(path)
    if path.suffix.lower() in FILE_RECORD_SUFFIXES:
        return {path.resolve()}
    files = {path.with_name(f"{path.name}.{ext}").resolve() for ext in RECORD_EXTENSIONS}
    header = path.with_name(f"{path.name}.hea")
    with contextlib.suppress(OSError, UnicodeDecodeError):
        lines = [
            line.split()
            for line in header.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        files |= {path.with_name(words[0]).resolve() for words in lines[1:] if words}
    return files
