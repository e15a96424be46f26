"""Module types and site terms as the plan reads them (``capacity.planning.types``, issue 14).

A registry without module types means what it meant (one owned type per pavilion site from its own
columns); a layer with two types at one site gives two rows; bad rows are refused by validation
with a message naming layer, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capacity.io.layers import frame
from capacity.io.registry import load_registry, write_registry
from capacity.io.validate import validate_path
from capacity.planning.types import (
    MODULE_FLAGS,
    TYPE_COLUMNS,
    module_types,
    site_terms,
    unit_types,
)
from tests.helpers import (
    make_site,
    make_unit,
    tiny_registry,
    two_module_types,
    with_type_kinds,
)


def typed_registry(rows: list[dict], **unit_types_of: str):
    """The tiny registry with ``rows`` as module types and the units' module_type_id set."""
    reg = tiny_registry()
    units = reg.units.copy()
    units["module_type_id"] = [unit_types_of.get(u) for u in units["id"]]
    units = with_type_kinds(units, rows)
    return reg.with_layers(
        module_types=frame("module_types", rows), units=frame("units", units.to_dict("records"))
    )


def test_an_old_registry_gets_one_owned_type_per_pavilion_site_from_its_columns():
    reg = tiny_registry()
    types = module_types(reg)
    assert list(types.columns) == list(TYPE_COLUMNS)
    (row,) = types.to_dict("records")
    site = reg.sites.set_index("id").loc["P1"]
    assert row["type_id"] == row["site_id"] == "P1" and row["name"] == site["name"]
    assert (row["units_per_module"], row["beds_per_unit"]) == (1, site["beds_per_module"])
    assert {k: row[k] for k in MODULE_FLAGS} == MODULE_FLAGS
    assert (row["modules_now"], row["modules_max"]) == (2, 4)
    assert (row["cost_setup"], row["cost_month"], row["cost_teardown"]) == (250_000, 8_000, 60_000)
    assert (row["lead_months"], row["min_lifetime_months"]) == (3, 12)
    assert (row["tenure"], row["notice_months"], row["cost_early_termination"]) == ("owned", 0, 0)
    assert (row["purchase_price"], row["cost_month_owned"], row["residual_value"]) == (0, 8_000, 0)
    assert pd.isna(row["lease_end"])


def test_dtypes_are_plain():
    types = module_types(typed_registry(two_module_types(), **{"P1-M1": "P1-F", "P1-M2": "P1-F"}))
    assert all(types[c].dtype == "int64" for c in ("modules_now", "cost_setup", "purchase_price"))
    assert all(types[c].dtype == bool for c in ("family_ok", "shareable", "accessible"))
    assert types["lease_end"].dtype.kind == "M"


def test_missing_module_columns_are_zero_and_max_at_least_now():
    reg = tiny_registry()
    sites = reg.sites.copy()
    sites.loc[sites["id"] == "P1", ["modules_max", "cost_setup_per_module"]] = pd.NA
    reg = reg.with_layers(sites=sites)
    (row,) = module_types(reg).to_dict("records")
    assert (row["modules_now"], row["modules_max"], row["cost_setup"]) == (2, 2, 0)


def test_two_types_at_a_site_in_the_layers_order_with_defaults():
    reg = typed_registry(two_module_types(), **{"P1-M1": "P1-F", "P1-M2": "P1-F"})
    types = module_types(reg).set_index("type_id")
    assert list(types.index) == ["P1-E", "P1-F"]
    single, family = types.loc["P1-E"], types.loc["P1-F"]
    assert (single["units_per_module"], single["beds_per_unit"], single["family_ok"]) == (
        2,
        1,
        False,
    )
    assert single["tenure"] == "rented" and single["lease_end"] == pd.Timestamp("2028-06-30")
    assert (single["purchase_price"], single["cost_month_owned"]) == (220_000, 3_000)
    assert (single["cost_early_termination"], single["notice_months"]) == (40_000, 3)
    assert family["tenure"] == "owned" and pd.isna(family["lease_end"])
    assert (family["notice_months"], family["purchase_price"], family["residual_value"]) == (
        0,
        0,
        90_000,
    )
    assert family["cost_month_owned"] == family["cost_month"] == 6_000
    assert unit_types(reg) == {"P1-M1": "P1-F", "P1-M2": "P1-F"}


def test_unit_types_default_to_the_sites_only_type():
    assert unit_types(tiny_registry()) == {"P1-M1": "P1", "P1-M2": "P1"}
    one = two_module_types()[1:]
    assert unit_types(typed_registry(one)) == {"P1-M1": "P1-F", "P1-M2": "P1-F"}


def test_rows_follow_the_sites_order():
    reg = tiny_registry()
    sites = frame(
        "sites",
        [
            make_site("P9", kind="pavilion_site", dx=500, modules_now=0),
            *reg.sites.to_dict("records"),
        ],
    )
    reg = reg.with_layers(sites=sites, module_types=frame("module_types", two_module_types()[1:]))
    reg = reg.with_layers(
        units=frame("units", [*reg.units.to_dict("records"), make_unit("X", "B1")])
    )
    assert list(module_types(reg)["type_id"]) == ["P9", "P1-F"]


