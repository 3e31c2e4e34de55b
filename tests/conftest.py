import os
import sys
from pathlib import Path

import pytest

# The maintainer tooling the tests exercise (fitting the shipped models) lives with the
# benchmark scripts, outside the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mitdb"


def _full_data_dir():
    """The full database's folder, None when absent; an error when misconfigured.

    ``ECG_SKLEARN_DATA`` pointing at a folder without the database is a mistake, not an
    absent database: the tests that need it fail instead of skipping. Under CI (``CI``
    set) the database must be there.
    """
    configured = os.environ.get("ECG_SKLEARN_DATA")
    path = Path(configured or _SHARED)
    if (path / "100.hea").is_file():
        return path
    if configured:
        pytest.fail(f"ECG_SKLEARN_DATA={configured!r} holds no MIT-BIH database (no 100.hea)")
    if os.environ.get("CI"):
        pytest.fail(f"CI run without the full MIT-BIH database: not found at {_SHARED}")
    return None


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
    from ecg_sklearn.io import load_sample

    return load_sample()


@pytest.fixture
def records_folder(tmp_path):
    """Make a folder holding excerpt records' signals only (no reference annotations)."""
    import shutil

    from ecg_sklearn.io import sample_data_dir

    def make(records=("100", "213", "232")):
        folder = tmp_path / "records"
        folder.mkdir()
        for r in records:
            for ext in ("hea", "dat"):
                shutil.copy(sample_data_dir() / f"{r}.{ext}", folder)
        return folder

    return make
