"""Checks of the optional ``module_types`` layer against the sites and units, one function per rule.

A pavilion site with rows in ``module_types`` is planned by its types: its own per-module columns
(``modules_now`` ... ``min_lifetime_months``) must still be valid but the plan ignores them, and its
units are checked against their types instead of against the site's columns
(``capacity.io.checks.check_modules`` skips such a site).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from capacity.errors import Problem
from capacity.io.parsed import Parsed
from capacity.io.values import amount

Layers = dict[str, Parsed]
# The columns a unit shares with its module type, besides beds: the kind of home it is.
KIND_COLUMNS = ("family_ok", "shareable", "accessible")
RENTED_ONLY = (
    "lease_end",
    "purchase_price_per_module",
    "cost_early_termination_per_module",
    "cost_month_owned_per_module",
)


def _na(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def typed_sites(layers: Layers) -> dict[str, list[dict]]:
    """Site id -> its rows of ``module_types`` (in the layer's order); empty without the layer."""
    out: dict[str, list[dict]] = defaultdict(list)
    if "module_types" in layers:
        for r in layers["module_types"].records:
            if not _na(r["site_id"]) and not _na(r["id"]):
                out[r["site_id"]].append(r)
    return dict(out)


def check_module_types(layers: Layers) -> list[Problem]:
    """A module type belongs to a pavilion site, its id is no other site's id, it has
    modules_now <= modules_max, and it has a lease
    end, a purchase price, an early-termination cost or an upkeep after purchase only when it is
    rented."""
    if "module_types" not in layers:
        return []
    p, out = layers["module_types"], []
    kinds = {r["id"]: r["kind"] for r in layers["sites"].records} if "sites" in layers else {}
    for i, r in enumerate(p.records):
        if r["id"] in kinds and r["id"] != r["site_id"]:
            out.append(
                p.problem(
                    i,
                    "id",
                    f"'{r['id']}' er id'et for lokalitet {r['id']}; giv modultypen et id, som "
                    "ingen lokalitet har",
                )
            )
        kind = kinds.get(r["site_id"])
        if kind is not None and kind != "pavilion_site":
            out.append(
                p.problem(
                    i,
                    "site_id",
                    f"lokalitet {r['site_id']} har kind '{kind}', ikke 'pavilion_site'; modultyper "
                    "hører til pavillongrunde: ret site_id eller lokalitetens kind",
                )
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
        if r["tenure"] == "owned":
            out += [
                p.problem(
                    i,
                    col,
                    f"{col} gælder lejede moduler, men tenure er owned; tøm cellen (eller skriv "
                    "0), eller sæt tenure til rented",
                )
                for col in RENTED_ONLY
                if not _na(r[col]) and (col == "lease_end" or r[col] != 0)
            ]
    return out


def check_unit_types(layers: Layers) -> list[Problem]:
    """A unit's module_type_id names a type at the unit's own site, and every unit of a pavilion
    site with several module types says which one it is."""
    if "units" not in layers:
        return []
    p, out = layers["units"], []
    types = typed_sites(layers)
    site_of_type = {t["id"]: sid for sid, rows in types.items() for t in rows}
    for i, u in enumerate(p.records):
        tid, sid = u["module_type_id"], u["site_id"]
        if _na(sid):
            continue
        if not _na(tid) and "module_types" not in layers:
            out.append(
                p.problem(
                    i,
                    "module_type_id",
                    f"'{tid}' henviser til en modultype, men registret har intet lag module_types; "
                    "tilføj laget, eller tøm module_type_id",
                )
            )
        elif not _na(tid) and tid in site_of_type and site_of_type[tid] != sid:
            out.append(
                p.problem(
                    i,
                    "module_type_id",
                    f"modultype {tid} hører til lokalitet {site_of_type[tid]}, ikke til boligens "
                    f"lokalitet {sid}; giv en modultype fra lokalitet {sid}, eller ret site_id",
                )
            )
        elif _na(tid) and len(types.get(sid, ())) > 1:
            names = ", ".join(t["id"] for t in types[sid])
            out.append(
                p.problem(
                    i,
                    "module_type_id",
                    f"pavillongrund {sid} har {len(types[sid])} modultyper ({names}); "
                    "angiv, hvilken af dem boligen hører til",
                )
            )
    return out


def check_type_modules(layers: Layers) -> list[Problem]:
    """The units of a module type agree with it: at most modules_max x units_per_module of them,
    residents in no more than modules_now modules' worth, each with beds_per_unit beds and the
    type's kind of home (a count of units other than modules_now x units_per_module is a
    warning)."""
    if "units" not in layers or "module_types" not in layers:
        return []
    units, p = layers["units"], layers["module_types"]
    members = _members(layers)
    lived = _lived_units(layers)
    out = []
    for i, t in enumerate(p.records):
        rows = members.get(t["id"], [])
        out += _type_counts(p, i, t, len(rows), sum(units.records[j]["id"] in lived for j in rows))
        out += _type_beds(units, rows, t)
        out += _type_kind(units, rows, t)
    return out


def _members(layers: Layers) -> dict[str, list[int]]:
    """Type id -> rows of ``units`` that belong to it (their module_type_id, or their site's only
    type)."""
    types = typed_sites(layers)
    out: dict[str, list[int]] = defaultdict(list)
    for j, u in enumerate(layers["units"].records):
        tid = u["module_type_id"]
        if _na(tid) and len(types.get(u["site_id"], ())) == 1:
            tid = types[u["site_id"]][0]["id"]
        if not _na(tid):
            out[tid].append(j)
    return out


def _lived_units(layers: Layers) -> set[str]:
    if "occupancy" not in layers:
        return set()
    return {
        r["unit_id"]
        for r in layers["occupancy"].records
        if _na(r["move_out"]) and not _na(r["unit_id"])
    }


def _type_counts(p: Parsed, i: int, t: dict, listed: int, lived: int) -> list[Problem]:
    upm, now, most = t["units_per_module"], t["modules_now"], t["modules_max"]
    if _na(upm) or _na(now) or _na(most):
        return []  # reported by the cell checks
    return module_counts(p, i, f"modultype {t['id']}", listed, lived, now, most, upm)


def _type_beds(units: Parsed, rows: list[int], t: dict) -> list[Problem]:
    bpu = t["beds_per_unit"]
    said = f"er af modultype {t['id']} med beds_per_unit {bpu}"
    fix = "; få dem til at stemme overens (ret beds, eller giv boligen en anden module_type_id)"
    return unit_beds(units, rows, bpu, said, fix)


def _type_kind(units: Parsed, rows: list[int], t: dict) -> list[Problem]:
    """Each unit of a type is the kind of home its type is (family_ok, shareable, accessible):
    the placement reads the unit's own columns, the capacity plan the type's."""
    out = []
    for j in rows:
        u = units.records[j]
        for column in KIND_COLUMNS:
            if _na(t[column]) or _na(u[column]) or bool(u[column]) == bool(t[column]):
                continue
            out.append(
                units.problem(
                    j,
                    column,
                    f"bolig {u['id']} er af modultype {t['id']} med {column} "
                    f"{_truth(t[column])}, men har {column} {_truth(u[column])}; placeringen "
                    "tæller boligens egenskaber, kapacitetsplanen modultypens; få dem til at "
                    "stemme overens (ret boligen, eller giv den en modultype med de samme "
                    "egenskaber)",
                )
            )
    return out


def _truth(value: object) -> str:
    return "true" if bool(value) else "false"


def module_counts(
    p: Parsed,
    i: int,
    subject: str,
    listed: int,
    lived: int,
    now: int,
    most: int,
    per_module: int = 1,
) -> list[Problem]:
    """The units of ``subject`` (a module type, or a pavilion site whose units are its modules)
    agree with its modules: no more than ``modules_max`` modules hold (an error), residents in no
    more than ``modules_now`` modules hold (an error, the capacity plan would have no solution),
    and as many as ``modules_now`` modules hold (else a warning). The first that fails is reported
    at row ``i`` of ``p``.

    Parameters
    ----------
    listed, lived : the subject's units in the units layer, and those of them with a resident.
    now, most : its ``modules_now`` and ``modules_max``.
    per_module : units a module holds (``units_per_module``; 1 for a site's own modules).
    """

    def homes(n: int) -> str:
        if per_module == 1:
            return amount(n, "bolig (modul)", "boliger (moduler)")
        return amount(n, "bolig", "boliger")

    def held(column: str, n: int) -> str:
        return f"{column} {n}" + ("" if per_module == 1 else f" x units_per_module {per_module}")

    if listed > most * per_module:
        return [
            p.problem(
                i,
                "modules_max",
                f"{subject} har {homes(listed)} i laget units, men plads til "
                f"{most * per_module} ({held('modules_max', most)}); hæv modules_max til "
                f"mindst {-(-listed // per_module)}, eller fjern boliger",
            )
        ]
    if lived > now * per_module:
        return [
            p.problem(
                i,
                "modules_now",
                f"{subject} har beboere i {amount(lived, 'bolig', 'boliger')}, men "
                f"{held('modules_now', now)} "
                f"giver plads til {now * per_module}, så kapacitetsplanen har ingen løsning; sæt "
                f"modules_now til mindst {-(-lived // per_module)}, eller ret beboernes unit_id i "
                "occupancy",
            )
        ]
    if listed != now * per_module:
        return [
            p.problem(
                i,
                "modules_now",
                f"{subject} har {homes(listed)} i laget units, men "
                f"{held('modules_now', now)} giver plads til {now * per_module}: placeringen "
                "bruger boligerne, kapacitetsplanen modules_now; få dem til at stemme overens",
                severity="warning",
            )
        ]
    return []


def unit_beds(
    units: Parsed, rows: list[int], beds: object, said: str, fix: str, severity: str = "error"
) -> list[Problem]:
    """Each unit of ``rows`` has ``beds`` beds (the beds of its module type or site's modules),
    unless ``beds`` is not given; ``said`` names the rule ("is of module type T with
    beds_per_unit 4"), ``fix`` the fix."""
    if _na(beds):
        return []
    return [
        units.problem(
            j,
            "beds",
            f"bolig {units.records[j]['id']} {said}, men har "
            f"{amount(units.records[j]['beds'], 'seng', 'senge')}{fix}",
            severity=severity,
        )
        for j in rows
        if not _na(units.records[j]["beds"]) and units.records[j]["beds"] != beds
    ]


TYPE_CHECKS = (check_module_types, check_unit_types, check_type_modules)
