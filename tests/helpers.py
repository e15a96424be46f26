"""Builders for hand-made registries. Tests build what they need with as few lines as possible."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from itertools import count
from pathlib import Path

import pandas as pd
from shapely.geometry import Point, box

from capacity.io.layers import Registry, frame
from capacity.policy import Policy

# A point in Allerød (Lillerød, near the station), EPSG:25832.
ORIGIN = (710_000.0, 6_193_000.0)
_ids = count(1)


def make_household(
    id: str | None = None,
    *,
    adults: int = 1,
    children_ages: tuple[int, ...] = (),
    arrival_date: dt.date = dt.date(2026, 11, 1),
    needs_accessible: bool = False,
    unaccompanied_minor: bool = False,
    required_district: str | None = None,
) -> dict:
    """A household row with sensible defaults (a single adult arriving 2026-11-01)."""
    return dict(
        id=id or f"H{next(_ids)}",
        arrival_date=arrival_date,
        adults=adults,
        children_ages=tuple(children_ages),
        needs_accessible=needs_accessible,
        unaccompanied_minor=unaccompanied_minor,
        required_district=required_district,
        work_poi=None,
    )


def make_unit(
    id: str,
    site_id: str,
    *,
    beds: int = 2,
    rooms: int = 1,
    family_ok: bool = True,
    accessible: bool = False,
    shareable: bool = False,
    in_service: bool = True,
) -> dict:
    """A unit row: by default a two-bed family flat in service."""
    return dict(
        id=id,
        site_id=site_id,
        beds=beds,
        rooms=rooms,
        family_ok=family_ok,
        accessible=accessible,
        shareable=shareable,
        in_service=in_service,
    )


def make_site(
    id: str,
    *,
    kind: str = "building",
    dx: float = 0.0,
    dy: float = 0.0,
    available_from: dt.date | None = None,
    available_until: dt.date | None = None,
    modules_now: int | None = None,
    modules_max: int | None = None,
    beds_per_module: int | None = None,
    cost_setup_per_module: int | None = None,
) -> dict:
    """A site row placed ``dx``, ``dy`` metres from ``ORIGIN``."""
    pav = kind == "pavilion_site"
    return dict(
        id=id,
        name=f"Site {id}",
        kind=kind,
        available_from=available_from,
        available_until=available_until,
        modules_now=modules_now if modules_now is not None else (0 if pav else None),
        modules_max=modules_max if modules_max is not None else (4 if pav else None),
        beds_per_module=beds_per_module if beds_per_module is not None else (4 if pav else None),
        cost_setup_per_module=cost_setup_per_module
        if cost_setup_per_module is not None
        else (250_000 if pav else None),
        cost_month_per_module=8_000 if pav else None,
        cost_teardown_per_module=60_000 if pav else None,
        lead_time_months=3 if pav else None,
        min_lifetime_months=12 if pav else None,
        note="example",
        geometry=Point(ORIGIN[0] + dx, ORIGIN[1] + dy),
    )


def make_module_type(id: str, site_id: str, **over) -> dict:
    """A ``module_types`` row: by default an owned type of one shareable family home of 4 beds per
    module, with the modules and costs of ``make_site``'s pavilion site; ``over`` sets columns."""
    return (
        dict(
            id=id,
            site_id=site_id,
            name=id,
            units_per_module=1,
            beds_per_unit=4,
            family_ok=True,
            shareable=True,
            accessible=False,
            modules_now=0,
            modules_max=4,
            cost_setup_per_module=250_000,
            cost_month_per_module=8_000,
            cost_teardown_per_module=60_000,
            lead_time_months=3,
            min_lifetime_months=12,
            tenure="owned",
        )
        | over
    )


def two_module_types(**over) -> list[dict]:
    """Two types at P1 of ``tiny_registry``: single rooms (2 per module, rented; ``over`` changes
    them) and a family home (owned, 2 modules standing)."""
    single = make_module_type(
        "P1-E",
        "P1",
        name="enkeltværelsesmodul",
        units_per_module=2,
        beds_per_unit=1,
        family_ok=False,
        shareable=False,
        cost_setup_per_module=300_000,
        cost_month_per_module=6_000,
        tenure="rented",
        lease_end=dt.date(2028, 6, 30),
        notice_months=3,
        cost_early_termination_per_module=40_000,
        purchase_price_per_module=220_000,
        cost_month_owned_per_module=3_000,
    )
    family = dict(
        single,
        id="P1-F",
        name="familiemodul",
        units_per_module=1,
        beds_per_unit=4,
        family_ok=True,
        modules_now=2,
        tenure="owned",
        lease_end=None,
        notice_months=None,
        cost_early_termination_per_module=None,
        purchase_price_per_module=None,
        cost_month_owned_per_module=None,
        residual_value_per_module=90_000,
    )
    return [single | over, family]


