import os
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mitdb"


def _full_data_dir():
    path = Path(os.environ.get("ECG_SKLEARN_DATA") or _SHARED)
    return path if (path / "100.hea").is_file() else None


@pytest.fixture(scope="session")
def mitdb_dir():
    """Folder of the full MIT-BIH database; skips the test when it is absent."""
    path = _full_data_dir()
    if path is None:
        pytest.skip(
            f"full MIT-BIH database not found: set ECG_SKLEARN_DATA or place it at {_SHARED}"
        )
    return path


@pytest.fixture(scope="session")
def sample():
    from ecg_sklearn.datasets import load_sample

    return load_sample()
