"""The optional ``module_types`` layer and the sparse columns of issue 14 on disk: ``convert``
keeps them through every form, and a registry without them is written as before."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest

from capacity.io.layers import frame
from capacity.io.registry import convert, load_registry, registry_hash, write_registry
from capacity.io.validate import validate_path
from capacity.planning.types import module_types, site_terms, unit_types
from tests import helpers

FORMS = ("reg.gpkg", "reg.xlsx", "reg")


def typed_registry():
    """The tiny registry with two module types at P1 (one rented), site terms and unit types."""
    reg = helpers.tiny_registry()
    rows = helpers.two_module_types()
    sites = reg.sites.copy()
    sites["cost_open"] = pd.array([None, 500_000], dtype="Int64")
    sites["cost_close"] = pd.array([None, 250_000], dtype="Int64")
    sites["close_notice_months"] = pd.array([None, 3], dtype="Int64")
    sites["reopen_allowed"] = pd.array([None, False], dtype="boolean")
    units = reg.units.copy()
    units["module_type_id"] = units["id"].map({"P1-M1": "P1-F", "P1-M2": "P1-F"})
    units = helpers.with_type_kinds(units, rows)
    return reg.with_layers(
        sites=frame("sites", sites.to_dict("records")),
        units=frame("units", units.to_dict("records")),
        module_types=frame("module_types", rows),
    )


def same_plan_view(a, b) -> None:
    pd.testing.assert_frame_equal(module_types(a), module_types(b))
    pd.testing.assert_frame_equal(site_terms(a), site_terms(b))
    assert unit_types(a) == unit_types(b)
    for name, left in a.layers().items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(left), pd.DataFrame(b.layer(name)), check_exact=True, obj=name
        )


@pytest.mark.parametrize("form", FORMS)
def test_every_form_keeps_module_types_and_site_terms(tmp_path, form):
    reg = typed_registry()
    write_registry(reg, tmp_path / form)
    back = load_registry(tmp_path / form)
    assert back.warnings == ()
    same_plan_view(reg, back)
    assert registry_hash(back) == registry_hash(reg)


def test_convert_chain_gpkg_folder_excel_gpkg_keeps_module_types(tmp_path):
    reg = typed_registry()
    write_registry(reg, tmp_path / "a.gpkg")
    convert(tmp_path / "a.gpkg", tmp_path / "b")
    assert (tmp_path / "b" / "module_types.csv").is_file()
    convert(tmp_path / "b", tmp_path / "c.xlsx")
    last = convert(tmp_path / "c.xlsx", tmp_path / "d.gpkg")
    assert "module_types" in {str(n) for n, _ in pyogrio.list_layers(tmp_path / "d.gpkg")}
    same_plan_view(reg, last)
    same_plan_view(reg, load_registry(tmp_path / "d.gpkg"))


def test_a_registry_without_them_is_written_as_before(tmp_path):
    reg = helpers.tiny_registry()
    write_registry(reg, tmp_path / "reg")
    assert not (tmp_path / "reg" / "module_types.csv").exists()
    sites = (tmp_path / "reg" / "sites.csv").read_text(encoding="utf-8").splitlines()[0]
    units = (tmp_path / "reg" / "units.csv").read_text(encoding="utf-8").splitlines()[0]
    assert sites.endswith("note,x,y") and "cost_open" not in sites
    assert units.endswith("in_service") and "module_type_id" not in units
    write_registry(reg, tmp_path / "reg.gpkg")
    assert "module_types" not in {str(n) for n, _ in pyogrio.list_layers(tmp_path / "reg.gpkg")}
    back = load_registry(tmp_path / "reg.gpkg")
    assert back.module_types is None and back.sites["cost_open"].isna().all()


def test_a_sparse_column_with_a_value_is_written(tmp_path):
    reg = typed_registry()
    write_registry(reg, tmp_path / "reg")
    head = (tmp_path / "reg" / "sites.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head.endswith("note,cost_open,cost_close,close_notice_months,reopen_allowed,x,y")


@pytest.mark.parametrize("column", ["accessible", "shareable", "family_ok"])
def test_a_unit_of_another_kind_than_its_type_is_an_error(tmp_path, column):
    # The placement reads the unit's own columns, the plan its type's: an accessible unit of a
    # type that is not counted as an accessible home in one and not in the other.
    reg = typed_registry()
    units = reg.units.copy()
    at = units["id"] == "P1-M2"
    units.loc[at, column] = not bool(units.loc[at, column].iloc[0])
    write_registry(reg.with_layers(units=frame("units", units.to_dict("records"))), tmp_path / "r")
    problems = [p for p in validate_path(tmp_path / "r") if p.column == column]
    assert [(p.severity, p.row.split()[0]) for p in problems] == [("error", "P1-M2")]
    assert f"bolig P1-M2 er af modultype P1-F med {column} " in problems[0].message
