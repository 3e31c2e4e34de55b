"""Reading ECG: WFDB, EDF and ISHNE records (whole or streamed), annotation files, the MIT-BIH
Arrhythmia Database (download, splits, the shipped excerpt) and the loaders that turn
annotated records into beat windows."""

from ._annotations import AAMI_CLASSES, AAMI_MAP
from ._datasets import (
    DS1,
    DS2,
    MITDB_RECORDS,
    PACED_RECORDS,
    download_mitdb,
    get_data_home,
    load_mitdb,
    load_sample,
    sample_data_dir,
)
from ._ishne import write_ishne
from ._loaders import load_wfdb
from ._streaming import open_record
from ._wfdb import load_beat_timing, load_record

__all__ = [
    "AAMI_CLASSES",
    "AAMI_MAP",
    "DS1",
    "DS2",
    "MITDB_RECORDS",
    "PACED_RECORDS",
    "download_mitdb",
    "get_data_home",
    "load_beat_timing",
    "load_mitdb",
    "load_record",
    "load_sample",
    "load_wfdb",
    "open_record",
    "sample_data_dir",
    "write_ishne",
]
