"""The types of the user's extra columns (the columns the data contract does not define).

In memory an extra column holds text (``extra_text``): the registry's hash and ``place --apply``
compare that text, and it is the same whichever form the column was read from. Beside the
frames, ``Registry.extra_kinds`` keeps the type the source gave each column: ``int``,
``float``, ``bool``, ``date`` or ``datetime`` (a column not named there is text):

- GeoPackage: the field's type (INTEGER, REAL, BOOLEAN, DATE, DATETIME); every other type is text.
- Excel: the cells' type, where every cell with a value in the column has the same one
  (``value_kind``): all booleans, all whole numbers (``int``), all numbers (``float``), all dates
  at midnight (``date``) or all dates (``datetime``); a column of mixed cells is text.
- GeoJSON (a folder's polygon layers): the JSON values' type in the same way (no dates).
- CSV: text only; a CSV file does not say a column's type, and text that looks like a number
  (``007``, a phone number) stays text.

A writer gives each column back its type where the destination holds it (``stored``) and writes
its text where it does not; ``type_notes`` says which columns those are and why, so that
``capacity convert`` can tell the user. A GeoPackage holds every kind. A workbook holds numbers,
booleans and dates, but not a number's kind (a decimal column of whole numbers reads back as
whole numbers, and times all at midnight as dates), nor a number openpyxl would round (more
than 16 digits), a date before 1900 or a time zone. GeoJSON holds numbers and booleans; CSV
holds text. The text of every value, and so the hash, is the same in every form.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.compat.strings import safe_string

from capacity.io.values import BadValue, is_missing, parse_bool, parse_int, parse_str

# What a column of each kind is for, in the notes ("kolonnen er til <name>")
NAMES = {
    "int": "hele tal",
    "float": "decimaltal",
    "bool": "sand/falsk-værdier",
    "date": "datoer",
    "datetime": "tidspunkter",
}
KEEPS = "en GeoPackage (.gpkg) bevarer typen"

# GDAL's field types (``pyogrio.read_info``: ``ogr_types``) -> kind; OFSTBoolean makes a bool
OGR_KINDS = {
    "OFTInteger": "int",
    "OFTInteger64": "int",
    "OFTReal": "float",
    "OFTDate": "date",
    "OFTDateTime": "datetime",
}
INT64 = 2**63
EXCEL_FIRST_YEAR = 1900  # a workbook's dates start on 1900-01-01


def extra_text(value: Any) -> str | None:
    """The text an extra column holds for a value as read (None when missing): as
    ``values.parse_str`` gives it, except that a time with a time zone keeps its offset (a
    midnight without one reads as its date)."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return str(pd.Timestamp(value))
    return parse_str(value)


def gpkg_kinds(fields: Iterable[str], types: Iterable[str], subtypes: Iterable[str]) -> dict:
    """Column (lower case, as the reader names it) -> kind, from a GeoPackage layer's field
    types; fields of other types are left out (text)."""
    out = {}
    for name, kind, sub in zip(fields, types, subtypes, strict=True):
        found = "bool" if sub == "OFSTBoolean" else OGR_KINDS.get(kind)
        if found is not None:
            out[str(name).strip().lower()] = found
    return out


def value_kind(values: Iterable[Any]) -> str | None:
    """The kind of a column of native values (Excel cells, JSON values) where every value has
    it; None (text) for a column of mixed values, of text or without values."""
    found = [v for v in values if not is_missing(v)]
    if not found:
        return None
    if all(isinstance(v, bool) for v in found):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in found):
        return "int"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in found):
        return "float"
    if all(isinstance(v, dt.datetime) and v.tzinfo is None for v in found):
        return "date" if all(v.time() == dt.time() for v in found) else "datetime"
    if all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in found):
        return "date"
    return None


@dataclass(frozen=True)
class Stored:
    """How a writer stores an extra column: ``kind`` (None: as text), ``values`` (typed values
    of the kind, or the texts; None where missing) and ``note`` (why the form keeps less than
    the column's kind, for ``type_notes``; None when it keeps it)."""

    kind: str | None
    values: list[Any]
    note: str | None = None


def stored(texts: Iterable[Any], kind: str | None, form: str) -> Stored:
    """An extra column of ``texts`` and ``kind`` as the ``form`` (``gpkg``, ``xlsx``, ``json``
    or ``csv``) stores it: typed where the form holds the kind and every value, else as text
    with a note."""
    texts = [None if is_missing(t) else str(t) for t in texts]
    if kind is None:
        return Stored(None, texts)
    try:
        values = [None if t is None else _typed(t, kind) for t in texts]
    except (BadValue, ValueError, TypeError, OverflowError):
        note = f"kolonnen er til {NAMES[kind]}, men har andre værdier, så den skrives som tekst"
        return Stored(None, texts, note)
    present = [v for v in values if v is not None]
    why = _not_held(present, kind, form)
    if why is not None:
        keeps = "" if form == "gpkg" else f"; {KEEPS}"
        note = f"kolonnen er til {NAMES[kind]}, men {why}, så den skrives som tekst{keeps}"
        return Stored(None, texts, note)
    return Stored(kind, values, _narrowed(present, kind, form))


