"""Objective terms of the plan model, one function per term (the name is the policy key).

Each entry's coefficient is in DKK (or policy points) summed over the samples: a shared variable
counts once per sample, so the objective is S times the expected cost of one demand path.
"""

from __future__ import annotations

from capacity.planning.model import DAYS, PlanModel


def setup(m: PlanModel) -> None:
    """Setup cost (DKK) per module ordered, paid in the month of the order."""
    for (k, p, t), v in m.up.items():
        m.add("setup", m.sup.ids[p], t, int(m.sup.setup[p]), v, copies=m.weight(k, t))


def month(m: PlanModel) -> None:
    """Monthly cost (DKK) per module standing."""
    for (k, p, t), v in m.standing.items():
        m.add("month", m.sup.ids[p], t, int(m.sup.month_cost[p]), v, copies=m.weight(k, t))


def teardown(m: PlanModel) -> None:
    """Teardown cost (DKK) per module taken down."""
    for (k, p, t), v in m.down.items():
        m.add("teardown", m.sup.ids[p], t, int(m.sup.teardown[p]), v, copies=m.weight(k, t))


def emergency(m: PlanModel) -> None:
    """Emergency housing (DKK) per person-month without a temporary home (30 days a month).

    The shortage is in households of each kind (``homes_by_kind``); each costs its persons."""
    price = m.policy.limits.emergency_dkk_per_person_day * DAYS
    for (_s, t, h), v in m.short.items():
        n = m.sup.kinds[h].persons
        m.add("emergency", m.sup.months[t], t, price * n, v, amount=n)


def transport(m: PlanModel) -> None:
    """Policy weight per pavilion bed-month times the minutes to the nearest station."""
    w = m.policy.weights.transport
    for (k, p, t), v in m.standing.items():
        amount = int(m.sup.minutes[p] * m.sup.beds_per_module[p])
        m.add("transport", m.sup.ids[p], t, w * amount, v, amount, m.weight(k, t))


def buildings_first(m: PlanModel) -> None:
    """Policy weight per pavilion bed-month (municipal buildings are used first)."""
    w = m.policy.weights.buildings_first
    for (k, p, t), v in m.standing.items():
        amount = int(m.sup.beds_per_module[p])
        m.add("buildings_first", m.sup.ids[p], t, w * amount, v, amount, m.weight(k, t))


def spread(m: PlanModel) -> None:
    """Policy weight per bed-month in a district above its population share plus tolerance."""
    w = m.policy.weights.spread
    for (k, d, t), v in m.excess.items():
        m.add("spread", m.sup.district_ids[d], t, w, v, copies=m.weight(k, t))


COST_TERMS = (setup, month, teardown, emergency)
SOFT_TERMS = (transport, buildings_first, spread)
TERMS = COST_TERMS + SOFT_TERMS
