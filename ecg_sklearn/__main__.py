"""``python -m ecg_sklearn``: the command line (:mod:`ecg_sklearn.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
