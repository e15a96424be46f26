"""The separable part of a placement model as numpy arrays (households x units; ``problem_of``).

The Lagrangian heuristic for new modules (``capacity.solver.opening``) works on these arrays and
builds no solver model: costs exactly as ``soft.pair_cost`` counts them, ``inf`` where a pair is
not allowed (a property test holds every entry equal to ``soft.pair_cost``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.model.aggregate import site_arrays, unit_pair_costs
from capacity.model.domain import Domain

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
    """The arrays of ``dom`` (with its pairs), costs exactly as ``soft.pair_cost`` counts them
    (``aggregate.unit_pair_costs``)."""
    hh, uids = dom.households, tuple(dom.units)
    col = {uid: j for j, uid in enumerate(uids)}
    units = [dom.units[u] for u in uids]
    sites = [dom.sites[u.site_id] for u in units]
    persons = np.array([h.persons for h in hh], dtype=float)
    w = dom.weights
    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    site = site_arrays(dom, sids)
    of_unit = np.array([at[u.site_id] for u in units], dtype=np.int64)
    ids = np.array(uids, dtype=object)
    cost = np.zeros((len(hh), len(uids)))
    for i, h in enumerate(hh):
        cost[i] = unit_pair_costs(h, dom, sids, site, of_unit, ids)
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


def _weights(dom: Domain, units: list, persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Capacity use per pair and capacity per unit (see ``Problem``)."""
    shareable = np.array([u.shareable for u in units], dtype=bool)
    beds = np.array([u.free_beds for u in units], dtype=float)
    family = np.array([h.has_children for h in dom.households], dtype=bool)
    weight = np.where(shareable, persons[:, None], 1.0)
    weight = np.where(family[:, None] & shareable, beds, weight)
    capacity = np.where(shareable, beds, [float(u.size) for u in units])
    return weight, capacity
