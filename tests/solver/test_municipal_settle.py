"""Two defects on the municipal path that the SSCFLP tests could not see (their municipal terms
are zero): choosing between a solver's and a heuristic's answer by a partial objective, and
scoring the fewest-modules phase's placement with a site's modules out of order (issue 16)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from capacity.io.registry import load_registry
from capacity.model.domain import Domain, add_pairs, build_domain
from capacity.solver import fewest, fixing, opening
from capacity.solver.problem import problem_of
from capacity.solver.scoring import evaluate
from capacity.solver.settle import classes_of
from capacity.solver.solve import solve_domain

DAY = dt.date(2026, 12, 1)  # the sample's reference date


def _sample_domain(reg) -> Domain:
    return add_pairs(build_domain(reg, DAY, allow_new_modules=True, with_pairs=False))


def test_opening_settle_compares_whole_objectives_not_the_heuristics_partial_one(sample_gpkg):
    dom = _sample_domain(load_registry(sample_gpkg))
    lag = opening.open_modules(dom, 10)
    found = solve_domain(dom)
    heuristic = evaluate(dom, lag.assignment)
    terms = found.by_term()
    assert terms["transport"] > 0 and terms["spread"] > 0 and terms["buildings_first"] > 0
    # the case: the heuristic's array cost leaves the spread out, so it is below CP-SAT's
    # whole objective while its own whole objective is above it
    assert lag.objective < found.objective < heuristic.objective
    settled = opening.settle(dom, found, lag, seed=0, lang="da", started=0.0)
    assert settled.objective == found.objective
    assert settled.solver == "lagrange+cpsat"
    assert settled.explanation["weighted"].sum() == settled.objective


def _only_occupied_units_in_service(reg):
    """The sample with every free standing unit out of service: the arrivals need new modules."""
    units = reg.units.copy()
    open_rows = reg.occupancy[reg.occupancy["move_out"].isna()]
    units.loc[~units["id"].isin(set(open_rows["unit_id"])), "in_service"] = False
    return replace(reg, units=units)


def _worse(dom: Domain, better: dict[str, str | None]) -> dict[str, str | None]:
    """``better`` with one household moved to another allowed unit, dearer by the arrays' cost
    (pair costs and the setups of the modules used) and by the model's objective."""
    prob = problem_of(dom)
    row = {h: i for i, h in enumerate(prob.households)}
    col = {u: j for j, u in enumerate(prob.units)}

    def arrays(at: dict[str, str | None]) -> float:
        used = {col[u] for u in at.values() if u is not None}
        pairs = sum(prob.cost[row[h], col[u]] for h, u in at.items() if u is not None)
        return float(pairs + prob.setup[list(used)].sum())

    base, base_arrays = evaluate(dom, better).objective, arrays(better)
    for hid, uid in sorted(better.items(), key=lambda kv: kv[0]):
        for other in dom.pairs.get(hid, ()):
            moved = {**better, hid: other}
            if uid is None or other == uid or arrays(moved) <= base_arrays:
                continue
            try:
                if evaluate(dom, moved).objective > base:
                    return moved
            except ValueError:
                continue
    raise AssertionError("no worse placement found")


def test_fewest_phase_keeps_a_better_placement_on_a_sites_later_modules(sample_gpkg, monkeypatch):
    dom = _sample_domain(_only_occupied_units_in_service(load_registry(sample_gpkg)))
    best = solve_domain(dom)
    assert best.by_term()["new_modules"] > 0 and best.by_term()["transport"] > 0
    chosen = classes_of(dom, best)
    # the same placement on each site's last modules instead of its first: the same cost
    by_site: dict[str, list[str]] = {}
    for uid, u in dom.units.items():
        if u.new_module:
            by_site.setdefault(u.site_id, []).append(uid)
    shifted = {}
    for hid, uid in chosen.items():
        if uid is None or not dom.units[uid].new_module:
            shifted[hid] = uid
            continue
        modules = by_site[dom.units[uid].site_id]
        used = sorted({u for u in chosen.values() if u in modules}, key=modules.index)
        shifted[hid] = modules[len(modules) - len(used) + used.index(uid)]
    assert shifted != chosen
    # a heuristic placement a little worse than ``best``: the phase's must replace it
    fix = fixing.fix_pairs(dom)
    worse = _worse(dom, chosen)
    placed = evaluate(dom, worse)
    fix = replace(
        fix, domain=dom, assignment=worse, objective=float(placed.objective), placed=placed
    )
    assert best.objective < fix.objective
    prob = problem_of(dom)
    col = {uid: j for j, uid in enumerate(prob.units)}
    found = np.array([col[shifted[h]] for h in prob.households])
    monkeypatch.setattr(fewest, "applies", lambda dom, fix: True)
    monkeypatch.setattr(fewest, "_k_min", lambda dom, fix: 1)
    monkeypatch.setattr(fewest._Search, "restricted", lambda self, at, k, cand, budget: found)
    monkeypatch.setattr(fewest._Search, "neighbourhoods", lambda self, at, budget: at)
    monkeypatch.setattr(fewest._Search, "settle", lambda self, at, budget: at)
    monkeypatch.setattr(fewest._Search, "exchange", lambda self, at, start, budget: at)
    out = fewest.first(dom, fix, time_limit=10, seed=0)
    assert out.objective == best.objective
    assert out.placed is not None and out.placed.objective == best.objective