def test_site_terms_defaults_and_values():
    reg = tiny_registry()
    terms = site_terms(reg)
    assert list(terms.index) == ["B1", "P1"] and terms.index.name == "site_id"
    assert terms.loc["P1"].to_dict() == dict(
        cost_open=0, cost_close=0, close_notice_months=0, reopen_allowed=True
    )
    sites = reg.sites.copy()
    sites["cost_open"] = pd.array([None, 400_000], dtype="Int64")
    sites["close_notice_months"] = pd.array([None, 3], dtype="Int64")
    sites["reopen_allowed"] = pd.array([None, False], dtype="boolean")
    terms = site_terms(reg.with_layers(sites=sites))
    assert terms.loc["P1"].to_dict() == dict(
        cost_open=400_000, cost_close=0, close_notice_months=3, reopen_allowed=False
    )
    assert terms["cost_open"].dtype == "int64" and terms["reopen_allowed"].dtype == bool


def test_the_layer_round_trips_and_validates(tmp_path):
    reg = typed_registry(two_module_types(), **{"P1-M1": "P1-F", "P1-M2": "P1-F"})
    write_registry(reg, tmp_path / "reg")
    assert validate_path(tmp_path / "reg") == []
    back = load_registry(tmp_path / "reg")
    pd.testing.assert_frame_equal(module_types(back), module_types(reg))


def problems_of(tmp_path: Path, reg) -> list:
    write_registry(reg, tmp_path / "reg")
    return [p for p in validate_path(tmp_path / "reg") if p.severity == "error"]


BAD = {
    "lease on owned": (
        dict(tenure="owned"),
        {},
        ("module_types.csv", "P1-E (linje 2)", "lease_end", "tenure er owned"),
    ),
    "now above max": (
        dict(modules_now=5, modules_max=4),
        {},
        ("module_types.csv", "P1-E (linje 2)", "modules_now", "er større end modules_max"),
    ),
    "unit without type": (
        {},
        {"P1-M1": "P1-F"},
        ("units.csv", "P1-M2 (linje 6)", "module_type_id", "har 2 modultyper"),
    ),
    "beds against type": (
        {},
        {"P1-M1": "P1-E", "P1-M2": "P1-F"},
        ("units.csv", "P1-M1 (linje 5)", "beds", "beds_per_unit 1"),
    ),
    "type at a building": (
        dict(site_id="B1"),
        {"P1-M1": "P1-F", "P1-M2": "P1-F"},
        ("module_types.csv", "P1-E (linje 2)", "site_id", "ikke 'pavilion_site'"),
    ),
    "unknown type": (
        {},
        {"P1-M1": "P9-X", "P1-M2": "P1-F"},
        ("units.csv", "P1-M1 (linje 5)", "module_type_id", "'P9-X' er ikke et id"),
    ),
    "type of another site": (
        dict(modules_max=0),
        {"P1-M1": "P1-F", "P1-M2": "P1-F", "B1-1": "P1-E"},
        ("units.csv", "B1-1 (linje 2)", "module_type_id", "hører til lokalitet P1"),
    ),
    "bad tenure": (
        dict(tenure="leased"),
        {"P1-M1": "P1-F", "P1-M2": "P1-F"},
        ("module_types.csv", "P1-E (linje 2)", "tenure", "owned, rented"),
    ),
    "zero units per module": (
        dict(units_per_module=0),
        {"P1-M1": "P1-F", "P1-M2": "P1-F"},
        ("module_types.csv", "P1-E (linje 2)", "units_per_module", "minimum 1"),
    ),
    "type id of a site": (
        dict(id="B1"),
        {"P1-M1": "P1-F", "P1-M2": "P1-F"},
        ("module_types.csv", "B1 (linje 2)", "id", "id'et for lokalitet B1"),
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_rows_are_refused_with_a_named_message(tmp_path, name):
    over, types_of, (source, row, column, words) = BAD[name]
    problems = problems_of(tmp_path, typed_registry(two_module_types(**over), **types_of))
    hits = [
        p
        for p in problems
        if (p.source, p.row, p.column) == (source, row, column) and words in p.message
    ]
    assert hits, problems
    assert all(";" in p.message for p in hits)


def test_more_units_than_the_type_holds_is_an_error(tmp_path):
    rows = two_module_types()
    rows[1].update(modules_now=0, modules_max=1)
    problems = problems_of(tmp_path, typed_registry(rows, **{"P1-M1": "P1-F", "P1-M2": "P1-F"}))
    (p,) = [p for p in problems if p.column == "modules_max"]
    assert (p.source, p.row) == ("module_types.csv", "P1-F (linje 3)")
    assert "2 boliger" in p.message and "plads til 1" in p.message


def test_residents_in_more_units_than_modules_now_hold_is_an_error(tmp_path):
    reg = typed_registry(two_module_types(), **{"P1-M1": "P1-E", "P1-M2": "P1-E"})
    units = reg.units.copy()
    units["beds"] = units["beds"].where(~units["id"].str.startswith("P1"), 1)
    occ = reg.occupancy.copy()
    occ.loc[occ["household_id"] == "R1", "unit_id"] = "P1-M1"
    problems = problems_of(tmp_path, reg.with_layers(units=units, occupancy=occ))
    (p,) = [p for p in problems if p.column == "modules_now"]
    assert "modultype P1-E har beboere i 1 bolig" in p.message


def test_a_module_type_id_without_the_layer_is_refused(tmp_path):
    reg = typed_registry([], **{"P1-M1": "P1-F"}).with_layers(module_types=None)
    problems = problems_of(tmp_path, reg)
    (p,) = [p for p in problems if p.column == "module_type_id"]
    assert (p.source, p.row) == ("units.csv", "P1-M1 (linje 5)")
    assert "intet lag module_types" in p.message
