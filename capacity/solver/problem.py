"""The separable part of a placement model as numpy arrays (households x units; ``problem_of``).

The Lagrangian heuristic for new modules (``capacity.solver.opening``) works on these arrays and
builds no solver model: costs exactly as ``soft.pair_cost`` counts them, ``inf`` where a pair is
not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.model.domain import Domain
from capacity.model.soft import SCORE_SCALE

INF = np.inf


@dataclass(frozen=True)
class Problem:
    """The separable part of a placement model as arrays (``H`` households, ``U`` units).

    Attributes
    ----------
    households, units : ids in row and column order.
    cost : weighted household-level cost of each pair (``soft.pair_cost``), ``inf`` where the
        pair is not allowed (H, U).
    weight : what the household uses of the unit's capacity (H, U).
    capacity : free beds of a shareable unit, ``size`` of a class of single units (U,).
    setup : weighted setup cost of a new module, 0 for a standing unit (U,).
    penalty : weighted cost of leaving the household unplaced (H,).
    persons : persons per household (H,).
    """

    households: tuple[str, ...]
    units: tuple[str, ...]
    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    setup: np.ndarray
    penalty: np.ndarray
    persons: np.ndarray
    beds: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        return np.isfinite(self.cost)


def problem_of(dom: Domain) -> Problem:
    """The arrays of ``dom`` (with its pairs), costs exactly as ``soft.pair_cost`` counts them."""
    hh, uids = dom.households, tuple(dom.units)
    col = {uid: j for j, uid in enumerate(uids)}
    units = [dom.units[u] for u in uids]
    sites = [dom.sites[u.site_id] for u in units]
    persons = np.array([h.persons for h in hh], dtype=float)
    w = dom.weights
    cost = np.outer(persons, [w["transport"] * s.station_minutes for s in sites])
    cost += np.outer(persons, [w["buildings_first"] * s.pavilion for s in sites])
    new = np.array([h.new for h in hh], dtype=bool)
    school = np.where(
        new[:, None], [s.receiving_minutes for s in sites], [s.school_minutes for s in sites]
    )
    cost += w["school_daycare"] * np.array([h.school_children for h in hh])[:, None] * school
    for i, h in enumerate(hh):  # a movable resident's move: 1 anywhere but its own unit
        if h.current_unit is not None:
            cost[i] += w["moves"] * (np.array(uids) != h.current_unit)
    cost += w["external_score"] * _score_costs(dom, uids)
    allowed = np.zeros_like(cost, dtype=bool)
    for i, h in enumerate(hh):
        allowed[i, [col[u] for u in dom.pairs[h.id]]] = True
    weight, capacity = _weights(dom, units, persons)
    setup = np.array(
        [w["new_modules"] * s.setup_kdkk * u.new_module for u, s in zip(units, sites, strict=True)],
        dtype=float,
    )
    arriving = np.array([h.current_unit is None and not h.unaccompanied_minor for h in hh], bool)
    return Problem(
        tuple(h.id for h in hh),
        uids,
        np.where(allowed, cost, INF),
        weight,
        capacity,
        setup,
        np.where(arriving, w["unplaced"] * persons, 0.0),
        persons,
        np.array([u.free_beds * u.size for u in units], dtype=float),
    )


def _score_costs(dom: Domain, uids: tuple[str, ...]) -> np.ndarray:
    """``-half_up(SCORE_SCALE * score)`` per (household, unit), 0 without a score (vectorised)."""
    row = {h.id: i for i, h in enumerate(dom.households)}
    site_ids = sorted({u.site_id for u in dom.units.values()})
    scol = {s: j for j, s in enumerate(site_ids)}
    by_site = np.zeros((len(row), len(site_ids)))
    keys = [(row[h], scol[s], v) for (h, s), v in dom.scores.items() if h in row and s in scol]
    if keys:
        i, j, v = (np.array(a) for a in zip(*keys, strict=True))
        by_site[i, j] = -np.floor(SCORE_SCALE * v.astype(float) + 0.5)
    return by_site[:, [scol[dom.units[u].site_id] for u in uids]]


def _weights(dom: Domain, units: list, persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Capacity use per pair and capacity per unit (see ``Problem``)."""
    shareable = np.array([u.shareable for u in units], dtype=bool)
    beds = np.array([u.free_beds for u in units], dtype=float)
    family = np.array([h.has_children for h in dom.households], dtype=bool)
    weight = np.where(shareable, persons[:, None], 1.0)
    weight = np.where(family[:, None] & shareable, beds, weight)
    capacity = np.where(shareable, beds, [float(u.size) for u in units])
    return weight, capacity
