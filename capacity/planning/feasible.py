"""Why a capacity plan has no solution: the pavilion site and the cause, in Danish.

The plan's hard rules never make demand infeasible (a shortage only costs); only a site whose
modules cannot stand as its current residents need can. When CP-SAT proves the plan infeasible,
each pavilion site is solved alone with the module rules, and the sites that fail are named with
the first cause that explains them.
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
from capacity.planning.supply import Supply
from capacity.policy import Policy

SITE_RULES = (module_vars, module_balance, min_lifetime, residents_keep_modules)
PER_SITE = ("pavilion", "available", "building_beds", "modules_now", "modules_max")
PER_SITE += ("beds_per_module", "setup", "month_cost", "teardown", "lead", "lifetime")
PER_SITE += ("resident_persons", "resident_modules", "minutes", "district")
PER_SITE += ("site_class", "units_per_module", "building_homes")


def no_plan(sup: Supply, policy: Policy, status: str) -> UserError:
    """The error to raise when the plan was not solved: the sites and causes when infeasible."""
    if status != "infeasible":
        return UserError(
            f"Ingen kapacitetsplan fundet inden for tidsgrænsen (solverstatus {status}); "
            "hæv --time-limit, eller brug færre --samples eller --groups."
        )
    causes = [
        f"{sup.ids[p]} ({sup.names[p]}): {why(sup, p)}" for p in infeasible_sites(sup, policy)
    ]
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


def infeasible_sites(sup: Supply, policy: Policy) -> list[int]:
    """Indices of the pavilion sites whose module rules have no solution on their own."""
    return [int(p) for p in np.flatnonzero(sup.pavilion) if not _site_feasible(sup, int(p), policy)]


def _site_feasible(sup: Supply, p: int, policy: Policy) -> bool:
    one = dataclasses.replace(
        sup,
        ids=[sup.ids[p]],
        names=[sup.names[p]],
        **{f: getattr(sup, f)[p : p + 1] for f in PER_SITE},
    )
    T = len(sup.months)
    m = PlanModel(
        cp_model.CpModel(),
        one,
        np.zeros((1, T), np.int64),
        max(1, int(one.lead[0])),
        policy,
        np.zeros(1, np.int64),
    )
    for rule in SITE_RULES:
        rule(m)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 5.0
    return solver.solve(m.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def why(sup: Supply, p: int) -> str:
    """The first cause that explains why site ``p``'s modules cannot stand (Danish, with the fix)."""
    need, now, most = sup.resident_modules[p], int(sup.modules_now[p]), int(sup.modules_max[p])
    available = sup.available[p]
    if available[0] and need[0] > now:
        return (
            f"beboerne bor i {need[0]} moduler, men sites.modules_now er {now}; sæt "
            f"modules_now til mindst {need[0]} eller ret beboernes unit_id i occupancy"
        )
    if need.max() > most:
        return (
            f"beboerne bor i {need.max()} moduler, men sites.modules_max er {most}; hæv "
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
        f"{int(sup.lead[p])} måneder, mindste levetid {int(sup.lifetime[p])} måneder); ret "
        "available_from/available_until, lead_time_months eller min_lifetime_months i sites"
    )
