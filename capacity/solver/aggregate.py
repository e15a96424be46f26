"""Solve the aggregated formulation exactly: solve counts, pack every site, refine what fails.

Loop: solve the count model (CP-SAT or HiGHS); pack each site's counted households into its real
units (best fit, largest first); a site that does not pack is *refined* (its counts are split
over its unit classes by the exact unit rules) and the model is solved again, hinted with the
last counts. The loop ends when every site packs, so every placement is a real unit; its cost
grows with the sites that fail, not with the size. The placement is then scored by the per-pair
model with every household fixed (``solve.evaluate``): the same terms, explanation and output
contract as the per-pair formulation.

Above ``CANDIDATE_VARIABLES`` (type, site) columns, the LP relaxation over every allowed site
chooses each type's candidate sites first and gives a valid bound (``lp_candidates``); the rounds
then only need to come within ``ROUND_GAP`` of their own bound. Packing and the greedy placement
of what no round packs are in ``capacity.solver.packing``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from capacity.model.aggregate import (
    AggregateModel,
    build_aggregate,
    candidates,
    household_types,
    solution_counts,
    usable_units,
)
from capacity.model.domain import Domain, Unit
from capacity.solver.packing import allowed_units, pack_all, repair
from capacity.solver.result import unplaced_table

MAX_ROUNDS = 20
RESERVE = 0.1  # share of the time limit kept free after the first round (packing, scoring)
CPSAT_FIRST_ROUND = 0.5  # share of the time limit CP-SAT's first round may take
CANDIDATE_VARIABLES = 60_000  # above this many (type, site) columns the LP picks the sites


@dataclass(frozen=True)
class Round:
    """One round kept: its model, solution, packed placement and the sites that did not pack."""

    m: AggregateModel
    sol: CountSolution
    packed: dict[str, str | None]
    failed: list[str]


@dataclass(frozen=True)
class CountSolution:
    """One solve of the count model: status, objective, bound and the value of each variable."""

    status: str
    objective: float | None
    bound: float | None
    value: object  # var -> number
    convert_seconds: float = 0.0  # reading the model into HiGHS's linear form: building


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
    # the limit counts from the call's start (``started``: the domain is built by then)
    deadline = time_limit - (time.perf_counter() - started)
    hint, rounds, last = None, 0, None
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
    # with every allowed site (no LP bound), a round whose sites all pack but that is only
    # within ROUND_GAP of its bound is solved once more, to the proof, from its own counts
    while rounds < MAX_ROUNDS and (
        last is None or ((last.failed or _unproven(last, lp_bound)) and deadline > 2 * reserve)
    ):
        rounds += 1
        t0 = time.perf_counter()
        m = build_aggregate(dom, types, cand, refined)
        _hint(m, hint)
        t1 = time.perf_counter()
        budget = deadline if last is None else deadline - reserve
        if solver == "cpsat" and last is None:
            # CP-SAT finds good counts early and proves late (regional: 0.17 % from its bound
            # for 60 s): the sites that do not pack get the rest of the limit instead
            budget = min(budget, CPSAT_FIRST_ROUND * time_limit)
        sol = _solve_counts(
            m,
            solver=solver,
            budget=max(budget, 1.0),
            seed=seed,
            workers=workers,
            hint=hint,
            rel_gap=0.0 if last is not None and _unproven(last, lp_bound) else ROUND_GAP,
        )
        solve += time.perf_counter() - t1 - sol.convert_seconds
        build += t1 - t0 + sol.convert_seconds
        deadline -= time.perf_counter() - t0
        if sol.value is None:  # a later round without a solution: keep the last one
            break
        packed, failed = pack_all(dom, m, solution_counts(m, sol.value), units, sol.value)
        _debug(rounds, t0, t1, sol, m, failed)
        this = Round(m, sol, packed, failed)
        if (
            last is not None
            and _cut_off(sol)
            and sol.objective > last.sol.objective
            and _placed(dom, this, units, k) >= _placed(dom, last, units, k)
        ):
            # cut off by the limit, and its placement (what does not pack placed by ``repair``)
            # no better than the last round's: keep the last one. The count objectives alone
            # do not tell: refined sites raise them (CP-SAT, regional: round 2's counts 31,483
            # against 31,475, yet 31,651 placed against round 1's 31,940)
            break
        hint = {key: int(round(sol.value(v))) for key, v in m.n.items()}
        last = this
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
    m, sol, failed = last.m, last.sol, last.failed
    t2 = time.perf_counter()
    packed, pairs = _placement(dom, last, units, k)
    t3 = time.perf_counter()
    result = evaluate(replace(dom, pairs=pairs), packed, lang=lang, started=started)
    # the unplaced reasons read every unit a household fits, not only the fixed placement's
    left = {h.id for h in dom.arriving if packed.get(h.id) is None}
    pairs.update(allowed_units(dom, m, units, left))
    result = replace(result, unplaced=unplaced_table(replace(dom, pairs=pairs), packed, lang))
    t4 = time.perf_counter()
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
    result = replace(result, alternatives=alternatives(dom, m, packed, units))
    if os.environ.get("CAPACITY_DEBUG"):
        print(f"reasons {t4 - t3:.2f} s, alternatives {time.perf_counter() - t4:.2f} s")
    return replace(result, status=status, best_bound=bound, solver=solver), info


def alternatives(
    dom: Domain, m: AggregateModel, placed: dict[str, str | None], units: dict[str, list[Unit]]
) -> pd.DataFrame:
    """``Result.alternatives`` for an aggregate placement: each placed household's best other
    site among its type's candidate sites, by household-level terms.

    Scoring with every household fixed knows only the chosen unit; an arriving household's pair
    terms depend on the site alone, so the first unit class of the other site that it fits (or
    the site's first new module) stands for that site.
    """
    from capacity.model.aggregate import fits, site_arrays, site_pair_costs
    from capacity.model.soft import PAIR_COEFS, pair_cost

    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    site, pavilion = site_arrays(dom, sids)
    modules: dict[str, list[Unit]] = {}
    for u in sorted(dom.units.values(), key=lambda u: u.id):
        if u.new_module:
            modules.setdefault(u.site_id, []).append(u)
    rows = []
    for t in m.types:
        members = [hid for hid in t.members if placed.get(hid) is not None]
        if not members:
            continue
        cost = site_pair_costs(t.rep, dom, sids, site, pavilion)
        order = sorted(m.cand[t.id], key=lambda s: (cost[at[s]], s))
        for hid in members:
            h, chosen = dom.household(hid), dom.units[placed[hid]]
            alt = next(
                (
                    u
                    for sid in order
                    if sid != chosen.site_id
                    for u in [
                        *sorted(units.get(sid, []), key=lambda u: u.id),
                        *modules.get(sid, []),
                    ]
                    if fits(h, u, dom)
                ),
                None,
            )
            if alt is None:
                continue
            diffs = {
                n: dom.weights[n] * (c(h, alt, dom) - c(h, chosen, dom))
                for n, c in PAIR_COEFS.items()
            }
            extra = pair_cost(h, alt, dom) - pair_cost(h, chosen, dom)
            rows.append(
                dict(
                    household_id=hid,
                    alt_unit_id=alt.id,
                    alt_site_id=alt.site_id,
                    extra_cost=extra,
                    **diffs,
                )
            )
    cols = ["household_id", "alt_unit_id", "alt_site_id", "extra_cost", *PAIR_COEFS]
    return pd.DataFrame(rows, columns=cols).sort_values("household_id", ignore_index=True)


# A round need not prove its own optimum: it stops within this gap (the national rounds 2 and 3
# spent 11-13 s proving the last 0.001 %). With every allowed site a candidate, a round whose
# sites all pack is then proven (``_unproven``): regional rounds 7.5 s instead of 9.5 s.
ROUND_GAP = 1e-4
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
    counts). Without an LP optimum in ``budget`` seconds (a short ``--time-limit``): the ``FEW``
    cheapest sites per type, no bound, and ``repair`` places what the rounds leave. Returns the lists, the bound and the LP's seconds.
    """
    from capacity.model.aggregate_lp import count_form
    from capacity.solver.highs import solve_highs

    # built straight as arrays (the same model as ``build_aggregate``'s, row for row: a test)
    lp = count_form(dom, types, candidates(dom, types, units, None))
    t0 = time.perf_counter()
    out = solve_highs(lp.form, time_limit=budget, seed=seed, relax=True)
    seconds = time.perf_counter() - t0
    if os.environ.get("CAPACITY_DEBUG"):
        print(f"LP over {len(lp.keys)} columns: {out.status} {out.objective} in {seconds:.1f} s")
    if out.status != "OPTIMAL":
        # a short limit: a small count model the rounds can solve; repair places the rest
        return candidates(dom, types, units, FEW, cover=False), None, seconds
    few = candidates(dom, types, units, FEW, cover=False)
    used: dict[str, set[str]] = {t.id: set(few[t.id]) for t in types}
    support = np.flatnonzero(out.values[: len(lp.keys)] > 1e-6)
    for k in support.tolist():
        tid, sid = lp.keys[k]
        used[tid].add(sid)
    return {tid: sorted(sids) for tid, sids in used.items()}, out.objective, seconds


def _unproven(last: Round, lp_bound: float | None) -> bool:
    """The last round packed every site but is not proven optimal, and its bound is the one
    reported (every allowed site a candidate, no LP bound)."""
    return lp_bound is None and not last.failed and last.sol.status != "OPTIMAL"


def _cut_off(sol: CountSolution) -> bool:
    """Ended by the time limit: neither proven nor within ``ROUND_GAP`` of its bound."""
    if sol.status == "OPTIMAL":
        return False
    return sol.bound is None or sol.objective - sol.bound > ROUND_GAP * abs(sol.objective) + 1


def proven(objective: float, bound: float) -> bool:
    """An integer objective (the count model's: integer coefficients) no integer below which
    the bound leaves room for; float noise of the solvers allowed for."""
    return round(objective) <= math.ceil(bound - 1e-4)


def _placement(
    dom: Domain, r: Round, units: dict[str, list[Unit]], k: int | None
) -> tuple[dict[str, str | None], dict[str, tuple[str, ...]]]:
    """A round's placement with what does not pack placed by ``repair`` (and, with shortened
    candidate lists, who the rounds left out: they may fit a site off the lists; national at a
    10 s limit, each type's 10 cheapest sites: 6,467 of 6,667 left out), and its fixed pairs."""
    packed = repair(dom, r.m, r.packed, units) if r.failed or k is not None else r.packed
    pairs = {h.id: () for h in dom.households}
    pairs.update({hid: (uid,) for hid, uid in packed.items() if uid is not None})
    return packed, pairs


def _placed(dom: Domain, r: Round, units: dict[str, list[Unit]], k: int | None) -> float:
    """The objective of a round's placement (``_placement``), as the model scores it."""
    from capacity.solver.solve import evaluate

    packed, pairs = _placement(dom, r, units, k)
    return evaluate(replace(dom, pairs=pairs), packed, lang="en").objective


def _debug(
    rounds: int, t0: float, t1: float, sol: CountSolution, m: AggregateModel, failed: list
) -> None:
    if os.environ.get("CAPACITY_DEBUG"):
        print(
            f"round {rounds}: build {t1 - t0:.2f} s, solve {time.perf_counter() - t1:.2f} s, "
            f"{sol.status} {sol.objective} / {sol.bound}, {len(m.n)} n, "
            f"{len(m.cp.proto.constraints)} rows, {len(failed)} failed"
        )


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
        # the last round's counts, which HiGHS repairs where refining broke them. Measured on the
        # national instance: round 3 proven in 15 s with it; without, cut off at the limit
        if hint is not None:
            keys = list(m.n)
            start = (
                np.array([m.n[key].index for key in keys], dtype=np.int64),
                np.array([hint.get(key, 0) for key in keys], dtype=np.float64),
            )
        t0 = time.perf_counter()
        form = linear_form(m.cp)
        convert = time.perf_counter() - t0
        out = solve_highs(form, time_limit=budget, seed=seed, start=start, rel_gap=rel_gap)
        if out.values is None:
            return CountSolution(out.status, None, None, None, convert)
        # within ``rel_gap`` HiGHS says optimal; only a closed gap is a proof
        ok = out.status == "OPTIMAL" and proven(out.objective, out.bound)
        status = "OPTIMAL" if ok else "FEASIBLE"
        return CountSolution(
            status, out.objective, out.bound, lambda v: out.values[v.index], convert
        )
    from ortools.sat.python import cp_model

    from capacity.solver.stages import run

    cp = run(
        m,
        workers=workers or 1,
        seed=seed,
        budget=budget,
        interleave=(workers or 1) > 1,
        linearization_level=2,
        relative_gap_limit=rel_gap,
        # the rounds are timed by the wall clock (``deadline``): a round's deterministic time
        # ran 105 s for a 60 s limit on the regional instance, so it stops at the wall too
        max_time_in_seconds=budget,
    )
    if cp.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CountSolution(cp.status_name(cp.status), None, None, None)
    ok = cp.status == cp_model.OPTIMAL and proven(cp.objective_value, cp.best_objective_bound)
    return CountSolution(
        "OPTIMAL" if ok else "FEASIBLE", cp.objective_value, cp.best_objective_bound, cp.value
    )


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
