"""Invented households of the Allerød sample: residents with their occupancy, and arrivals.

The mix of household types is fixed (so the counts do not depend on the seed); ages, dates and
which unit each resident lives in are drawn from the generator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

REFERENCE_DATE = dt.date(2026, 12, 1)
"""The sample's "today": residents moved in before it, arrivals come around it."""

# (label, count, adults, fewest children, most children, needs_accessible)
RESIDENT_MIX: tuple[tuple[str, int, int, int, int, bool], ...] = (
    ("single", 30, 1, 0, 0, False),
    ("single_accessible", 1, 1, 0, 0, True),
    ("couple", 10, 2, 0, 0, False),
    ("single_parent", 8, 1, 1, 3, False),
    ("family", 27, 2, 1, 4, False),
    ("family_adult_child", 3, 3, 1, 2, False),
    ("family_of_7", 1, 2, 5, 5, False),
)
ARRIVAL_MIX: tuple[tuple[str, int, int, int, int, bool], ...] = (
    ("single", 14, 1, 0, 0, False),
    ("couple", 5, 2, 0, 0, False),
    ("single_parent", 4, 1, 1, 3, False),
    ("family", 14, 2, 1, 4, False),
    ("family_accessible", 1, 2, 1, 1, True),
    ("family_of_7", 1, 2, 5, 5, False),
    ("unaccompanied_minor", 1, 0, 1, 1, False),
)
AGE_BANDS: tuple[tuple[int, int], ...] = ((0, 2), (3, 5), (6, 9), (10, 14), (15, 17))
_KIDS_P = {1: [1.0], 2: [0.5, 0.5], 3: [0.45, 0.35, 0.2], 4: [0.35, 0.35, 0.2, 0.1]}
# Residents lean towards the centre, so the centre is fuller than the outskirts.
SITE_WEIGHT = {"LI": 4.0, "SK": 3.0, "EN": 2.0, "RA": 2.0, "BL": 1.0, "LU": 1.0}
N_EXPECTED_MOVE_OUT = 20
N_MOVED_WITHIN = 6
N_WORKING = 5
WORK_POIS = ("TC-LIL", "TC-ENG", "TC-BLO", "TC-LYN")
REQUIRED_DISTRICT = "SKD-LU"


@dataclass
class _Household:
    label: str
    adults: int
    children: tuple[int, ...]
    needs_accessible: bool
    arrival: dt.date
    resident: bool
    work_poi: str | None = None
    required_district: str | None = None
    rows: list[dict] = field(default_factory=list)  # occupancy rows

    @property
    def persons(self) -> int:
        return self.adults + len(self.children)


def people(
    rng: np.random.Generator, sites: pd.DataFrame, units: pd.DataFrame, bydel: dict[str, str]
) -> tuple[list[dict], list[dict]]:
    """Households and occupancy rows (clean Python values) for the sample's sites and units.

    Parameters
    ----------
    rng : numpy.random.Generator
        The sample's generator (drawn from in a fixed order).
    sites, units : DataFrame
        Canonical ``sites`` and ``units`` layers.
    bydel : dict
        Site id -> bydel code, for the residents' lean towards the centre (``SITE_WEIGHT``).

    Returns
    -------
    tuple of list
        Household rows and occupancy rows, ready for ``capacity.io.layers.frame``.
    """
    residents = _compose(rng, RESIDENT_MIX, resident=True)
    arrivals = _compose(rng, ARRIVAL_MIX, resident=False)
    next(h for h in arrivals if h.label == "family").required_district = REQUIRED_DISTRICT
    for h in residents:
        h.arrival = REFERENCE_DATE - dt.timedelta(days=int(rng.integers(20, 800)))
    for h in arrivals:
        h.arrival = REFERENCE_DATE + dt.timedelta(days=int(rng.integers(-30, 76)))
    _house(rng, residents, _unit_table(sites, units, bydel))
    for i in rng.choice(len(residents), N_WORKING, replace=False):
        residents[int(i)].work_poi = str(rng.choice(WORK_POIS))
    everyone = sorted(residents + arrivals, key=lambda h: h.arrival)  # stable: ties keep order
    households, occupancy = [], []
    for n, h in enumerate(everyone, start=1):
        hid = f"H{n:03d}"
        households.append(
            dict(
                id=hid,
                arrival_date=h.arrival,
                adults=h.adults,
                children_ages=h.children,
                needs_accessible=h.needs_accessible,
                unaccompanied_minor=h.label == "unaccompanied_minor",
                required_district=h.required_district,
                work_poi=h.work_poi,
            )
        )
        occupancy += [dict(household_id=hid, **row) for row in h.rows]
    occupancy.sort(key=lambda r: (r["household_id"], r["move_in"]))
    return households, occupancy


def _compose(rng: np.random.Generator, mix: tuple, *, resident: bool) -> list[_Household]:
    out: list[_Household] = []
    for label, count, adults, lo, hi, needs in mix:
        for _ in range(count):
            if label == "unaccompanied_minor":
                kids = (int(rng.integers(15, 18)),)
            else:
                n = lo if lo == hi else lo + int(rng.choice(hi - lo + 1, p=_KIDS_P[hi - lo + 1]))
                kids = tuple(int(a) for a in rng.integers(0, 18, size=n))
            out.append(_Household(label, adults, kids, needs, REFERENCE_DATE, resident))
    families = [h for h in out if h.children and h.label != "unaccompanied_minor"]
    for h, (lo, hi) in zip(families, AGE_BANDS, strict=False):  # every age band occurs
        h.children = (int(rng.integers(lo, hi + 1)),) + h.children[1:]
    for h in out:
        h.children = tuple(sorted(h.children))
    return out


