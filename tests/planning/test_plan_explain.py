"""The plan's explanation of a take-down: what keeping the modules would cost against taking
them down, both in the plan model's own prices, so the amounts agree with ``modules.csv``."""

from __future__ import annotations

import datetime as dt

from capacity.planning.explain import explanation_md
from capacity.planning.plan import make_plan
from tests.helpers import make_site
from tests.planning.test_plan_decisions import module_type, registry, scenario


def two_sites_to_empty():
    """Nobody needs a home. A is available until 30 September 2027 and rents two modules
    (10,000 a month, 30,000 to take down, 15,000 for ending the lease before 30 June 2028, two
    months' notice); B owns two (upkeep 5,000 a month, 20,000 to take down, worth 60,000 each),
    available to the horizon's end."""
    a = make_site("A", kind="pavilion_site", available_until=dt.date(2027, 9, 30))
    b = make_site("B", kind="pavilion_site", dx=500)
    now = dict(modules_now=2, modules_max=2)
    types = [
        module_type(
            "A-T",
            "A",
            cost_month_per_module=10_000,
            cost_teardown_per_module=30_000,
            tenure="rented",
            lease_end=dt.date(2028, 6, 30),
            notice_months=2,
            cost_early_termination_per_module=15_000,
            **now,
        ),
        module_type(
            "B-T",
            "B",
            cost_month_per_module=5_000,
            cost_teardown_per_module=20_000,
            residual_value_per_module=60_000,
            **now,
        ),
    ]
    return registry([a, b], types)


def test_a_take_down_is_weighed_against_keeping_while_the_site_may_hold_the_modules():
    res = make_plan(two_sites_to_empty(), scenario(12), samples=1, time_limit=20)
    text = explanation_md(res, 1000)
    costs = res.modules.set_index(["module_type_id", "month"])["cost"]
    # A, down in March (its notice's first month): 2 x (30,000 + 15,000) = 90,000 now. Kept, they
    # stand March-September (7 months, 2 x 10,000 x 7 = 140,000: the site is gone in October,
    # not 10 months to the horizon's end) and come down in October, before the lease ends:
    # 90,000 again.
    assert (
        "**Site A (A), A-T**: tag 2 modul(er) ned i marts 2027: de øvrige boliger rækker til "
        "behovet" in text
    )
    assert (
        "At beholde dem, til grunden skal være ryddet i oktober 2027, koster 140.000 kr. i leje "
        "(7 måneder) og derefter 90.000 kr. for at tage dem ned, i alt 230.000 kr., mod "
        "90.000 kr. for at tage dem ned i marts 2027 (heraf 30.000 kr. i godtgørelse for at "
        "opsige lejen før udløbet). Varslet 2 måneder før (i januar 2027)." in text
    )
    assert costs["A-T", "2027-03"] == 90_000  # nothing else of A-T stands that month
    # B, down in January: 2 x (20,000 - 60,000) = -80,000, the residual value credited as the
    # model does. Kept to the horizon's end: 2 x 5,000 x 12 = 120,000 of upkeep, then valued at
    # 2 x (20,000 - 60,000) = -80,000 (terms.horizon_end).
    assert (
        "At beholde dem horisonten ud koster 120.000 kr. i drift (12 måneder) og −80.000 kr. for "
        "dem ved horisontens slutning (nedtagning minus restværdi), i alt 40.000 kr., mod "
        "−80.000 kr. for at tage dem ned i januar 2027 (restværdien 120.000 kr. er trukket fra)."
        in text
    )
    assert costs["B-T", "2027-01"] == -80_000


def test_the_samples_are_counted_in_one_group_or_several():
    # "20 prøver af efterspørgslen i 1 grupper" (the audit)
    res = make_plan(two_sites_to_empty(), scenario(12), samples=1, time_limit=20)
    text = explanation_md(res, 1000)
    groups = res.summary["groups"]
    assert f"i {groups} {'gruppe' if groups == 1 else 'grupper'}" in text
    assert " 1 grupper" not in text
