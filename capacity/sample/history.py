"""A seeded history for a registry: households who arrived from the 2022 wave to today, moved
between temporary homes and moved on to permanent homes.

``add_history(reg)`` adds households whose every occupancy row is closed before ``today``: the
2022 wave's tail (arrived in 2022, moved on in 2023-2025, so their stays span New Year) and the
yearly quotas of 2023-2026; about one in six moves once between two temporary homes. Each stay
goes into a unit in service that fits the household (beds; a family home for a family with
children) and is free for the whole stay, next to the registry's own rows, so that a unit never
holds two households at a time. Pavilion modules get ``in_service_from`` (an optional column of
``units``, read by ``capacity followup``): about a third of each site's modules are put up during
2023-2025, before anyone lived in them.

The registry's current residents (open occupancy rows), its closed rows and the households
waiting today are not changed: rows and households are only added.

>>> from capacity.sample import alleroed_registry
>>> from capacity.sample.history import add_history
>>> reg = add_history(alleroed_registry(), seed=2023)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from capacity.io.layers import Registry, canonical
from capacity.sample.residents import REFERENCE_DATE

TAIL_2022 = 40  # households of the 2022 wave still in a temporary home at New Year 2023
QUOTAS = {2023: 30, 2024: 24, 2025: 18, 2026: 12}  # households arriving per year
MOVE_SHARE = 0.15  # households that move once between two temporary homes
PUT_UP_SHARE = 0.35  # pavilion modules put up during 2023-2025
FIRST_DAY = dt.date(2023, 1, 1)
# (adults, fewest children, most children, probability)
MIX = ((1, 0, 0, 0.45), (2, 0, 0, 0.15), (2, 1, 3, 0.30), (1, 1, 2, 0.10))
_FAR = pd.Timestamp("2262-01-01")
CANDIDATES = 400  # units tried per household, in random order (all of them in a small registry)


def add_history(
    reg: Registry,
    *,
    seed: int = 2023,
    today: dt.date = REFERENCE_DATE,
    tail: int = TAIL_2022,
    quotas: dict[int, int] | None = None,
) -> Registry:
    """``reg`` with a history of households who arrived and moved on before ``today``.

    Parameters
    ----------
    reg : the registry (its rows are kept as they are).
    seed : seed of ``numpy.random.default_rng``: the same registry and seed, the same history.
    today : the registry's "today"; every added stay ends before it.
    tail : households of the 2022 wave (arrived March-December 2022).
    quotas : households arriving per year (default ``QUOTAS``); a household that finds no free
        unit within its first half year is left out.

    Returns
    -------
    Registry
        With households, closed occupancy rows and the units' ``in_service_from`` added.
    """
    rng = np.random.default_rng(seed)
    day = pd.Timestamp(today)
    units = _units(reg, day)
    busy = _busy(reg)
    since = _put_up(reg, units, busy, rng, day)
    for uid, start in since.items():
        busy.setdefault(uid, []).append((pd.Timestamp.min, start))
    people, rows = [], []
    taken = set(reg.households["id"].astype(str))
    plan = [(2022, tail)] + sorted((quotas or QUOTAS).items())
    for year, n in plan:
        for k, arrival in enumerate(_arrivals(rng, year, n, day)):
            hid = _new_id(year, k + 1, taken)
            household = _household(rng, hid, arrival)
            stay = _stay(rng, arrival, year, day)
            if stay is None:
                continue
            placed = _place(rng, household, stay, units, busy, day)
            if placed:
                people.append(household)
                rows += placed
                taken.add(hid)
    return _with_rows(reg, people, rows, since)


def _units(reg: Registry, day: pd.Timestamp) -> pd.DataFrame:
    """Units in service at sites available today, with their flags."""
    sites = reg.sites.set_index(reg.sites["id"].astype(str))
    u = reg.units
    ok = u["in_service"].fillna(False).astype(bool)
    start = u["site_id"].astype(str).map(sites["available_from"])
    ok &= start.isna() | (start <= day)
    return pd.DataFrame(
        {
            "id": u["id"].astype(str),
            "site_id": u["site_id"].astype(str),
            "beds": u["beds"].astype(int),
            "family_ok": u["family_ok"].fillna(False).astype(bool),
            "pavilion": u["site_id"].astype(str).map(sites["kind"]) == "pavilion_site",
        }
    )[ok.to_numpy()].reset_index(drop=True)


def _busy(reg: Registry) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """Per unit, the intervals its existing rows hold it (an open row: for ever)."""
    out: dict[str, list] = {}
    for r in reg.occupancy.itertuples():
        end = _FAR if pd.isna(r.move_out) else pd.Timestamp(r.move_out)
        out.setdefault(str(r.unit_id), []).append((pd.Timestamp(r.move_in), end))
    return out


def _put_up(reg, units, busy, rng, day) -> dict[str, pd.Timestamp]:
    """The modules put up during 2023-2025: a day before anyone lived in them."""
    out = {}
    last = min(pd.Timestamp(2025, 12, 31), day)
    for _, group in units[units["pavilion"]].groupby("site_id", sort=True):
        ids = sorted(group["id"])
        for uid in ids[len(ids) - round(PUT_UP_SHARE * len(ids)) :]:
            first = min((s for s, _ in busy.get(uid, [])), default=last)
            latest = min(first, last)
            span = (latest - pd.Timestamp(FIRST_DAY)).days
            if span > 30:
                out[uid] = pd.Timestamp(FIRST_DAY) + pd.Timedelta(days=int(rng.integers(0, span)))
    return out


def _arrivals(rng, year: int, n: int, day: pd.Timestamp) -> list[pd.Timestamp]:
    start = pd.Timestamp(year, 3 if year == 2022 else 1, 1)
    end = min(pd.Timestamp(year, 12, 31), day - pd.Timedelta(days=150))
    if end <= start or n <= 0:
        return []
    days = np.sort(rng.integers(0, (end - start).days, size=n))
    return [start + pd.Timedelta(days=int(d)) for d in days]


def _new_id(year: int, k: int, taken: set[str]) -> str:
    hid = f"H{year}-{k:03d}"
    while hid in taken:
        hid += "b"
    return hid


def _household(rng, hid: str, arrival: pd.Timestamp) -> dict:
    adults, low, high, _ = MIX[int(rng.choice(len(MIX), p=[m[3] for m in MIX]))]
    kids = int(rng.integers(low, high + 1))
    ages = tuple(sorted(int(a) for a in rng.integers(0, 18, size=kids)))
    return dict(
        id=hid,
        arrival_date=arrival,
        adults=adults,
        children_ages=ages,
        needs_accessible=False,
        unaccompanied_minor=False,
        required_district=None,
        work_poi=None,
    )


def _stay(rng, arrival: pd.Timestamp, year: int, day: pd.Timestamp):
    """(move-in, move-out): a wait of days to months, a stay of 4-34 months, ended before today;
    the 2022 wave moves on in 2023-2025."""
    wait = int(rng.integers(60, 150)) if rng.random() < 0.1 else int(rng.integers(0, 30))
    move_in = arrival + pd.Timedelta(days=wait)
    months = int(rng.integers(4, 35))
    move_out = move_in + pd.DateOffset(months=months) + pd.Timedelta(days=int(rng.integers(0, 28)))
    if year == 2022:
        move_out = max(
            move_out, pd.Timestamp(2023, 1, 10) + pd.Timedelta(days=int(rng.integers(0, 900)))
        )
    latest = day - pd.Timedelta(days=1)
    if move_out > latest:
        room = (latest - move_in).days
        if room < 60:
            return None
        move_out = move_in + pd.Timedelta(days=int(rng.integers(60, room + 1)))
    return move_in, move_out


def _place(rng, h: dict, stay, units, busy, day) -> list[dict]:
    """Rows for ``h``: one unit for the whole stay, or two when it moves; a later move-in (up to
    half a year, the stay's end kept) when nothing is free; nothing when still nothing is."""
    persons = h["adults"] + len(h["children_ages"])
    fits = units[(units["beds"] >= persons) & (units["family_ok"] | (len(h["children_ages"]) == 0))]
    order = list(fits["id"].to_numpy()[rng.permutation(len(fits))][:CANDIDATES])
    move_in, move_out = stay
    moves = rng.random() < MOVE_SHARE
    for _ in range(13):
        if move_out - move_in < pd.Timedelta(days=45):
            return []
        parts = [(move_in, move_out)]
        if moves:
            middle = move_in + (move_out - move_in) / 2
            middle = middle.normalize()
            parts = [(move_in, middle), (middle, move_out)]
        chosen = _free_units(order, parts, busy)
        if chosen:
            rows = []
            for uid, (a, b) in zip(chosen, parts, strict=True):
                busy.setdefault(uid, []).append((a, b))
                rows.append(
                    dict(
                        household_id=h["id"],
                        unit_id=uid,
                        move_in=a,
                        expected_move_out=None,
                        move_out=b,
                    )
                )
            return rows
        move_in += pd.Timedelta(days=14)
    return []


def _free_units(order: list[str], parts, busy) -> list[str] | None:
    chosen: list[str] = []
    for a, b in parts:
        uid = next(
            (
                u
                for u in order
                if u not in chosen and all(b <= s or a >= e for s, e in busy.get(u, []))
            ),
            None,
        )
        if uid is None:
            return None
        chosen.append(uid)
    return chosen


def _with_rows(reg: Registry, people: list[dict], rows: list[dict], since: dict) -> Registry:
    households = (
        pd.concat(
            [reg.households, canonical("households", pd.DataFrame(people))], ignore_index=True
        )
        if people
        else reg.households
    )
    occupancy = (
        pd.concat([reg.occupancy, canonical("occupancy", pd.DataFrame(rows))], ignore_index=True)
        if rows
        else reg.occupancy
    )
    units = reg.units.copy()
    # An extra column (not in the contract): text, as every form reads extra columns back.
    units["in_service_from"] = pd.Series(
        pd.to_datetime(units["id"].astype(str).map(since)).dt.strftime("%Y-%m-%d"),
        dtype="str",
        index=units.index,
    )
    return reg.with_layers(
        households=canonical("households", households),
        occupancy=canonical("occupancy", occupancy),
        units=canonical("units", units),
    )
