"""A race for facility location: the textbook MIP in HiGHS beside a CP-SAT lane.

With new modules and nobody movable, placement is single-source capacitated facility location.
No one method wins there: a plain textbook MIP in HiGHS proves instances that CP-SAT does not
reach within the limit, and CP-SAT reaches optima HiGHS does not (``docs/benchmarks.md``, the
``general`` suite). So, after the fixing (``capacity.solver.fixing``) has pruned the pairs no
placement as good as its heuristic's uses, two lanes run at once under the run's one wall
clock: HiGHS in a child process with one thread, over the pairs kept and from the heuristic's
placement, and a CP-SAT lane in this process on the other cores:

- where the textbook MIP is the whole model (``soft.separable``: no district term has anything
  to count) and small (fewer than ``PLAIN_MAX_PAIRS`` pairs), CP-SAT on the textbook MIP itself
  (``cpsat_lane``: one worker, over the same pairs, hinted with the heuristic's placement);
- otherwise the rest of the fixing machinery (``fixing``, ``fewest``, ``lanes``), which holds
  every term of the model.

The boundary is measured, per family, in ``docs/benchmarks.md`` ("The portfolio's CP-SAT
lane"): on the small instances the plain model on one core ends nearer the optimum than the
machinery on one core, on the large ones the machinery does.

The answer is the better placement by the whole model's objective (ties: the CP-SAT lane's),
with the larger of the valid bounds (``settle.keep_better``, ``settle.labelled``);
``Result.options["lane"]`` names the lane whose placement it is (``highs``, ``cpsat`` or
``fixing``) and ``options["lanes"]`` both lanes' objectives. When the CP-SAT lane proves
optimality first, HiGHS is stopped; when HiGHS does (for the whole model: its objective reaches
the textbook bound), the run's clock is ended (``Clock.end``) and the CP-SAT lane returns what
it has.

When: only with a limit of ``MIN_LIMIT`` seconds or more. The machinery's budgets are set for
both cores (``capacity.solver.lanes``); on one core beside HiGHS it ends above optima it reaches
at short limits on two, where HiGHS's one core does not make up for it (measured in
``docs/benchmarks.md``, "The portfolio").

The textbook MIP
----------------
``textbook_form`` writes the separable part of the model (``problem.problem_of``: the arrays the
Lagrangian heuristics use, costs exactly as ``soft.pair_cost`` counts them) as a ``LinearForm``:
a column per allowed pair, per new module and per household (left out, at its penalty); each
household placed once or left out (an equality), each unit's capacity (times its module's
column for a new module), the strong linking rows ``x_hu <= y_u``, and a site's modules put up
in order. The terms the arrays leave out are all ``>= 0``, and the pairs the fixing removed are
used by no placement better than its heuristic's (whose pairs are kept), so HiGHS's bound is a
bound of the whole model's optimum; its placement is scored on the whole domain before it can
win. The model's own linear form (``linear.linear_form``) is the same problem, but it holds each
household's unplaced penalty inside every one of its pair coefficients and its household rows
are inequalities; HiGHS proved fewer instances on it (``docs/benchmarks.md``).

Determinism: HiGHS is deterministic when it proves optimality; when its wall-clock limit ends
it, its placement depends on the machine's load (``capacity.solver.highs``), and the clock
records a wall-clock cut (``summary.json``'s ``stopped_by``). The CP-SAT lane runs one worker
with a deterministic budget (the limit, in CP-SAT's units) under the same wall clock.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from capacity.model.domain import Domain
from capacity.model.soft import separable
from capacity.solver.clock import MIN_WALL, Clock
from capacity.solver.highs import solve_highs
from capacity.solver.linear import LinearForm, cpsat_model
from capacity.solver.opening import in_order
from capacity.solver.problem import Problem, problem_of
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate
from capacity.solver.settle import classes_of, keep_better, labelled
from capacity.solver.stages import run as solve_once
from capacity.solver.trace import GapTrace

LANES = ("highs", "fixing", "cpsat")
MIN_LIMIT = 30.0  # seconds: below, the fixing needs both cores for its budgets (see the module)
PLAIN_MAX_PAIRS = 5_000  # pairs before the fixing: below, CP-SAT's lane is the textbook MIP


def plain_applies(dom: Domain, fix) -> bool:
    """Whether CP-SAT's lane is the textbook MIP rather than the fixing machinery (see the
    module): where the textbook MIP is the whole model (``soft.separable``) and small (fewer
    than ``PLAIN_MAX_PAIRS`` pairs before the fixing pruned them)."""
    return fix.pairs < PLAIN_MAX_PAIRS and separable(dom)


def textbook_form(dom: Domain, prob: Problem) -> tuple[LinearForm, np.ndarray, np.ndarray]:
    """The textbook MIP of ``prob`` (see the module), the pair of each ``x`` column and the unit
    of each ``y`` column.

    Columns: ``x`` per allowed pair (household-major), ``y`` per new module, ``z`` per household
    (left out, at ``prob.penalty``). Returns the form and, per ``x`` column, its (household row,
    unit column) in ``prob``, and per ``y`` column its unit column.
    """
    hs, us = np.nonzero(prob.allowed)
    n_x, n_h, n_u = len(hs), len(prob.households), len(prob.units)
    modules = [k for k, uid in enumerate(prob.units) if dom.units[uid].new_module]
    y_of = np.full(n_u, -1)
    y_of[modules] = n_x + np.arange(len(modules))
    z0 = n_x + len(modules)
    cost = np.concatenate([prob.cost[hs, us], prob.setup[modules], prob.penalty])
    rows: list[tuple[float, float, np.ndarray, np.ndarray]] = []
    at = np.searchsorted(hs, np.arange(n_h + 1))  # ``hs`` is sorted: household-major
    for i in range(n_h):  # placed once or left out
        cols = np.append(np.arange(at[i], at[i + 1]), z0 + i)
        rows.append((1.0, 1.0, cols, np.ones(len(cols))))
    by_unit = np.argsort(us, kind="stable")
    ut = np.searchsorted(us[by_unit], np.arange(n_u + 1))
    for k in range(n_u):
        xs = by_unit[ut[k] : ut[k + 1]]
        if not len(xs):
            continue
        w = prob.weight[hs[xs], k]
        if y_of[k] < 0:
            rows.append((-np.inf, float(prob.capacity[k]), xs, w))
            continue
        rows.append((-np.inf, 0.0, np.append(xs, y_of[k]), np.append(w, -prob.capacity[k])))
        rows.extend((-np.inf, 0.0, np.array([x, y_of[k]]), np.array([1.0, -1.0])) for x in xs)
    for prev, nxt in zip(modules, modules[1:], strict=False):  # a site's modules in order
        if dom.units[prob.units[prev]].site_id == dom.units[prob.units[nxt]].site_id:
            rows.append((-np.inf, 0.0, np.array([y_of[nxt], y_of[prev]]), np.array([1.0, -1.0])))
    n_col = z0 + n_h
    form = LinearForm(
        col_lower=np.zeros(n_col),
        col_upper=np.ones(n_col),
        integer=np.ones(n_col, dtype=bool),
        cost=cost.astype(float),
        offset=0.0,
        start=np.cumsum([0] + [len(r[2]) for r in rows]).astype(np.int64),
        index=np.concatenate([r[2] for r in rows]).astype(np.int64),
        value=np.concatenate([r[3] for r in rows]).astype(float),
        row_lower=np.array([r[0] for r in rows], dtype=float),
        row_upper=np.array([r[1] for r in rows], dtype=float),
    )
    return form, np.stack([hs, us], axis=1), np.array(modules, dtype=np.int64)


def highs_lane(
    dom: Domain,
    *,
    seed: int,
    lang: str,
    started: float,
    clock: Clock,
    within: Domain | None = None,
    start: Mapping[str, str | None] | None = None,
    stop: threading.Event | None = None,
) -> Result | None:
    """The textbook MIP in HiGHS (one thread, a child process) until ``clock``'s deadline or
    ``stop``, over the pairs of ``within`` (``dom`` with pairs left out that no better placement
    uses, ``capacity.solver.fixing``; default ``dom``), from the placement ``start`` if given; its
    placement scored on ``dom``, with HiGHS's bound; ``None`` without a placement."""
    begun = time.perf_counter()
    prob = problem_of(within or dom)
    form, pairs, modules = textbook_form(dom, prob)
    first = None if start is None else _start(prob, pairs, modules, start)
    # scoring the placement after the deadline takes about as long as building the arrays did
    left = clock.left() - (time.perf_counter() - begun)
    if not math.isfinite(left):
        raise ValueError("the HiGHS lane needs a clock with a deadline")
    out = solve_highs(
        form,
        time_limit=max(left, MIN_WALL),
        seed=seed,
        threads=1,
        start=first,
        deadline=time.time() + left,
        stop=stop,
    )
    if out.status == "STOPPED":
        return None
    if out.status != "OPTIMAL":
        clock.mark_cut()  # HiGHS's limit is wall-clock only
    bound = out.bound if out.bound is not None and math.isfinite(out.bound) else None
    return _scored(
        dom,
        within or dom,
        prob,
        pairs,
        out.values,
        proven=out.status == "OPTIMAL",
        bound=bound,
        solver="highs",
        seed=seed,
        lang=lang,
        started=started,
    )


