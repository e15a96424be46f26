"""Why a capacity plan has no solution: the pavilion site and the cause, in Danish.

The plan's hard rules never make demand infeasible (a shortage only costs); only a site whose
modules cannot stand as its current residents need can, or a site an option closes
(``Supply.closed_from``) whose residents cannot all be moved off by then. When the solver proves
the plan infeasible, each module type is solved alone with the module rules, without the option's
closings and without moves: the types that fail are named with their site and the first cause in
the registry that explains them. Then the sites the option closes are solved with their moves
(the policy's limit, a site closed once its residents are moved): those that fail are named with
the option's closing as the cause.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from ortools.sat.python import cp_model

from capacity.errors import UserError
from capacity.io.values import amount
from capacity.planning.model import (
    PlanModel,
    closed_from,
    min_lifetime,
    module_balance,
    module_vars,
    residents_keep_modules,
    site_open,
)
from capacity.planning.supply import Modules, Supply
from capacity.policy import Policy

SITE_RULES = (module_vars, module_balance, min_lifetime, residents_keep_modules)
CLOSING_RULES = (*SITE_RULES, site_open)  # site_open: a move only so that the site closes


class PlanTimeout(UserError):
    """The solver found no plan within the time limit (the plan may exist: more time finds it)."""


def no_plan(sup: Supply, policy: Policy, status: str) -> UserError:
    """The error to raise when the plan was not solved: the sites and causes when infeasible
    (the registry's, then the option's closings), ``PlanTimeout`` when the time ran out first."""
    if status != "infeasible":
        return PlanTimeout(
            f"Ingen kapacitetsplan fundet inden for tidsgrænsen (solverstatus {status}); "
            "hæv --time-limit, eller brug færre --samples eller --groups."
        )
    kept = dataclasses.replace(sup, closed_from=None)
    causes = [f"{_label(sup, q)}: {why(kept, q)}" for q in infeasible_types(kept, policy)]
    if causes:
        return UserError(
            "Ingen kapacitetsplan findes, fordi modulerne på "
            + ("denne grund" if len(causes) == 1 else "disse grunde")
            + " ikke kan stå, som de nuværende beboere kræver: "
            + "; ".join(causes)
            + ". Kør 'capacity validate' og ret registret."
        )
    closings = closing_causes(sup, policy)
    if closings:
        return UserError(
            "Ingen kapacitetsplan findes, fordi muligheden lukker "
            + ("en grund" if len(closings) == 1 else "grunde")
            + " (close_from), før beboerne kan flyttes derfra: "
            + "; ".join(closings)
            + ". Luk grunden senere, fjern den fra close_from, eller ret "
            "limits.max_moves_per_month i politikken."
        )
    return UserError(
        "Ingen kapacitetsplan findes (modellen er umulig), men ingen enkelt pavillongrund "
        "forklarer det; kør 'capacity validate' og meld fejlen med registret og scenariet."
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


def only(mod: Modules, q: int | list[int]) -> Modules:
    """The module types reduced to type ``q`` (or to the types listed, in their order)."""
    keep = [q] if isinstance(q, int) else list(q)

    def pick(v):
        return [v[i] for i in keep] if isinstance(v, list) else v[keep]

    return Modules(**{f.name: pick(getattr(mod, f.name)) for f in dataclasses.fields(Modules)})


def _type_feasible(sup: Supply, q: int, policy: Policy) -> bool:
    return _feasible(sup, [q], policy, SITE_RULES)


def _feasible(sup: Supply, types: list[int], policy: Policy, rules: tuple) -> bool:
    """The ``rules`` have a solution for the module types ``types`` alone (one sample, no
    demand)."""
    part = dataclasses.replace(sup, mod=only(sup.mod, types))
    T = len(sup.months)
    m = PlanModel(
        cp_model.CpModel(),
        part,
        np.zeros((1, T), np.int64),
        max(1, int(part.mod.lead.max()), int(part.mod.notice.max())),
        policy,
        np.zeros((1, T), np.int64),
        np.ones(1, np.int64),
        np.zeros((1, T, len(sup.kinds)), np.int64),
    )
    for rule in rules:
        rule(m)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 5.0
    return solver.solve(m.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def closing_causes(sup: Supply, policy: Policy) -> list[str]:
    """Per site the option closes whose residents cannot be moved off in time (its types solved
    with their moves), the site and why (Danish); when each could close alone but not all
    together, the sites together (the limit of moves per month is shared)."""
    T = len(sup.months)
    shut = [int(p) for p in np.flatnonzero(closed_from(sup, T) < T) if sup.mod.at(int(p))]
    every = [q for p in shut for q in sup.mod.at(p)]
    if not every or _feasible(sup, every, policy, CLOSING_RULES):
        return []
    out = [
        f"{sup.ids[p]} ({sup.names[p]}): {why_closed(sup, policy, p)}"
        for p in shut
        if not _feasible(sup, sup.mod.at(p), policy, CLOSING_RULES)
    ]
    if out:
        return out
    limit = policy.limits.max_moves_per_month
    return [
        f"{', '.join(sup.ids[p] for p in shut)}: hver grund kan tømmes alene, men ikke alle "
        f"sammen med højst {limit} flytninger om måneden"
    ]


def why_closed(sup: Supply, policy: Policy, p: int) -> str:
    """Why the residents of site ``p``, which the option closes, cannot be moved off by then
    (Danish): moves not allowed, or more households than the monthly limit moves in the months
    the model gives them (``model.moves_close_sites``)."""
    mod, c = sup.mod, int(sup.closed_from[p])
    qs = mod.at(p)
    staying = math.ceil(
        sum(float(mod.households_per_unit[q] * mod.resident_units[q, c]) for q in qs)
    )
    head = (
        f"lukkes fra {sup.months[c]}, men {amount(staying, 'husstand', 'husstande')} bor der stadig"
    )
    limit = policy.limits.max_moves_per_month
    if limit <= 0:
        return head + ", og politikken tillader ingen flytninger (limits.max_moves_per_month = 0)"
    if not all(mod.movable[q] for q in qs if mod.resident_units[q, c] > 0):
        return head + ", og beboerne må ikke flyttes under denne mulighed"
    held = sum(float(mod.households_per_unit[q] * mod.resident_units[q, 0]) for q in qs)
    months = max(math.ceil(held / limit), 1)
    if months - 1 > c:
        slow = (
            f"{head}; med højst {limit} flytninger om måneden tager det {months} måneder at "
            f"flytte grundens {math.ceil(held)} husstande"
        )
        if months - 1 >= len(sup.months):
            return f"{slow}, så den kan ikke tømmes inden scenariets sidste måned"
        return f"{slow}, så den kan tidligst lukke fra {sup.months[months - 1]}"
    return head + ", og de kan ikke flyttes, før grunden skal være lukket"


def why(sup: Supply, q: int) -> str:
    """The first cause that explains why type ``q``'s modules cannot stand (Danish, with the
    fix): the registry's, or an option's closing of the site while its residents still live
    there."""
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
    c = int(closed_from(sup, len(sup.months))[p])
    if c < len(sup.months) and available[c] and mod.resident_units[q, c] > 0:
        return (
            f"muligheden lukker grunden fra {sup.months[c]} (close_from), mens beboerne bor der "
            "endnu; de skal kunne flyttes inden (limits.max_moves_per_month), ellers luk grunden "
            "senere eller fjern den fra close_from"
        )
    return (
        f"modulerne kan ikke nå at stå, når beboerne har brug for dem (leveringstid "
        f"{int(mod.lead[q])} måneder, mindste levetid {int(mod.life[q])} måneder, varsel "
        f"{int(mod.notice[q])} måneder); ret available_from/available_until, lead_time_months, "
        f"min_lifetime_months eller notice_months i {where}"
    )
