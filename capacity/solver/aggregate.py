"""Solve the aggregated formulation exactly: solve counts, pack every site, refine what fails.

Loop: solve the count model (CP-SAT or HiGHS); pack each site's counted households into its real
units (best fit, largest first); a site that does not pack is *refined* (its counts are split
over its unit classes by the exact unit rules) and the model is solved again, hinted with the
last counts. The loop ends when every site packs, so every placement is a real unit; its cost
grows with the sites that fail, not with the size. The placement is then scored by the per-pair
model with every household fixed (``scoring.evaluate``): the same terms, explanation and output
contract as the per-pair formulation.

Before the rounds a greedy placement is scored the same way: the answer when the rounds find no
counts in time (or a worse placement), and the measure of how long scoring the rounds' answer
will take, which is kept free of the limit. The LP below runs beside it.

Above ``CANDIDATE_VARIABLES`` (type, site) columns, the LP relaxation over every allowed site
chooses each type's candidate sites first and gives a valid bound (``lp_candidates``); the rounds
then only need to come within ``ROUND_GAP`` of their own bound. One solve of the count model and
the LP are in ``capacity.solver.counts``; packing and the greedy placement of what no round packs
in ``capacity.solver.packing``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace

from capacity.errors import UserError
from capacity.model.aggregate import (
    AggregateModel,
    candidates,
    household_types,
    solution_counts,
    usable_units,
)
from capacity.model.aggregate_rules import build_aggregate
from capacity.model.domain import Domain, Unit
from capacity.solver.alternatives import aggregate_alternatives
from capacity.solver.clock import Clock
from capacity.solver.counts import (
    FEW,
    LP_SHARE,
    ROUND_GAP,
    CountSolution,
    add_hint,
    cut_off,
    lp_candidates,
    proven,
    solve_counts,
)
from capacity.solver.packing import allowed_units, pack_all, repair
from capacity.solver.result import Result, unplaced_table
from capacity.solver.scoring import evaluate
from capacity.solver.settle import lowered, reaches

MAX_ROUNDS = 20
CPSAT_FIRST_ROUND = 0.5  # share of the time limit CP-SAT's first round may take
CANDIDATE_VARIABLES = 60_000  # above this many (type, site) columns the LP picks the sites
MIN_ROUND = 1.0  # seconds a round gets at least
ENGINES = {"cpsat": "CP-SAT", "highs": "HiGHS"}


@dataclass(frozen=True)
class Round:
    """One round kept: its model, solution, packed placement and the sites that did not pack."""

    m: AggregateModel
    sol: CountSolution
    packed: dict[str, str | None]
    failed: list[str]


@dataclass
class _Tally:
    """Seconds spent solving so far (the LP and the rounds; the rest of the run is building,
    packing and scoring)."""

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
    seed: int,
    lang: str,
    workers: int | None,
    clock: Clock,
    k: int | None = -1,
) -> tuple[Result, dict]:
    """Place by the aggregated formulation (see module docstring); the ``Result`` and the sizes.

    First a greedy placement (``repair`` from nothing: each type, families first, to its
    cheapest sites with room in standing units), scored on the whole domain: it is the answer
    when no round finds counts in time, and scoring it takes about what scoring the rounds'
    answer will, so that time is reserved on ``clock`` before the rounds start (the LP, where
    there is one, runs beside the greedy placement and is not waited for once the limit has
    passed). The answer is the better of the two. The limit is ``clock``'s. ``k = -1`` chooses
    by size (``choose_k``); ``None`` keeps every allowed site per type.
    """
    types = household_types(dom)
    units = usable_units(dom)
    k = choose_k(types, len(dom.sites)) if k == -1 else k
    tally = _Tally()
    every = candidates(dom, types, units, None) if k is None else None
    few = every if every is not None else candidates(dom, types, units, FEW, cover=False)
    cand, lp_bound = few, None  # the LP, if it runs in time, chooses instead
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        lp = None
        if k is not None and clock.left() > MIN_ROUND:
            # the LP's HiGHS runs in a child process while the greedy placement is made here
            budget = min(LP_SHARE * clock.time_limit, clock.left())
            lp = pool.submit(
                lp_candidates, dom, types, units, few, budget=budget, seed=seed, stop=stop
            )
        greedy, scoring = _greedy(dom, types, few, units, lang=lang, started=clock.started)
        clock.reserve(scoring)
        clock.report(greedy.objective, None)
        if lp is not None:
            left = clock.left()
            try:
                found = lp.result(timeout=max(left, 0.0) if math.isfinite(left) else None)
            except FutureTimeout:  # no time left for the rounds: not waited for
                found = (few, None, 0.0)
            cand, lp_bound, lp_seconds = found
            tally.solve += lp_seconds
            if lp_bound is not None:
                clock.report(greedy.objective, lp_bound)
    finally:
        stop.set()  # stops HiGHS's child (at once if the limit passed, or on an interrupt)
        pool.shutdown(wait=False)
    # a later round may be compared with the last by scoring both (``_no_better``)
    reserve = 2 * scoring
    last, rounds, refined, status = _rounds(
        dom, types, units, cand, k, lp_bound, clock, tally, solver, reserve, seed, workers
    )
    info = dict(
        lp_bound=lp_bound,
        rounds=rounds,
        refined_sites=len(refined),
        types=len(types),
        candidates_per_type=k,
    )
    engine = ENGINES[solver]
    if last is None:
        info.update(status=status, solve_seconds=round(tally.solve, 3))
        label = (
            f"greedy ({engine} fandt ingen løsning)"
            if rounds
            else f"greedy (ingen tid til {engine})"
        )
        return replace(greedy, status="UNKNOWN", best_bound=lp_bound, solver=label), info
    result, info = _finish(
        dom, last, units, k, lp_bound, info, solver=solver, lang=lang, started=clock.started
    )
    info.update(solve_seconds=round(tally.solve, 3))
    if greedy.objective < result.objective:
        bound = result.best_bound
        won = bound is not None and proven(greedy.objective, bound)
        return replace(
            greedy,
            status="OPTIMAL" if won else "FEASIBLE",
            best_bound=bound,
            solver=f"greedy (bedre end {engine})",
        ), info
    return result, info


def _rounds(
    dom: Domain,
    types: list,
    units: dict[str, list[Unit]],
    cand: dict[str, list[str]],
    k: int | None,
    lp_bound: float | None,
    clock: Clock,
    tally: _Tally,
    solver: str,
    reserve: float,
    seed: int,
    workers: int | None,
) -> tuple[Round | None, int, frozenset[str], str]:
    """The rounds of the module docstring: the last round kept (``None`` without a solution),
    how many ran, the refined sites and the last solve's status. A later round never eats the
    last ``reserve`` seconds of the clock."""
    hint, rounds, last, status = None, 0, None, "UNKNOWN"
    refined: frozenset[str] = frozenset()
    # a later round starts only with at least ``MIN_ROUND`` seconds of its own beyond the reserve
    # with every allowed site (no LP bound), a round whose sites all pack but that is only
    # within ROUND_GAP of its bound is solved once more, to the proof, from its own counts
    while rounds < MAX_ROUNDS and (
        (last is None and clock.left() >= MIN_ROUND)
        or (
            last is not None
            and (last.failed or _unproven(last, lp_bound))
            and clock.left() > reserve + MIN_ROUND
        )
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
            budget=_budget(clock, last is None, reserve, solver),
            seed=seed,
            workers=workers,
            hint=hint,
            rel_gap=0.0 if proof else ROUND_GAP,
        )
        tally.solve += time.perf_counter() - t1 - sol.convert_seconds
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


def _budget(clock: Clock, first: bool, reserve: float, solver: str) -> float:
    """A round's seconds: what is left of the limit, less ``reserve`` after the first round, and
    at least ``MIN_ROUND``."""
    budget = clock.left() if first else clock.left() - reserve
    if solver == "cpsat" and first:
        # CP-SAT finds good counts early and proves late: the sites that do not pack get the
        # rest of the limit instead
        budget = min(budget, CPSAT_FIRST_ROUND * clock.time_limit)
    return max(budget, MIN_ROUND)


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


def _greedy(
    dom: Domain,
    types: list,
    cand: dict[str, list[str]],
    units: dict[str, list[Unit]],
    *,
    lang: str,
    started: float,
) -> tuple[Result, float]:
    """The greedy placement (``repair`` from nothing) scored by ``_scored``, and the seconds the
    scoring took."""
    ground = AggregateModel(dom, types, cand, type_of={t.id: t for t in types})
    packed = repair(dom, ground, {}, units)
    begun = time.perf_counter()
    return _scored(dom, ground, packed, units, lang=lang, started=started), (
        time.perf_counter() - begun
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
) -> tuple[Result, dict]:
    """The last round's placement scored on the whole domain (``_scored``), with its status and
    bound."""

    m, sol, failed = last.m, last.sol, last.failed
    t2 = time.perf_counter()
    packed = _placement(dom, last, units, k)
    t3 = time.perf_counter()
    result = _scored(dom, m, packed, units, lang=lang, started=started)
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
    if bound is not None and status == "FEASIBLE" and reaches(result.objective, lowered(bound)):
        status = "OPTIMAL"
    info["restricted_bound"] = sol.bound
    if os.environ.get("CAPACITY_DEBUG"):
        print(f"repair {t3 - t2:.2f} s, scoring {time.perf_counter() - t3:.2f} s")
    return replace(result, status=status, best_bound=bound, solver=solver), info


def _scored(
    dom: Domain,
    m: AggregateModel,
    packed: dict[str, str | None],
    units: dict[str, list[Unit]],
    *,
    lang: str,
    started: float,
) -> Result:
    """A placement scored by the per-pair model with every household fixed (``evaluate``), with
    the reasons for who is left unplaced and each placed household's best other site."""
    pairs = _fixed_pairs(dom, packed)
    result = evaluate(replace(dom, pairs=pairs), packed, lang=lang, started=started)
    # the unplaced reasons read every unit a household fits, not only the fixed placement's
    left = {h.id for h in dom.arriving if packed.get(h.id) is None}
    pairs.update(allowed_units(dom, m, units, left))
    result = replace(result, unplaced=unplaced_table(replace(dom, pairs=pairs), packed, lang))
    return replace(result, alternatives=aggregate_alternatives(dom, m, packed, units))