def cpsat_lane(
    dom: Domain,
    *,
    seed: int,
    lang: str,
    started: float,
    clock: Clock,
    within: Domain | None = None,
    start: Mapping[str, str | None] | None = None,
) -> Result | None:
    """The textbook MIP in CP-SAT (one worker) until ``clock``'s deadline or its end, over the
    pairs of ``within`` (default ``dom``), hinted with the placement ``start`` if given; its
    placement scored on ``dom``, with CP-SAT's bound; ``None`` without a placement (or where a
    cost is not an integer, which CP-SAT cannot take).

    Its deterministic budget is the run's limit in CP-SAT's units and the wall clock guards it
    (``stages.run``), as every CP-SAT call of the run."""
    begun = time.perf_counter()
    prob = problem_of(within or dom)
    form, pairs, modules = textbook_form(dom, prob)
    try:
        model, cols = cpsat_model(form)
    except ValueError:
        return None
    if start is not None:
        for col, v in zip(cols, _start(prob, pairs, modules, start)[1], strict=True):
            model.add_hint(col, int(v))
    clock.reserve(time.perf_counter() - begun)  # scoring after the search takes about as long
    trace = GapTrace(time.perf_counter() - started, clock)
    cp = solve_once(
        _Textbook(model),
        workers=1,
        seed=seed,
        budget=clock.time_limit if math.isfinite(clock.time_limit) else 1e9,
        interleave=False,
        trace=trace,
        clock=clock,
    )
    if cp.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = np.array([cp.value(c) for c in cols], dtype=float)
    return _scored(
        dom,
        within or dom,
        prob,
        pairs,
        values,
        proven=cp.status == cp_model.OPTIMAL,
        bound=float(cp.best_objective_bound),
        solver="cpsat",
        seed=seed,
        lang=lang,
        started=started,
    )


