"""A race for facility location: the textbook MIP in HiGHS beside a CP-SAT lane.

With new modules and nobody movable, placement is single-source capacitated facility location.
No one method wins there: HiGHS on a plain textbook MIP proves optima CP-SAT misses within the
limit, and CP-SAT reaches optima HiGHS misses (measured in ``docs/benchmarks.md``). So, after the
fixing (``capacity.solver.fixing``) has pruned the pairs no placement as good as its heuristic's
uses, two lanes run at once under the run's one wall clock: HiGHS in a child process with
``HIGHS_THREADS`` threads, over the pairs kept and from the heuristic's placement, and a CP-SAT
lane in this process:

- where the textbook MIP is the whole model (``soft.separable``: no district term has anything
  to count) and small (fewer than ``PLAIN_MAX_PAIRS`` pairs), CP-SAT on the textbook MIP itself
  (``cpsat_lanes.cpsat_lane``: one worker, over the same pairs, hinted with the heuristic's
  placement): a tree search for ``cpsat_lanes.TREE_SHARE`` of its budget, which proves what it
  can, then, unless it proved, a search over neighbourhoods of units from its best placement
  (``capacity.solver.neighbourhood``) for the rest, which moves to HiGHS's latest incumbent
  whenever that is better than its own (``Incumbent``: the two lanes solve the same MIP). Once
  HiGHS's incumbent is within ``YIELD_GAP`` of its dual bound, this lane steps ``LANE_NICE``
  steps down in scheduling priority for the rest of the run (``Yielding``): what is left is
  mostly HiGHS's proof, which needs both cores, and by HiGHS's bound the lane can then improve
  the answer by at most ``YIELD_GAP`` of it;
- otherwise the rest of the fixing machinery (``fixing``, ``fewest``, ``lanes``; on the other
  cores), which holds every term of the model; where the textbook MIP is the whole model but
  large, the machinery for ``cpsat_lanes.MACHINERY_SHARE`` of the limit, then the
  neighbourhood search from its placement for the rest (``cpsat_lanes.onwards``), handing
  placements to and from HiGHS as the small models' lane does.

The CP-SAT searches on the textbook MIP are in ``capacity.solver.cpsat_lanes``; the textbook
MIP, the start and the scoring of a lane's answer in ``capacity.solver.textbook``.

``PLAIN_MAX_PAIRS`` keeps the CP-SAT lane on the textbook MIP to small models: there its race
ends nearer the optimum than the machinery's, on larger models the machinery's does (measured in
``docs/benchmarks.md``).

The answer is the better placement by the whole model's objective (ties: the CP-SAT lane's),
with the larger of the valid bounds (``settle.keep_better``, ``settle.labelled``; a lane's
bound above the other lane's objective is not valid, and is dropped with that lane's proof);
``Result.options["lane"]`` names the lane whose placement it is (``highs``, ``cpsat`` or
``fixing``) and ``options["lanes"]`` both lanes' objectives. When the CP-SAT lane proves
optimality first, HiGHS is stopped; when HiGHS does (for the whole model: its objective reaches
the textbook bound), the run's clock is ended (``Clock.end``) and the CP-SAT lane returns what
it has.

When: only with a limit of ``MIN_LIMIT`` seconds or more. The machinery's budgets are set for
both cores (``capacity.solver.lanes``); at shorter limits, sharing them with HiGHS costs the
machinery more than HiGHS gains (measured in ``docs/benchmarks.md``).

Determinism: HiGHS is deterministic when it proves optimality; when its wall-clock limit ends
it, its placement depends on the machine's load (``capacity.solver.highs``), and the clock
records a wall-clock cut (``summary.json``'s ``stopped_by``). Either CP-SAT lane has a
deterministic budget under the same wall clock; a neighbourhood search that took one of HiGHS's
placements marks the clock cut too. A proven answer's objective is the optimum; where several
placements reach it, which one comes back can depend on which lane got there first.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from capacity.model.domain import Domain
from capacity.model.soft import separable
from capacity.solver.clock import MIN_WALL, Clock
from capacity.solver.fixing import Fixing
from capacity.solver.highs import closed, solve_highs
from capacity.solver.problem import problem_of
from capacity.solver.result import Result
from capacity.solver.settle import classes_of, keep_better, labelled, lowered
from capacity.solver.textbook import scored, start_values, textbook_form

LANES = ("highs", "fixing", "cpsat")
MIN_LIMIT = 30.0  # seconds: below, the fixing needs both cores for its budgets (see the module)
PLAIN_MAX_PAIRS = 3_000  # pairs before the fixing: below, the textbook MIP (see the module)
# HiGHS's tree search uses its second thread only part of the time, so beside the CP-SAT lane's
# core it proves more optima than one thread and costs that lane little (measured over whole
# families in ``docs/benchmarks.md``)
HIGHS_THREADS = 2
# HiGHS's relative gap at which the small models' CP-SAT lane yields the cores to it (``Yielding``):
# the target's margin, so that yielding never costs more than a tenth of a per cent
YIELD_GAP = 0.001
# steps of scheduling priority the lane steps down then; at +5 it still gets about a quarter of a
# core while both of HiGHS's threads run (measured over the family in ``docs/benchmarks.md``)
LANE_NICE = 5


class Incumbent:
    """The latest placement one lane hands to the other, between threads: one for HiGHS's
    improving points, which the neighbourhood search takes before each step, one for the
    search's better placements, which the HiGHS lane passes on to its child."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: np.ndarray | None = None

    def offer(self, values: np.ndarray) -> None:
        """Hold ``values`` (every column of the textbook MIP, feasible) instead of the last."""
        with self._lock:
            self._values = np.array(values, dtype=float)

    def take(self) -> np.ndarray | None:
        """The placement held last, or ``None`` before the first."""
        with self._lock:
            return self._values


