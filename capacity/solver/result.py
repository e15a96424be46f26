"""The ``Result`` of a placement: pandas frames only, never solver objects.

``result_from_model`` reads a solved ``PlacementModel`` through a value function (the CP-SAT
solver's ``value``), maps unit classes back to real units (households of a class, sorted by id, to
its units, sorted by id: deterministic), and builds the explanation whose ``weighted`` column sums
to the objective.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from capacity.model.domain import Domain
from capacity.model.placement import PlacementModel, part_values
from capacity.model.reasons import unplaced_reason
from capacity.numbers import number
from capacity.reports.text import status_words
from capacity.solver.alternatives import PLACEMENT_TERMS, TERM_NAMES, alternatives_table
from capacity.solver.greedy import room_left

EXPLANATION_COLUMNS = ["term", "weight", "subject", "amount", "weighted", "text"]


@dataclass(frozen=True, eq=False)
class Result:
    """A placement and its explanation.

    Attributes
    ----------
    status : ``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE``, ``UNKNOWN`` (CP-SAT) or ``GREEDY``.
    objective : the objective value; equals ``explanation["weighted"].sum()``.
    best_bound : a proven lower bound (CP-SAT's, HiGHS's, an LP's or a Lagrangian one;
        ``None`` for greedy).
    placements : household_id, unit_id, site_id, persons, moved, one column per soft term
        (that household's weighted amount).
    unplaced : household_id, persons, reason.
    modules : site_id, modules_to_put_up.
    explanation : term, weight, subject, amount, weighted, text (non-zero amounts only).
    alternatives : household_id, alt_unit_id, alt_site_id, alt_free, extra_cost and one column
        per term but ``unplaced``: the other unit (on another site) whose move changes the whole
        objective least, every other household fixed (``MoveCosts``), that change in total and
        per term (weighted), and whether the unit has room for the household (if not, the change
        leaves out where its households would go).
    weights : the policy weights used.
    """

    status: str
    objective: int
    best_bound: float | None
    solver: str
    seed: int
    date: dt.date
    placements: pd.DataFrame
    unplaced: pd.DataFrame
    modules: pd.DataFrame
    explanation: pd.DataFrame
    alternatives: pd.DataFrame
    lang: str = "da"
    input_hash: str = ""
    input_parts: dict = field(default_factory=dict)  # ``fingerprint.input_parts``
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    options: dict = field(default_factory=dict)  # the options that shaped the run (summary.json)
    weights: dict = field(default_factory=dict)
    # seconds since the run started until the gap to a valid bound was first at most 1 %
    # (a timing, like build/solve seconds; for the benchmark, not written to summary.json)
    seconds_to_1pct: float | None = None
    # which limit ended the run: "optimal", "deterministic" or "wall_clock" (``solver.clock``)
    stopped_by: str = "deterministic"

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and best bound (0 when proven optimal)."""
        if self.best_bound is None:
            return None
        return round(abs(self.objective - self.best_bound) / max(1.0, abs(self.objective)), 9)

    def by_term(self) -> pd.Series:
        """Weighted total per term, every term listed (0 when off or unused), summing to the objective."""
        totals = self.explanation.groupby("term")["weighted"].sum()
        return totals.reindex(list(TERM_NAMES), fill_value=0).astype("int64")

    def summary(self) -> str:
        """One short line: status (``reports.text.status_words``), objective, placed and
        unplaced counts."""
        objective = number(self.objective, 0, self.lang)
        status = status_words(self.status, self.lang)
        if self.lang == "en":
            return (
                f"{status}: objective {objective}, {len(self.placements)} placed, "
                f"{len(self.unplaced)} unplaced ({self.solver}, seed {self.seed})"
            )
        return (
            f"{status}: mål {objective}, {len(self.placements)} placeret, "
            f"{len(self.unplaced)} ikke placeret ({self.solver}, frø {self.seed})"
        )


def assignment_of(m: PlacementModel, value: Callable) -> dict[str, str | None]:
    """Household id -> unit class id (``None`` when unplaced) from solved variables."""
    out: dict[str, str | None] = {h.id: None for h in m.dom.households}
    for (hid, uid), var in m.x.items():
        if value(var):
            out[hid] = uid
    return out


def result_from_model(
    m: PlacementModel,
    value: Callable,
    *,
    status: str,
    objective: int,
    best_bound: float | None,
    solver: str,
    seed: int,
    lang: str = "da",
    dom: Domain | None = None,
) -> Result:
    """Build the ``Result`` of a solved model.

    Parameters
    ----------
    m : the solved model.
    value : evaluates a variable or linear expression in the solution (``CpSolver.value``).
    status, objective, best_bound, solver, seed : what the solver reports.
    lang : language of texts and reasons (``da`` or ``en``).
    dom : the domain whose allowed pairs give the unplaced reasons and the alternatives, where
        the model holds fewer (default: the model's).
    """
    dom = m.dom if dom is None else dom
    assignment = assignment_of(m, value)
    rows = part_values(m, value)
    explanation = pd.DataFrame(
        [
            (
                t.name,
                t.weight,
                s,
                a,
                t.weight * a,
                t.template(s, lang).format(subject=s, amount=number(a, 0, lang)),
            )
            for t, s, a in rows
            if a
        ],
        columns=EXPLANATION_COLUMNS,
    ).astype({"weight": "int64", "amount": "int64", "weighted": "int64"})
    return Result(
        status=status,
        objective=int(objective),
        best_bound=best_bound,
        solver=solver,
        seed=seed,
        date=dom.date,
        placements=_placements(dom, assignment, explanation),
        unplaced=unplaced_table(dom, assignment, lang),
        modules=_modules(dom, assignment),
        explanation=explanation,
        alternatives=alternatives_table(dom, assignment),
        lang=lang,
        weights=dict(dom.weights),
    )


def _units_of(dom: Domain, assignment: dict[str, str | None]) -> dict[str, str]:
    """Household id -> real unit id: households of a class, by id, to its units, by id."""
    by_class: dict[str, list[str]] = {}
    for hid, uid in sorted(assignment.items()):
        if uid is not None:
            by_class.setdefault(uid, []).append(hid)
    out = {}
    for uid, hids in by_class.items():
        unit = dom.units[uid]
        if unit.size == 1:
            out.update({hid: unit.ids[0] for hid in hids})
        else:
            out.update(dict(zip(hids, unit.ids, strict=False)))
    return out


def _placements(dom: Domain, assignment: dict, explanation: pd.DataFrame) -> pd.DataFrame:
    real = _units_of(dom, assignment)
    weighted = explanation.pivot_table(
        index="subject", columns="term", values="weighted", aggfunc="sum"
    )
    rows = []
    for hid, unit_id in sorted(real.items()):
        h, cls = dom.household(hid), assignment[hid]
        row = dict(
            household_id=hid,
            unit_id=unit_id,
            site_id=dom.units[cls].site_id,
            persons=h.persons,
            moved=h.current_unit is not None and cls != h.current_unit,
        )
        for name in PLACEMENT_TERMS:
            cell = weighted.at[hid, name] if (hid in weighted.index and name in weighted) else 0
            row[name] = 0 if pd.isna(cell) else int(cell)
        rows.append(row)
    cols = ["household_id", "unit_id", "site_id", "persons", "moved", *PLACEMENT_TERMS]
    return pd.DataFrame(rows, columns=cols).astype({"persons": "int64", "moved": "bool"})


def unplaced_table(dom: Domain, assignment: dict, lang: str) -> pd.DataFrame:
    """household_id, persons, reason of every household ``assignment`` leaves without a unit."""
    here: dict[str, list] = {}
    for hid, uid in assignment.items():
        if uid is not None:
            here.setdefault(uid, []).append(dom.household(hid))
    rows, static = [], {}
    for h in dom.households:
        if assignment.get(h.id) is None:
            room = any(room_left(h, dom.units[u], here.get(u, [])) for u in dom.pairs[h.id])
            rows.append(
                dict(
                    household_id=h.id,
                    persons=h.persons,
                    reason=unplaced_reason(h, dom, lang, room_left=room, static=static),
                )
            )
    return pd.DataFrame(rows, columns=["household_id", "persons", "reason"]).astype(
        {"persons": "int64"}
    )


def _modules(dom: Domain, assignment: dict) -> pd.DataFrame:
    used = {uid for uid in assignment.values() if uid is not None and dom.units[uid].new_module}
    counts: dict[str, int] = {}
    for uid in sorted(used):
        counts[dom.units[uid].site_id] = counts.get(dom.units[uid].site_id, 0) + 1
    return pd.DataFrame(sorted(counts.items()), columns=["site_id", "modules_to_put_up"]).astype(
        {"modules_to_put_up": "int64"}
    )
