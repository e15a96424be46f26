"""Synthetic registries: requested sizes, valid references and occupancy, deterministic."""

from __future__ import annotations

import pandas as pd
import pytest

from capacity.overview import arriving, open_occupancy
from capacity.sample import synthetic_registry
from tests.sample.checks import occupancy_problems

SIZES = ((1, 1), (30, 3), (300, 25), (2_000, 150))


@pytest.mark.parametrize(("households", "sites"), SIZES)
def test_requested_counts_and_valid_references(households, sites):
    reg = synthetic_registry(households=households, sites=sites, seed=5)
    assert len(reg.households) == households and reg.households["id"].is_unique
    assert len(reg.sites) == sites and reg.sites["id"].is_unique
    assert reg.units["id"].is_unique
    assert reg.units["site_id"].isin(reg.sites["id"]).all()
    assert reg.occupancy["household_id"].isin(reg.households["id"]).all()
    assert reg.occupancy["unit_id"].isin(reg.units["id"]).all()
    assert reg.households["children_ages"].map(lambda t: all(0 <= a <= 17 for a in t)).all()
    outline = reg.boundary.geometry.iloc[0]
    assert reg.sites.geometry.within(outline).all() and reg.pois.geometry.within(outline).all()
    assert occupancy_problems(reg) == []


def test_mix_of_sites_units_and_households():
    reg = synthetic_registry(households=3_000, sites=200, seed=11)
    per_site = len(reg.units) / len(reg.sites)
    assert 12 <= per_site <= 15
    assert 0.2 <= (reg.sites["kind"] == "pavilion_site").mean() <= 0.4
    residents = open_occupancy(reg)["household_id"].nunique()
    assert residents == round(3_000 * 2 / 3)
    assert len(arriving(reg)) == 3_000 - residents
    assert set(reg.districts["kind"]) == {"school", "daycare"}
    assert {"station", "school", "daycare", "jobcentre"} <= set(reg.pois["kind"])
    assert reg.pois["receiving_classes"].fillna(False).any()
    pav = reg.sites[reg.sites["kind"] == "pavilion_site"]
    modules = reg.units[reg.units["id"].str.contains("-M")]
    assert modules.groupby("site_id").size().sum() == pav["modules_now"].sum()


def test_residents_are_capped_by_capacity():
    reg = synthetic_registry(households=5_000, sites=2, seed=3)
    residents = open_occupancy(reg)["household_id"].nunique()
    assert 0 < residents < 5_000 * 2 / 3
    assert occupancy_problems(reg) == []


def test_same_seed_same_frames_and_different_seed_differs():
    a, b = (synthetic_registry(households=500, sites=40, seed=9) for _ in range(2))
    for name, frame in a.layers().items():
        pd.testing.assert_frame_equal(frame, b.layer(name), check_exact=True, obj=name)
    c = synthetic_registry(households=500, sites=40, seed=10)
    assert not c.households.equals(a.households)
    assert not c.units.equals(a.units)


def test_bad_sizes_are_rejected():
    with pytest.raises(ValueError, match="sites >= 1"):
        synthetic_registry(households=10, sites=0, seed=1)


@pytest.mark.slow
def test_benchmark_size_builds():
    # its time is the scale suite's (capacity bench), not asserted here
    reg = synthetic_registry(households=20_000, sites=2_000, seed=1)
    assert len(reg.households) == 20_000 and len(reg.sites) == 2_000
