"""`mom`: the command line. Thin: parse, call the engine, render, exit status.

Each command lives in its own module with `register(subparsers)` and `EXAMPLES` (the help
page ends with them); the module list below is the only place that knows them all. Exit
status: 0 no error-severity findings among those shown, 1 error findings, 2 bad usage or no
readable input, 3 an internal error (a bug, reported without a traceback
unless `mom --debug`).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import textwrap
import traceback
from typing import Any

from ..exports import ExportError
from ..mappings import MappingError
from ..report.files import OutputError

COMMAND_MODULES = ("template", "demo", "validate", "schedule", "assets", "spend", "realign",
                   "reconcile", "pipeline", "funnel", "scorecard", "accounts", "capacity", "calendar",
                   "consolidate", "completion")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141   # 128 + SIGPIPE, what `yes | head` gives
DESCRIPTION = ("MOM — marketing operations: validate, roll up, reconcile and consolidate team "
               "planning workbooks.")


class UsageError(Exception):
    """Bad usage or no readable input: exit status 2 with the message on stderr."""


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed
    try:
        return installed("mom")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


class HelpFormatter(argparse.HelpFormatter):
    """Paragraphs are wrapped to the terminal; indented blocks (examples, lists) kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for paragraph in textwrap.dedent(text).strip().split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines[1:]):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(textwrap.fill(" ".join(paragraph.split()), width,
                                                initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(paragraphs)


def examples_text(examples: tuple[str, ...]) -> str:
    return "examples:\n" + "\n".join(f"  {example}" for example in examples)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mom", description=DESCRIPTION,
                                     formatter_class=HelpFormatter,
                                     epilog=examples_text(("mom demo",
                                                           "mom validate mom-demo/teams/")))
    parser.add_argument("--debug", action="store_true",
                        help="on an internal error (a bug in MOM), also print its Python traceback "
                             "on stderr, e.g. `mom --debug validate team.xlsx`")
    parser.add_argument("-V", "--version", action="version", version=f"mom {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
        command = subparsers.choices[name]
        command.formatter_class = HelpFormatter
        examples = getattr(module, "EXAMPLES", ())
        if examples:
            command.epilog = "\n\n".join(p for p in (command.epilog, examples_text(examples)) if p)
    return parser


def overview(parser: argparse.ArgumentParser) -> str:
    """What bare `mom` prints: each command with its line and an example."""
    lines = [f"mom {version()} — {DESCRIPTION.split(' — ', 1)[1]}", "", "commands:"]
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for choice in getattr(action, "_choices_actions", []):
            module = importlib.import_module(f"{__name__}.{choice.dest}")
            lines.append(f"  {choice.dest:<12} {(choice.help or '').replace('%%', '%')}")
            examples = getattr(module, "EXAMPLES", ())
            if examples:
                lines.append(f"  {'':<12} e.g. {examples[0]}")
    lines += ["", "`mom COMMAND --help` shows a command's options; `mom demo` is the quick start."]
    return "\n".join(lines)
def _quiet_closing_errors(unraisable: Any) -> None:
    """A writer that failed mid-file (xlsxwriter's zip on a full disk) leaves a file object
    whose close fails again when it is garbage-collected: Python would print "Exception
    ignored" with a traceback for an error already reported in one line. Other unraisable
    errors are printed as usual."""
    if not isinstance(unraisable.exc_value, OSError):
        sys.__unraisablehook__(unraisable)


def main(argv: list[str] | None = None) -> int:
    sys.unraisablehook = _quiet_closing_errors
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            print(overview(parser))
            return EXIT_OK
        if hasattr(args, "format"):  # `args.json` for commands that still read it
            args.json = args.format == "json"
    except Exception as error:  # a bug in a command's declaration (argparse's own exit passes)
        print(f"mom: internal error ({type(error).__name__}: {error}); please report it",
              file=sys.stderr)
        return EXIT_INTERNAL
    from . import output
    output.DEBUG = args.debug
    try:
        from .config import apply_config
        apply_config(args)
        if hasattr(args, "format"):
            args.json = args.format == "json"
        return int(args.run(args))
    except (UsageError, OutputError, ExportError, MappingError) as error:
        print(f"mom {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mom … | head`: the reader stopped reading — not a bug of ours
        # Python would fail again flushing stdout at exit; exit as a program killed by SIGPIPE
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:  # a bug: say so plainly, never "findings"; a traceback on --debug
        print(f"mom {args.command}: internal error ({type(error).__name__}: {error}); "
              "please report it with the command you ran", file=sys.stderr)
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL


def run() -> None:  # console-script entry point
    sys.exit(main())
