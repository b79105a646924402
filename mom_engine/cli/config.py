"""The user's configuration file, `mom.toml`: defaults for options people repeat.

Looked for in the working folder, then in the user's config folder (`$XDG_CONFIG_HOME/mom/`,
by default `~/.config/mom/`; `%APPDATA%\\mom\\` on Windows); the first found is used, and an
option given on the command line always wins. Keys:

    currency = "USD"            # reporting currency of `mom consolidate`
    rates = "rates.csv"         # its rates file (relative to the file's folder)
    target = 3                  # coverage target of `mom pipeline` and `mom consolidate`
    workers = 4                 # worker processes of every command over several books
    book-timeout = 600          # seconds one workbook may take in `mom consolidate`
    format = "table"            # table | csv | markdown | json, for every report command

`MOM_CONFIG=FILE` uses that file instead, `MOM_CONFIG=` none. A key the file does not know,
or a value of the wrong kind, is a usage error naming the file.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from collections.abc import Callable

from . import UsageError

CONFIG_NAME = "mom.toml"


def config_paths() -> list[Path]:
    """Where mom.toml is looked for, first match wins. MOM_CONFIG names the one file to use
    instead (empty: none at all)."""
    if "MOM_CONFIG" in os.environ:
        chosen = os.environ["MOM_CONFIG"]
        return [Path(chosen).expanduser()] if chosen else []
    paths = [Path.cwd() / CONFIG_NAME]
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        paths.append(Path(os.environ["APPDATA"]) / "mom" / CONFIG_NAME)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    paths.append(Path(base) / "mom" / CONFIG_NAME)
    return paths


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a text value in quotes")
    return value.strip()


def _currency(value: Any) -> str:
    text = _text(value).upper()
    if len(text) != 3 or not text.isalpha():
        raise ValueError("a three-letter currency code such as \"USD\"")
    return text


def _workers(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("a whole number of at least 1")
    return value


def _target(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
        raise ValueError("a coverage multiple above 0 and at most 100")
    return float(value)


def _seconds(value: Any) -> float:
    from .common import book_timeout
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("a number of seconds")
    try:
        return book_timeout(value)
    except argparse.ArgumentTypeError:
        raise ValueError("a number of seconds above 0 and at most a week") from None


def _format(value: Any) -> str:
    from ..report.writers import FORMATS
    if value not in FORMATS:
        raise ValueError(" or ".join(f'"{f}"' for f in FORMATS))
    return str(value)


# key → (how its value is read, the argument it fills)
KEYS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "currency": (_currency, "currency"),
    "rates": (_text, "rates"),
    "target": (_target, "target"),
    "workers": (_workers, "workers"),
    "book-timeout": (_seconds, "book_timeout"),
    "format": (_format, "format"),
}


def read_config(path: Path) -> dict[str, Any]:
    """mom.toml → {argument: value}; a bad file is a UsageError that names it."""
    import tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the configuration file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"the configuration file {path} is not valid TOML: {error}") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise UsageError(f"{path}: unknown key '{key}'; the keys are {', '.join(KEYS)}")
        convert, dest = KEYS[key]
        try:
            values[dest] = convert(value)
        except ValueError as error:
            raise UsageError(f"{path}: '{key}' must be {error}") from None
    if "rates" in values:
        rates = Path(values["rates"]).expanduser()
        values["rates"] = str(rates if rates.is_absolute() else path.parent / rates)
    return values


def find_config() -> tuple[Path | None, dict[str, Any]]:
    for path in config_paths():
        if path.is_file():
            return path, read_config(path)
    return None, {}


def apply_config(args: argparse.Namespace) -> Path | None:
    """Fill the arguments left at their default (None) from mom.toml; return the file used."""
    path, values = find_config()
    for dest, value in values.items():
        if hasattr(args, dest) and getattr(args, dest) is None:
            setattr(args, dest, value)
    return path
