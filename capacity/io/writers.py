"""Write a ``Registry`` as a GeoPackage, an Excel workbook or a folder of CSV/GeoJSON files.

Every writer writes into a temporary file or folder beside the destination and renames it into
place at the end, so a failure leaves what was there before intact.

Forms:

- GeoPackage: one layer per registry layer (EPSG:25832; non-spatial layers as attribute tables),
  plus an attribute table ``policy`` with one row and the TOML text in column ``toml``. Written
  with pyogrio; dates are DATETIME fields at midnight, ``children_ages`` is text ``"2;7;12"``.
  GDAL's table timestamps are fixed, so the same registry gives the same bytes.
- Folder: ``<layer>.csv`` (UTF-8, ``,``-separated, ``\\n`` line ends) for point and attribute
  layers, points as ``x,y`` in EPSG:25832; ``districts.geojson`` and ``boundary.geojson`` in
  EPSG:25832 with a ``crs`` member (legacy GeoJSON 2008, read by GDAL and QGIS) so that the round
  trip is exact; ``policy.toml`` (the user's own text while it says the policy). Same registry
  read from one file, same bytes.
- Excel: one sheet per layer (header in row 1), points as ``x,y``, polygons as WKT in EPSG:25832
  in a ``wkt`` column (continued in ``wkt_2``, ``wkt_3``, ... when longer than a cell holds),
  dates as date cells, and a ``policy`` sheet (``toml`` in A1, the text in A2).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from capacity.errors import UserError
from capacity.io.imports import POLICY_FILE, layer_files
from capacity.io.layers import LAYERS, Registry, stored_columns

CRS_MEMBER = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}
EXCEL_CELL_MAX = 32_000
NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # characters no XML 1.0 document holds


def _na(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _kinds(name: str, frame: pd.DataFrame) -> dict[str, str]:
    """Column -> kind for the contract's columns; ``extra`` for the others (written as text).

    A ``sparse`` contract column without any value is left out (``stored_columns``)."""
    layer = LAYERS[name]
    return {
        c: (layer.column(c).kind if c in layer.names else "extra")
        for c in stored_columns(name, frame)
    }


def _contract_count(name: str, kinds: dict[str, str]) -> int:
    """How many of the written columns are the contract's (they come first; extras follow)."""
    return sum(1 for c in kinds if c in LAYERS[name].names)


def cell(value: Any, kind: str, style: str) -> Any:
    """A value as written: ``csv`` (text), ``json`` (dates as text) or ``excel`` (date cells)."""
    if kind == "intlist":
        return ";".join(str(a) for a in value) if isinstance(value, tuple | list) else ""
    text = style == "csv"
    if _na(value):
        return "" if text else None
    if kind == "date":
        return value.to_pydatetime() if style == "excel" else value.strftime("%Y-%m-%d")
    if kind == "bool":
        return ("true" if value else "false") if text else bool(value)
    if kind == "int":
        return str(int(value)) if text else int(value)
    if kind == "float":
        return repr(float(value)) if text else float(value)
    return str(value)


def _rows(name: str, frame: pd.DataFrame, style: str) -> Iterator[list[Any]]:
    kinds = _kinds(name, frame)
    columns = [frame[c].tolist() for c in kinds]
    for values in zip(*columns, strict=True):
        yield [cell(v, k, style) for v, k in zip(values, kinds.values(), strict=True)]


# --- folder -------------------------------------------------------------------------------------


def write_folder(reg: Registry, path: Path) -> None:
    """Write ``<layer>.csv`` / ``<layer>.geojson`` and ``policy.toml`` into the folder ``path``."""
    for name, frame in reg.layers().items():
        csv_name, geojson_name = layer_files(name)
        if LAYERS[name].geometry == "Polygon":
            (path / geojson_name).write_text(geojson_text(name, frame), encoding="utf-8")
        else:
            write_csv(name, frame, path / csv_name)
    (path / POLICY_FILE).write_text(reg.policy.to_toml_text(), encoding="utf-8")


def write_csv(name: str, frame: pd.DataFrame, path: Path) -> None:
    """One layer as CSV; a point layer gets ``x,y`` (EPSG:25832) after the contract's columns."""
    kinds = _kinds(name, frame)
    header = list(kinds)
    points = LAYERS[name].geometry == "Point"
    n = _contract_count(name, kinds)
    if points:
        header = header[:n] + ["x", "y"] + header[n:]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        geoms = frame.geometry.tolist() if points else [None] * len(frame)
        for row, geom in zip(_rows(name, frame, "csv"), geoms, strict=True):
            if points:
                xy = ["", ""] if geom is None or geom.is_empty else [repr(geom.x), repr(geom.y)]
                row = row[:n] + xy + row[n:]
            writer.writerow(row)


def geojson_text(name: str, frame: pd.DataFrame) -> str:
    """A polygon layer as GeoJSON in EPSG:25832, one feature per line, exact coordinates."""
    keys = list(_kinds(name, frame))
    lines = []
    for row, geom in zip(_rows(name, frame, "json"), frame.geometry.tolist(), strict=True):
        mapping = None if geom is None else shapely.geometry.mapping(geom)
        feature = {
            "type": "Feature",
            "properties": dict(zip(keys, row, strict=True)),
            "geometry": mapping,
        }
        lines.append(json.dumps(feature, ensure_ascii=False))
    head = (
        f'{{\n"type": "FeatureCollection",\n"name": {json.dumps(name)},\n'
        f'"crs": {json.dumps(CRS_MEMBER)},\n"features": [\n'
    )
    return head + ",\n".join(lines) + "\n]\n}\n"


