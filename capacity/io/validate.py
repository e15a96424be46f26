"""Validation: turn raw layers into canonical frames and report every problem at once.

``validate_path`` never raises for bad input; it returns every error and warning, each naming the
file or layer, the row (id and line number) and the column, and saying how to fix it.
``capacity.io.registry.load_registry`` uses ``check_raw`` and raises when an error is found.

Cell-level checks (types, required values, choices, ranges) live here; the checks across rows and
layers (unique ids, references, geometry, dates, occupancy, households, pavilions, a
pavilion site's units against its modules) live in
``capacity.io.checks``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from capacity.errors import Problem, RegistryError, os_reason
from capacity.io.checks import CHECKS
from capacity.io.extras import extra_text
from capacity.io.imports import read_raw
from capacity.io.layers import CRS, LAYERS, WGS84, Column, Layer, canonical
from capacity.io.parsed import Parsed
from capacity.io.raw import PLACE, RawLayer, RawRegistry
from capacity.io.values import HINT, PARSERS, BadValue, figure, is_missing, parse_number
from capacity.policy import Policy

GEOMETRY_COLUMNS = frozenset({"x", "y", "lat", "lon", "wkt", "geometry"})


def validate_path(path: Path, *, policy: Path | None = None) -> list[Problem]:
    """Every error and warning in the registry at ``path``; never raises for bad input.

    Parameters
    ----------
    path : a ``.gpkg`` file, an ``.xlsx`` file or a folder of CSV/GeoJSON files.
    policy : a ``policy.toml`` that replaces the registry's own policy.

    Returns
    -------
    list[Problem]
        Errors first in the order found, then warnings; empty when the registry is clean.
    """
    _, _, problems = check_raw(read_raw(Path(path)), policy)
    return problems


def check_raw(
    raw: RawRegistry, policy: Path | None = None
) -> tuple[dict[str, Parsed], Policy | None, list[Problem]]:
    """Parse and check every layer and the policy of a raw registry; collect all problems."""
    problems = list(raw.problems)
    parsed: dict[str, Parsed] = {}
    for name, layer in raw.layers.items():
        found = parse_layer(layer, problems)
        if found is not None:
            parsed[name] = found
    for check in CHECKS:
        problems.extend(check(parsed))
    chosen = _policy(raw, policy, problems)
    errors = [p for p in problems if p.severity == "error"]
    return parsed, chosen, errors + [p for p in problems if p.severity != "error"]


def _policy(raw: RawRegistry, override: Path | None, problems: list[Problem]) -> Policy | None:
    try:
        if override is not None:
            return Policy.load(Path(override))
        if raw.policy_text is None:
            return Policy()
        return Policy.from_toml_text(raw.policy_text, source=raw.policy_source)
    except RegistryError as exc:
        problems.extend(exc.problems)
        return None
    except OSError as exc:
        problems.append(
            Problem(
                "error",
                str(override),
                "",
                "",
                f"kan ikke læses ({os_reason(exc)}); giv en policy.toml-fil, der kan læses",
            )
        )
        return None


def parse_layer(raw: RawLayer, problems: list[Problem]) -> Parsed | None:
    """Check every cell of a raw layer and build its canonical frame.

    Returns ``None`` when a required column is missing (the problems say which).
    """
    layer = LAYERS[raw.name]
    missing = [c for c in layer.columns if c.required and c.name not in raw.data.columns]
    for col in missing:
        problems.append(
            Problem(
                "error",
                raw.source,
                "",
                col.name,
                f"kolonnen mangler; tilføj en kolonne '{col.name}' ({HINT[col.kind]})",
            )
        )
    if missing:
        return None
    labels = _labels(raw, layer)
    values = {}
    for col in layer.columns:
        if col.name in raw.data.columns:
            values[col.name] = _column(raw, col, labels, problems)
    for name in raw.data.columns:
        if name not in values and name not in GEOMETRY_COLUMNS and not name.startswith("wkt_"):
            values[name] = [extra_text(v) for v in raw.data[name]]
    df = pd.DataFrame(values, index=pd.RangeIndex(len(raw.data)))
    if layer.geometry:
        geometry = _geometry(raw, labels, problems)
        if geometry is None:
            return None
        if layer.geometry == "Polygon":
            geometry = geometry.apply(_single_part)
        df = gpd.GeoDataFrame(df, geometry=geometry, crs=CRS)
    frame = canonical(raw.name, df)
    extras = [c for c in frame.columns if c not in layer.names and c != "geometry"]
    for name in extras:
        frame[name] = frame[name].astype("str")
    kinds = {c: raw.kinds[c] for c in extras if c in raw.kinds}
    return Parsed(raw.name, raw.source, frame, labels, kinds)


def _single_part(geom: object) -> object:
    """A MultiPolygon of one part is read as that Polygon (GeoPackage layers promote a mix of
    Polygon and MultiPolygon to MultiPolygon; this keeps the round trip exact)."""
    if isinstance(geom, shapely.MultiPolygon) and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom


def _labels(raw: RawLayer, layer: Layer) -> tuple[str, ...]:
    keys = [raw.data[k].tolist() for k in layer.key[:2] if k in raw.data.columns]
    out = []
    for i, number in enumerate(raw.numbers):
        ident = "/".join(PARSERS["id"](k[i]) for k in keys if not is_missing(k[i]))
        where = f"{PLACE[raw.unit]} {number}"
        out.append(f"{ident} ({where})" if ident else str(number) if raw.unit == "row" else where)
    return tuple(out)


def _column(raw: RawLayer, col: Column, labels: tuple[str, ...], problems: list[Problem]) -> list:
    parse = PARSERS[col.kind]
    out = []
    for i, value in enumerate(raw.data[col.name].tolist()):
        clean = None
        if is_missing(value) and col.kind != "intlist":
            if not col.nullable:
                problems.append(
                    Problem(
                        "error",
                        raw.source,
                        labels[i],
                        col.name,
                        f"værdien mangler; udfyld med {HINT[col.kind]}",
                    )
                )
        else:
            try:
                clean = parse(value, raw.decimal)
                _check_value(col, clean)
            except BadValue as exc:
                problems.append(Problem("error", raw.source, labels[i], col.name, str(exc)))
                clean = None
        out.append(clean)
    return out


def _check_value(col: Column, value: object) -> None:
    """Raise ``BadValue`` when a parsed value breaks the column's choices or range."""
    if col.kind in ("id", "str") and not value and not col.nullable:
        raise BadValue(f"værdien mangler; udfyld med {HINT[col.kind]}")
    if col.choices and value not in col.choices:
        raise BadValue(f"'{value}' er ikke tilladt; skriv en af {', '.join(col.choices)}")
    if col.min is not None and isinstance(value, int | float) and value < col.min:
        least = figure(col.min)
        raise BadValue(f"{figure(value)} er under minimum {least}; skriv en værdi >= {least}")
    if col.kind == "int" and abs(value) > 2**53:
        raise BadValue(f"{value} er for stort; skriv {HINT['int']} under 2^53")
    if col.max is not None and isinstance(value, int | float) and value > col.max:
        most = figure(col.max)
        raise BadValue(f"{figure(value)} er over maksimum {most}; skriv en værdi <= {most}")


