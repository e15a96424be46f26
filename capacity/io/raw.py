"""The raw tables of a registry as read from disk, before validation: ``RawLayer``, ``RawRegistry``
and ``clean_header``, shared by the readers (``capacity.io.imports``, ``capacity.io.excel``) and
``capacity.io.validate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from capacity.errors import Problem


@dataclass
class RawLayer:
    """One layer as read from disk, before validation.

    Attributes
    ----------
    name : the layer's name in the contract.
    source : where it came from, e.g. ``units.csv`` or ``alleroed.gpkg:units``.
    data : the attribute values as read, one column per header (lower-cased), index 0..n-1.
    numbers : per row, its line (CSV), sheet row (Excel) or feature number (GeoPackage, GeoJSON).
    unit : the kind of ``numbers``: ``line``, ``row`` or ``feature`` (``PLACE`` has the Danish).
    geometry : the geometry where the form carries one (GeoPackage, GeoJSON), else ``None``
        (points then come from ``x,y`` or ``lat,lon`` columns, polygons from ``wkt`` columns).
    decimal : the decimal separator of text numbers (``,`` for ``;``-separated CSV).
    kinds : column -> the type the form gives it (``capacity.io.extras``: a GeoPackage field's
        type, the type of every cell or JSON value); a column not named is text. Only the
        columns the contract does not define are looked at.
    """

    name: str
    source: str
    data: pd.DataFrame
    numbers: list[int]
    unit: str = "line"
    geometry: gpd.GeoSeries | None = None
    decimal: str = "."
    kinds: dict[str, str] = field(default_factory=dict)


# The Danish word for a ``RawLayer.unit`` in messages: "linje 4", "række 4", "objekt 4".
PLACE = {"line": "linje", "row": "række", "feature": "objekt"}


@dataclass
class RawRegistry:
    """Every layer found, the policy text and the problems met while reading."""

    form: str  # folder | gpkg | xlsx
    path: Path
    layers: dict[str, RawLayer] = field(default_factory=dict)
    policy_text: str | None = None
    policy_source: str = "policy.toml"
    problems: list[Problem] = field(default_factory=list)

    def error(self, source: str, message: str, row: str = "", column: str = "") -> None:
        """Record a problem that stops a layer or the file from being read."""
        self.problems.append(Problem("error", source, row, column, message))


def clean_header(names: list[Any], source: str, raw: RawRegistry) -> list[str] | None:
    """Normalised column names (stripped, lower case); ``None`` with a problem if unusable."""
    header = ["" if h is None else str(h).strip().lower() for h in names]
    while header and header[-1] == "":
        header.pop()
    if not header or "" in header:
        raw.error(
            source, "overskriften har et tomt kolonnenavn; giv hver kolonne et navn i første linje"
        )
        return None
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raw.error(
            source,
            f"{'kolonnen' if len(dupes) == 1 else 'kolonnerne'} {', '.join(dupes)} står to gange "
            "i overskriften; behold én af hver",
            column=dupes[0],
        )
        return None
    return header
