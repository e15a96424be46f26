"""``place --allow-new-modules --apply`` at sites with module types writes a registry that
validates: the new unit is of the site's one-unit type (its beds and flags, ``module_type_id``)
and the type's ``modules_now`` goes up (``capacity.model.new_modules``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.place import place
from capacity.io.layers import canonical
from capacity.io.registry import load_registry, write_registry
from capacity.io.validate import validate_path
from capacity.model.domain import build_domain
from capacity.model.new_modules import NewModules, new_module_offers
from capacity.solver.apply import apply_plan
from capacity.solver.placements import with_placements
from capacity.solver.verify import check_plan, read_plan
from tests.helpers import make_household, make_site, placement_world

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _main() -> None:
    """A local app with ``place`` only."""


app.command()(user_errors(place))
DAY = dt.date(2027, 3, 1)  # P05 Nymølle is available from this day (data/README.md)
ARRIVAL = dt.date(2027, 2, 20)


def _run(*args: object):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "200"})


def _free_family_units(reg, sites: set[str]) -> int:
    """Empty family units of at least 4 beds in service at ``sites`` on ``DAY``."""
    dom = build_domain(reg, DAY, with_pairs=False)
    return sum(
        u.size
        for u in dom.units.values()
        if u.site_id in sites and u.in_service and u.family_ok and u.beds >= 4 and not u.residents
    )


@pytest.fixture
def needs_modules(sample_gpkg):
    """The sample with arrivals that need new modules: two families of five bound to P05's parish
    (only P05 lies there, and its site columns say 4 beds a module: only its type P05-F, 5 beds,
    takes them) and more families of four bound to P01's parish than its buildings and P01 hold."""
    reg = load_registry(sample_gpkg)
    p05 = [
        make_household(
            f"XP05-{k}",
            adults=2,
            children_ages=(3, 6, 9),
            arrival_date=ARRIVAL,
            required_district="SOGN-7426",
        )
        for k in range(2)
    ]
    extra = _free_family_units(reg, {"B01", "B02", "B03", "P01"}) + 2
    p01 = [
        make_household(
            f"XP01-{k}",
            adults=2,
            children_ages=(4, 7),
            arrival_date=ARRIVAL,
            required_district="SOGN-7450",
        )
        for k in range(extra)
    ]
    rows = pd.DataFrame([*p05, *p01])
    return reg.with_layers(
        households=canonical("households", pd.concat([reg.households, rows], ignore_index=True))
    )


def test_the_domain_offers_a_typed_sites_one_unit_type(needs_modules):
    dom = build_domain(needs_modules, DAY, allow_new_modules=True, with_pairs=False)
    p05 = [u for u in dom.units.values() if u.new_module and u.site_id == "P05"]
    assert len(p05) == 4  # P05-F: 0 of 4 modules; P05-E (2 units a module) is not offered
    assert {(u.beds, u.family_ok, u.shareable, u.accessible) for u in p05} == {
        (5, True, False, False)
    }
    assert dom.sites["P05"].module_type == "P05-F" and dom.sites["P05"].setup_kdkk == 360
    assert dom.sites["P01"].module_type == "P01-T1" and dom.sites["P01"].new_modules == 2


@pytest.mark.parametrize("name", ["reg.gpkg", "reg.xlsx", "reg"])
def test_apply_with_new_modules_of_a_type_validates(tmp_path, needs_modules, name):
    path, plan = tmp_path / name, tmp_path / "plan"
    write_registry(needs_modules, path)
    before = load_registry(path)
    made = _run(path, "--date", DAY.isoformat(), "--out", plan, "--allow-new-modules")
    assert made.exit_code == 0, made.output
    todo = read_plan(plan)
    put_up = dict(zip(todo.modules["site_id"], todo.modules["modules_to_put_up"], strict=True))
    assert put_up.get("P05", 0) == 2 and put_up.get("P01", 0) >= 1, put_up
    assert check_plan(before, todo) == []  # the apply's own check accepts modules of a type

    applied = _run(path, "--out", plan, "--apply")
    assert applied.exit_code == 0, applied.output
    errors = [p for p in validate_path(path) if p.severity == "error"]
    assert errors == []
    after = load_registry(path)
    new = after.units[~after.units["id"].isin(before.units["id"])].set_index("id")
    assert len(new) == put_up["P05"] + put_up["P01"]
    for site_id, type_id, beds, shareable in (
        ("P05", "P05-F", 5, False),
        ("P01", "P01-T1", 4, True),
    ):
        mine = new[new["site_id"] == site_id]
        assert set(mine["module_type_id"]) == {type_id}
        assert set(mine["beds"]) == {beds} and set(mine["shareable"]) == {shareable}
    now = {
        reg_name: reg.module_types.set_index("id")["modules_now"]
        for reg_name, reg in (("before", before), ("after", after))
    }
    assert now["after"]["P05-F"] == now["before"]["P05-F"] + put_up["P05"]
    assert now["after"]["P01-T1"] == now["before"]["P01-T1"] + put_up["P01"]
    assert now["after"]["P05-E"] == now["before"]["P05-E"]
    # a typed site's own columns are ignored by the plan and left as they were
    pd.testing.assert_series_equal(after.sites["modules_now"], before.sites["modules_now"])
    lived = set(after.occupancy.loc[after.occupancy["move_out"].isna(), "unit_id"])
    assert set(new.index) <= lived


