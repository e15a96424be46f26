"""Place arriving households: build the domain and model, solve with CP-SAT (or greedy), explain.

Determinism and the time limit
------------------------------
Same registry, policy, date, options and seed give the same ``Result`` (and so byte-identical
files, apart from the timings) wherever the wall clock does not cut. ``--time-limit`` is a
deterministic budget inside (CP-SAT's ``max_deterministic_time``, the heuristics' counted
steps) and a wall-clock deadline outside (``capacity.solver.clock``: every stage gets the
seconds left); ``Result.stopped_by`` says which ended the run. CP-SAT runs with
``interleave_search = True``: its workers run in deterministic batches, independently of their
number and of thread timing. ``random_seed`` is the seed; ``num_workers`` the machine's cores.
The greedy hint is itself deterministic, and units of one class are mapped back to real units
by sorted ids. Where the fewest-modules phase runs in a second thread beside CP-SAT
(``capacity.solver.lanes``), each lane's work is counted and the answer is chosen by a rule
that does not depend on which ended first. Caveat (or-tools #3948): CP-SAT's determinism is a
documented intent, not a warranty; the tests check it on every run.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from capacity.errors import LANG_ERROR, UserError
from capacity.io.layers import Registry
from capacity.model.domain import Domain, add_pairs, build_domain
from capacity.model.placement import BuildStopped, build_model, hint
from capacity.model.soft import separable
from capacity.numbers import decimal
from capacity.solver import cpsat_lanes, fewest, fixing, lanes, opening, portfolio
from capacity.solver.aggregate import choose_formulation, place_aggregate
from capacity.solver.alternatives import pair_bound
from capacity.solver.clock import (
    BUILD_FACTOR,
    HEURISTIC_SHARE,
    LOAD_SHARE,
    MIN_WALL,
    PACE_SHARE,
    Clock,
    unlimited,
)
from capacity.solver.fingerprint import input_hash, input_parts
from capacity.solver.greedy import greedy_assignment
from capacity.solver.highs import solve_highs
from capacity.solver.linear import linear_form
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate
from capacity.solver.settle import keep_better, labelled, lowered
from capacity.solver.stages import solve_in_stages

SOLVERS = ("auto", "cpsat", "highs", "greedy")


def place(
    reg: Registry,
    date: dt.date,
    *,
    solver: str = "auto",
    time_limit: float = 10.0,
    seed: int = 0,
    allow_moves: bool = False,
    allow_new_modules: bool = False,
    lang: str = "da",
    workers: int | None = None,
    formulation: str = "auto",
    clock: Clock | None = None,
) -> Result:
    """Place every household without a home that has arrived by ``date``.

    Parameters
    ----------
    reg : the registry (its ``policy`` gives weights and limits).
    date : the placement date.
    solver : ``"cpsat"`` (optimal, or best found within the limit), ``"highs"`` (the same model
        as a MIP, ``capacity.solver.highs``), ``"greedy"`` (baseline) or ``"auto"``: CP-SAT for
        the per-pair formulation, HiGHS for the aggregate (the faster of the two there, measured
        in ``docs/benchmarks.md``).
    time_limit : seconds: the wall-clock deadline of every search stage (scoring the answer
        follows it), and CP-SAT's deterministic budget in work units; for HiGHS its wall-clock
        limit (its child process is ended soon after it).
    seed : CP-SAT's or HiGHS's random seed.
    allow_moves : residents may move, each move costing ``weights.moves``.
    allow_new_modules : pavilion modules not yet put up may be used (``weights.new_modules``).
    lang : ``"da"`` or ``"en"`` for texts and reasons.
    workers : CP-SAT workers (default: the machine's cores).
    clock : the run's wall clock (``capacity.solver.clock``; default: ``time_limit`` from now),
        e.g. started before the registry was read, with a progress display.
    formulation : ``"pairs"`` (one Boolean per household and unit), ``"aggregate"`` (counts of
        household types per site, packed exactly; ``capacity.solver.aggregate``) or ``"auto"``
        (pairs up to ``aggregate.PAIRS_LIMIT`` arriving-household x unit pairs, and always with
        moves or the greedy solver).

    Returns
    -------
    Result
        Placements, unplaced households with reasons, modules to put up, the explanation.

    Raises
    ------
    UserError
        For an unknown solver, formulation or language, or a negative time limit.
    """

    if solver not in SOLVERS:
        raise UserError(f"ukendt solver {solver!r}; vælg en af {', '.join(SOLVERS)}")
    if lang not in ("da", "en"):
        raise UserError(LANG_ERROR.format(lang=lang))
    if time_limit <= 0:
        raise UserError(
            f"tidsgrænsen {decimal(time_limit)} s skal være positiv; giv sekunder, fx 10"
        )
    clock = clock or Clock(time_limit)
    start = clock.started
    dom = build_domain(
        reg, date, allow_moves=allow_moves, allow_new_modules=allow_new_modules, with_pairs=False
    )
    formulation = choose_formulation(dom, formulation, solver=solver)
    if solver == "auto":
        solver = "highs" if formulation == "aggregate" else "cpsat"
    if formulation == "aggregate":
        result = place_aggregate(
            dom,
            solver=solver,
            seed=seed,
            lang=lang,
            workers=workers,
            clock=clock,
        )
        if result.status != "OPTIMAL":
            clock.mark_cut()  # the aggregate's rounds are limited by the wall clock only
    else:
        result = solve_domain(
            add_pairs(dom),
            solver=solver,
            time_limit=time_limit,
            seed=seed,
            lang=lang,
            workers=workers,
            started=start,
            clock=clock,
        )
    options = dict(
        solver=solver,
        time_limit=time_limit,
        allow_moves=allow_moves,
        allow_new_modules=allow_new_modules,
        lang=lang,
        formulation=formulation,
        **result.options,
    )
    to_1pct = result.seconds_to_1pct
    if to_1pct is None and result.gap is not None and result.gap <= 0.01:
        to_1pct = round(result.build_seconds + result.solve_seconds, 3)  # known by the end
    return replace(
        result,
        input_hash=input_hash(reg),
        input_parts=input_parts(reg),
        options=options,
        seconds_to_1pct=to_1pct,
        stopped_by=clock.stopped_by(result.status),
    )


@dataclass(frozen=True)
class Run:
    """The options every strategy gets."""

    solver: str
    time_limit: float
    seed: int
    lang: str
    workers: int | None
    started: float
    clock: Clock

    @property
    def cores(self) -> int:
        return self.workers or os.cpu_count() or 1


@dataclass(frozen=True)
class Strategy:
    """A way to solve a domain: its name, when it applies (one sentence, and the test), and
    the function that solves."""

    name: str
    when: str
    applies: Callable[[Domain, Run], bool]
    solve: Callable[[Domain, Run], Result]


def solve_domain(
    dom: Domain,
    *,
    solver: str = "cpsat",
    time_limit: float = 10.0,
    seed: int = 0,
    lang: str = "da",
    workers: int | None = None,
    started: float | None = None,
    clock: Clock | None = None,
) -> Result:
    """Solve a built domain (see ``place``) by the first of ``STRATEGIES`` that applies."""
    started = time.perf_counter() if started is None else started
    run = Run(solver, time_limit, seed, lang, workers, started, clock or unlimited())
    strategy = next(s for s in STRATEGIES if s.applies(dom, run))
    return strategy.solve(dom, run)


def _greedy(dom: Domain, run: Run) -> Result:
    return evaluate(dom, greedy_assignment(dom), lang=run.lang, started=run.started)


def _size(m) -> dict:
    return {
        "model_size": {
            "variables": len(m.cp.proto.variables),
            "constraints": len(m.cp.proto.constraints),
        }
    }


def _opening(dom: Domain, run: Run) -> Result:
    """The Lagrangian heuristic picks the modules; CP-SAT finishes on its kernel, hinted with
    its placement; the better of the two by the whole objective, with the Lagrangian bound.

    The heuristic's placement is scored on the whole domain before the search, and the clock's
    deadline brought nearer by what that took: scoring CP-SAT's placement after the deadline
    takes about as long, and is all that is left to do then."""
    lag = opening.open_modules(dom, run.time_limit, run.clock.part(opening.HEURISTIC_SHARE))
    begun = time.perf_counter()
    heuristic = evaluate(dom, lag.assignment, lang=run.lang, started=run.started)
    run.clock.reserve(time.perf_counter() - begun)
    m = _built(lag.kernel, run)
    hint(m, lag.assignment)
    result = _stages(m, run, lag.time_limit)
    settled = opening.settle(
        dom, result, lag, scored=heuristic, seed=run.seed, lang=run.lang, started=run.started
    )
    # the kernel's own bound is not the whole model's: the gap is judged at the end
    return replace(settled, options=_size(m), seconds_to_1pct=None)


def _fixing(dom: Domain, run: Run, fix: fixing.Fixing | None = None) -> Result:
    """The heuristic's placement prunes the pairs no better placement uses (``fix``, if done
    already); CP-SAT (beside the fewest-modules phase on two cores where beds are tight, else
    after it) or HiGHS solves the rest; the better of the two by the whole objective, with the
    larger bound."""
    fix = fix or fixing.fix_pairs(dom, lang=run.lang, clock=run.clock.part(HEURISTIC_SHARE))
    run.clock.reserve(fix.scoring)  # the winner is scored on the whole domain at the end
    beside = run.solver == "cpsat" and run.cores > 1 and fewest.applies(dom, fix)
    if run.solver == "cpsat" and not beside:
        fix = fewest.first(
            dom, fix, time_limit=run.time_limit, seed=run.seed, lang=run.lang, clock=run.clock
        )
    m = fixing.model_of(fix)
    if run.solver == "highs":
        return replace(_highs(dom, m, fix.assignment, fix, run), options=_size(m))
    hint(m, fix.assignment)
    if beside:
        result, fix = lanes.alongside(
            dom,
            fix,
            m,
            time_limit=run.time_limit,
            seed=run.seed,
            lang=run.lang,
            cores=run.cores,
            started=run.started,
            clock=run.clock,
        )
    else:
        result = _stages(m, run, fixing.budget(fix, run.time_limit))
    settled = fixing.settle(dom, result, fix, seed=run.seed, lang=run.lang, started=run.started)
    return replace(settled, options=_size(m))


def _portfolio(dom: Domain, run: Run) -> Result:
    """The fixing's pruned pairs and placement, then the textbook MIP over those pairs in HiGHS
    (``portfolio.HIGHS_THREADS`` threads, from that placement) races the textbook MIP in CP-SAT
    (a small model: ``portfolio.plain_applies``; ``_textbook_lane``) or the rest of
    ``_fixing`` (a larger one; ``_machinery_lane``) (``capacity.solver.portfolio``); the
    better answer by the whole objective, the larger bound. Where the CP-SAT side searches the
    textbook MIP, the two lanes hand each other placements (``portfolio.Incumbent``)."""
    fix = fixing.fix_pairs(dom, lang=run.lang, clock=run.clock.part(HEURISTIC_SHARE))
    from_highs = to_highs = None  # HiGHS's points for the search; the search's for HiGHS
    if separable(dom):  # the textbook MIP is the whole model (so wherever ``plain_applies``)
        run.clock.reserve(fix.scoring)  # the search's placement is scored at the end
        from_highs, to_highs = portfolio.Incumbent(), portfolio.Incumbent()
    yielding = None  # the machinery's budgets are set for the cores it has (``lanes``)
    if portfolio.plain_applies(dom, fix):
        other, name = _textbook_lane(dom, run, fix, from_highs, to_highs), "cpsat"
        yielding = portfolio.Yielding(portfolio.YIELD_GAP, portfolio.LANE_NICE, run.started)
    else:
        other, name = _machinery_lane(dom, run, fix, from_highs, to_highs), "fixing"
    return portfolio.race(
        dom,
        other,
        name=name,
        within=fix.domain,
        start=fix.assignment,
        seed=run.seed,
        lang=run.lang,
        started=run.started,
        clock=run.clock,
        incumbent=from_highs,
        offered=to_highs,
        yielding=yielding,
    )


def _textbook_lane(
    dom: Domain, run: Run, fix: fixing.Fixing, peer: portfolio.Incumbent, share: portfolio.Incumbent
) -> Callable[[], Result]:
    """The race's CP-SAT side on a small separable model: ``cpsat_lanes.cpsat_lane`` over the
    fixing's pairs from its placement, then the better of that and the heuristic's."""

    def lane() -> Result:
        found = cpsat_lanes.cpsat_lane(
            dom,
            seed=run.seed,
            lang=run.lang,
            started=run.started,
            clock=run.clock,
            budget=fixing.budget(fix, run.time_limit),
            within=fix.domain,
            start=fix.assignment,
            peer=peer,
            share=share,
        )
        return fixing.settle(
            dom, found, fix, seed=run.seed, lang=run.lang, started=run.started, scored=True
        )

    return lane


def _machinery_lane(
    dom: Domain,
    run: Run,
    fix: fixing.Fixing,
    peer: portfolio.Incumbent | None,
    share: portfolio.Incumbent | None,
) -> Callable[[], Result]:
    """The race's CP-SAT side on a larger model: the rest of ``_fixing`` on the other cores;
    where HiGHS hands placements (``peer``: the textbook MIP is the whole model), the machinery
    for ``cpsat_lanes.MACHINERY_SHARE`` of the limit (budget and deadline), then
    ``cpsat_lanes.onwards`` from its answer for the rest."""
    machinery = replace(run, workers=max(run.cores - 1, 1))
    if peer is not None:
        first = cpsat_lanes.MACHINERY_SHARE
        machinery = replace(
            machinery, time_limit=run.time_limit * first, clock=run.clock.part(first)
        )

    def lane() -> Result:
        mine = _fixing(dom, machinery, fix)
        if peer is None:
            return mine
        return cpsat_lanes.onwards(
            dom,
            mine,
            within=fix.domain,
            budget=run.time_limit - machinery.time_limit,
            clock=run.clock,
            seed=run.seed,
            lang=run.lang,
            started=run.started,
            peer=peer,
            share=share,
        )

    return lane


def _plain_highs(dom: Domain, run: Run) -> Result:
    """The whole model as a MIP; never worse than the greedy placement (``_in_time``)."""
    greedy, scored = _scored_greedy(dom, run)
    m = _in_time(dom, run)
    if m is None:
        return _unsolved(dom, scored, run, "HiGHS")
    return replace(_highs(dom, m, greedy, None, run, scored=scored), options=_size(m))


def _plain(dom: Domain, run: Run) -> Result:
    """The whole model, hinted with the greedy placement; never worse than it. Where the time
    left cannot build the model and start CP-SAT on it (``_in_time``), the greedy placement."""
    greedy, scored = _scored_greedy(dom, run)
    m = _in_time(dom, run)
    if m is None:
        return _unsolved(dom, scored, run, "CP-SAT")
    hint(m, greedy)
    result = _stages(m, run, run.time_limit)
    if result is not None and result.status == "OPTIMAL":
        return replace(result, options=_size(m))
    out = _not_optimal(
        dom, greedy, result, seed=run.seed, lang=run.lang, started=run.started, scored=scored
    )
    return replace(out, options=_size(m))


def _scored_greedy(dom: Domain, run: Run) -> tuple[dict[str, str | None], Result]:
    """The greedy placement and its ``Result``, scored before the search; the clock's deadline
    is brought nearer by what scoring took, which reading the search's answer back takes
    again."""
    greedy = greedy_assignment(dom)
    begun = time.perf_counter()
    scored = evaluate(dom, greedy, lang=run.lang, started=run.started)
    run.clock.reserve(time.perf_counter() - begun)
    return greedy, scored


def _in_time(dom: Domain, run: Run):
    """The model of ``dom`` as ``_built`` gives it, or None where the deadline passed while
    building it or the time left is less than a solver takes to load it (``clock.LOAD_SHARE``
    of the building's time, which no solver's limit cuts)."""
    begun = time.perf_counter()
    try:
        m = _built(dom, run, stop=_build_guard(run, begun))
    except BuildStopped:
        return None
    if run.clock.left() < LOAD_SHARE * (time.perf_counter() - begun):
        run.clock.mark_cut()
        return None
    return m


def _build_guard(run: Run, begun: float) -> Callable[[float], bool]:
    """``build_model``'s ``stop`` for a building begun at ``begun``: the deadline has passed, or
    the pair variables made so far (a share ``made`` of them), at their pace, project a model
    that ``_in_time`` would not hand to a solver. The whole building takes at least
    ``clock.BUILD_FACTOR`` times as long as its variables, and a search needs as long again (the
    deadline's reserve) and ``LOAD_SHARE`` of it more, so a model that cannot be searched in
    time is given up early, and little is undone. The pace is read only once the variables have
    taken ``clock.PACE_SHARE`` of the time there was: a pause of the interpreter (a garbage
    collection) in a shorter stretch could make a model that fits look too slow."""
    available = run.clock.left()

    def stop(made: float) -> bool:
        if run.clock.passed():
            return True
        spent = time.perf_counter() - begun
        if not 0 < made < 1.0 or spent < PACE_SHARE * available:
            return False
        if spent / made * BUILD_FACTOR * (2 + LOAD_SHARE) > spent + run.clock.left():
            run.clock.mark_cut()
            return True
        return False

    return stop


def _unsolved(dom: Domain, scored: Result, run: Run, engine: str) -> Result:
    """The greedy placement (``scored``), labelled: the time limit ended the run before
    ``engine`` could search. Its bound is ``pair_bound`` (optimal where it reaches it); unproven,
    it is ``UNKNOWN``, as every greedy placement the solver gave nothing for."""
    out = labelled(
        scored,
        None,
        bound=float(pair_bound(dom)),
        proven=False,
        solver=f"greedy (tiden rakte ikke til at bygge og starte {engine})",
        seed=run.seed,
        started=run.started,
    )
    return out if out.status == "OPTIMAL" else replace(out, status="UNKNOWN")


def _built(dom: Domain, run: Run, stop: Callable[[float], bool] | None = None):
    """The model of ``dom`` (``build_model``'s ``stop`` passed on); the clock's deadline is
    brought nearer by the time building it took, about what reading a solver's answer back and
    scoring it will take after the search."""
    begun = time.perf_counter()
    m = build_model(dom, stop=stop)
    run.clock.reserve(time.perf_counter() - begun)
    return m


def _stages(m, run: Run, budget: float) -> Result | None:
    return solve_in_stages(
        m,
        time_limit=budget,
        seed=run.seed,
        lang=run.lang,
        workers=run.workers,
        started=run.started,
        clock=run.clock,
    )


STRATEGIES = (
    Strategy(
        "greedy",
        "asked for (--solver greedy): the baseline, scored by the model",
        lambda dom, run: run.solver == "greedy",
        _greedy,
    ),
    Strategy(
        "opening",
        "CP-SAT, new modules, nobody movable, a large model (opening.MIN_PAIRS pairs or more)",
        lambda dom, run: run.solver == "cpsat" and opening.applies(dom),
        _opening,
    ),
    Strategy(
        "portfolio",
        "CP-SAT, new modules, nobody movable, a smaller model, a limit of portfolio.MIN_LIMIT "
        f"or more: the textbook MIP in HiGHS ({portfolio.HIGHS_THREADS} threads) races CP-SAT (the "
        "textbook MIP where it is the whole model and small, else the fixing, then where it "
        "is the whole model neighbourhoods that trade placements with HiGHS)",
        lambda dom, run: (
            run.solver == "cpsat" and fixing.applies(dom) and run.time_limit >= portfolio.MIN_LIMIT
        ),
        _portfolio,
    ),
    Strategy(
        "fixing",
        "CP-SAT or HiGHS, new modules, nobody movable (a facility location problem)",
        lambda dom, run: run.solver in ("cpsat", "highs") and fixing.applies(dom),
        _fixing,
    ),
    Strategy(
        "highs",
        "HiGHS otherwise: the whole model as a MIP in a child process (the greedy placement "
        "where the limit leaves no time to build and load it)",
        lambda dom, run: run.solver == "highs",
        _plain_highs,
    ),
    Strategy(
        "cpsat",
        "CP-SAT otherwise (the municipal case): the whole model, small enough to prove (the "
        "greedy placement where the limit leaves no time to build and load it)",
        lambda dom, run: True,
        _plain,
    ),
)


def _not_optimal(
    dom: Domain,
    greedy: dict,
    result: Result | None,
    *,
    seed: int,
    lang: str,
    started: float,
    engine: str = "CP-SAT",
    scored: Result | None = None,
) -> Result:
    """A result not proven optimal, or none: never worse than greedy (``settle.keep_better``,
    ``result`` already scored on ``dom``, ``greedy`` too where ``scored`` is given), honestly
    labelled."""
    placed, mine = keep_better(
        dom,
        result,
        greedy,
        lower=-math.inf,
        scored=scored,
        found_scored=True,
        lang=lang,
        started=started,
    )
    if result is None:
        return replace(
            placed, status="UNKNOWN", solver=f"greedy ({engine} fandt ingen løsning)", seed=seed
        )
    if not mine:
        return replace(
            placed,
            status="FEASIBLE",
            solver=f"greedy (bedre end {engine})",
            best_bound=result.best_bound,
            seed=seed,
            build_seconds=result.build_seconds,
            solve_seconds=result.solve_seconds,
        )
    return result


def _highs(dom: Domain, m, greedy: dict, fix, run: Run, scored: Result | None = None) -> Result:
    """HiGHS on ``m`` (``_solve_highs``), scored on ``dom``; not proven optimal, never worse than
    ``greedy`` (``_not_optimal``), or with the fixing (``fix``) than the heuristic's placement
    (``fixing.settle``, which also takes the larger bound)."""
    clock, time_limit, started = run.clock, run.time_limit, run.started
    seed, lang = run.seed, run.lang
    # HiGHS's limit is wall-clock: the fixing's seconds come off it, and what scoring HiGHS's
    # placement will take (as long as scoring the heuristic's took)
    left = time_limit - (time.perf_counter() - started) - fix.scoring if fix else time_limit
    left = max(left, fixing.MIN_SHARE * time_limit)
    left = max(min(left, clock.left()), MIN_WALL)  # the clock holds the scoring's reserve
    result = _solve_highs(
        dom,
        m,
        greedy,
        fallback="lagrange" if fix else "greedy",
        scored=fix.placed if fix else scored,
        time_limit=left,
        seed=seed,
        lang=lang,
        workers=run.workers,
        started=started,
        clock=clock,
    )
    if result.status != "OPTIMAL":
        clock.mark_cut()  # HiGHS's limits are wall-clock only
    if result.status not in ("OPTIMAL", "FEASIBLE") and fix is not None:
        # no solution from HiGHS: the heuristic's placement, with the Lagrangian bound (valid
        # for the whole model, see ``capacity.solver.fixing``)
        return replace(result, best_bound=lowered(fix.bound))
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        return result  # no solution from HiGHS: ``greedy``, labelled with HiGHS's status
    if fix is not None:
        return fixing.settle(
            dom, result, fix, seed=seed, lang=lang, started=started, engine="HiGHS", scored=True
        )
    if result.status == "OPTIMAL":
        return result
    return _not_optimal(
        dom, greedy, result, seed=seed, lang=lang, started=started, engine="HiGHS", scored=scored
    )


def _solve_highs(
    dom: Domain,
    m,
    greedy: dict,
    *,
    fallback: str,
    scored: Result | None = None,
    time_limit: float,
    seed: int,
    lang: str,
    workers: int | None,
    started: float,
    clock: Clock,
) -> Result:
    """Solve the model's linear form with HiGHS in a child process; evaluate its placement.

    The placement HiGHS found is scored on ``dom`` (the whole domain, also where ``m`` holds
    only the pairs the fixing kept) by the model itself (``evaluate``: the same terms and
    explanation as CP-SAT's); a run without a solution (limit hit, or the child ended at the
    limit: ``KILLED``) falls back to ``greedy`` (``scored``, where it was scored already),
    labelled ``fallback`` with HiGHS's status.
    """

    begun = time.perf_counter()
    form = linear_form(m.cp)
    built = time.perf_counter()  # ``time_limit`` holds the form's building (at most half of it)
    limit = max(time_limit - (built - begun), time_limit / 2)
    # the deadline (less what scoring the answer will take: ``Clock.reserve``), as epoch time
    deadline = time.time() + clock.left() if math.isfinite(clock.left()) else None
    out = solve_highs(
        form,
        time_limit=limit,
        seed=seed,
        threads=workers or 1,
        deadline=deadline,
        progress=clock.report,  # the form's objective is the model's
    )
    elapsed = time.perf_counter() - built
    timing = dict(build_seconds=round(built - started, 3), solve_seconds=round(elapsed, 3))
    to_1pct = out.seconds_to(1.0)  # from HiGHS's start; add the build and the child's start-up
    if to_1pct is not None:
        to_1pct = round(built - started + max(elapsed - out.seconds, 0.0) + to_1pct, 3)
    if out.values is None:
        status = "KILLED" if out.status == "KILLED" else "UNKNOWN"
        return replace(
            scored if scored is not None else evaluate(dom, greedy, lang=lang, started=started),
            status=status,
            seed=seed,
            solver=f"{fallback} (HiGHS: {out.status.lower()} {out.note})".strip(),
            **timing,
        )
    chosen = {hid: None for hid in m.by_household}
    for (hid, uid), var in m.x.items():
        if out.values[var.index] > 0.5:
            chosen[hid] = uid
    return replace(
        evaluate(dom, chosen, lang=lang, started=started),
        status="OPTIMAL" if out.status == "OPTIMAL" else "FEASIBLE",
        solver="highs",
        seed=seed,
        best_bound=out.bound,
        seconds_to_1pct=to_1pct,
        **timing,
    )
