"""An independent checker of placements: every hard rule and every soft term, from the frames.

It never imports ``capacity.model`` or ``capacity.solver``: it reads the registry's frames and a
placement (household_id, unit_id, site_id rows, as in ``placements.csv``) and recomputes
everything its own way, so a bug in the model cannot hide behind the same bug here.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

import pandas as pd

SCHOOL = range(6, 17)
GROUPS = {"0-2": range(0, 3), "3-5": range(3, 6)}


class Row(NamedTuple):
    household_id: str
    unit_id: str
    site_id: str


def rows_of(placements) -> list[Row]:
    """Rows of a placements frame (or a list of (household, unit, site) tuples)."""
    if isinstance(placements, pd.DataFrame):
        cols = placements[["household_id", "unit_id", "site_id"]]
        return [Row(*r) for r in cols.itertuples(index=False)]
    return [Row(*r) for r in placements]


def _b(v) -> bool:
    return False if pd.isna(v) else bool(v)


def _round(x: float) -> int:
    return math.floor(x + 0.5)


class Checker:
    """Prepared once per registry and date; ``violations`` and ``score`` are then cheap."""

    def __init__(
        self, reg, date: dt.date, *, allow_moves: bool = False, allow_new_modules: bool = False
    ) -> None:
        self.reg, self.date, self.moves, self.new = reg, date, allow_moves, allow_new_modules
        self.w = reg.policy.weights.model_dump()
        self.lim = reg.policy.limits.model_dump()
        day = pd.Timestamp(date)
        self.hh = {r.id: r for r in reg.households.itertuples()}
        self.persons = {h: int(r.adults) + len(r.children_ages) for h, r in self.hh.items()}
        occ = reg.occupancy
        # a household whose every stay closed by the date has moved on: not housed, not waiting
        gone = set(occ["household_id"]) - set(
            occ.loc[occ["move_out"].isna() | (occ["move_out"] > day), "household_id"]
        )
        # a row starting after the date books its unit for its household: the household is not
        # waiting, it keeps a home it lives in now, and nobody new moves into the unit
        later = occ[occ["move_in"] > day]
        self.booked_units = set(later["unit_id"])
        self.booked = set(later["household_id"])
        living = occ[(occ["move_in"] <= day) & (occ["move_out"].isna() | (occ["move_out"] > day))]
        self.home: dict[str, str] = {}
        for r in living.sort_values("move_in").itertuples():
            self.home.setdefault(r.household_id, r.unit_id)
        self.arriving = sorted(
            h
            for h, r in self.hh.items()
            if h not in self.home
            and h not in gone
            and h not in self.booked
            and r.arrival_date <= day
        )
        self.units = {r.id: r for r in reg.units.itertuples()}
        self.sites = {r.id: r for r in reg.sites.itertuples()}
        self.day = day
        self._cache: dict[tuple[str, str], str | None] = {}
        ds = reg.districts
        self.polygons = dict(zip(ds["id"], ds.geometry, strict=True))
        self.daycare = [
            (d.id, {"0-2": d.free_slots_0_2, "3-5": d.free_slots_3_5})
            for d in ds[ds["kind"] == "daycare"].itertuples()
        ]
        spread = ds[ds["kind"] == self.lim["spread_district_kind"]]
        self.spread_ds = [(d.id, int(d.population)) for d in spread.itertuples()]
        self._minutes()

    # --- geometry -------------------------------------------------------------------------------
    def _district(self, site: str, kind: str) -> str | None:
        key = (site, kind)
        if key not in self._cache:
            d = self.reg.districts.sort_values("id")
            d = d[(d["kind"] == kind) & d.geometry.covers(self.sites[site].geometry)]
            self._cache[key] = None if d.empty else d["id"].iloc[0]
        return self._cache[key]

    def _minutes(self) -> None:
        tm = {}
        if self.reg.travel_minutes is not None:
            tm = {
                (r.site_id, r.poi_id): _round(r.minutes)
                for r in self.reg.travel_minutes.itertuples()
            }
        pois = self.reg.pois
        speed = self.lim["detour_factor"] / self.lim["speed_kmh"] * 60 / 1000

        def minutes(s, p) -> int:
            if (s, p.id) in tm:
                return tm[(s, p.id)]
            return _round(self.sites[s].geometry.distance(p.geometry) * speed)

        self.station, self.school, self.receiving = {}, {}, {}
        for s in self.sites:
            st = [minutes(s, p) for p in pois.itertuples() if p.kind == "station"]
            self.station[s] = min(st, default=0)
            sd = self._district(s, "school")
            poly = None if sd is None else self.reg.districts.set_index("id").geometry[sd]
            schools = [p for p in pois.itertuples() if p.kind == "school"]
            local = [p for p in schools if poly is not None and poly.covers(p.geometry)] or schools
            self.school[s] = min((minutes(s, p) for p in local), default=0)
            rec = [minutes(s, p) for p in schools if _b(p.receiving_classes)]
            self.receiving[s] = min(rec) if rec else self.school[s]

    # --- placements -----------------------------------------------------------------------------
    def occupants(self, placements) -> dict[str, list[str]]:
        """Unit id -> households in it after the placement (residents who stay included)."""
        placed = {r.household_id: r.unit_id for r in rows_of(placements)}
        out: dict[str, list[str]] = {}
        for h, u in self.home.items():
            if not self.moves or h in self.booked:
                out.setdefault(u, []).append(h)
        for h, u in placed.items():
            out.setdefault(u, []).append(h)
        return out

    def violations(self, placements, modules: pd.DataFrame | None = None) -> list[str]:
        """Every broken hard rule, as a sentence (empty when the placement is valid)."""
        bad: list[str] = []
        placements = rows_of(placements)
        ids = [r.household_id for r in placements]
        if len(ids) != len(set(ids)):
            bad.append("a household placed twice")
        new_units: dict[str, set[str]] = {}
        for r in placements:
            bad += self._row(r, new_units)
        if self.moves:
            bad += [
                f"{h}: resident without a unit"
                for h in self.home
                if h not in set(ids) and h not in self.booked
            ]
        up = (
            {}
            if modules is None
            else dict(zip(modules["site_id"], modules["modules_to_put_up"], strict=True))
        )
        for s, us in new_units.items():
            site = self.sites[s]
            room = int(site.modules_max) - int(site.modules_now)
            if not self.new or len(us) > up.get(s, 0) or up.get(s, 0) > room:
                bad.append(f"{s}: new modules {sorted(us)} not allowed or not listed")
        for u, hs in self.occupants(placements).items():
            beds = self._beds(u, placements)
            if sum(self.persons[h] for h in hs) > beds:
                bad.append(f"{u}: more people than beds")
            if len(hs) > 1 and (
                not self._shareable(u) or any(self.hh[h].children_ages for h in hs)
            ):
                bad.append(f"{u}: shared but not shareable or a family shares")
        return bad

    def _beds(self, u: str, placements: list[Row]) -> int:
        if u in self.units:
            return int(self.units[u].beds)
        site = next(r.site_id for r in placements if r.unit_id == u)
        return int(self.sites[site].beds_per_module)

    def _shareable(self, u: str) -> bool:
        return _b(self.units[u].shareable) if u in self.units else True

    def _row(self, r, new_units: dict) -> list[str]:
        h, u, s = r.household_id, r.unit_id, r.site_id
        hh = self.hh.get(h)
        if hh is None:
            return [f"{h}: unknown household"]
        bad = []
        if h in self.home and (not self.moves or h in self.booked):
            bad.append(f"{h}: resident moved without allow_moves, or booked elsewhere later")
        if h not in self.home and h not in self.arriving:
            bad.append(f"{h}: not arrived by the date")
        if self.home.get(h) == u:
            return bad  # staying put
        if _b(hh.unaccompanied_minor):
            bad.append(f"{h}: unaccompanied minor placed")
        if u in self.units:
            unit = self.units[u]
            if unit.site_id != s:
                bad.append(f"{h}: site {s} is not the site of {u}")
            if not _b(unit.in_service):
                bad.append(f"{h}: {u} not in service")
            if u in self.booked_units:
                bad.append(f"{h}: {u} is booked for a household from a later day")
            family_ok, accessible = _b(unit.family_ok), _b(unit.accessible)
        else:
            site = self.sites.get(s)
            if site is None or site.kind != "pavilion_site":
                return bad + [f"{h}: unknown unit {u}"]
            new_units.setdefault(s, set()).add(u)
            family_ok, accessible = True, False
        site = self.sites[s]
        if not (
            (pd.isna(site.available_from) or site.available_from <= self.day)
            and (pd.isna(site.available_until) or site.available_until >= self.day)
        ):
            bad.append(f"{h}: site {s} not available on {self.date}")
        if hh.children_ages and not family_ok:
            bad.append(f"{h}: children in a unit that is not family_ok")
        if _b(hh.needs_accessible) and not accessible:
            bad.append(f"{h}: needs an accessible unit")
        req = hh.required_district
        if not pd.isna(req) and not self.polygons[req].covers(site.geometry):
            bad.append(f"{h}: not in required district {req}")
        return bad

    # --- the objective --------------------------------------------------------------------------
    def score(self, placements, modules: pd.DataFrame | None = None) -> dict[str, int]:
        """Weighted amount per term, recomputed from scratch (terms with weight 0 give 0)."""
        placements = rows_of(placements)
        placed = {r.household_id: r.site_id for r in placements}
        units = {r.household_id: r.unit_id for r in placements}
        raw = {
            t: 0
            for t in (
                "unplaced",
                "transport",
                "school_daycare",
                "family_cluster",
                "spread",
                "buildings_first",
                "new_modules",
                "moves",
                "external_score",
            )
        }
        raw["unplaced"] = sum(
            self.persons[h]
            for h in self.arriving
            if h not in placed and not _b(self.hh[h].unaccompanied_minor)
        )
        scores = {}
        if self.reg.scores is not None:
            scores = {(r.household_id, r.site_id): r.score for r in self.reg.scores.itertuples()}
        months = self.lim["receiving_class_months"]
        for h, s in placed.items():
            hh, n = self.hh[h], self.persons[h]
            raw["transport"] += n * self.station[s]
            a = hh.arrival_date
            new = (self.date.year - a.year) * 12 + self.date.month - a.month < months
            kids = sum(age in SCHOOL for age in hh.children_ages)
            raw["school_daycare"] += kids * (self.receiving[s] if new else self.school[s])
            raw["buildings_first"] += n if self.sites[s].kind == "pavilion_site" else 0
            raw["external_score"] -= _round(100 * scores.get((h, s), 0.0))
            raw["moves"] += int(h in self.home and self.home[h] != units[h])
        raw["school_daycare"] += self._daycare(placed)
        everyone = self._everyone(placed)
        raw["family_cluster"] = self._cluster(everyone)
        raw["spread"] = self._spread(everyone)
        if modules is not None:
            for r in modules.itertuples():
                raw["new_modules"] += int(r.modules_to_put_up) * _round(
                    int(self.sites[r.site_id].cost_setup_per_module) / 1000
                )
        return {t: self.w[t] * v for t, v in raw.items()}

    def _everyone(self, placed: dict[str, str]) -> dict[str, str]:
        """Household -> site for everyone housed after the placement."""
        out = {h: self.units[u].site_id for h, u in self.home.items() if not self.moves}
        out.update(placed)
        return out

    def _daycare(self, placed: dict[str, str]) -> int:
        missing = 0
        for did, free in self.daycare:
            for g, ages in GROUPS.items():
                slots = free[g]
                if pd.isna(slots):
                    continue
                kids = sum(
                    sum(a in ages for a in self.hh[h].children_ages)
                    for h, s in placed.items()
                    if h not in self.home and self._district(s, "daycare") == did
                )
                missing += max(0, kids - int(slots))
        return missing

    def _cluster(self, everyone: dict[str, str]) -> int:
        kind = self.lim["cluster_district_kind"]
        held = {self._district(s, kind) for h, s in everyone.items() if self.hh[h].children_ages}
        held.discard(None)
        return max(0, len(held) - 1)

    def _spread(self, everyone: dict[str, str]) -> int:
        kind, tol = self.lim["spread_district_kind"], self.lim["spread_tolerance_pct"]
        big_p = sum(pop for _, pop in self.spread_ds)
        if not big_p:
            return 0
        # the share is of everyone housed or to be housed (arrivals, minors excepted)
        waiting = [h for h in self.arriving if not _b(self.hh[h].unaccompanied_minor)]
        housed = set(self.home) | set(waiting)
        total = sum(self.persons[h] for h in housed)
        out = 0
        for did, pop in self.spread_ds:
            count = sum(
                self.persons[h] for h, s in everyone.items() if self._district(s, kind) == did
            )
            cap = divmod((100 + tol) * pop * total, 100 * big_p)[0]
            out += max(0, count - cap)
        return out
