"""Why a capacity plan has no solution: the pavilion site and the cause, in Danish.

The plan's hard rules never make demand infeasible (a shortage only costs); only a site whose
modules cannot stand as its current residents need can. When the solver proves the plan infeasible,
each module type is solved alone with the module rules (no moves), and the types that fail are
named with their site and the first cause that explains them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from ortools.sat.python import cp_model

from capacity.errors import UserError
from capacity.planning.model import (
    PlanModel,
    min_lifetime,
    module_balance,
    module_vars,
    residents_keep_modules,
)
from capacity.planning.supply import Modules, Supply
from capacity.policy import Policy

SITE_RULES = (module_vars, module_balance, min_lifetime, residents_keep_modules)


class PlanTimeout(UserError):
    """The solver found no plan within the time limit (the plan may exist: more time finds it)."""


def no_plan(sup: Supply, policy: Policy, status: str) -> UserError:
    """The error to raise when the plan was not solved: the sites and causes when infeasible,
    ``PlanTimeout`` when the time ran out first."""
    if status != "infeasible":
        return PlanTimeout(
            f"Ingen kapacitetsplan fundet inden for tidsgrænsen (solverstatus {status}); "
            "hæv --time-limit, eller brug færre --samples eller --groups."
        )
    causes = [f"{_label(sup, q)}: {why(sup, q)}" for q in infeasible_types(sup, policy)]
    if not causes:
        return UserError(
            "Ingen kapacitetsplan findes (modellen er umulig), men ingen enkelt pavillongrund "
            "forklarer det; kør 'capacity validate' og meld fejlen med registret og scenariet."
        )
    return UserError(
        "Ingen kapacitetsplan findes, fordi modulerne på "
        + ("denne grund" if len(causes) == 1 else "disse grunde")
        + " ikke kan stå, som de nuværende beboere kræver: "
        + "; ".join(causes)
        + ". Kør 'capacity validate' og ret registret."
    )


def _label(sup: Supply, q: int) -> str:
    """``site id (site name)``, and the module type where the site has its own types."""
    j, mod = int(sup.mod.site[q]), sup.mod
    head = f"{sup.ids[j]} ({sup.names[j]})"
    return head if mod.ids[q] == sup.ids[j] else f"{head}, modultype {mod.ids[q]}"


def infeasible_types(sup: Supply, policy: Policy) -> list[int]:
    """Indices of the module types whose rules have no solution on their own (no moves)."""
    strict = policy.model_copy(
        update={"limits": policy.limits.model_copy(update={"max_moves_per_month": 0})}
    )
    return [q for q in range(sup.mod.types) if not _type_feasible(sup, q, strict)]


def only(mod: Modules, q: int) -> Modules:
    """The module types reduced to type ``q``."""
    return Modules(
        **{
            f.name: (lambda v: v[q : q + 1])(getattr(mod, f.name))
            for f in dataclasses.fields(Modules)
        }
    )


def _type_feasible(sup: Supply, q: int, policy: Policy) -> bool:
    one = dataclasses.replace(sup, mod=only(sup.mod, q))
    T = len(sup.months)
    m = PlanModel(
        cp_model.CpModel(),
        one,
        np.zeros((1, T), np.int64),
        max(1, int(one.mod.lead[0]), int(one.mod.notice[0])),
        policy,
        np.zeros((1, T), np.int64),
        np.ones(1, np.int64),
        np.zeros((1, T, len(sup.kinds)), np.int64),
    )
    for rule in SITE_RULES:
        rule(m)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 5.0
    return solver.solve(m.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def why(sup: Supply, q: int) -> str:
    """The first cause that explains why type ``q``'s modules cannot stand (Danish, with the
    fix)."""
    mod = sup.mod
    need, now, most = mod.resident_modules[q], int(mod.now[q]), int(mod.most[q])
    p = int(mod.site[q])
    where = "sites" if mod.ids[q] == sup.ids[p] else "module_types"
    available = sup.available[p]
    if available[0] and need[0] > now:
        return (
            f"beboerne bor i {need[0]} moduler, men {where}.modules_now er {now}; sæt "
            f"modules_now til mindst {need[0]} eller ret beboernes unit_id i occupancy"
        )
    if need.max() > most:
        return (
            f"beboerne bor i {need.max()} moduler, men {where}.modules_max er {most}; hæv "
            "modules_max eller ret beboernes unit_id i occupancy"
        )
    closed = np.flatnonzero(~available & (need > 0))
    if len(closed):
        return (
            f"beboerne bor der stadig i {sup.months[int(closed[0])]}, men grunden er ikke "
            "tilgængelig den måned; ret available_from/available_until i sites eller "
            "beboernes expected_move_out i occupancy"
        )
    return (
        f"modulerne kan ikke nå at stå, når beboerne har brug for dem (leveringstid "
        f"{int(mod.lead[q])} måneder, mindste levetid {int(mod.life[q])} måneder, varsel "
        f"{int(mod.notice[q])} måneder); ret available_from/available_until, lead_time_months, "
        f"min_lifetime_months eller notice_months i {where}"
    )