# --- GeoPackage ---------------------------------------------------------------------------------


def write_gpkg(reg: Registry, path: Path) -> None:
    """Write every layer and the ``policy`` table into a new GeoPackage at ``path``.

    GDAL stamps each table with the time of writing; the stamp is fixed (``GPKG_TIMESTAMP``) so
    that the same registry gives the same bytes.
    """
    import pyogrio

    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    try:
        _write_gpkg_layers(reg, path)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"


def _write_gpkg_layers(reg: Registry, path: Path) -> None:
    import pyogrio

    for name, frame in reg.layers().items():
        kinds = _kinds(name, frame)
        out = frame[[*kinds, "geometry"] if LAYERS[name].geometry else list(kinds)].copy()
        for column, kind in kinds.items():
            if kind == "intlist":
                out[column] = pd.Series(
                    [cell(v, kind, "csv") for v in frame[column]], dtype="str", index=frame.index
                )
            elif kind == "extra":
                out[column] = frame[column].astype("str")
        options: dict[str, Any] = {}
        if LAYERS[name].geometry:
            options["geometry_type"] = _geometry_type(name, frame)
            options["promote_to_multi"] = options["geometry_type"] == "MultiPolygon"
        pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", **options)
    policy = pd.DataFrame({"toml": pd.Series([reg.policy.to_toml_text()], dtype="str")})
    pyogrio.write_dataframe(policy, path, layer="policy", driver="GPKG")


def _geometry_type(name: str, frame: pd.DataFrame) -> str:
    types = set(frame.geometry.dropna().geom_type)
    if len(types) == 1:
        return types.pop()
    if types <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon" if types else str(LAYERS[name].geometry)
    return "Unknown"


# --- Excel --------------------------------------------------------------------------------------


def write_xlsx(reg: Registry, path: Path) -> None:
    """Write one sheet per layer and a ``policy`` sheet into a new workbook at ``path``."""
    import openpyxl

    _refuse_illegal_text(reg)  # before the workbook exists: a refused text leaves nothing open
    book = openpyxl.Workbook(write_only=True)
    for name, frame in reg.layers().items():
        sheet = book.create_sheet(name)
        for row in _sheet_rows(name, frame):
            sheet.append(
                [_excel_cell(sheet, v) if not isinstance(v, int | float) else v for v in row]
            )
    sheet = book.create_sheet("policy")
    sheet.append(["toml"])
    sheet.append([_excel_cell(sheet, _policy_cell(reg))])
    book.save(path)


def _policy_cell(reg: Registry) -> str:
    """The policy's TOML for its one cell: the user's own text, or the policy written anew where
    a cell cannot hold that text (longer than ``EXCEL_CELL_MAX``, which openpyxl would cut
    without a word, or with a character XML does not allow). The values are the same."""
    text = reg.policy.to_toml_text()
    if len(text) > EXCEL_CELL_MAX or NOT_XML.search(text) or ILLEGAL_CHARACTERS_RE.search(text):
        return reg.policy.to_toml_text(kept=False)
    return text


def _refuse_illegal_text(reg: Registry) -> None:
    """Raise ``UserError`` for the first text with a control character Excel cannot store."""
    for name, frame in reg.layers().items():
        for column in frame.columns:
            if column == "geometry" or pd.api.types.is_numeric_dtype(frame[column]):
                continue
            for value in frame[column]:
                if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                    raise UserError(
                        f"{name}.{column}: teksten {value[:40]!r} indeholder kontroltegn, som "
                        "Excel ikke kan gemme; fjern dem, eller skriv i stedet en GeoPackage eller "
                        "en mappe"
                    )


def _sheet_rows(name: str, frame: pd.DataFrame) -> Iterator[list[Any]]:
    kinds = _kinds(name, frame)
    header, n = list(kinds), _contract_count(name, kinds)
    kind = LAYERS[name].geometry
    geoms = frame.geometry.tolist() if kind else [None] * len(frame)
    extra = _geometry_cells(kind, geoms)
    width = max((len(e) for e in extra), default=1)
    names = ["x", "y"] if kind == "Point" else ["wkt"] + [f"wkt_{k}" for k in range(2, width + 1)]
    yield header[:n] + (names if kind else []) + header[n:]
    for row, cells in zip(_rows(name, frame, "excel"), extra, strict=True):
        cells = cells + [None] * (len(names) - len(cells)) if kind else []
        yield row[:n] + cells + row[n:]


def _geometry_cells(kind: str | None, geoms: list) -> list[list[Any]]:
    if kind == "Point":
        return [
            [None, None] if g is None or g.is_empty else [float(g.x), float(g.y)] for g in geoms
        ]
    out = []
    for g in geoms:
        text = "" if g is None else shapely.to_wkt(g, rounding_precision=-1)
        out.append(
            [text[i : i + EXCEL_CELL_MAX] for i in range(0, len(text), EXCEL_CELL_MAX)] or [None]
        )
    return out


def _excel_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        out = WriteOnlyCell(sheet, value=value)
        out.number_format = "yyyy-mm-dd"
        return out
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        raise UserError(
            f"teksten {value[:40]!r} indeholder kontroltegn, som Excel ikke kan "
            "gemme; fjern dem, eller skriv i stedet en GeoPackage eller en mappe"
        )
    if isinstance(value, str) and value.startswith("="):
        out = WriteOnlyCell(sheet, value=value)
        out.data_type = "s"  # text, not a formula
        return out
    return value
