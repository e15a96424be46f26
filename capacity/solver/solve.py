"""Place arriving households: build the domain and model, solve with CP-SAT (or greedy), explain.

Determinism
-----------
Same registry, policy, date, options and seed give the same ``Result`` (and so byte-identical
files, apart from the timings). CP-SAT runs with ``interleave_search = True``: its workers run in
deterministic batches, independently of their number and of thread timing; without it, parallel
CP-SAT is not reproducible whatever the limit. ``--time-limit`` maps to
``max_deterministic_time`` (CP-SAT's work counter, roughly seconds on a quiet machine), never to
a wall-clock limit, so machine load cannot decide where the search stops. ``random_seed`` is the
seed; ``num_workers`` the machine's cores. The greedy hint is itself deterministic, and units of
one class are mapped back to real units by sorted ids. Where the fewest-modules phase runs in a
second thread beside CP-SAT (``capacity.solver.lanes``), each lane's work is counted and the
answer is chosen by a rule that does not depend on which ended first. Caveat (or-tools #3948):
CP-SAT's determinism is a documented intent, not a warranty; the tests check it on every run.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import replace

from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.model.domain import Domain, add_pairs, build_domain
from capacity.solver.fingerprint import input_hash
from capacity.solver.greedy import greedy_assignment
from capacity.solver.result import Result
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
) -> Result:
    """Place every household without a home that has arrived by ``date``.

    Parameters
    ----------
    reg : the registry (its ``policy`` gives weights and limits).
    date : the placement date.
    solver : ``"cpsat"`` (optimal, or best found within the limit), ``"highs"`` (the same model
        as a MIP, ``capacity.solver.highs``), ``"greedy"`` (baseline) or ``"auto"``: CP-SAT for
        the per-pair formulation, HiGHS for the aggregate (measured faster there: regional
        2,000 x 300 optimal per round in about 7 s, CP-SAT still 0.003 % short after 25 s).
    time_limit : CP-SAT's deterministic time limit (work units, about seconds); for HiGHS its
        wall-clock limit (its child process is ended a few seconds after it).
    seed : CP-SAT's or HiGHS's random seed.
    allow_moves : residents may move, each move costing ``weights.moves``.
    allow_new_modules : pavilion modules not yet put up may be used (``weights.new_modules``).
    lang : ``"da"`` or ``"en"`` for texts and reasons.
    workers : CP-SAT workers (default: the machine's cores).
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
    from capacity.solver.aggregate import choose_formulation, place_aggregate

    if solver not in SOLVERS:
        raise UserError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    if lang not in ("da", "en"):
        raise UserError(f"unknown language {lang!r}; choose da or en")
    if time_limit <= 0:
        raise UserError(f"time limit {time_limit} must be positive; give seconds, e.g. 10")
    start = time.perf_counter()
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
            time_limit=time_limit,
            seed=seed,
            lang=lang,
            workers=workers,
            started=start,
        )
    else:
        result = solve_domain(
            add_pairs(dom),
            solver=solver,
            time_limit=time_limit,
            seed=seed,
            lang=lang,
            workers=workers,
            started=start,
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
    return replace(result, input_hash=input_hash(reg), options=options, seconds_to_1pct=to_1pct)


def solve_domain(
    dom: Domain,
    *,
    solver: str = "cpsat",
    time_limit: float = 10.0,
    seed: int = 0,
    lang: str = "da",
    workers: int | None = None,
    started: float | None = None,
) -> Result:
    """Solve a built domain (see ``place``); the greedy placement is CP-SAT's hint."""
    from capacity.model.placement import build_model, hint
    from capacity.solver import fewest, fixing, lanes, opening

    started = time.perf_counter() if started is None else started
    # Large with new modules: a Lagrangian heuristic picks the modules, CP-SAT solves the kernel
    # from its placement, and its bound is the one reported (capacity.solver.opening).
    lag = (
        opening.open_modules(dom, time_limit)
        if solver == "cpsat" and opening.applies(dom)
        else None
    )
    # Smaller with new modules: the pairs no placement as good as the heuristic's uses are left
    # out, and CP-SAT (or HiGHS) solves the rest; its optimum and bound are the whole model's
    # (capacity.solver.fixing).
    fix = (
        fixing.fix_pairs(dom, lang=lang)
        if solver in ("cpsat", "highs") and lag is None and fixing.applies(dom)
        else None
    )
    # Tight beds: the fewest modules that hold everyone (capacity.solver.fewest), beside CP-SAT
    # on two cores or more (capacity.solver.lanes), else before it.
    cores = workers or os.cpu_count() or 1
    beside = fix is not None and solver == "cpsat" and cores > 1 and fewest.applies(dom, fix)
    if fix and solver == "cpsat" and not beside:
        fix = fewest.first(dom, fix, time_limit=time_limit, seed=seed, lang=lang)
    greedy = lag.assignment if lag else fix.assignment if fix else greedy_assignment(dom)
    if solver == "greedy":
        return evaluate(dom, greedy, lang=lang, started=started)
    m = fixing.model_of(fix) if fix else build_model(lag.kernel if lag else dom)
    size = {
        "model_size": {
            "variables": len(m.cp.proto.variables),
            "constraints": len(m.cp.proto.constraints),
        }
    }
    if solver == "highs":
        return replace(
            _highs(
                dom,
                m,
                greedy,
                fix,
                time_limit=time_limit,
                seed=seed,
                lang=lang,
                workers=workers,
                started=started,
            ),
            options=size,
        )
    hint(m, greedy)
    if beside:
        result, fix = lanes.alongside(
            dom, fix, m, time_limit=time_limit, seed=seed, lang=lang, cores=cores, started=started
        )
    else:
        if lag:
            time_limit = lag.time_limit
        elif fix:
            time_limit = fixing.budget(fix, time_limit)
        result = solve_in_stages(
            m,
            time_limit=time_limit,
            seed=seed,
            lang=lang,
            workers=workers,
            started=started,
        )
    if lag:
        settled = opening.settle(dom, result, lag, seed=seed, lang=lang, started=started)
        # the kernel's own bound is not the whole model's: the gap is judged at the end
        return replace(settled, options=size, seconds_to_1pct=None)
    if fix:
        return replace(
            fixing.settle(dom, result, fix, seed=seed, lang=lang, started=started), options=size
        )
    if result is not None and result.status == "OPTIMAL":
        return replace(result, options=size)
    return replace(
        _not_optimal(dom, greedy, result, seed=seed, lang=lang, started=started), options=size
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
) -> Result:
    """A result not proven optimal, or none: never worse than greedy, honestly labelled."""
    # not proven optimal: never return worse than the greedy placement (honestly labelled)
    fallback = evaluate(dom, greedy, lang=lang, started=started)
    if result is None:
        return replace(
            fallback, status="UNKNOWN", solver=f"greedy ({engine} fandt ingen løsning)", seed=seed
        )
    if fallback.objective < result.objective:
        return replace(
            fallback,
            status="FEASIBLE",
            solver=f"greedy (bedre end {engine})",
            best_bound=result.best_bound,
            seed=seed,
            build_seconds=result.build_seconds,
            solve_seconds=result.solve_seconds,
        )
    return result


def _highs(
    dom: Domain,
    m,
    greedy: dict,
    fix,
    *,
    time_limit: float,
    seed: int,
    lang: str,
    workers: int | None,
    started: float,
) -> Result:
    """HiGHS on ``m`` (``_solve_highs``), scored on ``dom``; not proven optimal, never worse than
    ``greedy`` (``_not_optimal``), or with the fixing (``fix``) than the heuristic's placement
    (``fixing.settle``, which also takes the larger bound)."""
    from capacity.solver import fixing

    # HiGHS's limit is wall-clock: the fixing's seconds come off it, and what scoring HiGHS's
    # placement will take (as long as scoring the heuristic's took: 3.4 s on capa1)
    left = time_limit - (time.perf_counter() - started) - fix.scoring if fix else time_limit
    result = _solve_highs(
        dom,
        m,
        greedy,
        fallback="lagrange" if fix else "greedy",
        scored=fix.placed if fix else None,
        time_limit=max(left, fixing.MIN_SHARE * time_limit),
        seed=seed,
        lang=lang,
        workers=workers,
        started=started,
    )
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        return result  # no solution from HiGHS: ``greedy``, labelled with HiGHS's status
    if fix is not None:
        return fixing.settle(
            dom, result, fix, seed=seed, lang=lang, started=started, engine="HiGHS", scored=True
        )
    if result.status == "OPTIMAL":
        return result
    return _not_optimal(dom, greedy, result, seed=seed, lang=lang, started=started, engine="HiGHS")


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
) -> Result:
    """Solve the model's linear form with HiGHS in a child process; evaluate its placement.

    The placement HiGHS found is scored on ``dom`` (the whole domain, also where ``m`` holds
    only the pairs the fixing kept) by the model itself (``evaluate``: the same terms and
    explanation as CP-SAT's); a run without a solution (limit hit, or the child ended at the
    limit: ``KILLED``) falls back to ``greedy`` (``scored``, where it was scored already),
    labelled ``fallback`` with HiGHS's status.
    """
    from capacity.solver.highs import solve_highs
    from capacity.solver.linear import linear_form

    clock = time.perf_counter()
    form = linear_form(m.cp)
    built = time.perf_counter()  # ``time_limit`` holds the form's building (at most half of it)
    limit = max(time_limit - (built - clock), time_limit / 2)
    out = solve_highs(form, time_limit=limit, seed=seed, threads=workers or 1)
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


EVALUATE_LIMIT = 1000.0


def evaluate(
    dom: Domain,
    assignment: dict[str, str | None],
    *,
    lang: str = "da",
    started: float | None = None,
) -> Result:
    """The ``Result`` of a given assignment (household -> unit class), scored by the model's terms.

    Raises
    ------
    ValueError
        When the assignment breaks a hard rule.
    """
    from capacity.model.placement import build_model

    started = time.perf_counter() if started is None else started
    for hid, uid in assignment.items():
        if uid is not None and uid not in dom.pairs[hid]:
            raise ValueError(f"{hid} -> {uid}: the pair breaks a static hard rule")
    m = build_model(dom, fixed=assignment)
    # Every decision is fixed: the solve only checks the rules and sums the terms, but presolve
    # of a large model can take more than a placement's budget, so the cap here is generous.
    result = solve_in_stages(
        m,
        time_limit=EVALUATE_LIMIT,
        seed=0,
        lang=lang,
        workers=1,
        started=started,
        solver="greedy",
    )
    if result is None:
        raise ValueError(
            "the assignment breaks a hard rule of the model (or was not checked within "
            f"{EVALUATE_LIMIT:.0f} deterministic units)"
        )
    return result