def test_a_folder_apply_changes_only_the_types_modules_now_cells(tmp_path, needs_modules):
    path, plan = tmp_path / "reg", tmp_path / "plan"
    write_registry(needs_modules, path)
    (path / "notes.txt").write_text("vores egne noter", encoding="utf-8")
    lines = (path / "module_types.csv").read_text(encoding="utf-8").splitlines()
    made = _run(path, "--date", DAY.isoformat(), "--out", plan, "--allow-new-modules")
    assert made.exit_code == 0, made.output
    apply_plan(path, plan)
    after = (path / "module_types.csv").read_text(encoding="utf-8").splitlines()
    changed = [b.split(",")[0] for a, b in zip(lines, after, strict=True) if a != b]
    assert changed == ["P01-T1", "P05-F"]
    assert (path / "notes.txt").read_text(encoding="utf-8") == "vores egne noter"


def test_more_modules_than_the_type_has_room_for_are_refused(tmp_path, needs_modules):
    path, plan = tmp_path / "reg.gpkg", tmp_path / "plan"
    write_registry(needs_modules, path)
    assert (
        _run(path, "--date", DAY.isoformat(), "--out", plan, "--allow-new-modules").exit_code == 0
    )
    frame = pd.read_csv(plan / "placements.csv", dtype=str, keep_default_na=False)
    # the site's own columns would allow 8 modules, its type P05-F holds 4
    frame.loc[frame["unit_id"] == "P05-NY2", "unit_id"] = "P05-NY5"
    frame.to_csv(plan / "placements.csv", index=False)
    reasons = check_plan(load_registry(path), read_plan(plan))
    assert any("ukendt bolig 'P05-NY5'" in r for r in reasons), reasons
    before = path.read_bytes()
    assert _run(path, "--out", plan, "--apply").exit_code == 2
    assert path.read_bytes() == before


# --- sites without module types: as before ----------------------------------------------------


def _untyped():
    sites = [make_site("P", kind="pavilion_site", modules_now=1, modules_max=3, beds_per_module=5)]
    return placement_world(sites=sites, households=[make_household("H", adults=3)])


def test_a_site_without_types_offers_its_own_columns():
    offers = new_module_offers(_untyped())
    assert offers == {"P": NewModules("P", None, 2, 5, True, False, True, 250_000)}


def test_an_apply_without_module_types_writes_what_it_did_before():
    reg = _untyped()
    placements = pd.DataFrame(dict(household_id=["H"], unit_id=["P-NY1"], site_id=["P"]))
    modules = pd.DataFrame(dict(site_id=["P"], modules_to_put_up=[1]))
    after, _ = with_placements(reg, placements, modules, DAY)
    assert after.module_types is None
    row = after.units.set_index("id").loc["P-NY1"]
    assert (row["beds"], row["rooms"], row["family_ok"], row["shareable"]) == (5, 1, True, True)
    assert not row["accessible"] and pd.isna(row["module_type_id"])
    assert int(after.sites.set_index("id").loc["P", "modules_now"]) == 2


def test_new_modules_in_the_registrys_folder_form_leave_no_module_types_file(tmp_path):
    path, plan = tmp_path / "reg", tmp_path / "plan"
    write_registry(_untyped(), path)
    assert not (path / "module_types.csv").exists()
    made = _run(path, "--date", "2026-12-01", "--out", plan, "--allow-new-modules")
    assert made.exit_code == 0, made.output
    apply_plan(path, plan, today=dt.date(2026, 12, 2))
    assert not (path / "module_types.csv").exists()
    assert "P-NY1" in set(load_registry(path).units["id"])
