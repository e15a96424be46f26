"""Bad input: every problem is found at once and names the file or layer, the row and the column.

Each test corrupts one thing in a valid registry (the tiny one, written in folder form unless the
test is about another form) and asserts the problem's location and that its message says a fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from capacity.errors import Problem, RegistryError
from capacity.io.registry import load_registry, write_registry
from capacity.io.validate import validate_path
from tests import helpers


@pytest.fixture
def folder(tmp_path) -> Path:
    """The tiny registry written as a folder of CSV/GeoJSON files."""
    write_registry(helpers.tiny_registry(), tmp_path / "reg")
    return tmp_path / "reg"


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in a UTF-8 text file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(path: Path) -> list[Problem]:
    return [p for p in validate_path(path) if p.severity == "error"]


def only(problems: list[Problem], source: str, column: str, row: str = "") -> Problem:
    """The one problem at ``source``/``column`` whose row contains ``row``; it must say a fix."""
    found = [p for p in problems if p.source == source and p.column == column and row in p.row]
    assert len(found) == 1, problems
    assert ";" in found[0].message, found[0].message  # "what is wrong; how to fix it"
    return found[0]


def test_missing_path_is_a_problem_not_a_traceback(tmp_path):
    problem = only(errors(tmp_path / "nowhere.gpkg"), str(tmp_path / "nowhere.gpkg"), "")
    assert "findes ikke" in problem.message
    with pytest.raises(RegistryError):
        load_registry(tmp_path / "nowhere.gpkg")


def test_empty_csv(folder):
    (folder / "units.csv").write_bytes(b"")
    assert "tom fil" in only(errors(folder), "units.csv", "").message


def test_binary_csv(folder):
    (folder / "households.csv").write_bytes(bytes(range(256)) * 4)
    assert "binær" in only(errors(folder), "households.csv", "").message


def test_missing_layer_file(folder):
    (folder / "occupancy.csv").unlink()
    assert "filen mangler" in only(errors(folder), "occupancy.csv", "").message


def test_missing_column(folder):
    units = folder / "units.csv"
    units.write_text(pd.read_csv(units).drop(columns="beds").to_csv(index=False))
    assert "kolonnen mangler" in only(errors(folder), "units.csv", "beds").message


def test_not_a_whole_number(folder):
    edit(folder / "units.csv", "B1-2,B1,2,", "B1-2,B1,two,")
    problem = only(errors(folder), "units.csv", "beds", "B1-2 (linje 3)")
    assert "'two' er ikke et helt tal" in problem.message


def test_below_minimum(folder):
    edit(folder / "units.csv", "B1-3,B1,5,", "B1-3,B1,0,")
    assert "minimum 1" in only(errors(folder), "units.csv", "beds", "B1-3 (linje 4)").message


def test_negative_adults(folder):
    edit(folder / "households.csv", "A2,2026-11-01,2,", "A2,2026-11-01,-1,")
    assert "minimum 0" in only(errors(folder), "households.csv", "adults", "A2 (linje 6)").message


def test_column_maximum_is_checked():
    from capacity.io.layers import Column
    from capacity.io.validate import _check_value
    from capacity.io.values import BadValue

    with pytest.raises(BadValue, match="over maksimum 20; skriv en værdi <= 20"):
        _check_value(Column("adults", "int", min=0, max=20), 21)


def test_unknown_choice(folder):
    edit(folder / "sites.csv", "B1,Site B1,building,", "B1,Site B1,hotel,")
    problem = only(errors(folder), "sites.csv", "kind", "B1 (linje 2)")
    assert "building, pavilion_site" in problem.message


def test_missing_required_value(folder):
    edit(folder / "units.csv", "B1-3,B1,5,3,true,", "B1-3,B1,5,3,,")
    assert "værdien mangler" in only(errors(folder), "units.csv", "family_ok", "linje 4").message


def test_not_a_boolean(folder):
    edit(folder / "units.csv", "B1-3,B1,5,3,true,", "B1-3,B1,5,3,maybe,")
    assert "true eller false" in only(errors(folder), "units.csv", "family_ok", "linje 4").message


def test_duplicate_id(folder):
    edit(folder / "units.csv", "B1-2,B1,2,", "B1-1,B1,2,")
    problem = only(errors(folder), "units.csv", "id", "B1-1 (linje 3)")
    assert "dublet" in problem.message and "linje 2" in problem.message


def test_unit_of_unknown_site(folder):
    edit(folder / "units.csv", "P1-M1,P1,", "P1-M1,S9,")
    problem = only(errors(folder), "units.csv", "site_id", "P1-M1 (linje 5)")
    assert "'S9' er ikke et id i sites.csv" in problem.message


def test_occupancy_of_unknown_household_and_unit(folder):
    edit(folder / "occupancy.csv", "R3,B1-3,", "R9,B1-9,")
    found = errors(folder)
    assert "'R9'" in only(found, "occupancy.csv", "household_id", "linje 4").message
    assert "'B1-9'" in only(found, "occupancy.csv", "unit_id", "linje 4").message


def test_scores_and_travel_minutes_reference_existing_ids(tmp_path):
    reg = helpers.tiny_registry()
    reg = reg.with_layers(
        scores=helpers.frame("scores", [dict(household_id="A1", site_id="S9", score=1.0)]),
        travel_minutes=helpers.frame(
            "travel_minutes", [dict(site_id="B1", poi_id="X", minutes=3.0)]
        ),
    )
    write_registry(reg, tmp_path / "reg")
    found = errors(tmp_path / "reg")
    only(found, "scores.csv", "site_id", "A1/S9 (linje 2)")
    only(found, "travel_minutes.csv", "poi_id", "B1/X (linje 2)")


def test_required_district_and_work_poi_must_exist(folder):
    edit(
        folder / "households.csv",
        "A1,2026-11-01,1,,false,false,,",
        "A1,2026-11-01,1,,false,false,Q,Z",
    )
    found = errors(folder)
    only(found, "households.csv", "required_district", "A1 (linje 5)")
    only(found, "households.csv", "work_poi", "A1 (linje 5)")


def test_invalid_date(folder):
    edit(folder / "occupancy.csv", "R3,B1-3,2025-06-01", "R3,B1-3,2025-13-01")
    problem = only(errors(folder), "occupancy.csv", "move_in", "R3/B1-3 (linje 4)")
    assert "YYYY-MM-DD" in problem.message


def test_move_out_before_move_in(folder):
    edit(
        folder / "occupancy.csv", "R3,B1-3,2025-06-01,2027-03-01,", "R3,B1-3,2025-06-01,,2025-01-01"
    )
    assert "før move_in" in only(errors(folder), "occupancy.csv", "move_out", "linje 4").message


def test_expected_move_out_before_move_in(folder):
    edit(folder / "occupancy.csv", "2027-03-01", "2024-03-01")
    only(errors(folder), "occupancy.csv", "expected_move_out", "R3/B1-3 (linje 4)")


def test_available_until_before_available_from(folder):
    edit(
        folder / "sites.csv", "B1,Site B1,building,,,", "B1,Site B1,building,2026-05-01,2026-01-01,"
    )
    only(errors(folder), "sites.csv", "available_until", "B1 (linje 2)")


def test_overfilled_unit(folder):
    edit(folder / "units.csv", "B1-3,B1,5,", "B1-3,B1,2,")
    problem = only(errors(folder), "occupancy.csv", "unit_id", "R3/B1-3 (linje 4)")
    assert "3 personer" in problem.message and "2 senge" in problem.message


def test_two_households_in_a_unit_that_is_not_shareable(folder):
    edit(folder / "units.csv", "B1-1,B1,2,1,false,false,true,", "B1-1,B1,2,1,false,false,false,")
    assert "kan ikke deles" in only(errors(folder), "occupancy.csv", "unit_id", "linje 2").message


@pytest.mark.parametrize(
    "earlier, message",
    [
        (
            "R1,B1-2,2024-01-01,,2025-07-01\n",
            "mens dens ophold i R1/B1-2 (linje 5) varer til 2025-07-01",
        ),
        ("R1,B1-2,2024-01-01,,2025-06-01\n", None),  # moved on the day the next stay begins
    ],
)
def test_a_household_in_two_homes_at_once(folder, earlier, message):
    """Closed stays count too: an earlier stay that ends after the next one began counted the
    household twice for those months."""
    path = folder / "occupancy.csv"
    path.write_text(path.read_text(encoding="utf-8") + earlier, encoding="utf-8")
    found = [p for p in errors(folder) if p.column == "move_in"]
    if message is None:
        assert found == []
    else:
        assert (
            len(found) == 1 and found[0].row == "R1/B1-1 (linje 2)" and message in found[0].message
        )


def test_household_with_two_open_rows(folder):
    edit(folder / "occupancy.csv", "R2,B1-1,", "R1,B1-2,")
    problem = only(errors(folder), "occupancy.csv", "move_out", "R1/B1-2 (linje 3)")
    assert "2 åbne rækker i occupancy" in problem.message


def test_child_age_out_of_range(folder):
    edit(folder / "households.csv", ",1;9,", ",1;19,")
    assert "alderen 19" in only(errors(folder), "households.csv", "children_ages", "A3").message


def test_unaccompanied_minor_with_adults(folder):
    edit(folder / "households.csv", "A4,2026-11-01,0,", "A4,2026-11-01,1,")
    only(errors(folder), "households.csv", "adults", "A4 (linje 8)")


def test_pavilion_site_missing_columns_and_too_many_modules(folder):
    edit(folder / "sites.csv", "pavilion_site,,,2,4,4,250000,", "pavilion_site,,,5,4,,250000,")
    found = errors(folder)
    only(found, "sites.csv", "beds_per_module", "P1 (linje 3)")
    assert "er større end modules_max" in only(found, "sites.csv", "modules_now", "P1").message


def test_point_outside_the_boundary(tmp_path):
    x, y = helpers.ORIGIN
    reg = helpers.tiny_registry().with_layers(
        boundary=helpers.frame(
            "boundary",
            [
                dict(
                    id="K",
                    name="Kommune",
                    geometry=helpers.box(x - 1000, y - 1000, x + 700, y + 1000),
                )
            ],
        )
    )
    write_registry(reg, tmp_path / "reg")
    problem = only(errors(tmp_path / "reg"), "sites.csv", "geometry", "P1 (linje 3)")
    assert "uden for kommunegrænsen" in problem.message


def test_invalid_polygon(folder):
    path = folder / "districts.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    x, y = helpers.ORIGIN
    bow_tie = [
        [x - 2000, y],
        [x - 1000, y + 500],
        [x - 1000, y],
        [x - 2000, y + 500],
        [x - 2000, y],
    ]
    doc["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [bow_tie]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    problem = only(errors(folder), "districts.geojson", "geometry", "W (objekt 1)")
    assert "ugyldig geometri" in problem.message and "Self-intersection" in problem.message


def test_point_in_a_polygon_layer(folder):
    path = folder / "districts.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][1]["geometry"] = {"type": "Point", "coordinates": list(helpers.ORIGIN)}
    path.write_text(json.dumps(doc), encoding="utf-8")
    problem = only(errors(folder), "districts.geojson", "geometry", "E (objekt 2)")
    assert "geometrien er af typen Point, ikke Polygon" in problem.message


def test_degrees_in_x_y_columns(folder):
    edit(folder / "pois.csv", "710100.0,6193000.0", "12.35694,55.87111")
    assert "lat,lon" in only(errors(folder), "pois.csv", "x", "ST (linje 2)").message


def test_wrong_field_count(folder):
    edit(folder / "units.csv", "B1-2,B1,2,1,", "B1-2,B1,2,1,1,")
    problem = only(errors(folder), "units.csv", "", "linje 3")
    assert "9 felter, men overskriften har 8" in problem.message


def test_bad_policy_key(folder):
    (folder / "policy.toml").write_text("[weights]\ntransprt = 3\n", encoding="utf-8")
    assert "ukendt nøgle" in only(errors(folder), "policy.toml", "weights.transprt").message


def test_not_a_geopackage(tmp_path):
    (tmp_path / "reg.gpkg").write_text("id,name\n", encoding="utf-8")
    assert "ikke en GeoPackage" in only(errors(tmp_path / "reg.gpkg"), "reg.gpkg", "").message


def test_corrupt_xlsx(tmp_path):
    (tmp_path / "reg.xlsx").write_bytes(b"PK\x03\x04 this is no workbook" * 10)
    assert "Excel" in only(errors(tmp_path / "reg.xlsx"), "reg.xlsx", "").message


def test_missing_layer_in_geopackage_and_bad_value_names_the_feature(tmp_path):
    target = tmp_path / "reg.gpkg"
    write_registry(helpers.tiny_registry(), target)
    units = pd.DataFrame(helpers.tiny_registry().units).astype({"beds": "object"})
    units.loc[1, "beds"] = "zwei"
    pyogrio.write_dataframe(units.astype({"beds": "str"}), target, layer="units", driver="GPKG")
    write_registry(helpers.tiny_registry().with_layers(), tmp_path / "copy.gpkg")
    found = errors(target)
    only(found, "reg.gpkg:units", "beds", "B1-2 (objekt 2)")
    import sqlite3

    with sqlite3.connect(target) as con:  # drop a layer the way a careless edit would
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'occupancy'")
    assert "laget mangler" in only(errors(target), "reg.gpkg:occupancy", "").message


def test_xlsx_problems_name_the_sheet_row(tmp_path):
    import openpyxl

    target = tmp_path / "reg.xlsx"
    write_registry(helpers.tiny_registry(), target)
    book = openpyxl.load_workbook(target)
    book["units"]["C4"] = "fem"  # beds of B1-3, sheet row 4
    del book["occupancy"]
    book.save(target)
    found = errors(target)
    only(found, "reg.xlsx:units", "beds", "B1-3 (række 4)")
    assert "arket mangler" in only(found, "reg.xlsx:occupancy", "").message


def test_unknown_geojson_crs(folder):
    edit(folder / "districts.geojson", "urn:ogc:def:crs:EPSG::25832", "EPSG:999999")
    assert "ukendt CRS" in only(errors(folder), "districts.geojson", "").message


def test_every_problem_is_reported_at_once(folder):
    edit(folder / "units.csv", "B1-2,B1,2,", "B1-2,S9,x,")
    edit(folder / "households.csv", ",1;9,", ",1;99,")
    (folder / "pois.csv").write_bytes(b"")
    with pytest.raises(RegistryError) as caught:
        load_registry(folder)
    where = {(p.source, p.column) for p in caught.value.errors}
    assert {
        ("units.csv", "site_id"),
        ("units.csv", "beds"),
        ("households.csv", "children_ages"),
        ("pois.csv", ""),
    } <= where
    assert "units.csv, række B1-2 (linje 3), kolonne 'beds'" in str(caught.value)


def test_household_larger_than_every_unit_is_a_warning(folder):
    edit(folder / "households.csv", "A3,2026-11-01,2,1;9,", "A3,2026-11-01,4,1;9;11;13;15,")
    reg = load_registry(folder)
    (warning,) = reg.warnings
    assert warning.severity == "warning" and warning.row == "A3 (linje 7)"
    assert "husstand A3 har 9 personer; den største bolig har 5 senge" in warning.message


def test_gpkg_layer_without_crs(tmp_path):
    target = tmp_path / "reg.gpkg"
    reg = helpers.tiny_registry()
    write_registry(reg, target)
    with pytest.warns(UserWarning, match="crs"):
        pyogrio.write_dataframe(
            reg.sites.set_crs(None, allow_override=True), target, layer="sites", driver="GPKG"
        )
    assert "intet CRS" in only(errors(target), "reg.gpkg:sites", "geometry").message


def test_a_single_csv_file_is_not_a_registry(folder):
    problem = only(errors(folder / "units.csv"), "units.csv", "")
    assert "mappe" in problem.message


def test_csv_without_coordinates(folder):
    sites = folder / "sites.csv"
    sites.write_text(pd.read_csv(sites).drop(columns=["x", "y"]).to_csv(index=False))
    assert "x,y" in only(errors(folder), "sites.csv", "").message


def test_latitude_out_of_range(folder):
    pois = folder / "pois.csv"
    pois.write_text("id,name,kind,lat,lon\nST,Station,station,155.9,12.3\n", encoding="utf-8")
    only(errors(folder), "pois.csv", "lat", "ST (linje 2)")


def test_policy_override_that_is_a_folder(folder, tmp_path):
    problems = validate_path(folder, policy=tmp_path)
    assert any(
        p.source == str(tmp_path) and "ikke en almindelig fil" in p.message for p in problems
    )


def test_dates_a_unit_was_taken_into_and_out_of_use_are_checked(tmp_path):
    # The follow-up counts modules put up and taken down from these columns; a date it cannot
    # read once made it count one module fewer, with validate saying the registry was valid.
    units = helpers.tiny_registry().units.copy()
    units["in_service_from"] = pd.to_datetime(["2024-03-01", None, None, "2024-05-01", None])
    units["in_service_until"] = pd.to_datetime([None, None, None, "2024-04-01", None])
    reg = helpers.tiny_registry().with_layers(units=units)
    write_registry(reg, tmp_path / "reg")
    problem = only(errors(tmp_path / "reg"), "units.csv", "in_service_until", "P1-M1")
    assert "in_service_until 2024-04-01 er før in_service_from 2024-05-01" in problem.message
    edit(tmp_path / "reg" / "units.csv", "2024-03-01", "1. marts 2024")
    assert only(errors(tmp_path / "reg"), "units.csv", "in_service_from", "B1-1")