class Yielding:
    """A lane that yields the cores to HiGHS once HiGHS is near a proof: ``run`` calls the lane
    in a thread of its own; ``gap`` (HiGHS's incumbent objective and dual bound, from the HiGHS
    lane's thread) lowers that thread's scheduling priority by ``nice`` steps the first time the
    relative gap is ``at`` or less, for the rest of its run (one way: a thread without
    privileges cannot raise its priority back). Linux only, where a thread's nice value is its
    own (``os.setpriority`` with its id); elsewhere the lane keeps its priority.
    ``lowered`` holds the seconds into the run (``started``) at which it yielded, else ``None``."""

    def __init__(self, at: float, nice: int, started: float) -> None:
        self.at, self.nice, self.started = at, nice, started
        self.lowered: float | None = None
        self._lock = threading.Lock()
        self._thread: int | None = None  # the lane's native thread id while it runs

    def run(self, call: Callable[[], Result]) -> Result:
        """``call()`` in a thread of its own (so that lowering it leaves the caller's priority
        as it was), its result or its error."""

        def lane() -> Result:
            with self._lock:
                self._thread = threading.get_native_id()
            try:
                return call()
            finally:
                with self._lock:
                    self._thread = None

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yielding-lane")
        try:
            return pool.submit(lane).result()
        finally:  # not waited for: on Ctrl-C here the caller ends the clock ``call`` runs on
            pool.shutdown(wait=False)

    def gap(self, primal: float, dual: float) -> None:
        """Lower the lane once ``primal`` is within ``at`` of ``dual`` (``highs.closed``, the
        rule HiGHS's own gap is judged by), while it runs."""
        finite = math.isfinite(primal) and math.isfinite(dual)
        if self.lowered is not None or not finite or not closed(primal, dual, self.at):
            return
        with self._lock:
            if self._thread is None or self.lowered is not None:
                return
            self.lowered = round(time.perf_counter() - self.started, 1)
            if sys.platform.startswith("linux"):
                tid = self._thread
                with contextlib.suppress(OSError):  # not allowed here: the lane keeps its own
                    now = os.getpriority(os.PRIO_PROCESS, tid)
                    os.setpriority(os.PRIO_PROCESS, tid, now + self.nice)


