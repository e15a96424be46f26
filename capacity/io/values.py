"""Parse one cell into its canonical Python value, or say what is wrong with it.

Cells come as strings (CSV) or as native values (GeoPackage, Excel). Each ``parse_*`` function
returns the clean value or raises ``BadValue`` whose message says what to write instead.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from capacity.numbers import decimal

TRUE = frozenset({"true", "1", "yes", "y", "ja", "j", "sand", "t", "x"})
FALSE = frozenset({"false", "0", "no", "n", "nej", "falsk", "f"})
_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_DMY = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})")

HINT = {
    "id": "et id",
    "str": "tekst",
    "int": "et helt tal",
    "float": "et tal",
    "bool": "true eller false",
    "date": "en dato som YYYY-MM-DD",
    "intlist": "hele tal adskilt af ';' (fx 2;7;12)",
}


def figure(x: float) -> str:
    """A number as the Danish messages print it: a whole number as it is (``20``), any other
    with a decimal comma (``0,5``, ``decimal`` of the reports)."""
    if isinstance(x, bool | np.bool_) or not isinstance(x, int | float | np.integer | np.floating):
        return str(x)
    if float(x).is_integer():
        return str(int(x))
    if not math.isfinite(x) or abs(x) < 1e-6:
        return f"{x:g}".replace(".", ",")
    return decimal(float(x))


def amount(n: object, one: str, many: str) -> str:
    """``n`` and the noun in the number it takes: ``1 seng``, ``4 senge``."""
    return f"{n} {one if n == 1 else many}"


def listed(items: list[str], k: int = 5) -> str:
    """The first ``k`` items, and how many more: ``H001, H002 og 3 til``."""
    more = f" og {len(items) - k} til" if len(items) > k else ""
    return ", ".join(items[:k]) + more


class BadValue(ValueError):
    """A cell that cannot be read as its column's kind; the message says what to write."""


def is_missing(value: Any) -> bool:
    """True for an empty cell: None, NA, NaN, NaT or blank text."""
    if type(value) is str:
        return not value.strip()
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return isinstance(value, str) and not value.strip()


def parse_number(value: Any, decimal: str = ".") -> float:
    """A finite number; text may use a decimal comma (``12,5``) and thousands dots in ``;`` files."""
    if isinstance(value, bool | np.bool_):
        raise BadValue(f"{value!r} er ikke et tal; skriv {HINT['float']}")
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if decimal == "," and _THOUSANDS.fullmatch(text):
            text = text.replace(".", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"'{value}' er ikke et tal; skriv {HINT['float']}") from None
    if not math.isfinite(number):
        raise BadValue(f"'{value}' er ikke et endeligt tal; skriv {HINT['float']}")
    return number


def parse_int(value: Any, decimal: str = ".") -> int:
    """A whole number (``12``, ``12.0`` or ``12,0``)."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    try:
        number = parse_number(value, decimal)
    except BadValue:
        raise BadValue(f"'{value}' er ikke et helt tal; skriv {HINT['int']}") from None
    if not number.is_integer():
        raise BadValue(f"'{value}' er ikke et helt tal; skriv {HINT['int']}")
    return int(number)


def parse_bool(value: Any, decimal: str = ".") -> bool:
    """True or false: ``true/false``, ``1/0``, ``ja/nej``, ``sand/falsk``, ``yes/no``."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadValue(f"'{value}' er hverken true eller false; skriv true eller false")


def parse_date(value: Any, decimal: str = ".") -> pd.Timestamp:
    """A date: ISO ``YYYY-MM-DD`` (``DD-MM-YYYY`` is accepted too) or a date cell."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime | dt.date):
        return _date(value.year, value.month, value.day, value)
    if isinstance(value, str):
        text = value.strip()
        if m := _ISO.fullmatch(text):
            return _date(int(m[1]), int(m[2]), int(m[3]), value)
        if m := _DMY.fullmatch(text):
            return _date(int(m[3]), int(m[2]), int(m[1]), value)
    raise BadValue(f"'{value}' er ikke en dato; skriv {HINT['date']}")


def _date(year: int, month: int, day: int, value: Any) -> pd.Timestamp:
    if not 1900 <= year <= 2200:
        raise BadValue(f"'{value}' har et usandsynligt årstal; skriv {HINT['date']}")
    try:
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError:
        raise BadValue(f"'{value}' er ikke en gyldig dato; skriv {HINT['date']}") from None


def parse_id(value: Any, decimal: str = ".") -> str:
    """An id as text (a whole number from Excel becomes its digits)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def parse_str(value: Any, decimal: str = ".") -> str:
    """Text, without surrounding blanks. A boolean (a GeoPackage BOOLEAN column read without
    empty cells) is "1" or "0", as the same column reads once a cell is empty (as numbers)."""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | pd.Timestamp) and value == pd.Timestamp(value).normalize():
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def parse_intlist(value: Any, decimal: str = ".") -> tuple[int, ...]:
    """Whole numbers separated by ``;`` (``,`` and blanks are accepted too); empty means none."""
    if is_missing(value):
        return ()
    if isinstance(value, list | tuple | np.ndarray):
        parts: list[Any] = list(value)
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        parts = [value]
    else:
        parts = [p for p in re.split(r"[;,\s]+", str(value).strip().strip("[]()")) if p]
    try:
        return tuple(parse_int(p) for p in parts)
    except BadValue:
        raise BadValue(f"'{value}' er ikke en liste af hele tal; skriv {HINT['intlist']}") from None


PARSERS = {
    "id": parse_id,
    "str": parse_str,
    "int": parse_int,
    "float": parse_number,
    "bool": parse_bool,
    "date": parse_date,
    "intlist": parse_intlist,
}