@dataclass
class _Units:
    """Today's units as numpy arrays, with what is used so far."""

    ids: np.ndarray
    beds: np.ndarray
    family_ok: np.ndarray
    shareable: np.ndarray
    accessible: np.ndarray
    in_service: np.ndarray
    start: np.ndarray  # the site's available_from (datetime64[D]; 1900 when open-ended)
    weight: np.ndarray  # the site's centrality
    used: np.ndarray
    households: np.ndarray
    adult_only: np.ndarray


def _unit_table(sites: pd.DataFrame, units: pd.DataFrame, bydel: dict[str, str]) -> _Units:
    start = sites.set_index("id")["available_from"].reindex(units["site_id"]).to_numpy()
    n = len(units)
    return _Units(
        ids=units["id"].to_numpy(dtype=object),
        beds=units["beds"].to_numpy(dtype=int),
        family_ok=units["family_ok"].to_numpy(dtype=bool),
        shareable=units["shareable"].to_numpy(dtype=bool),
        accessible=units["accessible"].to_numpy(dtype=bool),
        in_service=units["in_service"].to_numpy(dtype=bool),
        start=np.where(pd.isna(start), np.datetime64("1900-01-01"), start).astype("datetime64[D]"),
        weight=np.array([SITE_WEIGHT[bydel[s]] for s in units["site_id"]]),
        used=np.zeros(n, dtype=int),
        households=np.zeros(n, dtype=int),
        adult_only=np.ones(n, dtype=bool),
    )


def _house(rng: np.random.Generator, residents: list[_Household], table: _Units) -> None:
    """Give every resident a unit (largest households first) and its occupancy rows."""
    order = sorted(range(len(residents)), key=lambda i: -residents[i].persons)
    for i in order:
        h = residents[i]
        move_in = min(
            h.arrival + dt.timedelta(days=int(rng.integers(0, 11))),
            REFERENCE_DATE - dt.timedelta(days=1),
        )
        u = _choose(rng, h, table, move_in)
        table.used[u] += h.persons
        table.households[u] += 1
        table.adult_only[u] &= not h.children
        h.rows.append(
            dict(unit_id=str(table.ids[u]), move_in=move_in, expected_move_out=None, move_out=None)
        )
    for i in rng.choice(len(residents), N_EXPECTED_MOVE_OUT, replace=False):
        days = int(rng.integers(14, 241))
        residents[int(i)].rows[0]["expected_move_out"] = REFERENCE_DATE + dt.timedelta(days=days)
    _moved_within(rng, residents, table)


def _eligible(h: _Household, t: _Units, day: dt.date) -> np.ndarray:
    fits = t.in_service & (t.beds - t.used >= h.persons) & (t.start <= np.datetime64(day, "D"))
    if h.children:
        fits &= t.family_ok & (t.households == 0)
    else:
        fits &= (t.households == 0) | (t.shareable & t.adult_only)
    if h.needs_accessible:
        fits &= t.accessible
    return fits


def _choose(rng: np.random.Generator, h: _Household, t: _Units, day: dt.date) -> int:
    """A unit for ``h``: little spare room, central sites, accessible units only when needed."""
    ok = _eligible(h, t, day)
    if not h.needs_accessible and (ok & ~t.accessible).any():
        ok &= ~t.accessible  # keep accessible units for those who need them
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        raise RuntimeError(f"sample: no unit for a resident of {h.persons} persons; fix SITES")
    slack = t.beds[idx] - t.used[idx] - h.persons
    idx, slack = idx[slack <= slack.min() + 1], slack[slack <= slack.min() + 1]
    weight = t.weight[idx] / (1.0 + slack)
    return int(idx[rng.choice(len(idx), p=weight / weight.sum())])


def _moved_within(rng: np.random.Generator, residents: list[_Household], table: _Units) -> None:
    """Some long-staying residents moved once: a closed row in a unit that is empty today."""
    long = [h for h in residents if (REFERENCE_DATE - h.rows[0]["move_in"]).days >= 200]
    taken = np.zeros(len(table.ids), dtype=bool)
    picks = rng.choice(len(long), min(N_MOVED_WITHIN, len(long)), replace=False)
    for i in sorted(int(i) for i in picks):
        h = long[i]
        first = h.rows[0]["move_in"]
        candidates = np.flatnonzero(_eligible(h, table, first) & (table.households == 0) & ~taken)
        if len(candidates) == 0:
            continue
        before = int(candidates[int(rng.integers(len(candidates)))])
        taken[before] = True
        span = (REFERENCE_DATE - first).days
        moved = first + dt.timedelta(days=int(rng.integers(30, span - 14)))
        h.rows[0]["move_in"] = moved
        h.rows.insert(
            0,
            dict(
                unit_id=str(table.ids[before]),
                move_in=first,
                expected_move_out=None,
                move_out=moved,
            ),
        )
