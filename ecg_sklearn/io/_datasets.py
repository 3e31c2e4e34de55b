"""The MIT-BIH Arrhythmia Database: its splits, download (checked against SHA-256
digests), and the excerpt shipped with the package, loaded as beat windows
(:func:`load_mitdb`, :func:`load_sample`; see :func:`ecg_sklearn.io.load_wfdb`).
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from sklearn.utils import Bunch

from ._loaders import load_wfdb

__all__ = [
    "DS1",
    "DS2",
    "PACED_RECORDS",
    "MITDB_RECORDS",
    "get_data_home",
    "download_mitdb",
    "load_mitdb",
    "load_sample",
]


#: Training records of the inter-patient split of de Chazal et al. (2004).
DS1 = (
    "101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
    "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230",
)  # fmt: skip


#: Test records of the inter-patient split of de Chazal et al. (2004).
DS2 = (
    "100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210",
    "212", "213", "214", "219", "221", "222", "228", "231", "232", "233", "234",
)  # fmt: skip


#: Records with a pacemaker, excluded from the inter-patient protocol.
PACED_RECORDS = ("102", "104", "107", "217")


#: All 48 records of the MIT-BIH Arrhythmia Database.
MITDB_RECORDS = tuple(sorted(DS1 + DS2 + PACED_RECORDS))


_SPLITS = {"DS1": DS1, "DS2": DS2, "all": DS1 + DS2, "all48": MITDB_RECORDS}


_ENV_VAR = "ECG_SKLEARN_DATA"


MITDB_CITATION = (
    'G. B. Moody and R. G. Mark, "The impact of the MIT-BIH Arrhythmia Database", '
    "IEEE Eng. Med. Biol. 20(3):45-50, 2001. Goldberger et al., PhysioBank, PhysioToolkit "
    "and PhysioNet, Circulation 101(23):e215-e220, 2000. doi:10.13026/C2F305. "
    "License: Open Data Commons Attribution License v1.0 (ODC-By 1.0)."
)


# --------------------------------------------------------------------------- data home
def get_data_home(data_dir: str | os.PathLike | None = None) -> Path:
    """Folder holding the MIT-BIH database (the ``.hea/.dat/.atr`` files).

    The folder is, in order: ``data_dir`` if given, else the environment variable
    ``ECG_SKLEARN_DATA``, else ``~/ecg_sklearn_data/mitdb``. It is not created here.
    """
    if data_dir is None:
        data_dir = os.environ.get(_ENV_VAR) or Path("~", "ecg_sklearn_data", "mitdb")
    return Path(data_dir).expanduser()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mitdb_checksums() -> dict[str, str]:
    text = resources.files("ecg_sklearn").joinpath("data", "mitdb_SHA256SUMS").read_text()
    return {name: digest for digest, name in (line.split() for line in text.splitlines())}


def download_mitdb(data_dir=None, *, records=None, verbose: int = 1) -> Path:
    """Download the MIT-BIH Arrhythmia Database from PhysioNet through ``wfdb``.

    Every file of the records is checked against the SHA-256 checksums shipped with
    the package (PhysioNet's): files present and intact are kept, the records of missing
    or damaged files are downloaded again, and every file is checked once more.

    Parameters
    ----------
    data_dir : path-like, optional
        Target folder; see :func:`get_data_home`.
    records : list of str, optional
        The records to check and fetch (default: all 48).
    verbose : int, default=1
        Print what is being done.

    Returns
    -------
    path : Path
        The folder holding the verified records.

    Raises
    ------
    OSError
        Naming the files still missing or damaged, and why the download failed.
    """
    import wfdb

    home = get_data_home(data_dir)
    home.mkdir(parents=True, exist_ok=True)
    wanted = set(_resolve_split("all48" if records is None else list(records)))
    checksums = {n: d for n, d in _mitdb_checksums().items() if Path(n).stem in wanted}

    def unverified():
        return {
            n: "missing" if not (home / n).is_file() else "wrong SHA-256 checksum"
            for n, d in checksums.items()
            if not (home / n).is_file() or _sha256(home / n) != d
        }

    bad, failure = unverified(), ""
    if bad:
        fetch = sorted({Path(n).stem for n in bad})
        if verbose:
            print(f"Downloading {len(fetch)} MIT-BIH record(s) from PhysioNet into {home}")
        try:
            wfdb.dl_database("mitdb", dl_dir=str(home), records=fetch, keep_subdirs=False)
        except Exception as exc:  # requests' and wfdb's many network errors
            failure = f"; the download failed ({type(exc).__name__}: {exc})"
        bad = unverified()
    if bad:
        named = ", ".join(f"{n} ({why})" for n, why in sorted(bad.items())[:5])
        raise OSError(
            f"MIT-BIH in {home}: {len(bad)} file(s) missing or damaged, e.g. {named}{failure}"
        )
    return home


def _resolve_split(split) -> list[str]:
    if isinstance(split, str):
        if split not in _SPLITS:
            raise ValueError(
                f"Unknown split {split!r}; expected one of {sorted(_SPLITS)} or a list of "
                "record names"
            )
        return list(_SPLITS[split])
    records = [str(r) for r in split]
    unknown = sorted(set(records) - set(MITDB_RECORDS))
    if unknown:
        raise ValueError(f"Unknown MIT-BIH record(s) {unknown}; records are {MITDB_RECORDS}")
    return records


def load_mitdb(split="DS1", data_dir=None, *, download: bool = False, **kwargs) -> Bunch:
    """Load beats of the MIT-BIH Arrhythmia Database by inter-patient split.

    Parameters
    ----------
    split : {"DS1", "DS2", "all", "all48"} or list of str, default="DS1"
        ``"DS1"`` / ``"DS2"``: training / test records of de Chazal et al. (2004);
        ``"all"``: DS1 + DS2 (the 44 non-paced records); ``"all48"``: every record,
        the paced ones included; or an explicit list of record names.
    data_dir : path-like, optional
        Folder of the database; see :func:`get_data_home`.
    download : bool, default=False
        Check every file of the database in that folder against the shipped SHA-256
        checksums and download those missing or damaged (:func:`download_mitdb`).
    **kwargs
        Passed to :func:`load_wfdb` (``leads``, ``fs``, ``context``, ...).

    Returns
    -------
    data : Bunch
        See :func:`load_wfdb`; ``DESCR`` also carries the database's citation.
    """
    records = _resolve_split(split)
    home = get_data_home(data_dir)
    if download:
        download_mitdb(home, records=records, verbose=kwargs.get("verbose", 1))
    elif not (home / f"{records[0]}.hea").is_file():
        raise OSError(
            f"MIT-BIH database not found in {str(home)!r}. Pass data_dir= (or set "
            f"{_ENV_VAR}) to the folder holding the .hea/.dat/.atr files, or call "
            "load_mitdb(..., download=True) / ecg_sklearn.io.download_mitdb() "
            "to fetch it from PhysioNet."
        )
    data = load_wfdb(home, records, **kwargs)
    data.DESCR = f"MIT-BIH Arrhythmia Database, split {split!r}. {data.DESCR}\n{MITDB_CITATION}"
    return data


# --------------------------------------------------------------------------- excerpt
#: Records (and start second) of the shipped excerpt: 3 minutes of each.
SAMPLE_RECORDS = {
    "201": 1440, "208": 720, "209": 540, "223": 540,  # DS1
    "100": 1080, "213": 180, "232": 540, "233": 1620,  # DS2
}  # fmt: skip


SAMPLE_DURATION = 180.0


def sample_data_dir() -> Path:
    """Folder of the excerpt of MIT-BIH shipped with the package."""
    return Path(str(resources.files("ecg_sklearn").joinpath("data", "mitdb_excerpt")))


def load_sample(records=None, **kwargs) -> Bunch:
    """Load the MIT-BIH excerpt shipped with the package (no download needed).

    Three minutes of each of 8 records (4 from DS1, 4 from DS2) chosen to hold N, S, V
    and F beats; see ``ecg_sklearn/data/mitdb_excerpt/README.md``. The data are from
    the MIT-BIH Arrhythmia Database, ODC-By 1.0: keep the attribution in ``DESCR``.

    Parameters
    ----------
    records : list of str, optional
        Subset of the excerpt's records (all by default).
    **kwargs
        Passed to :func:`load_wfdb`.

    Returns
    -------
    data : Bunch
        See :func:`load_wfdb`.
    """
    records = list(SAMPLE_RECORDS) if records is None else [str(r) for r in records]
    kwargs.setdefault("verbose", 0)
    data = load_wfdb(sample_data_dir(), records, **kwargs)
    data.DESCR = (
        f"Excerpt of the MIT-BIH Arrhythmia Database ({SAMPLE_DURATION:g} s of each of "
        f"{len(records)} records). {data.DESCR}\n{MITDB_CITATION}"
    )
    return data