def _unproven(last: Round, lp_bound: float | None) -> bool:
    """The last round packed every site but is not proven optimal, and its bound is the one
    reported (every allowed site a candidate, no LP bound)."""
    return lp_bound is None and not last.failed and last.sol.status != "OPTIMAL"


def _placement(
    dom: Domain, r: Round, units: dict[str, list[Unit]], k: int | None
) -> dict[str, str | None]:
    """A round's placement with what does not pack placed by ``repair`` (and, with shortened
    candidate lists, who the rounds left out: they may fit a site off the lists)."""
    return repair(dom, r.m, r.packed, units) if r.failed or k is not None else r.packed


def _fixed_pairs(dom: Domain, packed: dict[str, str | None]) -> dict[str, tuple[str, ...]]:
    """Each household's one allowed unit class in ``packed`` (none where it is unplaced): the
    pairs under which ``evaluate`` scores the placement."""
    pairs: dict[str, tuple[str, ...]] = {h.id: () for h in dom.households}
    pairs.update({hid: (uid,) for hid, uid in packed.items() if uid is not None})
    return pairs


def _placed(dom: Domain, r: Round, units: dict[str, list[Unit]], k: int | None) -> float:
    """The objective of a round's placement (``_placement``), as the model scores it."""

    packed = _placement(dom, r, units, k)
    return evaluate(replace(dom, pairs=_fixed_pairs(dom, packed)), packed, lang="en").objective


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
        raise UserError(f"ukendt formulering {formulation!r}; vælg auto, pairs eller aggregate")
    if formulation == "aggregate" and (dom.allow_moves or solver == "greedy"):
        raise UserError(
            "--formulation aggregate placerer kun ankommende husstande: "
            "fjern --allow-moves (eller brug --formulation pairs), og brug cpsat eller highs"
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
    seed: int,
    lang: str,
    workers: int | None,
    clock: Clock,
) -> Result:
    """``solve_aggregate`` with its sizes and rounds in ``options``."""

    result, info = solve_aggregate(
        dom,
        solver=solver,
        seed=seed,
        lang=lang,
        workers=workers,
        clock=clock,
    )
    size = {"variables": info.get("variables"), "constraints": info.get("constraints")}
    return replace(
        result,
        options={"model_size": size, "aggregate": info},
        build_seconds=round(time.perf_counter() - clock.started - info["solve_seconds"], 3),
        solve_seconds=info["solve_seconds"],
    )
