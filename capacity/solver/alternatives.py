"""What each placed household's best other unit would have changed in the objective.

``Result.alternatives`` (the explanation's "Bedste alternativ"): for each placed household the
unit class on another site whose move changes the whole objective least, every other household
fixed (``MoveCosts``), and that change in all and per term; on arrays over the candidate
classes (``PairCosts`` for the pair terms). ``pair_bound`` reads the same arrays for a lower
bound on any placement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from capacity.model.aggregate import AggregateModel, fits, site_arrays, unit_pair_costs
from capacity.model.domain import DAYCARE_GROUPS, Domain, Household, Unit
from capacity.model.hard import static_key
from capacity.model.soft import (
    PAIR_COEFS,
    SOFT_TERMS,
    daycare_demand,
    daycare_slots,
    resident_family_districts,
    spread_caps,
)
from capacity.solver.greedy import room_left

TERM_NAMES = tuple(t.__name__ for t in SOFT_TERMS)
PLACEMENT_TERMS = tuple(n for n in TERM_NAMES if n != "unplaced")


# A move changes every term but ``unplaced`` (the household stays placed): its pair terms, and
# the district terms whose load it carries from one district to another.
DISTRICT_TERMS = ("school_daycare", "family_cluster", "spread", "new_modules")
ALTERNATIVE_COLUMNS = [
    "household_id",
    "alt_unit_id",
    "alt_site_id",
    "alt_free",
    "extra_cost",
    *PLACEMENT_TERMS,
]


def alternatives_table(dom: Domain, assignment: dict) -> pd.DataFrame:
    """Each placed household's best allowed unit class on another site (``MoveCosts.best``):
    the move that changes the whole objective least, everything else fixed, and that change in
    all and per term.

    The pair costs are read on arrays, one household at a time (``PairCosts``); a test holds the
    choice and the change to ``scoring.evaluate`` of the moved placement.
    """
    costs, moving, rows = PairCosts(dom), None, []
    for hid, uid in sorted(assignment.items()):
        if uid is None:
            continue
        h = dom.household(hid)
        where, ids = costs.pairs(h)
        if not (where != costs.at[dom.units[uid].site_id]).any():
            continue
        if moving is None:
            moving = MoveCosts(dom, assignment)
        rows.append(moving.best(h, uid, where, ids, costs.of(h)))
    return _alternatives_frame(rows)


def _alternatives_frame(rows: list[dict]) -> pd.DataFrame:
    """The rows as ``Result.alternatives``, with the column types also when there are none."""
    types = {"alt_free": "bool", "extra_cost": "int64"} | dict.fromkeys(PLACEMENT_TERMS, "int64")
    return pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS).astype(types)


class PairCosts:
    """``soft.pair_cost`` of every allowed pair of a household, on arrays
    (``aggregate.unit_pair_costs``). Households with the same pairs share their arrays of
    sites and ids."""

    def __init__(self, dom: Domain) -> None:
        self.dom = dom
        self.sids = sorted(dom.sites)
        self.at = {sid: i for i, sid in enumerate(self.sids)}
        self.site = site_arrays(dom, self.sids)
        self._arrays: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}

    def pairs(self, h: Household) -> tuple[np.ndarray, np.ndarray]:
        """The site index and the unit class id of each of ``h``'s pairs, in their order."""
        pairs = self.dom.pairs[h.id]
        if pairs not in self._arrays:
            where = [self.at[self.dom.units[o].site_id] for o in pairs]
            self._arrays[pairs] = np.array(where, np.int64), np.array(pairs, dtype=object)
        return self._arrays[pairs]

    def of(self, h: Household) -> np.ndarray:
        """``pair_cost`` of each of ``h``'s pairs, in their order."""
        where, ids = self.pairs(h)
        return unit_pair_costs(h, self.dom, self.sids, self.site, where, ids)


def pair_bound(dom: Domain) -> int:
    """A lower bound on every placement's objective in ``dom``: each household at its cheapest
    allowed pair, or unplaced where that is cheaper and allowed (an arriving household). The
    terms left out (the district terms, new modules' setup, an unplaced minor) are ``>= 0``
    with the policy's non-negative weights; capacity is not read."""
    costs, total = PairCosts(dom), 0
    for h in dom.households:
        cheapest = [int(costs.of(h).min())] if dom.pairs[h.id] else []
        if h.current_unit is None:
            cheapest.append(0 if h.unaccompanied_minor else dom.weights["unplaced"] * h.persons)
        total += min(cheapest)
    return total


