"""Command line: ``ecg-sklearn`` or ``python -m ecg_sklearn``."""

from __future__ import annotations

import argparse
import sys

from .datasets import AAMI_CLASSES, load_mitdb, load_sample


def _load(data_dir, split, verbose):
    if data_dir is None:
        data = load_sample()
        part = data.groups.astype(str)
        from .datasets import DS1

        keep = [r in DS1 for r in part] if split == "DS1" else [r not in DS1 for r in part]
        return data, keep
    return load_mitdb(split, data_dir, verbose=verbose), None


def run(args) -> int:
    """Main job: load the data and summarise it (grows into train/evaluate/figures)."""
    for split in ("DS1", "DS2"):
        data, keep = _load(args.data_dir, split, 1)
        y = data.y if keep is None else data.y[keep]
        counts = ", ".join(f"{c} {int((y == c).sum())}" for c in AAMI_CLASSES)
        source = args.data_dir or "shipped excerpt"
        print(f"{split} ({source}): {len(y)} beats: {counts}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ecg-sklearn", description=__doc__)
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder of the MIT-BIH database (default: the excerpt shipped with the package)",
    )
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