def _typed(text: str, kind: str) -> Any:
    """The value of ``text`` (``extra_text``'s form) as its kind."""
    if kind == "int":
        return parse_int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return parse_bool(text)
    stamp = pd.Timestamp(text)
    if stamp is pd.NaT:
        raise ValueError(text)
    return stamp


def _not_held(values: list[Any], kind: str, form: str) -> str | None:
    """Why ``form`` cannot store a column of ``values`` of ``kind`` (None: it can)."""
    if form == "gpkg":
        big = kind == "int" and any(abs(v) >= INT64 for v in values)
        return "nogle er for store til en GeoPackage (2^63 og derover)" if big else None
    if form == "csv":
        return "en CSV-fil har ingen typer"
    if not values:
        return "den er tom, og uden værdier gemmes typen ikke"
    if form == "json":
        if kind in ("date", "datetime"):
            return "GeoJSON har ingen datoer"
        if kind == "float" and not all(math.isfinite(v) for v in values):
            return "GeoJSON kan ikke gemme uendelige tal"
        return None
    if kind in ("int", "float") and not all(_excel_exact(v, kind) for v in values):
        return "Excel ville runde nogle af dem (over 16 cifre eller uendelige)"
    if kind in ("date", "datetime") and any(v.tzinfo is not None for v in values):
        return "Excel har ingen tidszoner"
    if kind in ("date", "datetime") and any(
        v.year < EXCEL_FIRST_YEAR or v.nanosecond or v.microsecond % 1000 for v in values
    ):
        return "Excel gemmer ikke datoer før år 1900 eller brøkdele af millisekunder"
    return None


def _excel_whole(value: float) -> bool:
    """Whether openpyxl writes the number ``value`` as one it reads back as an int: it writes
    numbers with 16 significant digits (``safe_string``) and reads one without ``.`` or an
    exponent as an int."""
    return not any(c in safe_string(value) for c in ".eE")


def _excel_exact(value: float, kind: str) -> bool:
    """Whether openpyxl writes the number ``value`` so that it reads back as the same value of
    the same kind (a float of a whole value reads back as an int, see ``_narrowed``)."""
    if not math.isfinite(value):
        return False
    if kind == "int":
        return _excel_whole(value) and int(safe_string(value)) == value
    return float(safe_string(value)) == value


def _narrowed(values: list[Any], kind: str, form: str) -> str | None:
    """The note for a column a workbook stores, but reads back as a narrower kind."""
    if form != "xlsx":
        return None
    if kind == "float" and all(_excel_whole(v) for v in values):
        return (
            "kolonnen er til decimaltal, men alle værdierne er hele, og Excel skelner ikke "
            f"mellem hele tal og decimaltal, så den læses tilbage som hele tal; {KEEPS}"
        )
    if kind == "datetime" and all(v == v.normalize() for v in values):
        return (
            "kolonnen er til tidspunkter, men alle er ved midnat, og Excel skelner ikke mellem "
            f"datoer og tidspunkter, så den læses tilbage som datoer; {KEEPS}"
        )
    return None


def gpkg_column(values: list[Any], kind: str | None) -> pd.Series:
    """A column ``stored`` gave, in the dtype pyogrio writes as its kind: nullable integers,
    floats and booleans, times with their time zone (dates too: ``writers`` makes a ``date``
    column a DATE field), else text."""
    if kind == "int":
        return pd.Series(pd.array(values, dtype="Int64"))
    if kind == "float":
        return pd.Series(pd.array(values, dtype="Float64"))
    if kind == "bool":
        return pd.Series(pd.array(values, dtype="boolean"))
    if kind in ("date", "datetime"):
        try:
            return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)))
        except (ValueError, TypeError):  # offsets that differ: all in UTC, as GDAL reads them
            return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True))
    return pd.Series(values, dtype="str")


def gdal_offsets(column: pd.Series) -> np.ndarray:
    """GDAL's code of each time's offset from UTC (100 is UTC, one more or less for every 15
    minutes east or west), as ``pyogrio.write_dataframe`` passes it for a column with a time
    zone."""
    local = column.dt.tz_localize(None)
    offset = local - column.dt.tz_convert("UTC").dt.tz_localize(None)
    return (offset // pd.Timedelta("15min") + 100).to_numpy()
