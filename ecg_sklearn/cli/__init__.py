"""The ``ecg-sklearn`` command line: :func:`main` (see ``ecg-sklearn --help``)."""

from __future__ import annotations

import sys

from ._parser import build_parser

__all__ = ["build_parser", "main"]

COMMANDS = ("run", "train", "annotate", "review", "report", "evaluate", "explain")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "run")  # the demo job is the default command
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train" and "," in args.split:
        args.split = args.split.split(",")
    try:
        return args.func(args)
    except (OSError, ValueError) as exc:  # bad files or arguments: the message, no traceback
        print(f"ecg-sklearn {args.command}: error: {exc}", file=sys.stderr)
        return 2