def aggregate_alternatives(
    dom: Domain, m: AggregateModel, placed: dict[str, str | None], units: dict[str, list[Unit]]
) -> pd.DataFrame:
    """``Result.alternatives`` for an aggregate placement (``capacity.solver.aggregate``): each
    placed household's best unit class on another of its type's candidate sites, among the
    standing units (``units``) and new modules it fits, as ``MoveCosts.best`` chooses it.

    The households are arriving ones: those of a type on one site share the answer (their pair
    costs and what they carry between districts are the type's and the site's), unless they
    are in a new module (leaving it may take it down).
    """
    moving = MoveCosts(dom, placed)
    site = site_arrays(dom, moving.sids)
    modules: dict[str, list[Unit]] = {}
    for u in sorted(dom.units.values(), key=lambda u: u.id):
        if u.new_module:
            modules.setdefault(u.site_id, []).append(u)
    fit: dict[tuple, bool] = {}  # (hard.static_key, unit class id) -> fits

    def fitting(h: Household, u: Unit) -> bool:
        key = (static_key(h), u.id)
        if key not in fit:
            fit[key] = fits(h, u, dom)
        return fit[key]

    rows = []
    for t in m.types:
        members = [hid for hid in t.members if placed.get(hid) is not None]
        if not members:
            continue
        cand = [
            u.id
            for sid in sorted(m.cand[t.id])
            for u in [*sorted(units.get(sid, []), key=lambda u: u.id), *modules.get(sid, [])]
            if fitting(t.rep, u)
        ]
        ids = np.array(cand, dtype=object)
        where = np.array([moving.at[dom.units[u].site_id] for u in cand], dtype=np.int64)
        pair = unit_pair_costs(t.rep, dom, moving.sids, site, where, ids)
        room = np.array([moving.room(t.rep, u) for u in cand], dtype=bool)
        found: dict[str, dict | None] = {}
        for hid in members:
            u = dom.units[placed[hid]]
            key = u.id if u.new_module else u.site_id
            if key not in found:
                found[key] = moving.best(dom.household(hid), u.id, where, ids, pair, room)
            if found[key] is not None:
                rows.append({**found[key], "household_id": hid})
    return _alternatives_frame(rows).sort_values("household_id", ignore_index=True)


NO_LIMIT = 2**40  # the limit of the index that stands for "no district counted here"


def _over(load: np.ndarray, limit: np.ndarray) -> np.ndarray:
    return np.maximum(load - limit, 0)


@dataclass(frozen=True)
class _Loads:
    """One district term's loads on arrays: the district index of each site (the last index
    when the site lies in no district the term counts), each district's load and limit."""

    of_site: np.ndarray
    load: np.ndarray
    limit: np.ndarray

    @classmethod
    def of(
        cls,
        dom: Domain,
        sids: list[str],
        kind: str,
        limits: dict[str, int],
        placed: list[tuple[Household, int]],
        amount: Callable[[Household], int],
        start: dict[str, int] | None = None,
    ) -> _Loads:
        """The loads of the districts ``limits`` of ``kind``: ``start`` plus ``amount`` of each
        placed household (with its site's index)."""
        index = {did: i for i, did in enumerate(limits)}
        none = len(index)
        of_site = [index.get(dom.sites[s].districts.get(kind), none) for s in sids]
        load = np.zeros(none + 1, dtype=np.int64)
        for did, n in (start or {}).items():
            load[index[did]] += n
        for h, s in placed:
            load[of_site[s]] += amount(h)
        load[none] = 0
        limit = np.array([*limits.values(), NO_LIMIT], dtype=np.int64)
        return cls(np.array(of_site, dtype=np.int64), load, limit)

    def moved(self, amount: int, source: int) -> np.ndarray:
        """The loads with ``amount`` taken from the district of site ``source``."""
        load = self.load.copy()
        load[self.of_site[source]] -= amount
        load[-1] = 0
        return load

    def change(self, amount: int, source: int, where: np.ndarray) -> np.ndarray:
        """The change in the loads above their limits when ``amount`` moves from the district
        of site ``source`` to that of each site in ``where``."""
        d, to, limit = self.of_site[source], self.of_site[where], self.limit
        load = self.moved(amount, source)
        gone = _over(load[d], limit[d]) - _over(self.load[d], limit[d])
        return gone + _over(load[to] + amount, limit[to]) - _over(load[to], limit[to])


