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

The user's extra columns follow the contract's, each with the type the registry read it with
(``Registry.extra_kinds``) where the form holds it, else as text (``capacity.io.extras``): in a
GeoPackage as INTEGER, REAL, BOOLEAN, DATE or DATETIME fields (a DATE field is written with
pyogrio's array writer, ``pyogrio.raw.write``, as its data-frame writer writes every date as a
DATETIME); in a workbook as number, boolean and date cells; in GeoJSON as numbers and booleans;
in CSV as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from capacity.errors import UserError
from capacity.io.extras import Stored, gdal_offsets, gpkg_column, stored
from capacity.io.imports import POLICY_FILE, layer_files
from capacity.io.layers import CRS, LAYERS, Registry, stored_columns

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
    """Column -> kind for the contract's columns; ``extra`` for the others (their kinds as
    written: ``_extras``).

    A ``sparse`` contract column without any value is left out (``stored_columns``)."""
    layer = LAYERS[name]
    return {
        c: (layer.column(c).kind if c in layer.names else "extra")
        for c in stored_columns(name, frame)
    }


def _contract_count(name: str, kinds: dict[str, str]) -> int:
    """How many of the written columns are the contract's (they come first; extras follow)."""
    return sum(1 for c in kinds if c in LAYERS[name].names)


def _extras(reg: Registry, name: str, frame: pd.DataFrame, form: str) -> dict[str, Stored]:
    """Each extra column of a layer as ``form`` stores it (``extras.stored``)."""
    kinds = reg.extra_kinds.get(name, {})
    return {
        c: stored(frame[c].tolist(), kinds.get(c), form)
        for c, kind in _kinds(name, frame).items()
        if kind == "extra"
    }


def cell(value: Any, kind: str, style: str) -> Any:
    """A value as written: ``csv`` (text), ``json`` (dates as text) or ``excel`` (date cells)."""
    if kind == "intlist":
        return ";".join(str(a) for a in value) if isinstance(value, tuple | list) else ""
    text = style == "csv"
    if _na(value):
        return "" if text else None
    if kind in ("date", "datetime") and style == "excel":
        return value.to_pydatetime()
    if kind == "date":
        return value.strftime("%Y-%m-%d")
    if kind == "bool":
        return ("true" if value else "false") if text else bool(value)
    if kind == "int":
        return str(int(value)) if text else int(value)
    if kind == "float":
        return repr(float(value)) if text else float(value)
    return str(value)


def _rows(
    name: str, frame: pd.DataFrame, style: str, extras: dict[str, Stored]
) -> Iterator[list[Any]]:
    """The written columns' values, row by row; the extra columns as ``extras`` stores them."""
    kinds = _kinds(name, frame)
    columns = [extras[c].values if c in extras else frame[c].tolist() for c in kinds]
    written = [(extras[c].kind or k) if c in extras else k for c, k in kinds.items()]
    for values in zip(*columns, strict=True):
        yield [cell(v, k, style) for v, k in zip(values, written, strict=True)]


# --- folder -------------------------------------------------------------------------------------


def folder_form(name: str) -> str:
    """The form a folder stores the layer ``name`` in: ``json`` (GeoJSON) or ``csv``."""
    return "json" if LAYERS[name].geometry == "Polygon" else "csv"


def write_folder(reg: Registry, path: Path) -> None:
    """Write ``<layer>.csv`` / ``<layer>.geojson`` and ``policy.toml`` into the folder ``path``."""
    for name, frame in reg.layers().items():
        csv_name, geojson_name = layer_files(name)
        extras = _extras(reg, name, frame, folder_form(name))
        if folder_form(name) == "json":
            text = geojson_text(name, frame, extras)
            (path / geojson_name).write_text(text, encoding="utf-8")
        else:
            write_csv(name, frame, path / csv_name, extras)
    (path / POLICY_FILE).write_text(reg.policy.to_toml_text(), encoding="utf-8")


def write_csv(name: str, frame: pd.DataFrame, path: Path, extras: dict[str, Stored]) -> None:
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
        for row, geom in zip(_rows(name, frame, "csv", extras), geoms, strict=True):
            if points:
                xy = ["", ""] if geom is None or geom.is_empty else [repr(geom.x), repr(geom.y)]
                row = row[:n] + xy + row[n:]
            writer.writerow(row)


