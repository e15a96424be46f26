"""Builders for the planning tests: one-site registries and scenarios written inline."""

from __future__ import annotations

import datetime as dt

import pytest

from capacity.planning.scenario import Scenario, scenario_from_text
from capacity.policy import Limits, Policy
from tests.helpers import make_household, make_occupancy, make_registry, make_site, make_unit


def pavilion(id: str = "P1", **over) -> dict:
    """A pavilion site row: 4 beds per module, lead 2, lifetime 3, costs overridable."""
    row = make_site(id, kind="pavilion_site", modules_now=0, modules_max=10)
    row.update(lead_time_months=2, min_lifetime_months=3)
    row.update(over)
    return row


def policy(emergency: int = 1000, **weights) -> Policy:
    """A policy with an emergency price and some weights changed."""
    base = Policy()
    return Policy(
        weights=base.weights.model_copy(update=weights),
        limits=Limits(emergency_dkk_per_person_day=emergency),
    )


def scenario(
    per_month: list[int], *, stay: int = 60, horizon: int = 12, extra: str = ""
) -> Scenario:
    """Single adults arriving exactly as ``per_month`` (no uncertainty), each staying ``stay``."""
    return scenario_from_text(scenario_text(per_month, stay, horizon, extra), "test.toml")


def scenario_text(per_month: list[int], stay: int = 60, horizon: int = 12, extra: str = "") -> str:
    """The TOML of ``scenario`` (for the commands, which read a file)."""
    months = (per_month + [0] * horizon)[:horizon]
    return f"""
name = "test"
start = "2027-01"
horizon_months = {horizon}
include_waiting = false
[arrivals]
per_month = {months}
[uncertainty]
kind = "none"
[[household_types]]
name = "single"
adults = 1
share = 1
[stay]
kind = "empirical"
months = [{stay}]
weights = [1]
{extra}"""


@pytest.fixture
def resident_registry():
    """One pavilion site with two modules; a resident lives in one until 2027-06-01."""
    site = pavilion(modules_now=2, cost_teardown_per_module=0)
    site["cost_month_per_module"] = 50_000
    units = [make_unit("M1", "P1", beds=4), make_unit("M2", "P1", beds=4)]
    hh = [make_household("R1", arrival_date=dt.date(2026, 5, 1))]
    occ = [
        make_occupancy(
            "R1", "M1", move_in=dt.date(2026, 5, 1), expected_move_out=dt.date(2027, 6, 1)
        )
    ]
    return make_registry(sites=[site], units=units, households=hh, occupancy=occ)
