"""Defects of issue 14 (the capacity plan), each with a test that failed before its fix."""

from __future__ import annotations

import datetime as dt

from capacity.io.registry import load_registry
from capacity.model.domain import build_domain
from capacity.planning.scenario import load_scenario
from capacity.planning.supply import supply
from tests.conftest import ROOT

SCENARIOS = ROOT / "data" / "scenarios"


def test_plan_and_placement_give_every_sample_site_the_same_station_minutes(sample_gpkg):
    # Before: the plan rounded up (P03 6, P04 10, P05 24 min.), placement half up (5, 9, 23).
    reg = load_registry(sample_gpkg)
    sup = supply(reg, load_scenario(SCENARIOS / "wave.toml"))
    dom = build_domain(reg, dt.date(2026, 12, 1), with_pairs=False)
    placement = {sid: site.station_minutes for sid, site in dom.sites.items()}
    assert dict(zip(sup.ids, sup.minutes.tolist(), strict=True)) == placement
    assert placement["P03"] == 5  # 5.45 minutes by the straight line, rounded half up
