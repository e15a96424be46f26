"""Synthetic registries of any size, in the same form as the Allerød sample (vectorised numpy).

The area is a square grid of 2 km cells (one school and one daycare district per cell) placed in
EPSG:25832 north-west of Copenhagen; sites are spread uniformly over it. Residents are generated
*from* the units they live in, so occupancy is valid by construction: a unit in family mode holds
one household no larger than its beds, a shareable unit in sharing mode holds single adults up to
its beds.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from capacity.io.layers import CRS, Registry, canonical
from capacity.policy import Policy
from capacity.sample.module_types import add_module_types
from capacity.sample.residents import REFERENCE_DATE

CELL_M = 2_000.0
ORIGIN = (690_000.0, 6_180_000.0)
SITES_PER_CELL = 20
PAVILION_SHARE = 0.3
RESIDENT_SHARE = 2 / 3
# Building unit types: (beds, rooms, family_ok, shareable) and their shares.
_TYPES = np.array(
    [
        (1, 1, 0, 0),
        (2, 1, 0, 1),
        (3, 2, 0, 1),
        (3, 2, 1, 0),
        (4, 2, 1, 0),
        (5, 3, 1, 0),
        (6, 3, 1, 0),
        (7, 4, 1, 0),
    ]
)
_TYPE_P = np.array([0.40, 0.15, 0.05, 0.15, 0.12, 0.08, 0.04, 0.01])
_SIZE_P = np.array([0.35, 0.15, 0.15, 0.15, 0.10, 0.07, 0.03])  # persons 1..7
_REF = np.datetime64(REFERENCE_DATE, "D")


def synthetic_registry(
    households: int, sites: int, seed: int = 2023, module_types: int = 1
) -> Registry:
    """A synthetic registry with the requested numbers of households and sites.

    Parameters
    ----------
    households : int
        Households in total; about two thirds live in a unit today (fewer when the units cannot
        hold that many), the rest are arriving.
    sites : int
        Sites; about 30 % are pavilion sites, each site has 8-20 units (13-14 on average).
    seed : int
        Seed of ``numpy.random.default_rng``; the same arguments give identical frames.
    module_types : int
        Module types per pavilion site (``capacity.sample.module_types``); 1 (the default) gives
        no ``module_types`` layer, exactly the registry of before.

    Returns
    -------
    Registry
        All required layers plus a square boundary, in EPSG:25832, with the default policy.
    """
    if households < 0 or sites < 1 or module_types < 1:
        raise ValueError(
            "synthetic_registry needs households >= 0, sites >= 1 and module_types >= 1"
        )
    rng = np.random.default_rng(seed)
    k = max(2, math.ceil(math.sqrt(sites / SITES_PER_CELL)))
    districts, pois = _area(rng, k)
    site_df, unit_df = _sites_units(rng, sites, k)
    hh, occ = _households(rng, households, unit_df, site_df)
    x0, y0 = ORIGIN
    outline = shapely.box(x0, y0, x0 + k * CELL_M, y0 + k * CELL_M)
    reg = Registry(
        districts=canonical("districts", districts),
        pois=canonical("pois", pois),
        sites=canonical("sites", site_df),
        units=canonical("units", unit_df.drop(columns=["usable"])),
        households=canonical("households", hh),
        occupancy=canonical("occupancy", occ),
        boundary=canonical(
            "boundary",
            gpd.GeoDataFrame(
                {"id": ["SYN"], "name": ["Syntetisk kommune"], "source": ["synthetic"]},
                geometry=[outline],
                crs=CRS,
            ),
        ),
        policy=Policy(),
    )
    return add_module_types(reg, module_types, seed)


def _ids(prefix: str, n: int) -> np.ndarray:
    width = len(str(max(n, 1)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _area(rng: np.random.Generator, k: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """k x k cells: school and daycare districts, a school and daycare per cell, stations etc."""
    x0, y0 = ORIGIN
    i, j = np.divmod(np.arange(k * k), k)
    cells = shapely.box(
        x0 + j * CELL_M, y0 + i * CELL_M, x0 + (j + 1) * CELL_M, y0 + (i + 1) * CELL_M
    )
    n = k * k
    codes = np.array([f"{a:02d}{b:02d}" for a, b in zip(i, j, strict=True)], dtype=object)
    pop = rng.integers(1_000, 8_000, n)
    school = pd.DataFrame(
        {
            "id": "SKD-" + codes,
            "name": "Skoledistrikt " + codes,
            "kind": "school",
            "population": pop,
            "approximate": True,
            "source": "synthetic",
        }
    )
    daycare = school.assign(
        id="DAG-" + codes,
        name="Dagtilbudsdistrikt " + codes,
        kind="daycare",
        free_slots_0_2=rng.integers(0, 8, n),
        free_slots_3_5=rng.integers(0, 12, n),
    )
    districts = gpd.GeoDataFrame(
        pd.concat([school, daycare], ignore_index=True),
        geometry=np.concatenate([cells, cells]),
        crs=CRS,
    )
    inner = rng.uniform(0.15, 0.85, size=(2, n, 2)) * CELL_M
    base = np.column_stack([x0 + j * CELL_M, y0 + i * CELL_M])
    hubs = np.flatnonzero((i % 2 == 0) & (j % 2 == 0))  # one hub per 2 x 2 block of cells
    frames = [
        _poi_frame(
            "SK-" + codes,
            "Skole " + codes,
            "school",
            base + inner[0],
            receiving_classes=(np.arange(n) % 4 == 0),
        ),
        _poi_frame("DI-" + codes, "Daginstitution " + codes, "daycare", base + inner[1]),
        _poi_frame(
            "ST-" + codes[hubs],
            "Station " + codes[hubs],
            "station",
            base[hubs] + CELL_M * np.array([0.5, 0.5]),
        ),
        _poi_frame(
            "TC-" + codes[hubs],
            "Bymidte " + codes[hubs],
            "town_centre",
            base[hubs] + CELL_M * np.array([0.55, 0.5]),
        ),
        _poi_frame(
            "HE-" + codes[hubs],
            "Sundhedscenter " + codes[hubs],
            "health",
            base[hubs] + CELL_M * np.array([0.5, 0.6]),
        ),
        _poi_frame(
            np.array(["JC"], dtype=object),
            np.array(["Jobcenter"], dtype=object),
            "jobcentre",
            np.array([[x0 + k * CELL_M / 2, y0 + k * CELL_M / 2 + 10]]),
        ),
    ]
    return districts, pd.concat(frames, ignore_index=True)


def _poi_frame(
    ids: np.ndarray,
    names: np.ndarray,
    kind: str,
    xy: np.ndarray,
    receiving_classes: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": names,
            "kind": kind,
            "receiving_classes": receiving_classes,
            "approximate": True,
            "source": "synthetic",
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )


def _sites_units(rng: np.random.Generator, n: int, k: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Sites (about 30 % pavilion sites) and their units (pavilion modules standing today; none
    at a pavilion site that becomes available after today)."""
    ids = _ids("S", n)
    pav = rng.random(n) < PAVILION_SHARE
    now = np.where(pav, rng.integers(6, 21, n), 0)
    bpm = rng.integers(4, 7, n)
    n_units = np.where(pav, now, rng.integers(8, 20, n))
    xy = np.round(np.array(ORIGIN) + rng.uniform(50, k * CELL_M - 50, size=(n, 2)), 1)
    start = np.where(rng.random(n) < 0.05, _REF + rng.integers(30, 181, n), np.datetime64("NaT"))
    until = np.where(rng.random(n) < 0.10, _REF + rng.integers(180, 1096, n), np.datetime64("NaT"))
    # modules stand only while their site is available (the plan's rule), so a pavilion site
    # available from a later day has none standing today: room for modules, as the sample's P05
    later = pav & ~np.isnat(start.astype("datetime64[D]"))
    standing = np.where(later, 0, now)
    n_units = np.where(later, 0, n_units)
    sites = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": np.where(pav, "Pavillonplads ", "Bygning ") + ids,
            "kind": np.where(pav, "pavilion_site", "building"),
            "available_from": start.astype("datetime64[D]"),
            "available_until": until.astype("datetime64[D]"),
            "modules_now": _where(pav, standing),
            "modules_max": _where(pav, now + rng.integers(0, 10, n)),
            "beds_per_module": _where(pav, bpm),
            "cost_setup_per_module": _where(pav, rng.integers(25, 41, n) * 10_000),
            "cost_month_per_module": _where(pav, rng.integers(10, 21, n) * 500),
            "cost_teardown_per_module": _where(pav, rng.integers(10, 21, n) * 5_000),
            "lead_time_months": _where(pav, rng.integers(2, 5, n)),
            "min_lifetime_months": _where(pav, rng.choice([12, 18, 24], n)),
            "note": "synthetic",
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )
    owner = np.repeat(np.arange(n), n_units)
    total = int(n_units.sum())
    kind = _TYPES[rng.choice(len(_TYPES), total, p=_TYPE_P)]
    module = pav[owner]
    within = np.arange(total) - np.repeat(np.cumsum(n_units) - n_units, n_units) + 1
    units = pd.DataFrame(
        {
            "id": ids[owner]
            + np.where(module, "-M", "-")
            + pd.Series(within).astype(str).str.zfill(2),
            "site_id": ids[owner],
            "beds": np.where(module, bpm[owner], kind[:, 0]),
            "rooms": np.where(module, 2, kind[:, 1]),
            "family_ok": module | (kind[:, 2] == 1),
            "accessible": rng.random(total) < 0.05,
            "shareable": module | (kind[:, 3] == 1),
            "in_service": rng.random(total) >= 0.01,
        }
    )
    units["usable"] = units["in_service"].to_numpy() & pd.isna(start[owner])
    return sites, units


