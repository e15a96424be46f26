"""Settle: keep the better of two answers, scored on the whole domain, and label it honestly.

A strategy ends with two answers: a solver's (CP-SAT or HiGHS, often on a smaller model: the
kernel of the opening heuristic, the pairs the fixing kept) and a heuristic's placement. Both are
compared by the whole model's objective, never by a partial one: the heuristic's arrays leave
out terms that are ``>= 0`` (spread, missing daycare slots, the family cluster beyond the first
district), so its array cost is only a lower bound of its objective, and it is scored before it
can win. The winner is scored on the whole domain (its explanation and alternatives are the
whole model's), and gets the larger valid bound and ``OPTIMAL`` only when the solver proved it
or the objective reaches the bound (``reaches``; a bound summed in floats is ``lowered`` first).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from capacity.model.domain import Domain
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate


def lowered(bound: float) -> float:
    """``bound`` less a float slack of ``1e-9 * |bound| + 1e-6``, so that it stays a valid bound.

    A bound summed in floats (the Lagrangian one, a MIP solver's on the textbook form) can come
    out a little above its exact value: each addition rounds, by a small relative error, and a
    bound near 0 gets no room from a relative slack alone. Lowered, it can be compared with an
    integer objective (``reaches``) without calling a placement optimal that is not.
    """
    return bound - 1e-9 * abs(bound) - 1e-6


def reaches(objective: float, bound: float) -> bool:
    """Whether an integer objective is proven optimal by a valid lower ``bound``: it is at most
    ``ceil(bound)``.

    Every objective is an integer (integer coefficients), so the optimum is at least
    ``ceil(bound)``, and an objective there cannot be beaten. A bound that may lie above its exact
    value by float noise is ``lowered`` (or given its source's own slack) before it gets here.
    """
    return objective <= math.ceil(bound)


def keep_better(
    dom: Domain,
    found: Result | None,
    assignment: dict[str, str | None],
    *,
    lower: float,
    scored: Result | None = None,
    found_scored: bool = False,
    lang: str,
    started: float,
) -> tuple[Result, bool]:
    """The better of the solver's answer ``found`` and the placement ``assignment``, as a
    ``Result`` scored on ``dom``, and whether it is ``found`` (ties: ``found``).

    Parameters
    ----------
    found : the solver's result (its objective is the model's), or None.
    assignment : the other placement (household id -> unit class id or None).
    lower : a lower bound of ``assignment``'s objective (its cost on the arrays): when
        ``found`` is at most this, ``assignment`` is not scored at all.
    scored : ``assignment`` already scored on ``dom``, if it was.
    found_scored : whether ``found`` was scored on ``dom`` already (else it is scored again).
    """
    if found is not None:
        if scored is None and found.objective <= lower:
            return _on(dom, found, found_scored, lang, started), True
        if scored is None:
            scored = evaluate(dom, assignment, lang=lang, started=started)
        if found.objective <= scored.objective:
            return _on(dom, found, found_scored, lang, started), True
    if scored is None:
        scored = evaluate(dom, assignment, lang=lang, started=started)
    return scored, False


def labelled(
    placed: Result,
    found: Result | None,
    *,
    bound: float,
    proven: bool,
    solver: str,
    seed: int,
    started: float,
    seconds_to_1pct: float | None = None,
) -> Result:
    """``placed`` with its label, bound and status: ``OPTIMAL`` when ``proven`` or the objective
    ``reaches`` ``bound`` (a valid bound: already ``lowered`` where float sums made it), and the
    timings of the run."""
    total = time.perf_counter() - started
    build = found.build_seconds if found is not None else total
    return replace(
        placed,
        status="OPTIMAL" if proven or reaches(placed.objective, bound) else "FEASIBLE",
        solver=solver,
        best_bound=placed.objective if proven else bound,
        seed=seed,
        build_seconds=round(build, 3),
        solve_seconds=round(total - build, 3),
        seconds_to_1pct=seconds_to_1pct,
    )


def classes_of(dom: Domain, result: Result) -> dict[str, str | None]:
    """Household id -> unit class id of a ``Result`` (its placements name real units)."""
    cls = {real: uid for uid, u in dom.units.items() for real in u.ids}
    out: dict[str, str | None] = {h.id: None for h in dom.households}
    out.update(
        {
            hid: cls[uid]
            for hid, uid in zip(
                result.placements["household_id"], result.placements["unit_id"], strict=True
            )
        }
    )
    return out


def _on(dom: Domain, found: Result, scored: bool, lang: str, started: float) -> Result:
    """``found`` scored on ``dom`` (unless it was)."""
    return found if scored else evaluate(dom, classes_of(dom, found), lang=lang, started=started)