def _geometry(
    raw: RawLayer, labels: tuple[str, ...], problems: list[Problem]
) -> gpd.GeoSeries | None:
    """The layer's geometry in EPSG:25832: as read, from ``x,y``/``lat,lon`` or from ``wkt``;
    ``None`` (with a problem) when the layer has no usable geometry at all."""
    cols = set(raw.data.columns)
    if raw.geometry is not None:
        return _reproject(raw, raw.geometry.reset_index(drop=True), problems)
    if {"x", "y"} <= cols:
        return _points(raw, ("x", "y"), CRS, labels, problems)
    if {"lat", "lon"} <= cols:
        return _points(raw, ("lon", "lat"), WGS84, labels, problems)
    if "wkt" in cols:
        return _wkt(raw, labels, problems)
    problems.append(
        Problem(
            "error",
            raw.source,
            "",
            "",
            "ingen geometri; tilføj kolonnerne x,y "
            "(EPSG:25832) eller lat,lon (WGS84), eller en kolonne 'wkt' til polygoner",
        )
    )
    return None


def _reproject(
    raw: RawLayer, geoms: gpd.GeoSeries, problems: list[Problem]
) -> gpd.GeoSeries | None:
    if geoms.crs is None:
        problems.append(
            Problem(
                "error",
                raw.source,
                "",
                "geometry",
                "intet CRS; tildel laget EPSG:25832 (QGIS: Set CRS)",
            )
        )
        return None
    try:
        return geoms.to_crs(CRS)
    except Exception as exc:  # noqa: BLE001 - pyproj raises several kinds
        problems.append(
            Problem(
                "error",
                raw.source,
                "",
                "geometry",
                f"kan ikke omregnes fra {geoms.crs} ({exc}); brug EPSG:25832",
            )
        )
        return None


def _points(
    raw: RawLayer,
    names: tuple[str, str],
    crs: str,
    labels: tuple[str, ...],
    problems: list[Problem],
) -> gpd.GeoSeries:
    coords = {}
    for name in names:
        column = []
        for i, value in enumerate(raw.data[name].tolist()):
            try:
                column.append(None if is_missing(value) else parse_number(value, raw.decimal))
            except BadValue as exc:
                problems.append(Problem("error", raw.source, labels[i], name, str(exc)))
                column.append(None)
        coords[name] = column
    xs, ys = coords[names[0]], coords[names[1]]
    points = [
        None if x is None or y is None else shapely.Point(x, y) for x, y in zip(xs, ys, strict=True)
    ]
    if crs == WGS84:
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if x is not None and y is not None and not (-180 <= x <= 180 and -90 <= y <= 90):
                problems.append(
                    Problem(
                        "error",
                        raw.source,
                        labels[i],
                        "lat",
                        f"({figure(y)}; {figure(x)}) er ikke en WGS84-breddegrad/længdegrad; skriv "
                        "grader, eller brug kolonnerne x,y til EPSG:25832",
                    )
                )
                points[i] = None
    return gpd.GeoSeries(points, crs=crs).to_crs(CRS)


def _wkt(raw: RawLayer, labels: tuple[str, ...], problems: list[Problem]) -> gpd.GeoSeries:
    parts = sorted(
        (c for c in raw.data.columns if c == "wkt" or c.startswith("wkt_")),
        key=lambda c: 1 if c == "wkt" else int(c[4:]) if c[4:].isdigit() else 0,
    )
    columns = [raw.data[c].tolist() for c in parts]
    geoms = []
    for i in range(len(raw.data)):
        text = "".join(str(c[i]) for c in columns if not is_missing(c[i]))
        try:
            geoms.append(shapely.from_wkt(text) if text.strip() else None)
        except shapely.errors.ShapelyError:
            problems.append(
                Problem(
                    "error",
                    raw.source,
                    labels[i],
                    "wkt",
                    "ikke en WKT-geometri; skriv fx POLYGON ((x y, ...)) i EPSG:25832",
                )
            )
            geoms.append(None)
    return gpd.GeoSeries(geoms, crs=CRS)
