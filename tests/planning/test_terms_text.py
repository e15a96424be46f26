"""The plan's term texts (``terms.csv``) say what each amount is: at the horizon's end a site
still in use is valued at its closing cost, not as modules standing."""

from __future__ import annotations

from capacity.planning.plan import make_plan
from tests.helpers import make_registry
from tests.planning.conftest import pavilion, policy, scenario


def test_a_site_in_use_at_the_horizons_end_is_described_as_its_closing():
    """P1's two modules house the eight arrivals to the end; closing P1 costs 120,000."""
    site = pavilion(modules_now=2, cost_close=120_000, cost_month_per_module=1_000)
    reg = make_registry(sites=[site], policy=policy())
    res = make_plan(reg, scenario([8], stay=60, horizon=6), samples=1, time_limit=20)
    end = res.terms[res.terms["term"] == "horizon_end"]
    site_row = end[end["weight"] == 120_000]
    assert site_row["text"].tolist() == [
        "P1: grunden er i brug ved horisontens slutning (2027-06): lukning af grunden"
    ]
    modules = end[end["weight"] != 120_000]
    assert modules["amount"].tolist() == [2.0]
    assert (
        modules["text"]
        .tolist()[0]
        .startswith("P1: 2 modul(er) står ved horisontens slutning (2027-06)")
    )
    assert end["weighted"].sum() == res.summary["cost_by_kind"]["horizon_end"]
