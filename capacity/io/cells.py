"""Text from the registry in spreadsheets: never a formula, never a character Excel refuses.

Ids, names and reasons are user text. A spreadsheet program reads a CSV cell that begins with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula, so a household
id like ``=HYPERLINK("http://…"&A1)`` would run when a colleague opens ``placements.csv``.

- CSV outputs (``csv_text``) write such text cells with a leading apostrophe, the convention
  spreadsheets show as text; a text that already begins with an apostrophe gets one more, so that
  ``restore`` gives back exactly what was written. Our own readers of our CSV outputs
  (``read_output_csv``) remove it again; numbers are never changed.
- Workbooks (``text_cell``): every text value is stored as a text cell (type ``s``), never as a
  formula, with the control characters that Excel cannot store replaced by U+FFFD.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from capacity.io.imports import sniff_separator

__all__ = ["csv_text", "neutralise", "read_output_csv", "restore", "text_cell", "excel_text"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: str) -> str:
    """``value`` as written to a CSV meant for spreadsheets (see the module's docstring)."""
    return QUOTE + value if value.startswith((*FORMULA_STARTS, QUOTE)) else value


def restore(value: str) -> str:
    """The text ``neutralise`` was given: one leading apostrophe removed."""
    return value[1:] if value.startswith(QUOTE) else value


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and not pd.api.types.is_datetime64_any_dtype(frame[c])
    ]


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (``,``, ``\\n``, no index) with every text cell ``neutralise``-d."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = [neutralise(v) if isinstance(v, str) else v for v in out[column]]
    return out.to_csv(index=False, lineterminator="\n")


def read_output_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV that ``csv_text`` wrote (``pandas.read_csv`` options in ``kwargs``): text cells
    are ``restore``-d, so ids read back exactly as they are in the registry.

    A file a planner reviewed and saved again with a spreadsheet program reads as well: UTF-8
    with or without a BOM, else cp1252, and the separator of its header line
    (``imports.sniff_separator``: Danish Excel saves with ``;``), as the registry's CSV files
    are read; with ``;`` a decimal comma ("1234,5"), as Danish Excel writes it. Thousands
    separators are not read: such a cell stays text, and the reader's own checks refuse it."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    sep = sniff_separator(text.split("\n", 1)[0])
    decimal = "," if sep == ";" else "."
    frame = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, **kwargs)
    for column in _text_columns(frame):
        frame[column] = [restore(v) if isinstance(v, str) else v for v in frame[column]]
    return frame


def excel_text(value: str) -> str:
    """``value`` with the control characters Excel cannot store replaced by U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def text_cell(cell: Any) -> None:
    """Make an openpyxl cell holding text a text cell: never a formula, no illegal characters."""
    if isinstance(cell.value, str):
        cell.value = excel_text(cell.value)
        cell.data_type = "s"
