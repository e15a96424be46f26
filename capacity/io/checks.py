"""Checks across rows and layers, one function per rule; each returns the problems it finds.

A check sees the layers that parsed (``Parsed``); a layer that could not be read is absent and the
checks that need it are skipped (its own problem is reported already). Cells that failed their
cell check are NA here, and the checks skip them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pandas as pd
import shapely

from capacity.errors import Problem
from capacity.io.layers import LAYERS
from capacity.io.parsed import Parsed
from capacity.io.stays import check_booked_ahead, check_overdue, check_site_ended, check_stays
from capacity.io.typechecks import TYPE_CHECKS, module_counts, typed_sites, unit_beds
from capacity.io.values import amount, figure

Layers = dict[str, Parsed]
BOUNDARY_BUFFER_M = 100.0
# A geometry type the layer wants, in messages: "giv punktet", "giv et punkt".
GEOMETRY_WORDS = {"Point": ("punktet", "et punkt"), "Polygon": ("polygonen", "en polygon")}
PAVILION_COLUMNS = (
    "modules_max",
    "beds_per_module",
    "cost_setup_per_module",
    "cost_month_per_module",
    "cost_teardown_per_module",
    "lead_time_months",
    "min_lifetime_months",
)


def _na(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _records(p: Parsed) -> list[dict]:
    return p.records


def check_unique_keys(layers: Layers) -> list[Problem]:
    """Every row of a layer has its own key (``id``, or the layer's composite key)."""
    out = []
    for p in layers.values():
        key = list(LAYERS[p.name].key)
        first: dict[tuple, int] = {}
        for i, row in enumerate(_records(p)):
            value = tuple(row[k] for k in key)
            if any(_na(v) for v in value):
                continue
            if value in first:
                shown = "/".join(str(v)[:10] for v in value)
                out.append(
                    p.problem(
                        i,
                        ",".join(key),
                        f"{'/'.join(key)} '{shown}' er en dublet "
                        f"(findes også i {p.labels[first[value]]}); giv hver række sit "
                        "eget id, eller fjern dubletten",
                    )
                )
            else:
                first[value] = i
    return out


def check_references(layers: Layers) -> list[Problem]:
    """Every reference (``site_id``, ``household_id``, ...) names an existing row."""
    out = []
    for p in layers.values():
        for col in LAYERS[p.name].columns:
            if not col.ref or col.name not in p.frame.columns:
                continue
            target, target_col = col.ref.split(".")
            if target not in layers:
                continue
            known = set(layers[target].frame[target_col].dropna())
            for i, value in enumerate(p.frame[col.name]):
                if not _na(value) and value not in known:
                    out.append(
                        p.problem(
                            i,
                            col.name,
                            f"'{value}' er ikke et id i "
                            f"{layers[target].source}; tilføj det dér, eller ret "
                            f"{col.name}",
                        )
                    )
    return out


def check_geometry(layers: Layers) -> list[Problem]:
    """Every row of a spatial layer has a valid geometry of the layer's type."""
    out = []
    for p in layers.values():
        expected = LAYERS[p.name].geometry
        if not expected:
            continue
        allowed = ("Point",) if expected == "Point" else ("Polygon", "MultiPolygon")
        for i, geom in enumerate(p.frame.geometry):
            if geom is None or geom.is_empty:
                out.append(
                    p.problem(
                        i,
                        "geometry",
                        f"geometrien mangler; giv {GEOMETRY_WORDS[expected][0]}"
                        " (x,y eller lat,lon for punkter)",
                    )
                )
            elif geom.geom_type not in allowed:
                out.append(
                    p.problem(
                        i,
                        "geometry",
                        f"geometrien er af typen {geom.geom_type}, ikke {expected}; "
                        f"giv {GEOMETRY_WORDS[expected][1]}",
                    )
                )
            elif not shapely.is_valid(geom):
                out.append(
                    p.problem(
                        i,
                        "geometry",
                        f"ugyldig geometri "
                        f"({shapely.is_valid_reason(geom)}); ret den, fx med "
                        "QGIS' 'Fix geometries'",
                    )
                )
            elif expected == "Point" and abs(geom.x) <= 180 and abs(geom.y) <= 90:
                out.append(
                    p.problem(
                        i,
                        "x",
                        f"({figure(geom.x)}; {figure(geom.y)}) ligner grader, ikke "
                        "EPSG:25832-meter; skriv WGS84 i kolonnerne lat,lon",
                    )
                )
    return out


def check_inside_boundary(layers: Layers) -> list[Problem]:
    """Every point lies inside the municipal boundary (when one is given), give or take 100 m."""
    if "boundary" not in layers:
        return []
    geoms = [
        g
        for g in layers["boundary"].frame.geometry
        if g is not None and not g.is_empty and g.is_valid
    ]
    if not geoms:
        return []
    area = shapely.union_all(geoms).buffer(BOUNDARY_BUFFER_M)
    shapely.prepare(area)
    out = []
    for name in ("pois", "sites"):
        if name not in layers:
            continue
        p = layers[name]
        for i, geom in enumerate(p.frame.geometry):
            if (
                geom is not None
                and geom.geom_type == "Point"
                and not geom.is_empty
                and not area.contains(geom)
            ):
                out.append(
                    p.problem(
                        i,
                        "geometry",
                        f"punktet ({geom.x:.0f}, {geom.y:.0f}) ligger "
                        f"uden for kommunegrænsen (mere end "
                        f"{BOUNDARY_BUFFER_M:.0f} m); ret koordinaterne",
                    )
                )
    return out


def check_dates(layers: Layers) -> list[Problem]:
    """Moves, availability and use go forward: move_in <= move_out and <= expected_move_out,
    available_from <= available_until, in_service_from <= in_service_until."""
    pairs = {
        "occupancy": [("move_in", "move_out"), ("move_in", "expected_move_out")],
        "sites": [("available_from", "available_until")],
        "units": [("in_service_from", "in_service_until")],
    }
    out = []
    for name, checks in pairs.items():
        if name not in layers:
            continue
        p = layers[name]
        for i, row in enumerate(_records(p)):
            for early, late in checks:
                if not _na(row[early]) and not _na(row[late]) and row[late] < row[early]:
                    out.append(
                        p.problem(
                            i,
                            late,
                            f"{late} {row[late]:%Y-%m-%d} er før "
                            f"{early} {row[early]:%Y-%m-%d}; ret en af datoerne",
                        )
                    )
    return out


def household_sizes(layers: Layers) -> dict[str, int]:
    """Persons per household id (adults plus children)."""
    if "households" not in layers:
        return {}
    return {
        r["id"]: (0 if _na(r["adults"]) else int(r["adults"])) + len(r["children_ages"])
        for r in _records(layers["households"])
        if not _na(r["id"])
    }


def check_occupancy(layers: Layers) -> list[Problem]:
    """Open occupancy fits: one open row per household, beds not exceeded, one household per
    unit unless it is shareable (then adult-only households only)."""
    if "occupancy" not in layers:
        return []
    p = layers["occupancy"]
    # rows whose ids are missing were reported by the cell checks; they cannot be matched here
    rows = [
        (i, r)
        for i, r in enumerate(_records(p))
        if _na(r["move_out"]) and not _na(r["household_id"]) and not _na(r["unit_id"])
    ]
    out, by_household, by_unit = [], defaultdict(list), defaultdict(list)
    for i, r in rows:
        by_household[r["household_id"]].append(i)
        by_unit[r["unit_id"]].append(i)
    for h, idx in by_household.items():
        for i in idx[1:]:
            out.append(
                p.problem(
                    i,
                    "move_out",
                    f"husstand {h} har {len(idx)} åbne rækker i occupancy "
                    f"(også {p.labels[idx[0]]}); giv alle på nær én en move_out",
                )
            )
    units = {r["id"]: r for r in _records(layers["units"])} if "units" in layers else {}
    sizes = household_sizes(layers)
    children = _with_children(layers)
    for u, idx in by_unit.items():
        if u in units:
            out.extend(_unit_fits(p, units[u], idx, sizes, children))
    return out


def _with_children(layers: Layers) -> set[str]:
    if "households" not in layers:
        return set()
    return {r["id"] for r in _records(layers["households"]) if r["children_ages"]}


def _unit_fits(
    p: Parsed, unit: dict, idx: list[int], sizes: dict[str, int], children: set[str]
) -> list[Problem]:
    households = [p.records[i]["household_id"] for i in idx]
    persons = sum(sizes.get(h, 0) for h in households)
    out, u, ids = [], unit["id"], ", ".join(households)
    if not _na(unit["beds"]) and persons > unit["beds"]:
        out.append(
            p.problem(
                idx[0],
                "unit_id",
                f"bolig {u} rummer {persons} personer ({ids}), men "
                f"har {amount(unit['beds'], 'seng', 'senge')}; afslut et ophold med move_out, "
                "eller ret beds",
            )
        )
    if len(households) > 1 and unit["shareable"] is not True:
        out.append(
            p.problem(
                idx[0],
                "unit_id",
                f"bolig {u} kan ikke deles, men rummer "
                f"{len(households)} husstande ({ids}); flyt alle på nær én, eller markér "
                "boligen som delbar (shareable) i units",
            )
        )
    elif len(households) > 1 and children.intersection(households):
        out.append(
            p.problem(
                idx[0],
                "unit_id",
                f"den delte bolig {u} rummer en husstand med børn "
                f"({', '.join(sorted(children.intersection(households)))}); kun "
                "husstande uden børn må dele bolig",
            )
        )
    return out


def check_households(layers: Layers) -> list[Problem]:
    """Children are 0-17; an unaccompanied minor has no adults; every household has someone."""
    if "households" not in layers:
        return []
    p, out = layers["households"], []
    for i, r in enumerate(_records(p)):
        bad = [a for a in r["children_ages"] if not 0 <= a <= 17]
        if bad:
            out.append(
                p.problem(
                    i,
                    "children_ages",
                    f"alderen {bad[0]} er uden for 0-17; tæl en person på 18 år eller mere "
                    "under adults",
                )
            )
        adults, minor = r["adults"], r["unaccompanied_minor"]
        if _na(adults) or _na(minor):
            continue
        if minor and adults > 0:
            out.append(
                p.problem(
                    i,
                    "adults",
                    f"en uledsaget mindreårig har ingen voksne (angivet: "
                    f"{adults}); sæt adults til 0, eller unaccompanied_minor til false",
                )
            )
        elif minor and not r["children_ages"]:
            out.append(
                p.problem(
                    i,
                    "children_ages",
                    "en uledsaget mindreårig skal have en alder; skriv den mindreåriges alder i "
                    "children_ages",
                )
            )
        elif not minor and adults == 0:
            out.append(
                p.problem(
                    i,
                    "adults",
                    "en husstand uden voksne skal være en "
                    "uledsaget mindreårig; udfyld adults, eller sæt "
                    "unaccompanied_minor til true",
                )
            )
    return out


def check_pavilions(layers: Layers) -> list[Problem]:
    """A pavilion site has its module columns filled in, and modules_now <= modules_max."""
    if "sites" not in layers:
        return []
    p, out = layers["sites"], []
    for i, r in enumerate(_records(p)):
        if r["kind"] != "pavilion_site":
            continue
        for col in PAVILION_COLUMNS:
            if _na(r[col]):
                out.append(p.problem(i, col, f"en pavillongrund skal have {col}; udfyld den"))
        if not _na(r["beds_per_module"]) and r["beds_per_module"] < 1:
            out.append(
                p.problem(i, "beds_per_module", "et modul har mindst 1 seng; ret beds_per_module")
            )
        now, most = r["modules_now"], r["modules_max"]
        if not _na(now) and not _na(most) and now > most:
            out.append(
                p.problem(
                    i,
                    "modules_now",
                    f"modules_now {now} er større end modules_max {most}; ret en af dem",
                )
            )
    return out


def check_household_fits(layers: Layers) -> list[Problem]:
    """A household larger than every unit and every pavilion module is a warning, with numbers."""
    beds = []
    if "units" in layers:
        beds += [int(b) for b in layers["units"].frame["beds"].dropna()]
    if "sites" in layers:
        beds += [int(b) for b in layers["sites"].frame["beds_per_module"].dropna()]
    if "module_types" in layers:
        beds += [int(b) for b in layers["module_types"].frame["beds_per_unit"].dropna()]
    if not beds or "households" not in layers:
        return []
    largest, sizes, out = max(beds), household_sizes(layers), []
    p = layers["households"]
    for i, r in enumerate(_records(p)):
        n = sizes.get(r["id"], 0)
        if n > largest and r["unaccompanied_minor"] is not True:
            out.append(
                p.problem(
                    i,
                    "adults",
                    f"husstand {r['id']} har {n} personer; den største "
                    f"bolig har {amount(largest, 'seng', 'senge')}, så husstanden kan ikke "
                    "placeres samlet; tilføj en "
                    "større bolig",
                    severity="warning",
                )
            )
    return out


def check_modules(layers: Layers) -> list[Problem]:
    """A pavilion site's units (its modules) agree with the site: no more units than
    modules_max, residents in no more units than modules_now, and each unit with
    beds_per_module beds (a warning, as is a count of units other than modules_now). A site with
    rows in ``module_types`` is checked by its types instead (``capacity.io.typechecks``)."""
    if "sites" not in layers or "units" not in layers:
        return []
    sites, units = layers["sites"], layers["units"]
    typed = typed_sites(layers)
    pav = {
        r["id"]: (i, r)
        for i, r in enumerate(_records(sites))
        if r["kind"] == "pavilion_site" and r["id"] not in typed
    }
    listed, lived = defaultdict(list), defaultdict(set)
    for i, u in enumerate(_records(units)):
        if u["site_id"] in pav:
            listed[u["site_id"]].append(i)
    site_of = {u["id"]: u["site_id"] for u in _records(units)}
    for r in _records(layers["occupancy"]) if "occupancy" in layers else []:
        if _na(r["move_out"]) and site_of.get(r["unit_id"]) in pav:
            lived[site_of[r["unit_id"]]].add(r["unit_id"])
    out = []
    for sid, (i, r) in pav.items():
        out += _module_counts(sites, i, r, len(listed[sid]), len(lived[sid]))
        out += _module_beds(units, listed[sid], r)
    return out


def _module_counts(p: Parsed, i: int, site: dict, units: int, lived: int) -> list[Problem]:
    now, most = site["modules_now"], site["modules_max"]
    if _na(now) or _na(most):
        return []  # reported by check_pavilions
    return module_counts(p, i, f"pavillongrund {site['id']}", units, lived, now, most)


def _module_beds(p: Parsed, rows: list[int], site: dict) -> list[Problem]:
    bpm = site["beds_per_module"]
    said = f"er et modul på pavillongrund {site['id']} med beds_per_module {bpm}"
    fix = (
        ": placeringen tæller boligens senge, kapacitetsplanen beds_per_module; få dem til at "
        "stemme overens"
    )
    return unit_beds(p, rows, bpm, said, fix, severity="warning")


CHECKS: tuple[Callable[[Layers], list[Problem]], ...] = (
    check_unique_keys,
    check_references,
    check_geometry,
    check_inside_boundary,
    check_dates,
    check_occupancy,
    check_stays,
    check_overdue,
    check_booked_ahead,
    check_site_ended,
    check_households,
    check_pavilions,
    check_modules,
    *TYPE_CHECKS,
    check_household_fits,
)