def plain_applies(dom: Domain, fix: Fixing) -> bool:
    """Whether CP-SAT's lane is the textbook MIP rather than the fixing machinery (see the
    module): where the textbook MIP is the whole model (``soft.separable``) and small (fewer
    than ``PLAIN_MAX_PAIRS`` pairs before the fixing pruned them)."""
    return fix.pairs < PLAIN_MAX_PAIRS and separable(dom)


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
    incumbent: Incumbent | None = None,
    offered: Incumbent | None = None,
    gap: Callable[[float, float], None] | None = None,
) -> Result | None:
    """The textbook MIP in HiGHS (``HIGHS_THREADS`` threads, a child process) until ``clock``'s
    deadline or ``stop``, over the pairs of ``within`` (``dom`` with pairs left out that no better
    placement uses, ``capacity.solver.fixing``; default ``dom``), from the placement ``start`` if
    given, offering each improving point to ``incumbent`` and taking ``offered``'s (the CP-SAT
    lane's) as user solutions, and passing HiGHS's incumbent objective and dual bound to ``gap``
    as they move; its placement scored on ``dom``, with HiGHS's bound; ``None`` without a
    placement."""
    begun = time.perf_counter()
    prob = problem_of(within or dom)
    form, pairs, modules = textbook_form(dom, prob)
    first = None if start is None else start_values(prob, pairs, modules, start)
    # scoring the placement after the deadline takes about as long as building the arrays did
    left = clock.left() - (time.perf_counter() - begun)
    if not math.isfinite(left):
        raise ValueError("the HiGHS lane needs a clock with a deadline")
    out = solve_highs(
        form,
        time_limit=max(left, MIN_WALL),
        seed=seed,
        threads=HIGHS_THREADS,
        start=first,
        deadline=time.time() + left,
        stop=stop,
        incumbent=None if incumbent is None else incumbent.offer,
        offered=None if offered is None else offered.take,
        gap=gap,
    )
    if out.status == "STOPPED":
        return None
    if out.status != "OPTIMAL":
        clock.mark_cut()  # HiGHS's limit is wall-clock only
    bound = out.bound if out.bound is not None and math.isfinite(out.bound) else None
    return scored(
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
    incumbent: Incumbent | None = None,
    offered: Incumbent | None = None,
    yielding: Yielding | None = None,
) -> Result:
    """``other()`` (the machinery, returning a ``Result`` scored on ``dom``) in this thread,
    or, with ``yielding``, in a thread of its own that yields the cores to HiGHS once HiGHS is
    near a proof (``Yielding``), and ``highs_lane`` (over ``within``, from ``start``, offering
    its points to ``incumbent`` and taking ``offered``'s) in a second one, both until
    ``clock``'s deadline; HiGHS is stopped when ``other`` proves optimality, and ``clock`` is
    ended (``Clock.end``: ``other``'s searches stop) when HiGHS proves it for the whole model
    or the race is left by an exception. The better placement by the whole objective (ties:
    ``other``'s), the larger bound, labelled with the lane that won; with ``yielding``,
    ``options["yielded_at"]`` holds the seconds into the run at which the lane yielded (absent
    where it did not)."""
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
            incumbent=incumbent,
            offered=offered,
            gap=None if yielding is None else yielding.gap,
        )
        finished = threading.Event()
        lane.add_done_callback(lambda done: _end_on_proof(done, clock, finished))
        try:
            mine = other() if yielding is None else yielding.run(other)
        except BaseException:  # an error, or Ctrl-C while ``other`` runs in its own thread
            stop.set()
            clock.end()
            raise
        finally:
            finished.set()
        if mine.status == "OPTIMAL":
            stop.set()  # nothing better to find
        highs = lane.result()
    out = settle_race(dom, mine, highs, name=name, seed=seed, lang=lang, started=started)
    if yielding is None or yielding.lowered is None:
        return out
    return replace(out, options={**out.options, "yielded_at": yielding.lowered})


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
    or the objective reaches the bound. A lane's bound above the other lane's objective cannot
    hold (a lower bound of every placement): it is dropped with that lane's proof, and
    ``options["refuted"]`` names the lane."""
    if highs is None:
        return replace(mine, options={**mine.options, "lane": name})
    refuted = [
        lane
        for lane, result, other in ((name, mine, highs), (LANES[0], highs, mine))
        if result.best_bound is not None and lowered(result.best_bound) > other.objective
    ]
    if name in refuted:
        mine = replace(mine, status="FEASIBLE", best_bound=None)
    if LANES[0] in refuted:
        highs = replace(highs, status="FEASIBLE", best_bound=None)
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
    options = {**mine.options, "lane": name if kept else LANES[0], "lanes": lanes}
    return replace(out, options=options | ({"refuted": refuted} if refuted else {}))
