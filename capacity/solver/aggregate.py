"""Solve the aggregated formulation exactly: solve counts, pack every site, refine what fails.

Loop: solve the count model (CP-SAT or HiGHS); pack each site's counted households into its real
units (best fit, largest first); a site that does not pack is *refined* (its counts are split
over its unit classes by the exact unit rules) and the model is solved again, hinted with the
last counts. The loop ends when every site packs, so every placement is a real unit; its cost
grows with the sites that fail, not with the size. The placement is then scored by the per-pair
model with every household fixed (``solve.evaluate``): the same terms, explanation and output
contract as the per-pair formulation.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

import numpy as np

from capacity.model.aggregate import (
    AggregateModel,
    build_aggregate,
    candidates,
    household_types,
    solution_counts,
    usable_units,
)
from capacity.model.domain import Domain, Household, Unit
from capacity.solver.greedy import room_left

MAX_ROUNDS = 20
RESERVE = 0.1  # share of the time limit kept free after the first round (packing, scoring)
CANDIDATE_VARIABLES = 60_000  # above this many (type, site) variables keep the k cheapest sites


@dataclass(frozen=True)
class CountSolution:
    """One solve of the count model: status, objective, bound and the value of each variable."""

    status: str
    objective: float | None
    bound: float | None
    value: object  # var -> number


def choose_k(types: list, sites: int) -> int | None:
    """Every allowed site while types x sites stays small, else the cheapest ``k`` per type."""
    if len(types) * sites <= CANDIDATE_VARIABLES:
        return None
    return max(10, CANDIDATE_VARIABLES // max(len(types), 1))


def solve_aggregate(
    dom: Domain,
    *,
    solver: str,
    time_limit: float,
    seed: int,
    lang: str,
    workers: int | None,
    started: float,
    k: int | None = -1,
):
    """Place by the aggregated formulation; returns a ``Result`` (see module docstring).

    ``k = -1`` chooses by size (``choose_k``); ``None`` keeps every allowed site per type.
    """
    from capacity.solver.solve import evaluate

    types = household_types(dom)
    units = usable_units(dom)
    k = choose_k(types, len(dom.sites)) if k == -1 else k
    deadline, hint, rounds, last = time_limit, None, 0, None
    build = solve = 0.0
    lp_bound = None
    if k is None:
        cand = candidates(dom, types, units, None)
    else:
        t0 = time.perf_counter()
        cand, lp_bound, lp_seconds = lp_candidates(
            dom, types, units, budget=LP_SHARE * time_limit, seed=seed
        )
        solve += lp_seconds
        build += time.perf_counter() - t0 - lp_seconds
        deadline -= time.perf_counter() - t0
    refined: frozenset[str] = frozenset()
    reserve = RESERVE * time_limit  # a later round never eats the whole rest of the budget
    # a later round starts only with at least ``reserve`` seconds of its own beyond the reserve
    while rounds < MAX_ROUNDS and (last is None or (last[1] and deadline > 2 * reserve)):
        rounds += 1
        t0 = time.perf_counter()
        m = build_aggregate(dom, types, cand, refined)
        _hint(m, hint)
        t1 = time.perf_counter()
        budget = deadline if last is None else deadline - reserve
        sol = _solve_counts(
            m,
            solver=solver,
            budget=max(budget, 1.0),
            seed=seed,
            workers=workers,
            hint=hint,
            rel_gap=0.0 if lp_bound is None else ROUND_GAP,
        )
        solve += time.perf_counter() - t1
        build += t1 - t0
        deadline -= time.perf_counter() - t0
        if sol.value is None:  # a later round without a solution: keep the last one
            break
        if last is not None and sol.status != "OPTIMAL" and sol.objective > last[2].objective:
            break  # cut off by the limit and worse than the last round: keep the last one
        counts = solution_counts(m, sol.value)
        hint = {key: int(round(sol.value(v))) for key, v in m.n.items()}
        packed, failed = _pack_all(dom, m, counts, units, sol.value)
        _debug(rounds, t0, t1, sol, m, failed)
        last = (packed, failed, sol, m)
        refined = refined | frozenset(failed)
    info = dict(
        lp_bound=lp_bound,
        rounds=rounds,
        refined_sites=len(refined),
        types=len(types),
        candidates_per_type=k,
        build_seconds=round(build, 3),
        solve_seconds=round(solve, 3),
    )
    if last is None:
        return None, dict(info, status=sol.status)
    packed, failed, sol, m = last
    t2 = time.perf_counter()
    if failed:
        packed = repair(dom, m, packed, units)
    pairs = {h.id: () for h in dom.households}
    pairs.update({hid: (uid,) for hid, uid in packed.items() if uid is not None})
    t3 = time.perf_counter()
    result = evaluate(replace(dom, pairs=pairs), packed, lang=lang, started=started)
    if os.environ.get("CAPACITY_DEBUG"):
        print(f"repair {t3 - t2:.2f} s, scoring {time.perf_counter() - t3:.2f} s")
    info.update(
        failed_sites=len(failed),
        aggregate_objective=sol.objective,
        variables=len(m.cp.proto.variables),
        constraints=len(m.cp.proto.constraints),
    )
    # with sites still failing, their unpacked households stay unplaced: feasible, not optimal
    status = sol.status if not failed and k is None else "FEASIBLE"
    # a restricted candidate list bounds nothing; the LP over every allowed site does
    bound = sol.bound if k is None else lp_bound
    if bound is not None and status == "FEASIBLE" and result.objective <= bound + 1 - 1e-9:
        status = "OPTIMAL"  # an integer objective within 1 of a valid bound
    info["restricted_bound"] = sol.bound
    return replace(result, status=status, best_bound=bound, solver=solver), info


# With the LP's bound, a round need not prove its own optimum: it stops within this gap (the
# national rounds 2 and 3 spent 11-13 s proving the last 0.001 %)
ROUND_GAP = 1e-5
LP_SHARE = 0.5  # of the time limit, for the LP relaxation that chooses the candidate sites
FEW = 10  # cheapest sites per type kept beside the LP's choice


def lp_candidates(
    dom: Domain, types: list, units: dict[str, list[Unit]], *, budget: float, seed: int
) -> tuple[dict[str, list[str]], float | None, float]:
    """Candidate sites chosen by the LP relaxation over *every* allowed site.

    Above ``CANDIDATE_VARIABLES`` the count MIP over every allowed site is too large (national:
    141,000 columns; HiGHS 30 % from its bound after 100 s, CP-SAT worse), while its LP
    relaxation is nearly integral (national: 259 fractional columns of 120,547, 3,218 nonzero,
    15 s with simplex). So the LP picks the sites: each type keeps the sites where the LP puts
    some of it, and its ``FEW`` cheapest. The LP optimum is a valid lower bound for the whole
    placement (the count model relaxes only the unit packing, and its terms are exact on
    counts). Without an LP optimum in ``budget`` seconds: the capacity-covering lists of
    ``candidates`` and no bound. Returns the lists, the bound and the LP's seconds.
    """
    from capacity.solver.highs import solve_highs
    from capacity.solver.linear import linear_form

    m = build_aggregate(dom, types, candidates(dom, types, units, None))
    t0 = time.perf_counter()
    out = solve_highs(linear_form(m.cp.proto), time_limit=budget, seed=seed, relax=True)
    seconds = time.perf_counter() - t0
    if os.environ.get("CAPACITY_DEBUG"):
        print(f"LP over {len(m.n)} columns: {out.status} {out.objective} in {seconds:.1f} s")
    if out.status != "OPTIMAL":
        return candidates(dom, types, units, FEW), None, seconds
    few = candidates(dom, types, units, FEW, cover=False)
    used: dict[str, set[str]] = {t.id: set(few[t.id]) for t in types}
    for (tid, sid), var in m.n.items():
        if out.values[var.index] > 1e-6:
            used[tid].add(sid)
    return {tid: sorted(sids) for tid, sids in used.items()}, out.objective, seconds


def _debug(
    rounds: int, t0: float, t1: float, sol: CountSolution, m: AggregateModel, failed: list
) -> None:
    if os.environ.get("CAPACITY_DEBUG"):
        print(
            f"round {rounds}: build {t1 - t0:.2f} s, solve {time.perf_counter() - t1:.2f} s, "
            f"{sol.status} {sol.objective} / {sol.bound}, {len(m.n)} n, "
            f"{len(m.cp.proto.constraints)} rows, {len(failed)} failed"
        )


def repair(
    dom: Domain, m: AggregateModel, packed: dict[str, str | None], units: dict[str, list[Unit]]
) -> dict[str, str | None]:
    """Households left over at sites that did not pack, to the cheapest site anywhere (not only
    the type's candidates) with a standing unit or an already used new module that still takes
    them (greedy, by type and id).

    Measured on the national instance after one CP-SAT round (38 sites unpacked): with the
    candidate sites only, 116 households stayed unplaced and the answer was 15 % above the bound.
    """
    from capacity.model.aggregate import _pair_costs, fits, site_arrays

    load: dict[str, list[Household]] = {}
    modules: dict[str, set[str]] = {}  # site -> new modules already in use
    for hid, uid in packed.items():
        if uid is not None:
            load.setdefault(uid, []).append(dom.household(hid))
            if dom.units[uid].new_module:
                modules.setdefault(dom.units[uid].site_id, set()).add(uid)
    out = dict(packed)
    left = [t for t in m.types if any(out.get(h) is None for h in t.members)]
    if not left:
        return out
    reach = candidates(dom, left, units, None)
    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    site, pavilion = site_arrays(dom, sids)
    for t in left:
        cost = _pair_costs(t.rep, dom, sids, site, pavilion)
        order = sorted(reach[t.id], key=lambda s: (cost[at[s]], s))
        for hid in t.members:
            if out.get(hid) is not None:
                continue
            h = dom.household(hid)
            for sid in order:
                pool = [*units.get(sid, []), *(dom.units[u] for u in sorted(modules.get(sid, ())))]
                room = [u for u in pool if fits(h, u, dom) and room_left(h, u, load.get(u.id, []))]
                if room:
                    out[hid] = room[0].id
                    load.setdefault(room[0].id, []).append(h)
                    break
    return out


def _hint(m: AggregateModel, hint: dict | None) -> None:
    for key, var in m.n.items():
        m.cp.add_hint(var, (hint or {}).get(key, 0))


def _solve_counts(
    m: AggregateModel,
    *,
    solver: str,
    budget: float,
    seed: int,
    workers: int | None,
    hint: dict | None = None,
    rel_gap: float = 0.0,
) -> CountSolution:
    if solver == "highs":
        from capacity.solver.highs import solve_highs
        from capacity.solver.linear import linear_form

        start = None
        if hint is not None:  # the last round's counts: HiGHS repairs what refining broke
            keys = list(m.n)
            start = (
                np.array([m.n[key].index for key in keys], dtype=np.int64),
                np.array([hint.get(key, 0) for key in keys], dtype=np.float64),
            )
        out = solve_highs(
            linear_form(m.cp.proto), time_limit=budget, seed=seed, start=start, rel_gap=rel_gap
        )
        if out.values is None:
            return CountSolution(out.status, None, None, None)
        status = "OPTIMAL" if out.status == "OPTIMAL" else "FEASIBLE"
        return CountSolution(status, out.objective, out.bound, lambda v: out.values[v.index])
    from ortools.sat.python import cp_model

    from capacity.solver.solve import _run

    cp = _run(
        m,
        workers=workers or 1,
        seed=seed,
        budget=budget,
        interleave=(workers or 1) > 1,
        linearization_level=2,
        relative_gap_limit=rel_gap,
    )
    if cp.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CountSolution(cp.status_name(cp.status), None, None, None)
    return CountSolution(
        cp.status_name(cp.status), cp.objective_value, cp.best_objective_bound, cp.value
    )


def _pack_all(dom: Domain, m: AggregateModel, counts: dict, units: dict, value):
    """Household -> unit class for every counted household; the sites that do not pack."""
    cursor = {t.id: 0 for t in m.types}
    out: dict[str, str | None] = {h.id: None for h in dom.households}
    failed = []
    for sid in sorted(counts):
        people = []
        for tid, c in sorted(counts[sid].items()):
            t = m.type_of[tid]
            people += [(dom.household(h), tid) for h in t.members[cursor[tid] : cursor[tid] + c]]
            cursor[tid] += c
        if sid in m.refined:
            out.update(_split_refined(m, sid, people, value))
            continue
        modules = int(round(value(m.y[sid]))) if sid in m.y else 0
        households = [h for h, _ in people]
        placed, left = pack_site(dom, households, units.get(sid, []), sid, modules)
        if left:  # best fit is a heuristic: ask an exact packing before refining the site
            exact = pack_exact(dom, households, units.get(sid, []), sid, modules)
            if exact is not None:
                placed, left = exact, []
        out.update(placed)
        if left:
            failed.append(sid)
    return out, failed


PACK_LIMIT = 2.0  # deterministic units for the exact packing of one site


def pack_exact(
    dom: Domain, people: list[Household], units: list[Unit], sid: str, modules: int
) -> dict[str, str] | None:
    """Every household of ``people`` in a unit of the site (and its first ``modules`` new
    modules) by the unit rules, or ``None`` when CP-SAT proves (or cannot show in
    ``PACK_LIMIT``) that they do not all fit. Small: one site's households and units.

    Measured on the national instance: best fit left 42 of 2,000 sites unpacked, most of them
    sites whose counts pack exactly.
    """
    from ortools.sat.python import cp_model

    from capacity.model.aggregate import fits

    new = sorted(
        (u for u in dom.units.values() if u.new_module and u.site_id == sid), key=lambda u: u.id
    )[:modules]
    pool = [*units, *new]
    cp = cp_model.CpModel()
    x = {
        (h.id, u.id): cp.new_bool_var(f"{h.id}@{u.id}")
        for h in people
        for u in pool
        if fits(h, u, dom)
    }
    for h in people:
        cp.add_exactly_one(v for (hid, _), v in x.items() if hid == h.id)
    for u in pool:
        here = [(dom.household(hid), v) for (hid, uid), v in x.items() if uid == u.id]
        if not here:
            continue
        if not u.shareable:
            cp.add(sum(v for _, v in here) <= u.size)
            continue
        cp.add(sum(h.persons * v for h, v in here) <= u.free_beds)
        for h, v in here:
            if h.has_children:  # a family has the unit to itself
                cp.add(sum(o for g, o in here if g.id != h.id) == 0).only_enforce_if(v)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = PACK_LIMIT
    if solver.solve(cp) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {hid: uid for (hid, uid), v in x.items() if solver.boolean_value(v)}


def _split_refined(m: AggregateModel, sid: str, people: list, value) -> dict[str, str]:
    """A refined site: its households to unit classes by the solved per-class counts."""
    left = {
        key: int(round(value(v))) for key, v in m.nu.items() if m.dom.units[key[1]].site_id == sid
    }
    out = {}
    for h, tid in people:
        uid = next(u for (t, u), c in sorted(left.items()) if t == tid and c > 0)
        left[(tid, uid)] -= 1
        out[h.id] = uid
    return out


def pack_site(
    dom: Domain, people: list[Household], units: list[Unit], sid: str, modules: int
) -> tuple[dict[str, str], list[Household]]:
    """Best-fit packing of ``people`` into the site's units and its first ``modules`` new
    modules: accessibility needs and families first, largest first; returns the placed and
    the households left over (empty when the site packs)."""
    from capacity.model.aggregate import fits

    new = sorted(
        (u for u in dom.units.values() if u.new_module and u.site_id == sid), key=lambda u: u.id
    )[:modules]
    pool = [*units, *new]
    load: dict[str, list[Household]] = {u.id: [] for u in pool}
    out, left = {}, []
    order = sorted(
        people, key=lambda h: (not h.needs_accessible, not h.has_children, -h.persons, h.id)
    )
    for h in order:
        options = [u for u in pool if fits(h, u, dom) and room_left(h, u, load[u.id])]
        if not options:
            left.append(h)
            continue
        best = min(
            options,
            key=lambda u: (
                u.accessible and not h.needs_accessible,
                u.family_ok and not h.has_children,
                u.free_beds - h.persons,
                u.id,
            ),
        )
        load[best.id].append(h)
        out[h.id] = best.id
    return out, left


FORMULATIONS = ("auto", "pairs", "aggregate")
PAIRS_LIMIT = 20_000  # arriving households x unit classes up to which ``auto`` picks pairs


def choose_formulation(dom: Domain, formulation: str, *, solver: str) -> str:
    """``pairs`` or ``aggregate``; ``auto`` by size (pairs with moves, for greedy and with a
    ``scores`` layer).

    Raises
    ------
    UserError
        For an unknown formulation, or the aggregate with moves or the greedy solver.
    """
    from capacity.errors import UserError

    if formulation not in FORMULATIONS:
        raise UserError(f"unknown formulation {formulation!r}; choose auto, pairs or aggregate")
    if formulation == "aggregate" and (dom.allow_moves or solver == "greedy"):
        raise UserError(
            "the aggregate formulation places arriving households only: "
            "drop --allow-moves (or use --formulation pairs), and use cpsat or highs"
        )
    if formulation != "auto":
        return formulation
    if dom.allow_moves or solver == "greedy" or dom.scores:
        # with a scores layer every household is a type of its own: nothing to aggregate, and
        # the per-pair model has the Lagrangian heuristic for new modules (solver.opening)
        return "pairs"
    return "aggregate" if len(dom.arriving) * len(dom.units) > PAIRS_LIMIT else "pairs"


def place_aggregate(
    dom: Domain,
    *,
    solver: str,
    time_limit: float,
    seed: int,
    lang: str,
    workers: int | None,
    started: float,
):
    """``solve_aggregate`` with sizes in ``options``; all unplaced (labelled) without a solution."""
    from capacity.solver.solve import evaluate

    result, info = solve_aggregate(
        dom,
        solver=solver,
        time_limit=time_limit,
        seed=seed,
        lang=lang,
        workers=workers,
        started=started,
    )
    if result is None:
        empty = replace(dom, pairs={h.id: () for h in dom.households})
        result = replace(
            evaluate(empty, {h.id: None for h in dom.households}, lang=lang, started=started),
            status="UNKNOWN",
            solver=f"ingen løsning ({solver}: {info['status']})",
        )
    size = {"variables": info.get("variables"), "constraints": info.get("constraints")}
    return replace(
        result,
        options={"model_size": size, "aggregate": info},
        build_seconds=round(time.perf_counter() - started - info.get("solve_seconds", 0.0), 3),
        solve_seconds=info.get("solve_seconds", 0.0),
    )
