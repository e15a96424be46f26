"""Geometry for the Allerød sample: reprojection, the real polygons and the approximate districts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from capacity.io.layers import CRS, WGS84
from capacity.sample import facts

_TO_UTM = Transformer.from_crs(WGS84, CRS, always_xy=True)
_FROM_UTM = Transformer.from_crs(CRS, WGS84, always_xy=True)
_SLIVER_M2 = 5_000.0  # polygon parts smaller than this are dropped after clipping


def to_utm(lat: float, lon: float) -> Point:
    """A WGS84 latitude/longitude as a point in EPSG:25832 (metres, rounded to centimetres)."""
    x, y = _TO_UTM.transform(lon, lat)
    return Point(round(x, 2), round(y, 2))


def to_wgs84(point: Point) -> tuple[float, float]:
    """An EPSG:25832 point as (latitude, longitude)."""
    lon, lat = _FROM_UTM.transform(point.x, point.y)
    return lat, lon


def polygon_utm(wkt: str) -> Polygon:
    """A WGS84 lon/lat polygon given as WKT, reprojected to EPSG:25832."""
    geom = shapely.from_wkt(wkt)
    return shapely.transform(
        geom, lambda xy: np.column_stack(_TO_UTM.transform(xy[:, 0], xy[:, 1]))
    )


def boundary() -> Polygon:
    """The real municipal boundary (DAGI 2014, generalised) in EPSG:25832."""
    return polygon_utm(facts.BOUNDARY_WKT)


def clean(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Keep the polygonal parts of ``geom`` larger than a sliver; one part becomes a Polygon."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and g.area >= _SLIVER_M2]
    parts.sort(key=lambda g: -g.area)
    if not parts:
        raise ValueError("geometry has no polygon larger than a sliver")
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def parishes(outline: Polygon) -> dict[str, tuple[str, Polygon | MultiPolygon]]:
    """The five parishes by parish code: (name, polygon clipped to ``outline``)."""
    return {
        code: (name, clean(polygon_utm(wkt).intersection(outline)))
        for code, (name, wkt) in facts.PARISH_WKT.items()
    }


def voronoi_cut(zone: BaseGeometry, anchors: Mapping[str, Point]) -> dict[str, BaseGeometry]:
    """Split ``zone`` into one cell per anchor: the points nearer that anchor than any other."""
    if len(anchors) == 1:
        return {next(iter(anchors)): zone}
    cells = shapely.get_parts(
        shapely.voronoi_polygons(MultiPoint(list(anchors.values())), extend_to=zone)
    )
    out: dict[str, BaseGeometry] = {}
    for key, point in anchors.items():
        cell = next(c for c in cells if c.covers(point))
        out[key] = cell.intersection(zone)
    return out


def fill_gaps(outline: Polygon, pieces: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Give every part of ``outline`` not covered by ``pieces`` to the piece it borders most.

    The parishes and the boundary are generalised separately, so they leave slivers between them.
    """
    covered = shapely.union_all(list(pieces.values()))
    out = dict(pieces)
    for gap in shapely.get_parts(outline.difference(covered)):
        if gap.area <= 1.0:
            continue
        shared = {k: g.buffer(1.0).intersection(gap).area for k, g in out.items()}
        best = max(sorted(shared), key=lambda k: shared[k])
        out[best] = out[best].union(gap)
    return out


def cut_bydele(
    outline: Polygon,
    parish_polys: Mapping[str, BaseGeometry],
    bydele: Sequence[facts.Bydel],
    anchors: Mapping[str, Point],
) -> dict[str, Polygon | MultiPolygon]:
    """Approximate bydel (school district) polygons, by code.

    Bydele that share the same parishes split the union of those parishes into Voronoi cells
    around their school anchors; a bydel alone on its parishes takes them whole. Gaps left by
    the generalised parishes go to the neighbouring bydel, so the result tiles ``outline``.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for b in bydele:
        groups.setdefault(b.parishes, []).append(b.code)
    pieces: dict[str, BaseGeometry] = {}
    for codes, members in groups.items():
        zone = shapely.union_all([parish_polys[c] for c in codes]).intersection(outline)
        pieces.update(voronoi_cut(zone, {m: anchors[m] for m in members}))
    pieces = fill_gaps(outline, pieces)
    claimed: BaseGeometry = Polygon()
    out: dict[str, Polygon | MultiPolygon] = {}
    for b in bydele:  # remove overlaps (shared borders only) deterministically, in order
        geom = pieces[b.code].difference(claimed)
        out[b.code] = clean(shapely.normalize(geom))
        claimed = claimed.union(geom)
    return out


def jitter_inside(
    rng: np.random.Generator, point: Point, area: BaseGeometry, radius: float
) -> Point:
    """``point`` moved by up to ``radius`` metres in a random direction, staying inside ``area``.

    Falls back to the original point (which must lie inside) after 50 tries.
    """
    for _ in range(50):
        dx, dy = rng.uniform(-radius, radius, size=2)
        moved = Point(round(point.x + dx, 1), round(point.y + dy, 1))
        if area.contains(moved):
            return moved
    return point
