"""The bundled Allerød sample: real places and districts, example sites, invented households.

Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order, so the same seed
gives the same registry. What is real and what is invented is listed in ``data/README.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from capacity.io.layers import Registry, frame
from capacity.policy import Policy
from capacity.sample import facts, geo, pavilions
from capacity.sample.history import add_history
from capacity.sample.residents import REFERENCE_DATE, people

__all__ = ["REFERENCE_DATE", "SITES", "alleroed_registry"]

# Unit types: (beds, rooms, family_ok, shareable)
UNIT_TYPES: dict[str, tuple[int, int, bool, bool]] = {
    "single": (1, 1, False, False),
    "shared2": (2, 1, False, True),
    "shared3": (3, 2, False, True),
    "flat3": (3, 2, True, False),
    "flat4": (4, 2, True, False),
    "flat5": (5, 3, True, False),
    "flat6": (6, 3, True, False),
    "flat7": (7, 4, True, False),
}


@dataclass(frozen=True)
class SiteSpec:
    """An example site: where, what units (type, count, accessible, out of service), when."""

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    bydel: str
    units: tuple[tuple[str, int, int, int], ...] = ()
    modules: tuple[int, int, int] = (0, 0, 0)  # now, max, beds per module
    accessible_modules: int = 0
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    note: str = "Eksempel: opdigtet lokalitet til demonstration (example, not a real site)."


_SPORTSVEJ = (
    "Eksempel: Sportsvej havde 9 lejede pavilloner i 2019 (sn.dk 2019-11); placering "
    "omtrentlig, moduler opdigtede (example)."
)

# fmt: off
SITES: tuple[SiteSpec, ...] = (
    SiteSpec("B01", "Tidligere plejecenter, Lillerød (eksempel)", "building", 55.8745, 12.3470, "LI",
             (("single", 14, 2, 0), ("shared2", 5, 0, 0), ("flat3", 4, 0, 0), ("flat4", 4, 0, 0),
              ("flat7", 1, 0, 0))),
    SiteSpec("B02", "Udlejningsejendom ved bymidten (eksempel)", "building", 55.8700, 12.3540, "LI",
             (("single", 6, 0, 0), ("flat3", 3, 0, 0), ("flat4", 4, 0, 0), ("flat5", 2, 0, 0))),
    SiteSpec("B03", "Tidligere ungdomsboliger, Skovvang (eksempel)", "building", 55.8810, 12.3620,
             "SK", (("single", 14, 0, 1), ("shared2", 6, 0, 0))),
    SiteSpec("B04", "Tidligere skolebygning, Blovstrød (eksempel)", "building", 55.8680, 12.3820,
             "BL", (("single", 4, 0, 0), ("shared2", 4, 0, 0), ("flat4", 3, 1, 0),
                    ("flat5", 2, 0, 0), ("flat6", 1, 0, 0))),
    SiteSpec("B05", "Tidligere kommunekontor, Lynge (eksempel)", "building", 55.8410, 12.2760, "LU",
             (("single", 8, 0, 0), ("shared3", 3, 0, 0), ("flat4", 3, 0, 0), ("flat5", 3, 0, 0),
              ("flat6", 1, 0, 0))),
    SiteSpec("B06", "Tidligere daginstitution, Engholm (eksempel)", "building", 55.8640, 12.3240,
             "EN", (("single", 4, 1, 0), ("flat3", 3, 0, 0), ("flat4", 3, 0, 1), ("flat5", 2, 0, 0)),
             available_until=dt.date(2027, 12, 31),
             note="Eksempel: bygningen skal tilbage til dagtilbud ved udgangen af 2027 (example)."),
    SiteSpec("B07", "Kommunale rækkehuse, Lillerød syd (eksempel)", "building", 55.8575, 12.3480,
             "RA", (("flat4", 4, 0, 0), ("flat5", 2, 0, 0), ("flat6", 2, 0, 0)),
             available_from=dt.date(2027, 2, 1),
             note="Eksempel: tages i brug fra februar 2027 efter istandsættelse (example)."),
    SiteSpec("P01", "Pavilloner ved Sportsvej (eksempel)", "pavilion_site", 55.8770, 12.3530, "LI",
             modules=(7, 9, 4), accessible_modules=1, available_until=dt.date(2028, 6, 30),
             note=_SPORTSVEJ),
    SiteSpec("P02", "Pavillonplads, Lynge (eksempel)", "pavilion_site", 55.8450, 12.2850, "LU",
             modules=(12, 14, 5)),
    SiteSpec("P03", "Pavillonplads, Blovstrød (eksempel)", "pavilion_site", 55.8640, 12.3870, "BL",
             modules=(8, 12, 4), accessible_modules=1),
    SiteSpec("P04", "Pavillonplads, Engholm (eksempel)", "pavilion_site", 55.8680, 12.3180, "EN",
             modules=(6, 10, 6)),
    SiteSpec("P05", "Pavillonplads, Nymølle (eksempel)", "pavilion_site", 55.8300, 12.2950, "LU",
             modules=(0, 8, 4), available_from=dt.date(2027, 3, 1),
             available_until=dt.date(2031, 12, 31)),
)
# fmt: on

SITE_JITTER_M = 150.0


def alleroed_registry(seed: int = 2023) -> Registry:
    """The Allerød sample as an in-memory registry.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives identical frames.

    Returns
    -------
    Registry
        Real boundary, parishes and places; approximate school and daycare districts; 12
        example sites with about 150 units; about 80 resident and 40 arriving households
        (reference date ``REFERENCE_DATE``); the history since the strategy's start (households
        who arrived from 2022 and moved on, ``history.add_history``); module types of the pavilion
        sites (``pavilions``); the default policy.
    """
    rng = np.random.default_rng(seed)
    outline = geo.boundary()
    parish = geo.parishes(outline)
    places = {p.id: p for p in facts.PLACES}
    anchors = {b.code: _utm(places[b.school]) for b in facts.BYDELE}
    bydele = geo.cut_bydele(outline, {k: g for k, (_, g) in parish.items()}, facts.BYDELE, anchors)
    districts = _parish_rows(parish) + _bydel_rows(rng, bydele)
    site_rows, unit_rows = _sites_and_units(rng, bydele)
    sites = frame("sites", site_rows)
    units = frame("units", unit_rows)
    types = [
        t
        for r, s in zip(site_rows, SITES, strict=True)
        if r["kind"] == "pavilion_site"
        for t in pavilions.module_type_rows(r, s.accessible_modules)
    ]
    households, occupancy = people(rng, sites, units, {s.id: s.bydel for s in SITES})
    today = Registry(
        districts=frame("districts", districts),
        pois=frame("pois", [_poi_row(p) for p in facts.PLACES]),
        sites=sites,
        units=units,
        households=frame("households", households),
        occupancy=frame("occupancy", occupancy),
        module_types=frame("module_types", types),
        boundary=frame(
            "boundary",
            [
                dict(
                    id=f"K{facts.KOMMUNEKODE}",
                    name=facts.MUNICIPALITY,
                    source=facts.DAGI_SOURCE,
                    geometry=outline,
                )
            ],
        ),
        policy=Policy(),
    )
    return add_history(today, seed=seed)


def _utm(place: facts.Place):
    return geo.to_utm(place.lat, place.lon)


def _poi_row(p: facts.Place) -> dict:
    return dict(
        id=p.id,
        name=p.name,
        kind=p.kind,
        receiving_classes=p.receiving_classes,
        approximate=p.approximate,
        source=f"{p.source} [confidence: {p.confidence}]",
        geometry=_utm(p),
    )


def parish_population(areas: dict[str, float]) -> dict[str, int]:
    """Split the municipal population over the parishes (by parish code).

    Each town's population goes to the parish holding its coordinate, except that Lillerød town
    gives ``ENGHOLM_SHARE_OF_LILLEROED`` to Engholm parish; the rest of the municipal total (the
    rural population) is spread by parish area, rounded by largest remainder to keep the total.
    """
    pop = dict.fromkeys(areas, 0)
    for town_pop, code, _ in facts.TOWNS.values():
        pop[code] += town_pop
    pop["7450"] -= facts.ENGHOLM_SHARE_OF_LILLEROED
    pop["9155"] += facts.ENGHOLM_SHARE_OF_LILLEROED
    rural = facts.POPULATION - sum(pop.values())
    return _add_by_weight(pop, areas, rural)


def _add_by_weight(base: dict[str, int], weights: dict[str, float], total: int) -> dict[str, int]:
    keys = sorted(base)
    w = np.array([weights[k] for k in keys], dtype=float)
    exact = total * w / w.sum()
    share = np.floor(exact).astype(int)
    order = np.argsort(-(exact - share), kind="stable")
    share[order[: total - share.sum()]] += 1
    return {k: base[k] + int(s) for k, s in zip(keys, share, strict=True)}


def bydel_population() -> dict[str, int]:
    """Population per bydel: the kommuneplan figures, and the rest split evenly between the
    bydele without a figure (Lillerød and Ravnsholt)."""
    known = {b.code: b.population for b in facts.BYDELE if b.population is not None}
    unknown = [b.code for b in facts.BYDELE if b.population is None]
    rest = facts.POPULATION - sum(known.values())
    pop = _add_by_weight(dict.fromkeys(unknown, 0), dict.fromkeys(unknown, 1.0), rest)
    return {b.code: known.get(b.code, pop.get(b.code, 0)) for b in facts.BYDELE}


def _parish_rows(parish: dict[str, tuple[str, Polygon]]) -> list[dict]:
    pop = parish_population({k: g.area for k, (_, g) in parish.items()})
    return [
        dict(
            id=f"SOGN-{code}",
            name=f"{name} Sogn",
            kind="parish",
            population=pop[code],
            approximate=True,
            source=f"polygon: {facts.DAGI_SOURCE}, clipped to the municipal boundary; "
            "population: estimated from town figures (see data/README.md)",
            geometry=geom,
        )
        for code, (name, geom) in sorted(parish.items())
    ]


def _bydel_rows(rng: np.random.Generator, bydele: dict[str, Polygon]) -> list[dict]:
    pop = bydel_population()
    rows = []
    for b in facts.BYDELE:
        rows.append(
            dict(
                id=f"SKD-{b.code}",
                name=f"{b.name} skoledistrikt",
                kind="school",
                population=pop[b.code],
                approximate=True,
                source=f"approximation: cut from the DAGI parishes around the school; "
                f"population: {facts.BYDEL_SOURCE}",
                geometry=bydele[b.code],
            )
        )
    for b in facts.BYDELE:
        free_0_2, free_3_5 = (int(v) for v in rng.integers([0, 0], [6, 11]))
        if b.code == "LI":  # the centre is full for the youngest: a real trade-off
            free_0_2 = 0
        rows.append(
            dict(
                id=f"DAG-{b.code}",
                name=f"{b.name} dagtilbudsdistrikt",
                kind="daycare",
                population=pop[b.code],
                free_slots_0_2=free_0_2,
                free_slots_3_5=free_3_5,
                approximate=True,
                source="invented: no daycare districts found; the school-district "
                "polygon is reused and the free slots are invented",
                geometry=bydele[b.code],
            )
        )
    return rows


def _sites_and_units(rng: np.random.Generator, bydele: dict[str, Polygon]) -> tuple[list, list]:
    sites, units = [], []
    for s in SITES:
        point = geo.jitter_inside(rng, geo.to_utm(s.lat, s.lon), bydele[s.bydel], SITE_JITTER_M)
        row = dict(
            id=s.id,
            name=s.name,
            kind=s.kind,
            available_from=s.available_from,
            available_until=s.available_until,
            note=s.note,
            geometry=point,
        )
        if s.kind == "pavilion_site":
            now, most, beds = s.modules
            row.update(
                modules_now=now,
                modules_max=most,
                beds_per_module=beds,
                cost_setup_per_module=int(rng.integers(25, 41)) * 10_000,
                cost_month_per_module=int(rng.integers(10, 21)) * 500,
                cost_teardown_per_module=int(rng.integers(10, 21)) * 5_000,
                lead_time_months=int(rng.integers(2, 5)),
                min_lifetime_months=int(rng.choice([12, 18, 24])),
                **pavilions.site_terms(s.id),
            )
            units += [
                dict(
                    id=f"{s.id}-M{i + 1:02d}",
                    site_id=s.id,
                    beds=beds,
                    rooms=2,
                    family_ok=True,
                    accessible=i < s.accessible_modules,
                    shareable=True,
                    in_service=True,
                    module_type_id=pavilions.type_id(s.id, i < s.accessible_modules),
                )
                for i in range(now)
            ]
        sites.append(row)
        units += _building_units(s)
    return sites, units


def _building_units(s: SiteSpec) -> list[dict]:
    rows = []
    for kind, count, n_accessible, n_out in s.units:
        beds, rooms, family_ok, shareable = UNIT_TYPES[kind]
        for i in range(count):
            rows.append(
                dict(
                    id=f"{s.id}-{len(rows) + 1:02d}",
                    site_id=s.id,
                    beds=beds,
                    rooms=rooms,
                    family_ok=family_ok,
                    accessible=i < n_accessible,
                    shareable=shareable,
                    in_service=i < count - n_out,
                )
            )
    return rows


def sample_frames(seed: int = 2023) -> dict[str, pd.DataFrame]:
    """The sample's layers by name (a convenience for tests and notebooks)."""
    return alleroed_registry(seed).layers()
