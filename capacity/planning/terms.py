"""Objective terms of the plan model, one function per term.

Each entry's coefficient is in DKK (or policy points) times the weight of the samples the
variable stands for, so the objective is ``PlanModel.total_weight`` times the expected cost of
one demand path. The soft terms' names are policy keys.
"""

from __future__ import annotations

from capacity.planning.model import DAYS, PlanModel


def setup(m: PlanModel) -> None:
    """Setup cost (DKK) per module ordered, paid in the month of the order."""
    mod = m.sup.mod
    for (n, q, t), v in m.up.items():
        m.add("setup", mod.ids[q], t, int(mod.setup[q]), v, copies=m.weight(n))


def month(m: PlanModel) -> None:
    """Monthly cost (DKK) per module standing: rent for a rented one, upkeep for an owned one."""
    mod = m.sup.mod
    for (n, q, t), v in m.rented.items():
        m.add("month", mod.ids[q], t, int(mod.month[q]), v, copies=m.weight(n))
    for (n, q, t), v in m.owned.items():
        m.add("month", mod.ids[q], t, int(mod.owned_month[q]), v, copies=m.weight(n))


def teardown(m: PlanModel) -> None:
    """Teardown cost (DKK) per module taken down; an owned (or bought) one taken down is worth
    its residual value then, as it would be at the horizon's end (sold or reused), so neither
    keeping nor dropping it gains or loses the value. Where the two are equal the entry is kept
    at 0, so that the modules taken down are still counted (the paper splits the row into the
    teardown paid and the value credited, ``proposal.spending_terms``)."""
    mod = m.sup.mod
    for (n, q, t), v in m.rent_down.items():
        m.add("teardown", mod.ids[q], t, int(mod.teardown[q]), v, copies=m.weight(n))
    for (n, q, t), v in m.own_down.items():
        per = int(mod.teardown[q]) - int(mod.residual[q])
        m.add("teardown", mod.ids[q], t, per, v, copies=m.weight(n), keep=bool(mod.teardown[q]))


def early_termination(m: PlanModel) -> None:
    """The lease's early-termination cost (DKK) per rented module taken down before its end."""
    mod = m.sup.mod
    for (n, q, t), v in m.rent_down.items():
        if t < mod.lease_end[q]:
            m.add("early_termination", mod.ids[q], t, int(mod.early[q]), v, copies=m.weight(n))


def purchase(m: PlanModel) -> None:
    """Purchase price (DKK) per rented module bought."""
    mod = m.sup.mod
    for (n, q, t), v in m.bought.items():
        m.add("purchase", mod.ids[q], t, int(mod.price[q]), v, copies=m.weight(n))


def site_opening(m: PlanModel) -> None:
    """One-off cost (DKK) when a pavilion site opens (its first module goes up)."""
    for (n, p, t), v in m.opened.items():
        m.add("site_opening", m.sup.ids[p], t, int(m.sup.open_cost[p]), v, copies=m.weight(n))


def site_closing(m: PlanModel) -> None:
    """One-off cost (DKK) when a pavilion site closes (its last module is gone)."""
    for (n, p, t), v in m.closed.items():
        m.add("site_closing", m.sup.ids[p], t, int(m.sup.close_cost[p]), v, copies=m.weight(n))


def moves(m: PlanModel) -> None:
    """Cost (DKK) per resident household moved to another site (``move_cost_dkk_per_household``
    times the type's households per lived-in unit, per unit moved)."""
    mod, price = m.sup.mod, m.policy.limits.move_cost_dkk_per_household
    for (n, q, t), v in m.moved.items():
        per = round(price * float(mod.households_per_unit[q]))
        m.add("moves", mod.ids[q], t, per, v, copies=m.weight(n))


def horizon_end(m: PlanModel) -> None:
    """What stands at the horizon's end, valued so the last months are not biased.

    Every module still standing will come down some day (its teardown); a rented one still
    commits the rent to its lease end (or the early-termination cost, whichever is lower); an
    owned or bought one is worth its residual value; an open site will be closed (its closing
    cost, where the model tracks the site).
    """
    mod, T = m.sup.mod, m.months
    last = T - 1
    for (n, q, t), v in m.rented.items():
        if t == last:
            left = max(int(mod.lease_end[q]) - T, 0)
            per = int(mod.teardown[q]) + min(left * int(mod.month[q]), int(mod.early[q]))
            m.add("horizon_end", mod.ids[q], t, per, v, copies=m.weight(n))
    for (n, q, t), v in m.owned.items():
        if t == last:
            per = int(mod.teardown[q]) - int(mod.residual[q])
            m.add("horizon_end", mod.ids[q], t, per, v, copies=m.weight(n))
    for (n, p, t), v in m.is_open.items():
        if t == last:
            m.add("horizon_end", m.sup.ids[p], t, int(m.sup.close_cost[p]), v, copies=m.weight(n))


def emergency(m: PlanModel) -> None:
    """Emergency housing (DKK) per person-month without a temporary home (30 days a month).

    The shortage is in households of each kind (``homes_by_kind``); each costs its persons."""
    price = m.policy.limits.emergency_dkk_per_person_day * DAYS
    for (s, t, h), v in m.short.items():
        n = m.sup.kinds[h].persons
        m.add("emergency", m.sup.months[t], t, price * n, v, amount=n, copies=int(m.w[s]))


def transport(m: PlanModel) -> None:
    """Policy weight per pavilion bed-month times the minutes to the nearest station."""
    w, mod = m.policy.weights.transport, m.sup.mod
    for (n, q, t), v in _standing(m):
        amount = int(m.sup.minutes[mod.site[q]] * mod.beds[q])
        m.add("transport", m.sup.ids[mod.site[q]], t, w * amount, v, amount, m.weight(n))


def buildings_first(m: PlanModel) -> None:
    """Policy weight per pavilion bed-month (municipal buildings are used first)."""
    w, mod = m.policy.weights.buildings_first, m.sup.mod
    for (n, q, t), v in _standing(m):
        amount = int(mod.beds[q])
        m.add("buildings_first", m.sup.ids[mod.site[q]], t, w * amount, v, amount, m.weight(n))


def spread(m: PlanModel) -> None:
    """Policy weight per bed-month in a district above its population share plus tolerance."""
    w = m.policy.weights.spread
    for (n, d, t), v in m.excess.items():
        m.add("spread", m.sup.district_ids[d], t, w, v, copies=m.weight(n))


def _standing(m: PlanModel):
    """(key, variable) of every rented and owned count (together: the modules standing)."""
    yield from m.rented.items()
    yield from m.owned.items()


COST_TERMS = (
    setup,
    month,
    teardown,
    early_termination,
    purchase,
    site_opening,
    site_closing,
    moves,
    horizon_end,
    emergency,
)
SOFT_TERMS = (transport, buildings_first, spread)
TERMS = COST_TERMS + SOFT_TERMS
