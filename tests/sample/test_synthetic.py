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


def test_one_module_type_is_the_registry_of_before():
    a = synthetic_registry(households=200, sites=30, seed=4)
    assert a.module_types is None
    assert a.units["module_type_id"].isna().all() and a.sites["cost_open"].isna().all()


def test_three_module_types_per_pavilion_site_validate(tmp_path):
    from capacity.io.registry import write_registry
    from capacity.io.validate import validate_path
    from capacity.planning.types import module_types, unit_types

    plain = synthetic_registry(households=400, sites=40, seed=4)
    reg = synthetic_registry(households=400, sites=40, seed=4, module_types=3)
    for name in ("households", "occupancy", "districts", "pois"):
        pd.testing.assert_frame_equal(reg.layer(name), plain.layer(name), obj=name)
    types = module_types(reg)
    pav = reg.sites.loc[reg.sites["kind"] == "pavilion_site", "id"]
    # three types per site, and an accessible copy of the first where accessible modules stand
    copies = types["type_id"].str.endswith("-TA")
    assert (types[~copies].groupby("site_id").size() == 3).all()
    assert set(types["site_id"]) == set(pav) and copies.any()
    assert set(types.loc[~copies, "name"]) == {
        "familiemodul",
        "enkeltværelsesmodul",
        "handicapvenligt modul",
    }
    assert "rented" in set(types["tenure"]) and types["accessible"].any()
    first = types[copies | types["type_id"].str.endswith("-T1")]
    standing = first.groupby("site_id")["modules_now"].sum()
    assert (standing == plain.sites.set_index("id").loc[standing.index, "modules_now"]).all()
    assert set(unit_types(reg).values()) <= set(first["type_id"])
    kinds = first.set_index("type_id")["accessible"]
    units = reg.units.set_index("id")
    assert all(units.at[u, "accessible"] == kinds[t] for u, t in unit_types(reg).items())
    write_registry(reg, tmp_path / "reg.gpkg")
    assert [p for p in validate_path(tmp_path / "reg.gpkg") if p.severity == "error"] == []


def test_module_types_below_one_are_rejected():
    with pytest.raises(ValueError, match="module_types >= 1"):
        synthetic_registry(households=10, sites=2, seed=1, module_types=0)


def test_generate_writes_module_types_only_when_asked(tmp_path):
    from typer.testing import CliRunner

    from capacity.cli import app

    runner = CliRunner()
    args = ["generate", "--households", "60", "--sites", "12", "--seed", "2"]
    assert runner.invoke(app, [*args, str(tmp_path / "one")]).exit_code == 0
    assert runner.invoke(app, [*args, "--module-types", "1", str(tmp_path / "same")]).exit_code == 0
    assert (
        runner.invoke(app, [*args, "--module-types", "3", str(tmp_path / "three")]).exit_code == 0
    )
    for name in ("sites.csv", "units.csv", "households.csv", "occupancy.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "same" / name).read_bytes()
    assert not (tmp_path / "one" / "module_types.csv").exists()
    assert (tmp_path / "three" / "module_types.csv").is_file()
    refused = runner.invoke(app, ["generate", "--module-types", "3", str(tmp_path / "a.gpkg")])
    assert refused.exit_code == 2 and "--module-types" in refused.output