def _where(mask: np.ndarray, values: np.ndarray) -> pd.Series:
    """``values`` where ``mask``, else missing (nullable integers)."""
    return pd.Series(values, dtype="Int64").where(mask)


def _households(
    rng: np.random.Generator, n: int, units: pd.DataFrame, sites: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Residents drawn from free slots of usable units, then arrivals; sorted by arrival date."""
    usable = units["usable"].to_numpy()
    beds = units["beds"].to_numpy()
    family_ok = units["family_ok"].to_numpy()
    sharing = units["shareable"].to_numpy() & (rng.random(len(units)) < 0.5)
    slots = np.where(usable, np.where(sharing, beds, 1), 0)
    slot_unit = np.repeat(np.arange(len(units)), slots)
    n_res = min(round(n * RESIDENT_SHARE), len(slot_unit))
    unit = slot_unit[np.sort(rng.choice(len(slot_unit), n_res, replace=False))]
    cap = np.where(
        sharing[unit], 1, np.where(family_ok[unit], beds[unit], np.minimum(beds[unit], 2))
    )
    res_adults, res_kids = _composition(rng, n_res, cap, family_ok[unit])
    res_access = units["accessible"].to_numpy()[unit] & (rng.random(n_res) < 0.3)
    move_in = _REF - rng.integers(1, 900, n_res)
    res_arrival = move_in - rng.integers(0, 15, n_res)
    n_arr = n - n_res
    arr_adults, arr_kids = _composition(rng, n_arr, np.full(n_arr, 7), np.ones(n_arr, bool))
    minor = rng.random(n_arr) < 0.005
    arr_adults = np.where(minor, 0, arr_adults)
    arr_kids = np.where(minor, 1, arr_kids)
    arr_access = rng.random(n_arr) < 0.02
    arrival = np.concatenate([res_arrival, _REF + rng.integers(-30, 181, n_arr)])
    adults = np.concatenate([res_adults, arr_adults])
    kids = np.concatenate([res_kids, arr_kids])
    is_minor = np.concatenate([np.zeros(n_res, bool), minor])
    ages = _ages(rng, kids, is_minor)
    order = np.argsort(arrival, kind="stable")
    ids = np.empty(n, dtype=object)
    ids[order] = _ids("H", n)
    hh = pd.DataFrame(
        {
            "id": ids[order],
            "arrival_date": arrival[order].astype("datetime64[D]"),
            "adults": adults[order],
            "children_ages": pd.Series([ages[i] for i in order], dtype=object),
            "needs_accessible": np.concatenate([res_access, arr_access])[order],
            "unaccompanied_minor": is_minor[order],
            "required_district": None,
            "work_poi": None,
        }
    )
    expected = np.where(
        rng.random(n_res) < 0.25, _REF + rng.integers(14, 365, n_res), np.datetime64("NaT")
    )
    occ = pd.DataFrame(
        {
            "household_id": ids[:n_res],
            "unit_id": units["id"].to_numpy()[unit],
            "move_in": move_in.astype("datetime64[D]"),
            "expected_move_out": expected.astype("datetime64[D]"),
            "move_out": np.full(n_res, np.datetime64("NaT"), dtype="datetime64[D]"),
        }
    ).sort_values(["household_id"], kind="stable")
    return hh, occ


def _composition(
    rng: np.random.Generator, n: int, cap: np.ndarray, family_ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Adults and children per household: sizes 1-7 capped by ``cap``; no children where a unit
    is not for families."""
    size = np.minimum(rng.choice(len(_SIZE_P), n, p=_SIZE_P) + 1, cap)
    adults = np.where(size == 1, 1, np.where(rng.random(n) < 0.8, 2, 1))
    adults = np.where(family_ok, adults, size)
    return adults, size - adults


def _ages(rng: np.random.Generator, kids: np.ndarray, minor: np.ndarray) -> list[tuple[int, ...]]:
    """Children's ages (sorted tuples), 15-17 for unaccompanied minors."""
    owner = np.repeat(np.arange(len(kids)), kids)
    ages = np.where(minor[owner], rng.integers(15, 18, len(owner)), rng.integers(0, 18, len(owner)))
    ages = ages[np.lexsort((ages, owner))]
    return [tuple(a) for a in np.split(ages.tolist(), np.cumsum(kids)[:-1])] if len(kids) else []
