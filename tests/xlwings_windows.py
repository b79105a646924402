"""xlwings' Windows UDF machinery, made importable on Linux (SPEC §14 tests).

On Windows, `import xlwings` binds `xw.func/arg/ret` to `xlwings.udfs.xlfunc/xlarg/xlret`, and
the COM server hands each UDF argument to `xlwings.conversion.read(None, value, options)` with
the "excel" engine cleaning the raw COM values (`_xlwindows._clean_value_data_element`: COM
dates → datetime, error ints → error text or None, "" → None). Here:

- the Windows-only modules `pythoncom`, `pywintypes`, `win32com.client` are stubbed in
  `sys.modules` so that the REAL `xlwings.udfs` imports (its decorators, `call_udf`,
  `generate_vba_wrapper`);
- the "excel" engine is built from the REAL source of `xlwings/_xlwindows.py`: the value
  cleaning functions, `cell_errors` and the `Engine` class are taken from that file's syntax
  tree and executed (the rest of the file needs COM and ctypes.windll and cannot load here).

Nothing of MOM is stubbed: the UDF module is imported with xlwings' own decorators and called
with the values Excel would pass. What COM hands over for a range (`Range.Value`, read by
xlwings' `ReadValueFromRangeStage` when the argument is a range, or the value itself when it is
an array or an expression): a tuple of row tuples (one cell: the bare value; a one-row array: a
flat tuple); str for text ("" from a formula that shows nothing), float for numbers and for dates
computed by expressions (TODAY()), bool, None for a blank cell, a `pywintypes` datetime (a
datetime subclass with a time zone, `_TimeType` here) for a date cell, the COM error code (an int,
`NA_ERROR` …) for an error cell, and `decimal.Decimal` for a cell formatted as Currency (VT_CY,
read as the amount it is: `test_udfs.test_currency_formatted_cells_are_amounts`).
With `convert="raw"` (how the UDFs declare their tables) `conversion.read` hands that value on
untouched.
"""
from __future__ import annotations

import ast
import datetime as dt
import importlib
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WINDOWS_ONLY = ("pythoncom", "pywintypes", "win32com", "win32com.client")
ENGINE_PARTS = {"cell_errors", "_com_time_to_datetime", "_datetime_to_com_time",
                "_clean_value_data_element", "Engine"}
NA_ERROR = -2146826246        # what COM hands over for a #N/A cell
VALUE_ERROR = -2146826273     # #VALUE!


class _TimeType(dt.datetime):
    """Stands in for pywintypes.TimeType (a datetime subclass on Windows)."""


def _stub_modules() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.TimeType = _TimeType
    pywintypes.com_error = type("com_error", (Exception,), {})
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *args, **kwargs: None
    win32com.client = client
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
            "win32com.client": client}


def _windows_engine() -> Any:
    """xlwings' Excel engine, from the real source of _xlwindows.py (value cleaning only)."""
    import xlwings
    from xlwings import utils
    source = Path(xlwings.__file__).with_name("_xlwindows.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    keep = []
    for node in tree.body:
        names = set()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = {node.name}
        elif isinstance(node, ast.Assign):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        if names & ENGINE_PARTS:
            keep.append(node)
    module = ast.Module(body=keep, type_ignores=[])
    utc = dt.UTC
    namespace: dict[str, Any] = {
        "dt": dt, "pd": pd, "np": np,
        "time_types": (dt.date, dt.datetime, _TimeType, np.datetime64),
        "np_datetime_to_datetime": utils.np_datetime_to_datetime,
        "win32timezone": types.SimpleNamespace(TimeZoneInfo=types.SimpleNamespace(utc=lambda: utc)),
    }
    exec(compile(module, "xlwings/_xlwindows.py", "exec"), namespace)
    return namespace["Engine"]()


def install() -> types.ModuleType:
    """Make `xlwings.udfs` importable, bind xw.func/arg/ret to it as Windows does, register the
    Excel engine; returns the real `xlwings.udfs` module."""
    for name, module in _stub_modules().items():
        sys.modules.setdefault(name, module)
    import xlwings
    from xlwings import main
    udfs = importlib.import_module("xlwings.udfs")
    xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
    if "excel" not in [engine.name for engine in xlwings.engines]:
        xlwings.engines.add(main.Engine(impl=_windows_engine()))
    return udfs


def uninstall(saved: dict[str, Any]) -> None:
    """Undo `install` (restore modules and decorators as `snapshot` saw them)."""
    import xlwings
    for name in WINDOWS_ONLY + ("xlwings.udfs",):
        if saved["modules"].get(name) is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved["modules"][name]
    xlwings.func, xlwings.arg, xlwings.ret = saved["decorators"]
    engines = xlwings.engines
    if not saved["had_excel"] and "excel" in engines.engines_by_name:
        engine = engines.engines_by_name.pop("excel")
        engines.engines.remove(engine)


def snapshot() -> dict[str, Any]:
    import xlwings
    return {"modules": {name: sys.modules.get(name) for name in WINDOWS_ONLY + ("xlwings.udfs",)},
            "decorators": (xlwings.func, xlwings.arg, xlwings.ret),
            "had_excel": "excel" in [engine.name for engine in xlwings.engines]}


def call_udf(function: Any, *excel_args: Any) -> Any:
    """Call a UDF the way xlwings' COM server does (`xlwings.udfs.call_udf`, minus COM):
    every argument through `conversion.read(None, value, options)` — a missing optional
    argument arrives as the COM 'missing' marker — and the result through
    `conversion.write(result, None, options)`: what Excel receives."""
    from xlwings import conversion
    info = function.__xlfunc__
    args_info = info["args"]
    args = []
    for index, value in enumerate(excel_args):
        arg_info = args_info[min(index, len(args_info) - 1)]
        if isinstance(value, int) and value == -2147352572:    # COM: argument omitted
            args.append(arg_info.get("optional", None))
        else:
            args.append(conversion.read(None, value, arg_info["options"]))
    result = function(*args)
    return conversion.write(result, None, info["ret"]["options"])


MISSING = -2147352572   # COM's marker for an omitted optional argument