class _Textbook:
    """A CP-SAT model in the shape ``stages.run`` takes (its ``cp`` attribute)."""

    def __init__(self, model) -> None:
        self.cp = model


def _scored(
    dom: Domain,
    within: Domain,
    prob: Problem,
    pairs: np.ndarray,
    values: np.ndarray | None,
    *,
    proven: bool,
    bound: float | None,
    solver: str,
    seed: int,
    lang: str,
    started: float,
) -> Result | None:
    """A lane's column ``values`` of the textbook MIP as a placement (modules in order) scored
    on ``dom``, labelled ``OPTIMAL`` only where the whole objective reaches the textbook
    ``bound`` (the textbook MIP leaves the district terms out); ``None`` without values or
    where the arrays allowed what a rule of the model does not."""
    if values is None:
        return None
    chosen = values[: len(pairs)] > 0.5
    assign = np.full(len(prob.households), -1)
    assign[pairs[chosen, 0]] = pairs[chosen, 1]
    assign = in_order(within, prob, assign)
    assignment = {
        hid: (prob.units[k] if k >= 0 else None)
        for hid, k in zip(prob.households, assign, strict=True)
    }
    try:
        scored = evaluate(dom, assignment, lang=lang, started=started)
    except ValueError:  # the arrays allowed what a rule of the model does not: not an answer
        return None
    if bound is not None:
        bound -= 1e-9 * abs(bound) + 1e-6  # float sums: the bound is a little lower
    proven = proven and bound is not None and scored.objective <= math.ceil(bound)
    return replace(
        scored,
        status="OPTIMAL" if proven else "FEASIBLE",
        solver=solver,
        seed=seed,
        best_bound=bound,
    )


