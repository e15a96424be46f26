"""Score a given placement by the model itself: its terms, explanation and hard rules.

Every answer a strategy returns (CP-SAT's on a smaller model, HiGHS's, a heuristic's) is scored
here on the whole domain, so that objective, explanation and alternatives are the model's.
"""

from __future__ import annotations

import time
from dataclasses import replace

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

    The model is built on ``scored_pairs``: each household's chosen unit class and a resident's
    own one, every pair fixed. Its terms and rules take the same values there as on the whole
    model (a term's part over pairs that are all 0 is 0; a test holds the two equal), and its
    size is that of the placement, not of every allowed pair. The unplaced reasons and the
    alternatives are read from ``dom``'s allowed pairs.

    Raises
    ------
    ValueError
        When the assignment breaks a hard rule.
    """
    started = time.perf_counter() if started is None else started
    for hid, uid in assignment.items():
        if uid is not None and uid not in dom.pairs[hid]:
            raise ValueError(f"{hid} -> {uid}: the pair breaks a static hard rule")
    m = build_model(replace(dom, pairs=scored_pairs(dom, assignment)), fixed=assignment)
    # Every decision is fixed: the solve only checks the rules and sums the terms.
    result = solve_in_stages(
        m,
        time_limit=EVALUATE_LIMIT,
        seed=0,
        lang=lang,
        workers=1,
        started=started,
        solver="greedy",
        dom=dom,
    )
    if result is None:
        raise ValueError(
            "the assignment breaks a hard rule of the model (or was not checked within "
            f"{EVALUATE_LIMIT:.0f} deterministic units)"
        )
    return result


def scored_pairs(dom: Domain, assignment: dict[str, str | None]) -> dict[str, tuple[str, ...]]:
    """The pairs ``evaluate`` builds: a household's unit class in ``assignment`` and, for a
    movable resident, its own (the moves term reads it); all of ``dom``'s pairs for a household
    the assignment leaves out (the model chooses its unit)."""
    out: dict[str, tuple[str, ...]] = {}
    for h in dom.households:
        if h.id not in assignment:
            out[h.id] = dom.pairs[h.id]
            continue
        keep = {assignment[h.id], h.current_unit} - {None}
        out[h.id] = tuple(sorted(uid for uid in keep if uid in dom.pairs[h.id]))
    return out
