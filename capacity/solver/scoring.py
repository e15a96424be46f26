"""Score a given placement by the model itself: its terms, explanation and hard rules.

Every answer a strategy returns (CP-SAT's on a smaller model, HiGHS's, a heuristic's) is scored
here on the whole domain, so that objective, explanation and alternatives are the model's.
"""

from __future__ import annotations

import time

from capacity.model.domain import Domain
from capacity.model.placement import build_model
from capacity.solver.result import Result
from capacity.solver.stages import solve_in_stages

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
