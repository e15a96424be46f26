"""The per-pair CP-SAT placement model: one Boolean per allowed (household, unit class) pair.

At the size of one municipality this model is small and exact. It is one *formulation* behind
the shared domain, rules, terms and ``Result``: an aggregated formulation (counts of household
types per site, for national sizes) can plug in beside ``build_model`` as long as it exposes
the same ``Term`` parts and an assignment of households to units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from capacity.model import hard, soft
from capacity.model.domain import Domain


class BuildStopped(Exception):
    """``build_model`` was stopped by its ``stop``: the run's deadline passed while building."""


@dataclass
class PlacementModel:
    """A CP-SAT model of a ``Domain``: variables keyed by ids, the hard rules and the soft terms.

    Attributes
    ----------
    x : ``(household id, unit class id) -> BoolVar``, only for allowed pairs.
    by_household, by_unit : the same variables grouped by household and by unit class.
    open : new pavilion module (unit class id) -> BoolVar "put up".
    terms : the soft terms, in ``soft.SOFT_TERMS`` order.
    stop : asked between steps of the building (``check``) with the share of the pair
        variables made so far; True stops it.
    """

    dom: Domain
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    by_household: dict[str, dict[str, cp_model.IntVar]] = field(default_factory=dict)
    by_unit: dict[str, dict[str, cp_model.IntVar]] = field(default_factory=dict)
    open: dict[str, cp_model.IntVar] = field(default_factory=dict)
    terms: list[soft.Term] = field(default_factory=list)
    stop: Callable[[float], bool] | None = None
    _in_district: dict[str, dict[str, list]] = field(default_factory=dict)

    def check(self, made: float = 1.0) -> None:
        """Raise ``BuildStopped`` once ``stop`` says so, given ``made``: the share of the pair
        variables made so far. The building calls it once per household, unit or district of
        each rule and term, so that a model too large for the time left stops within about one
        such step, and while making the variables, so that their pace can tell early."""
        if self.stop is not None and self.stop(made):
            raise BuildStopped

    def people_in(self, uid: str) -> cp_model.LinearExpr:
        """Persons the model places in unit class ``uid``."""
        here = self.by_unit[uid]
        return self.weighted_sum(list(here.values()), [self.dom.household(h).persons for h in here])

    def pairs_in(self, kind: str, district: str) -> list[tuple[str, str, cp_model.IntVar]]:
        """``(household, unit, var)`` of every pair whose site lies in ``district`` of ``kind``."""
        if kind not in self._in_district:
            by_district: dict[str, list] = {}
            for hid, here in self.by_household.items():
                self.check()
                for uid, var in here.items():
                    did = self.dom.district_of(uid, kind)
                    if did is not None:
                        by_district.setdefault(did, []).append((hid, uid, var))
            self._in_district[kind] = by_district
        return self._in_district[kind].get(district, [])

    @staticmethod
    def weighted_sum(variables: list, coefs: list[int]) -> cp_model.LinearExpr:
        """``sum(c * v)`` as one CP-SAT expression (lists, not pandas series)."""
        return cp_model.LinearExpr.weighted_sum(variables, coefs)

    def objective(self) -> cp_model.LinearExpr:
        """The sum over terms of weight times the sum of its parts."""
        exprs, coefs = [], []
        for term in self.terms:
            for part in term.parts.values():
                exprs.append(part)
                coefs.append(term.weight)
        return cp_model.LinearExpr.weighted_sum(exprs, coefs)


def build_model(
    dom: Domain,
    fixed: Mapping[str, str | None] | None = None,
    *,
    stop: Callable[[float], bool] | None = None,
) -> PlacementModel:
    """Build the CP-SAT model of ``dom``: variables, ``hard.MODEL_RULES``, ``soft.SOFT_TERMS``.

    Parameters
    ----------
    dom : the domain, with its allowed pairs.
    fixed : optional ``household id -> unit class id or None``; fixes those households there
        (used to evaluate a given placement, e.g. the greedy one, with the very same terms).
    stop : asked at every step of the building (``PlacementModel.check``) with the share of
        the pair variables made so far, e.g. whether the run's deadline has passed.

    Returns
    -------
    PlacementModel
        With the objective set.

    Raises
    ------
    BuildStopped
        When ``stop`` said so before the model was whole.
    """
    m = PlacementModel(dom, stop=stop)
    for uid in dom.units:
        m.by_unit[uid] = {}
        if dom.units[uid].new_module:
            m.open[uid] = m.cp.new_bool_var(f"put_up[{uid}]")
    total, made = max(sum(len(p) for p in dom.pairs.values()), 1), 0
    for h in dom.households:
        m.check(made / total)
        made += len(dom.pairs[h.id])
        m.by_household[h.id] = {}
        for uid in dom.pairs[h.id]:
            var = m.cp.new_bool_var(f"assign[{h.id}->{uid}]")
            m.x[(h.id, uid)] = m.by_household[h.id][uid] = m.by_unit[uid][h.id] = var
    for rule in hard.MODEL_RULES:
        rule(m)
    m.terms = []
    for term in soft.SOFT_TERMS:
        m.check()
        m.terms.append(term(m))
    m.check()
    m.cp.minimize(m.objective())
    m.stop = None  # built: nothing after this stops it
    for hid, uid in (fixed or {}).items():
        for other, var in m.by_household[hid].items():
            m.cp.add(var == int(other == uid)).with_name(f"fixed[{hid}->{other}]")
    return m


def hint(m: PlacementModel, assignment: Mapping[str, str | None]) -> None:
    """Give CP-SAT a complete solution hint from an assignment (e.g. the greedy one)."""
    for (hid, uid), var in m.x.items():
        m.cp.add_hint(var, assignment.get(hid) == uid)
    used = set(assignment.values())
    for uid, var in m.open.items():
        m.cp.add_hint(var, uid in used)


def part_values(m: PlacementModel, value: Any) -> list[tuple[soft.Term, str, int]]:
    """``(term, subject, amount)`` for every part, with ``value`` evaluating an expression."""
    return [
        (t, subject, part if isinstance(part, int) else int(value(part)))
        for t in m.terms
        for subject, part in t.parts.items()
    ]
