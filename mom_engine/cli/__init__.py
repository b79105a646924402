"""`mom`: the command line (SPEC §13). Thin: parse, call the engine, render, exit status.

Each command lives in its own module with `register(subparsers)`; the module list below is the
only place that knows them all. Exit status: 0 no error-severity findings, 1 error findings,
2 bad usage or no readable input, 3 an internal error (a bug, reported without a traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ..exports import ExportError
from ..mappings import MappingError
from ..report.files import OutputError

COMMAND_MODULES = ("template", "demo", "validate", "schedule", "assets", "spend", "realign",
                   "reconcile", "pipeline", "funnel", "scorecard", "accounts", "capacity",
                   "calendar", "consolidate")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """Bad usage or no readable input: exit status 2 with the message on stderr."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mom", description="MOM — marketing operations: validate, roll up, reconcile and "
                                "consolidate team planning workbooks.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except Exception as error:  # a bug in a command's declaration (argparse's own exit passes)
        print(f"mom: internal error ({type(error).__name__}: {error}); please report it",
              file=sys.stderr)
        return EXIT_INTERNAL
    try:
        return int(args.run(args))
    except (UsageError, OutputError, ExportError, MappingError) as error:
        print(f"mom {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so plainly, never a traceback, never "findings"
        print(f"mom {args.command}: internal error ({type(error).__name__}: {error}); "
              "please report it with the command you ran", file=sys.stderr)
        return EXIT_INTERNAL


def run() -> None:  # console-script entry point
    sys.exit(main())