def _start(
    prob: Problem, pairs: np.ndarray, modules: np.ndarray, start: Mapping[str, str | None]
) -> tuple[np.ndarray, np.ndarray]:
    """Every column's value in the placement ``start`` (the pairs it uses, the modules it puts
    up, the households it leaves out), as HiGHS's starting solution."""
    col = {uid: k for k, uid in enumerate(prob.units)}
    want = np.array(
        [col[u] if (u := start.get(hid)) is not None else -1 for hid in prob.households]
    )
    used = np.zeros(len(prob.units), dtype=bool)
    used[want[want >= 0]] = True
    x = want[pairs[:, 0]] == pairs[:, 1]
    values = np.concatenate([x, used[modules], want < 0]).astype(float)
    return np.arange(len(values)), values


def race(
    dom: Domain,
    other: Callable[[], Result],
    *,
    name: str = "fixing",
    seed: int,
    lang: str,
    started: float,
    clock: Clock,
    within: Domain | None = None,
    start: Mapping[str, str | None] | None = None,
) -> Result:
    """``other()`` (the machinery, returning a ``Result`` scored on ``dom``) in this thread,
    ``highs_lane`` (over ``within``, from ``start``) in a second one, both until ``clock``'s
    deadline; HiGHS is stopped when ``other`` proves optimality, and ``clock`` is ended
    (``Clock.end``: ``other``'s searches stop) when HiGHS proves it for the whole model. The
    better placement by the whole objective (ties: ``other``'s), the larger bound, labelled
    with the lane that won."""
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="highs-lane") as pool:
        lane = pool.submit(
            highs_lane,
            dom,
            seed=seed,
            lang=lang,
            started=started,
            clock=clock,
            within=within,
            start=start,
            stop=stop,
        )
        finished = threading.Event()
        lane.add_done_callback(lambda done: _end_on_proof(done, clock, finished))
        try:
            mine = other()
        except BaseException:
            stop.set()
            raise
        finally:
            finished.set()
        if mine.status == "OPTIMAL":
            stop.set()  # nothing better to find
        highs = lane.result()
    return settle_race(dom, mine, highs, name=name, seed=seed, lang=lang, started=started)


END_POLL = 0.05  # seconds between ``Clock.end`` calls while the machinery winds down


def _end_on_proof(done, clock: Clock, finished: threading.Event) -> None:
    """When the HiGHS lane proved its placement optimal for the whole model, end the
    machinery's clock: again and again until it has returned (``finished``), so that a CP-SAT
    call that was starting when first asked is stopped too. Runs in a thread of its own."""
    if done.cancelled() or done.exception() is not None:
        return
    got = done.result()
    if got is None or got.status != "OPTIMAL":
        return

    def keep_ending() -> None:
        while not finished.is_set():
            clock.end()
            finished.wait(END_POLL)

    threading.Thread(target=keep_ending, name="highs-proved", daemon=True).start()


def settle_race(
    dom: Domain,
    mine: Result,
    highs: Result | None,
    *,
    name: str = "fixing",
    seed: int,
    lang: str,
    started: float,
) -> Result:
    """The better of the machinery's result ``mine`` and the HiGHS lane's ``highs`` (both
    scored on ``dom``; ties: ``mine``), with the larger bound, ``OPTIMAL`` when either proved it
    or the objective reaches the bound."""
    if highs is None:
        return replace(mine, options={**mine.options, "lane": name})
    placed, kept = keep_better(
        dom,
        mine,
        classes_of(dom, highs),
        lower=-math.inf,
        scored=highs,
        found_scored=True,
        lang=lang,
        started=started,
    )
    winner = mine if kept else highs
    bounds = [r.best_bound for r in (mine, highs) if r.best_bound is not None]
    label = winner.solver if kept else f"highs (bedre end {mine.solver})"
    out = labelled(
        placed,
        mine,
        bound=max(bounds) if bounds else -1e300,
        proven=winner.status == "OPTIMAL",
        solver=label,
        seed=seed,
        started=started,
        seconds_to_1pct=winner.seconds_to_1pct,
    )
    if not bounds and out.status != "OPTIMAL":
        out = replace(out, best_bound=None)
    lanes = {name: int(mine.objective), LANES[0]: int(highs.objective)}
    return replace(
        out, options={**mine.options, "lane": name if kept else LANES[0], "lanes": lanes}
    )
