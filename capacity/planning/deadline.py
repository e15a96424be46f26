"""The plan's wall-clock budget: building a model and every HiGHS child end by one deadline.

``make_plan``'s time limit counts from the run's start. Python cannot stop a model being built
from outside, so the model looks at the clock while it is built (``TimedModel``) and raises
``Late`` once the deadline has passed; each HiGHS child gets the seconds left as its wall limit
and is ended ``KILL_AFTER`` seconds after the deadline (its best point so far is kept). A
solve whose deadline leaves less than ``CHILD_MIN`` is not started, and a model is read into
HiGHS's form only when the time that takes (about its build time) still leaves that much.
What follows the deadline (reading the answer back, the tables, the files) is the margin of the
promise (the limit + 5 % + 2 s), as for ``place`` (``solver.clock``).
"""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from capacity.errors import UserError
from capacity.numbers import number
from capacity.planning.feasible import PlanTimeout

KILL_AFTER = 0.5  # seconds after its deadline at which a HiGHS child is ended (best point kept)
CHILD_MIN = 0.5  # seconds a HiGHS child needs at least: a cold Python with highspy, a first LP
CHECK_EVERY = 256  # variables and constraints added between two looks at the clock
CUT = ("TIME_LIMIT", "KILLED", "NO_SOLUTION")  # HiGHS outcomes that the wall limit ended


class Late(Exception):
    """The deadline passed while a model was being built."""


class TimeLimitTooShort(PlanTimeout):
    """The time limit ended before the plan's model was built and solved (a plan may exist:
    ``proposal`` leaves an option out for it, as for any plan not found in time)."""


class TimedModel(cp_model.CpModel):
    """A CP-SAT model that raises ``Late`` while it is built once ``until``
    (``time.perf_counter()``) has passed, or, with ``then``, once the building so far, taken
    ``then`` times again, would end past it: what follows a build (reading the model into
    HiGHS's form, freeing an abandoned one) takes about as long as the build. ``done`` stops
    the looks (the model is built)."""

    def __init__(self, until: float, then: float = 0.0) -> None:
        super().__init__()
        self.until, self.then = until, then
        self.begun = time.perf_counter()
        self.added = 0

    def done(self) -> None:
        self.until = math.inf

    def _look(self) -> None:
        self.added += 1
        if self.added % CHECK_EVERY == 0:
            now = time.perf_counter()
            if now + self.then * (now - self.begun) > self.until:
                raise Late

    def add(self, ct):
        self._look()
        return super().add(ct)

    def new_int_var(self, lb, ub, name: str):
        self._look()
        return super().new_int_var(lb, ub, name)

    def new_bool_var(self, name: str):
        self._look()
        return super().new_bool_var(name)


def wall(until: float) -> float:
    """``until`` (``time.perf_counter()``) as a ``time.time()`` deadline, for HiGHS's child."""
    return time.time() + (until - time.perf_counter())


def fits(until: float, before: float = 0.0) -> bool:
    """Whether a HiGHS child still gets ``CHILD_MIN`` seconds before ``until`` after ``before``
    seconds of work in this process."""
    return time.perf_counter() + before + CHILD_MIN <= until


def finite(limit: float) -> float:
    """``limit`` when it is a finite number of seconds (``inf`` and ``nan`` pass the option's
    minimum but no deadline or share can be taken of them).

    Raises
    ------
    UserError
        Otherwise, saying what to give.
    """
    if not math.isfinite(limit):
        raise UserError(
            f"--time-limit {limit} er ikke et antal sekunder: giv et endeligt tal, fx 60."
        )
    return limit


def too_short(limit: float, spent: float, built: bool) -> TimeLimitTooShort:
    """The error when the limit ends before a plan exists: how long loading and building took
    (``spent`` seconds from the start, ``built`` whether the model was finished) and a limit to
    try (solving takes about as long again as loading and building, and a HiGHS child starts)."""
    suggest = max(math.ceil(3 * spent + 2), math.ceil(2 * limit))
    if built:
        what = (
            f"at indlæse data og bygge modellen tog {number(spent, 1)} s, og der var ikke tid "
            f"nok tilbage til at finde en plan. Brug fx --time-limit {suggest} eller mere"
        )
    else:
        what = (
            f"modellen var ikke bygget færdig efter {number(spent, 1)} s, så hvor længe den "
            f"tager, vides ikke. Brug en længere --time-limit (fx {suggest} eller mere)"
        )
    return TimeLimitTooShort(
        f"Tidsgrænsen på {number(limit, 1)} s er for kort til denne kapacitetsplan: {what}, "
        "eller færre --samples eller --groups."
    )
