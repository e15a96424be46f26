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
then only need to come within ``ROUND_GAP`` of their own bound. One solve of the count model and
the LP are in ``capacity.solver.counts``; packing and the greedy placement of what no round packs
in ``capacity.solver.packing``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

from capacity.errors import UserError
from capacity.model.aggregate import (
    AggregateModel,
    build_aggregate,
    candidates,
    household_types,
    solution_counts,
    usable_units,
)
from capacity.model.domain import Domain, Unit
from capacity.solver.counts import (
    LP_SHARE,
    ROUND_GAP,
    CountSolution,
    add_hint,
    cut_off,
    lp_candidates,
    solve_counts,
)
from capacity.solver.packing import allowed_units, pack_all, repair
from capacity.solver.result import aggregate_alternatives, unplaced_table
from capacity.solver.scoring import evaluate

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


@dataclass
class _Clock:
    """Seconds spent building and solving so far, and the seconds left of the limit."""

    deadline: float
    build: float = 0.0
    solve: float = 0.0


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
    types = household_types(dom)
    units = usable_units(dom)
    k = choose_k(types, len(dom.sites)) if k == -1 else k
    # the limit counts from the call's start (``started``: the domain is built by then)
    clock = _Clock(deadline=time_limit - (time.perf_counter() - started))
    if k is None:
        cand, lp_bound = candidates(dom, types, units, None), None
    else:
        t0 = time.perf_counter()
        cand, lp_bound, lp_seconds = lp_candidates(
            dom, types, units, budget=LP_SHARE * time_limit, seed=seed
        )
        clock.solve += lp_seconds
        clock.build += time.perf_counter() - t0 - lp_seconds
        clock.deadline -= time.perf_counter() - t0
    last, rounds, refined, status = _rounds(
        dom, types, units, cand, k, lp_bound, clock, solver, time_limit, seed, workers
    )
    info = dict(
        lp_bound=lp_bound,
        rounds=rounds,
        refined_sites=len(refined),
        types=len(types),
        candidates_per_type=k,
        build_seconds=round(clock.build, 3),
        solve_seconds=round(clock.solve, 3),
    )
    if last is None:
        return None, dict(info, status=status)
    return _finish(dom, last, units, k, lp_bound, info, solver=solver, lang=lang, started=started)


def _rounds(
    dom: Domain,
    types: list,
    units: dict[str, list[Unit]],
    cand: dict[str, list[str]],
    k: int | None,
    lp_bound: float | None,
    clock: _Clock,
    solver: str,
    time_limit: float,
    seed: int,
    workers: int | None,
) -> tuple[Round | None, int, frozenset[str], str]:
    """The rounds of the module docstring: the last round kept (``None`` without a solution),
    how many ran, the refined sites and the last solve's status."""
    hint, rounds, last, status = None, 0, None, "UNKNOWN"
    refined: frozenset[str] = frozenset()
    reserve = RESERVE * time_limit  # a later round never eats the whole rest of the budget
    # a later round starts only with at least ``reserve`` seconds of its own beyond the reserve
    # with every allowed site (no LP bound), a round whose sites all pack but that is only
    # within ROUND_GAP of its bound is solved once more, to the proof, from its own counts
    while rounds < MAX_ROUNDS and (
        last is None
        or ((last.failed or _unproven(last, lp_bound)) and clock.deadline > 2 * reserve)
    ):
        rounds += 1
        t0 = time.perf_counter()
        m = build_aggregate(dom, types, cand, refined)
        add_hint(m, hint)
        t1 = time.perf_counter()
        proof = last is not None and _unproven(last, lp_bound)
        sol = solve_counts(
            m,
            solver=solver,
            budget=_budget(clock, last is None, reserve, solver, time_limit),
            seed=seed,
            workers=workers,
            hint=hint,
            rel_gap=0.0 if proof else ROUND_GAP,
        )
        clock.solve += time.perf_counter() - t1 - sol.convert_seconds
        clock.build += t1 - t0 + sol.convert_seconds
        clock.deadline -= time.perf_counter() - t0
        status = sol.status
        if sol.value is None:  # a later round without a solution: keep the last one
            break
        packed, failed = pack_all(dom, m, solution_counts(m, sol.value), units, sol.value)
        _debug(rounds, t0, t1, sol, m, failed)
        this = Round(m, sol, packed, failed)
        if last is not None and _no_better(dom, this, last, units, k):
            break
        hint = {key: int(round(sol.value(v))) for key, v in m.n.items()}
        last = this
        refined = refined | frozenset(failed)
    return last, rounds, refined, status


def _budget(clock: _Clock, first: bool, reserve: float, solver: str, time_limit: float) -> float:
    """A round's seconds: what is left of the limit, less ``reserve`` after the first round, and
    at least 1."""
    budget = clock.deadline if first else clock.deadline - reserve
    if solver == "cpsat" and first:
        # CP-SAT finds good counts early and proves late: the sites that do not pack get the
        # rest of the limit instead
        budget = min(budget, CPSAT_FIRST_ROUND * time_limit)
    return max(budget, 1.0)


def _no_better(
    dom: Domain, this: Round, last: Round, units: dict[str, list[Unit]], k: int | None
) -> bool:
    """Cut off by the limit, and its placement (what does not pack placed by ``repair``) no
    better than the last round's: keep the last one. The count objectives alone do not tell:
    refined sites raise them while the placement after repair can be better."""
    return (
        cut_off(this.sol)
        and this.sol.objective > last.sol.objective
        and _placed(dom, this, units, k) >= _placed(dom, last, units, k)
    )


def _finish(
    dom: Domain,
    last: Round,
    units: dict[str, list[Unit]],
    k: int | None,
    lp_bound: float | None,
    info: dict,
    *,
    solver: str,
    lang: str,
    started: float,
):
    """The last round's placement scored by the per-pair model, with its status, bound, the
    reasons for who is left unplaced and each household's best other site."""

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
    result = replace(result, alternatives=aggregate_alternatives(dom, m, packed, units))
    if os.environ.get("CAPACITY_DEBUG"):
        print(
            f"repair {t3 - t2:.2f} s, scoring and reasons {t4 - t3:.2f} s, "
            f"alternatives {time.perf_counter() - t4:.2f} s"
        )
    return replace(result, status=status, best_bound=bound, solver=solver), info


def _unproven(last: Round, lp_bound: float | None) -> bool:
    """The last round packed every site but is not proven optimal, and its bound is the one
    reported (every allowed site a candidate, no LP bound)."""
    return lp_bound is None and not last.failed and last.sol.status != "OPTIMAL"


def _placement(
    dom: Domain, r: Round, units: dict[str, list[Unit]], k: int | None
) -> tuple[dict[str, str | None], dict[str, tuple[str, ...]]]:
    """A round's placement with what does not pack placed by ``repair`` (and, with shortened
    candidate lists, who the rounds left out: they may fit a site off the lists), and its fixed
    pairs."""
    packed = repair(dom, r.m, r.packed, units) if r.failed or k is not None else r.packed
    pairs = {h.id: () for h in dom.households}
    pairs.update({hid: (uid,) for hid, uid in packed.items() if uid is not None})
    return packed, pairs


def _placed(dom: Domain, r: Round, units: dict[str, list[Unit]], k: int | None) -> float:
    """The objective of a round's placement (``_placement``), as the model scores it."""

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