class MoveCosts:
    """What moving one placed household of ``assignment`` to another unit class changes in the
    objective, every other household fixed; on arrays over the candidate classes.

    The pair terms change by ``soft.PAIR_COEFS``. A district term's part is a variable held at
    or above a load less a limit and at or above 0, which the objective presses down: with every
    household fixed it is the load above the limit, read here from ``soft``'s definitions:
    ``spread`` the persons in a district above ``spread_caps``; ``school_daycare`` the children
    (``daycare_demand``) above a daycare district's ``daycare_slots``; ``family_cluster`` the
    districts holding families (placed, or residents' by ``resident_family_districts``) above
    the first (``FIRST_DISTRICT``); ``new_modules`` the setup of a site's modules up to the last
    one used (modules go up in order). A property test holds every change to ``evaluate`` of
    the moved placement less ``evaluate`` of the placement.
    """

    def __init__(self, dom: Domain, assignment: dict[str, str | None]) -> None:
        self.dom = dom
        self.sids = sorted(dom.sites)
        self.at = {sid: i for i, sid in enumerate(self.sids)}
        self.here: dict[str, list[Household]] = {}
        for hid, uid in sorted(assignment.items()):
            if uid is not None:
                self.here.setdefault(uid, []).append(dom.household(hid))
        placed = [(h, self.at[dom.units[u].site_id]) for u, hs in self.here.items() for h in hs]
        caps = spread_caps(dom)
        limits = {did: cap for did, (_, cap) in caps.items()}
        staying = {did: n for did, (n, _) in caps.items()}
        kind = str(dom.limits["spread_district_kind"])
        spread = _Loads.of(dom, self.sids, kind, limits, placed, _persons, start=staying)
        self.loads = [("spread", spread, _persons)]
        slots = daycare_slots(dom)
        for group in DAYCARE_GROUPS:
            demand = partial(daycare_demand, group=group)
            limits = {did: n for (did, g), n in slots.items() if g == group}
            loads = _Loads.of(dom, self.sids, "daycare", limits, placed, demand)
            self.loads.append(("school_daycare", loads, demand))
        self.families = self._families(placed)
        self.module_at: dict[str, int] = {}  # new module -> its place among its site's modules
        count: dict[str, int] = {}
        for uid, u in dom.units.items():
            if u.new_module:
                self.module_at[uid] = count[u.site_id] = count.get(u.site_id, 0) + 1
        self.used: dict[int, list[int]] = {}  # site index -> places of its used modules, in order
        for uid in sorted(self.here, key=lambda uid: self.module_at.get(uid, 0)):
            if uid in self.module_at:
                self.used.setdefault(self.at[dom.units[uid].site_id], []).append(
                    self.module_at[uid]
                )
        self.up = np.zeros(len(self.sids), dtype=np.int64)  # modules up per site: the last used
        for s, places in self.used.items():
            self.up[s] = places[-1]
        self.setup = np.array([dom.sites[s].setup_kdkk for s in self.sids], dtype=np.int64)

    def _families(self, placed: list[tuple[Household, int]]) -> _Loads:
        """Families per district of the cluster's kind, a resident family counted as one, each
        district's limit 0 (it holds families when its load is above it)."""
        dom = self.dom
        kind = str(dom.limits["cluster_district_kind"])
        counted = [did for did, d in sorted(dom.districts.items()) if d.kind == kind]
        if not dom.weights["family_cluster"]:
            counted = []
        residents = resident_family_districts(dom, kind)
        start = {did: 1 for did in counted if did in residents}
        limits = dict.fromkeys(counted, 0)
        return _Loads.of(dom, self.sids, kind, limits, placed, _children, start=start)

    def changes(
        self, h: Household, chosen: str, where: np.ndarray, ids: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The weighted change of each district term when ``h`` moves from unit class
        ``chosen`` to each of ``ids`` (on the sites ``where``)."""
        w, source = self.dom.weights, self.at[self.dom.units[chosen].site_id]
        out = {n: np.zeros(len(ids), dtype=np.int64) for n in DISTRICT_TERMS}
        for name, loads, amount in self.loads:
            if n := amount(h):
                out[name] += w[name] * loads.change(n, source, where)
        if h.has_children and len(self.families.load) > 1:
            out["family_cluster"] = w["family_cluster"] * self._cluster(source, where)
        if self.module_at:
            out["new_modules"] = w["new_modules"] * self._setup(chosen, source, where, ids)
        return out

    def _cluster(self, source: int, where: np.ndarray) -> np.ndarray:
        """The change in the districts holding families beyond the first when one family moves
        from site ``source`` to each site of ``where``."""
        f = self.families
        before = int((f.load > 0).sum())
        held = f.moved(1, source) > 0
        to = f.of_site[where]
        after = int(held.sum()) + (~held[to] & (to < len(held) - 1))
        return _over(after, 1) - max(before - 1, 0)

    def _setup(self, chosen: str, source: int, where: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The change in the setup of the modules put up (DKK 1,000) when the household in
        ``chosen`` moves to each of ``ids``: the source site keeps its modules up to the last one
        still used, the target puts up every module up to the one it moves into."""
        up, left = self.up, int(self.up[source])
        if self.module_at.get(chosen) == left and len(self.here[chosen]) == 1:
            left = ([0, *self.used[source]])[-2]
        place = np.array([self.module_at.get(u, 0) for u in ids], dtype=np.int64)
        raised = np.maximum(up[where], place) - up[where]
        return self.setup[source] * (left - up[source]) + self.setup[where] * raised

    def room(self, h: Household, uid: str) -> bool:
        """Whether ``h`` fits in unit class ``uid`` beside the households placed there."""
        return room_left(h, self.dom.units[uid], self.here.get(uid, []))

    def best(
        self,
        h: Household,
        chosen: str,
        where: np.ndarray,
        ids: np.ndarray,
        pair: np.ndarray,
        room: np.ndarray | None = None,
    ) -> dict | None:
        """The alternatives row of ``h``, placed in ``chosen``: among the unit classes ``ids``
        (on the sites ``where``, with ``h``'s pair costs ``pair``) on another site, the one whose
        move changes the objective least (ties: one with room, then the smaller id); ``None``
        when there is none. ``room``: ``self.room`` of each of ``ids``, where it is known.

        A class without room for ``h`` is weighed as if ``h`` moved in beside its households,
        who stay: ``alt_free`` is then False, and the change leaves out where they would go.
        """
        other = np.flatnonzero(where != self.at[self.dom.units[chosen].site_id])
        if not len(other):
            return None
        where, ids = where[other], ids[other]
        district = self.changes(h, chosen, where, ids)
        # the change plus the chosen unit's pair cost, which is the same for every candidate
        cost = pair[other] + sum(district.values())
        tied = np.flatnonzero(cost == cost.min())
        if room is None:
            free = [k for k in tied if self.room(h, ids[k])]
        else:
            free = list(tied[room[other][tied]])
        j = min(free or tied, key=lambda k: ids[k])
        changes = {n: int(a[j]) for n, a in district.items()}
        return self._row(h, chosen, ids[j], changes, bool(free))

    def _row(self, h: Household, chosen: str, alt: str, district: dict, free: bool) -> dict:
        """The row of ``h``'s move from ``chosen`` to ``alt``: each term's weighted change, the
        pair terms' by ``soft.PAIR_COEFS``, and the unit shown (a free one of the class)."""
        dom, u, c = self.dom, self.dom.units[alt], self.dom.units[chosen]
        terms = {n: district.get(n, 0) for n in PLACEMENT_TERMS}
        for n, coef in PAIR_COEFS.items():
            terms[n] += dom.weights[n] * (coef(h, u, dom) - coef(h, c, dom))
        held = len(self.here.get(alt, []))
        return dict(
            household_id=h.id,
            alt_unit_id=u.ids[held] if not u.shareable and held < u.size else u.ids[0],
            alt_site_id=u.site_id,
            alt_free=free,
            extra_cost=sum(terms.values()),
            **terms,
        )


def _persons(h: Household) -> int:
    return h.persons


def _children(h: Household) -> int:
    return int(h.has_children)