def geojson_text(name: str, frame: pd.DataFrame, extras: dict[str, Stored]) -> str:
    """A polygon layer as GeoJSON in EPSG:25832, one feature per line, exact coordinates."""
    keys = list(_kinds(name, frame))
    lines = []
    rows = _rows(name, frame, "json", extras)
    for row, geom in zip(rows, frame.geometry.tolist(), strict=True):
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
        extras = _extras(reg, name, frame, "gpkg")
        out = frame[list(kinds)].copy()
        for column, kind in kinds.items():
            if kind == "intlist":
                out[column] = pd.Series(
                    [cell(v, kind, "csv") for v in frame[column]], dtype="str", index=frame.index
                )
            elif kind == "extra":
                found = extras[column]
                out[column] = gpkg_column(found.values, found.kind).set_axis(frame.index)
        dates = {c for c, found in extras.items() if found.kind == "date"}
        options: dict[str, Any] = {"geometry": None}
        if LAYERS[name].geometry:
            options["geometry"] = shapely.to_wkb(frame.geometry.to_numpy())
            options["crs"] = CRS
            options["geometry_type"] = _geometry_type(name, frame)
            options["promote_to_multi"] = options["geometry_type"] == "MultiPolygon"
        _write_table(pyogrio.raw.write, out, path, name, dates, options)
    policy = pd.DataFrame({"toml": pd.Series([reg.policy.to_toml_text()], dtype="str")})
    _write_table(pyogrio.raw.write, policy, path, "policy", set(), {"geometry": None})


def _write_table(
    write: Any, frame: pd.DataFrame, path: Path, layer: str, dates: set[str], options: dict
) -> None:
    """Write ``frame``'s columns as a new table of the GeoPackage with pyogrio's array writer
    (``write``), given each column as ``pyogrio.write_dataframe`` gives it, and the ``dates``
    (a date column of the frame) as DATE fields: numpy's ``datetime64[D]``, which pandas does
    not hold. ``options``: the geometry (WKB) and its type and CRS."""
    fields, masks, offsets = [], [], {}
    for name in frame.columns:
        column = frame[name]
        values = column.values
        mask = None
        if name in dates:
            values = column.to_numpy().astype("datetime64[D]")
        elif isinstance(column.dtype, pd.DatetimeTZDtype):
            offsets[name] = gdal_offsets(column)
            values = column.dt.tz_localize(None).to_numpy()
        elif isinstance(values, MASKED_ARRAYS):
            mask = np.asarray(values.isna())
            kind = values.dtype.numpy_dtype
            values = values.to_numpy(dtype=kind, na_value=_MASKED[kind.kind])
        elif isinstance(values, pd.api.extensions.ExtensionArray):
            mask = np.asarray(values.isna())
            values = np.asarray(values)
        fields.append(values)
        masks.append(mask)
    write(
        path,
        fields=list(frame.columns),
        field_data=fields,
        field_mask=masks,
        layer=layer,
        driver="GPKG",
        gdal_tz_offsets=offsets,
        **options,
    )


# pandas' nullable integers, floats and booleans: numpy values and a mask of the missing ones,
# and the value under a masked cell by its numpy kind
MASKED_ARRAYS = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)
_MASKED = {"i": 0, "u": 0, "f": np.nan, "b": False}


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
        _write_sheet(book.create_sheet(name), name, frame, _extras(reg, name, frame, "xlsx"))
    sheet = book.create_sheet("policy")
    sheet.append(["toml"])
    sheet.append([_excel_cell(sheet, _policy_cell(reg))])
    book.save(path)


def _write_sheet(sheet: Any, name: str, frame: pd.DataFrame, extras: dict[str, Stored]) -> None:
    """One layer's rows; the cells of an extra column of times show the time (``TIME_FORMAT``,
    with milliseconds where a value has them), those of dates the date (``DATE_FORMAT``)."""
    rows = _sheet_rows(name, frame, extras)
    header = next(rows)
    formats = [_time_format(extras[c]) if c in extras else DATE_FORMAT for c in header]
    sheet.append([_excel_cell(sheet, v) for v in header])
    for row in rows:
        sheet.append(
            [
                v if isinstance(v, int | float) else _excel_cell(sheet, v, form)
                for v, form in zip(row, formats, strict=True)
            ]
        )


DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _time_format(found: Stored) -> str:
    """The number format of an extra column's date cells: its times', or a date's."""
    if found.kind != "datetime":
        return DATE_FORMAT
    if any(v is not None and v.microsecond for v in found.values):
        return f"{TIME_FORMAT}.000"
    return TIME_FORMAT


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


def _sheet_rows(name: str, frame: pd.DataFrame, extras: dict[str, Stored]) -> Iterator[list[Any]]:
    kinds = _kinds(name, frame)
    header, n = list(kinds), _contract_count(name, kinds)
    kind = LAYERS[name].geometry
    geoms = frame.geometry.tolist() if kind else [None] * len(frame)
    extra = _geometry_cells(kind, geoms)
    width = max((len(e) for e in extra), default=1)
    names = ["x", "y"] if kind == "Point" else ["wkt"] + [f"wkt_{k}" for k in range(2, width + 1)]
    yield header[:n] + (names if kind else []) + header[n:]
    for row, cells in zip(_rows(name, frame, "excel", extras), extra, strict=True):
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


def _excel_cell(sheet: Any, value: Any, date_format: str = DATE_FORMAT) -> Any:
    if isinstance(value, dt.datetime):
        out = WriteOnlyCell(sheet, value=value)
        out.number_format = date_format
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