def with_type_kinds(units: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """``units`` with the family_ok, shareable and accessible of their module type (by
    ``module_type_id``, among ``rows``): a unit is the kind of home its type is."""
    units = units.copy()
    kinds = {r["id"]: r for r in rows}
    for column in ("family_ok", "shareable", "accessible"):
        units[column] = [
            bool(kinds[t].get(column, False)) if t in kinds else v
            for t, v in zip(units["module_type_id"], units[column], strict=True)
        ]
    return units


def make_occupancy(
    household_id: str,
    unit_id: str,
    *,
    move_in: dt.date = dt.date(2026, 1, 1),
    expected_move_out: dt.date | None = None,
    move_out: dt.date | None = None,
) -> dict:
    """An occupancy row (open unless ``move_out`` is given)."""
    return dict(
        household_id=household_id,
        unit_id=unit_id,
        move_in=move_in,
        expected_move_out=expected_move_out,
        move_out=move_out,
    )


def square_district(
    id: str, kind: str, x0: float, y0: float, size: float, population: int, **extra
) -> dict:
    """A square district of ``size`` metres with its lower-left corner at (x0, y0)."""
    return dict(
        id=id,
        name=f"District {id}",
        kind=kind,
        population=population,
        geometry=box(x0, y0, x0 + size, y0 + size),
        **extra,
    )


def make_registry(
    *,
    districts=(),
    pois=(),
    sites=(),
    units=(),
    households=(),
    occupancy=(),
    scores=None,
    travel_minutes=None,
    policy: Policy | None = None,
) -> Registry:
    """A ``Registry`` from row dicts; layers not given are empty."""
    return Registry(
        districts=frame("districts", list(districts)),
        pois=frame("pois", list(pois)),
        sites=frame("sites", list(sites)),
        units=frame("units", list(units)),
        households=frame("households", list(households)),
        occupancy=frame("occupancy", list(occupancy)),
        scores=frame("scores", list(scores)) if scores is not None else None,
        travel_minutes=frame("travel_minutes", list(travel_minutes))
        if travel_minutes is not None
        else None,
        policy=policy or Policy(),
    )


def tiny_registry() -> Registry:
    """Two school districts (west, east), a station, a school with receiving classes, a building
    (B1: two singles rooms shareable, one family flat) in the west, a pavilion site (P1: two modules
    standing) in the east; three residents and four arrivals (a single, a couple, a family of four,
    an unaccompanied minor)."""
    x, y = ORIGIN
    districts = [
        square_district("W", "school", x - 2000, y - 1000, 2000, 6000, approximate=True),
        square_district("E", "school", x, y - 1000, 2000, 4000, approximate=True),
    ]
    pois = [
        dict(id="ST", name="Station", kind="station", geometry=Point(x + 100, y)),
        dict(
            id="SK",
            name="School",
            kind="school",
            receiving_classes=True,
            geometry=Point(x - 500, y + 200),
        ),
    ]
    sites = [make_site("B1", dx=-800), make_site("P1", kind="pavilion_site", dx=900, modules_now=2)]
    units = [
        make_unit("B1-1", "B1", beds=2, family_ok=False, shareable=True),
        make_unit("B1-2", "B1", beds=2, family_ok=False, shareable=True),
        make_unit("B1-3", "B1", beds=5, rooms=3),
        make_unit("P1-M1", "P1", beds=4, rooms=2, shareable=True),
        make_unit("P1-M2", "P1", beds=4, rooms=2, shareable=True, accessible=True),
    ]
    old = dt.date(2025, 6, 1)
    households = [
        make_household("R1", arrival_date=old),
        make_household("R2", arrival_date=old),
        make_household("R3", adults=2, children_ages=(4,), arrival_date=old),
        make_household("A1"),
        make_household("A2", adults=2),
        make_household("A3", adults=2, children_ages=(1, 9)),
        make_household("A4", adults=0, children_ages=(16,), unaccompanied_minor=True),
    ]
    occupancy = [
        make_occupancy("R1", "B1-1", move_in=old),
        make_occupancy("R2", "B1-1", move_in=old),
        make_occupancy("R3", "B1-3", move_in=old, expected_move_out=dt.date(2027, 3, 1)),
    ]
    return make_registry(
        districts=districts,
        pois=pois,
        sites=sites,
        units=units,
        households=households,
        occupancy=occupancy,
    )


def add_columns(path: Path, columns: dict[str, tuple[str, list]], table: str = "units") -> None:
    """Add columns to a non-spatial table of a GeoPackage as another program (QGIS, SQL) adds
    them: ``name -> (declared SQL type, one value a row in fid order)``, None for an empty cell;
    dates and times as GDAL stores them (``2025-03-01``, ``2025-03-01T13:45:00.000``)."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for name, (declared, values) in columns.items():
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {declared}')
            for fid, value in enumerate(values, start=1):
                conn.execute(f'UPDATE "{table}" SET "{name}" = ? WHERE fid = ?', (value, fid))


# --- placement (issue 3) ---------------------------------------------------------------------------

PLACE_DAY = dt.date(2026, 11, 15)


def placement_world(
    *,
    units=(),
    households=(),
    sites=None,
    occupancy=(),
    districts=None,
    pois=None,
    scores=None,
    travel_minutes=None,
    policy: Policy | None = None,
) -> Registry:
    """A small world for placement tests: one school district "S" (10x10 km around ``ORIGIN``),
    a station at ``ORIGIN``, a building "B" 1,300 m east; override any layer."""
    x, y = ORIGIN
    if districts is None:
        districts = [square_district("S", "school", x - 5000, y - 5000, 10_000, 10_000)]
    if pois is None:
        pois = [dict(id="ST", name="Station", kind="station", geometry=Point(x, y))]
    if sites is None:
        sites = [make_site("B", dx=1300)]
    return make_registry(
        districts=districts,
        pois=pois,
        sites=sites,
        units=units,
        households=households,
        occupancy=occupancy,
        scores=scores,
        travel_minutes=travel_minutes,
        policy=policy,
    )
