"""What a municipal office exports: Danish Excel CSV (cp1252, ``;``, decimal commas), BOMs, tabs,
Danish booleans and dates, Excel cells with native types."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from capacity.io.imports import sniff_separator
from capacity.io.registry import load_registry, registry_hash, write_registry
from capacity.io.values import (
    BadValue,
    parse_bool,
    parse_date,
    parse_int,
    parse_intlist,
    parse_number,
)
from tests import helpers


@pytest.fixture
def folder(tmp_path):
    """The tiny registry written as a folder of CSV/GeoJSON files."""
    write_registry(helpers.tiny_registry(), tmp_path / "reg")
    return tmp_path / "reg"


def danish_excel(path, *, encoding="cp1252", numbers=True):
    """Rewrite a CSV as Danish Excel saves it: ';' separator, decimal commas, SAND/FALSK."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        cells = [c.replace("true", "SAND").replace("false", "FALSK") for c in row]
        if numbers:
            cells = [c.replace(".", ",") if c.replace(".", "").isdigit() else c for c in cells]
        writer.writerow(cells)
    path.write_bytes(out.getvalue().encode(encoding))


def test_cp1252_semicolon_decimal_comma_export_reads_the_same(folder):
    reg = helpers.tiny_registry()
    sites = reg.sites.copy()
    sites.loc[0, "name"] = "Ørnegården, Lillerød"
    sites.loc[1, "note"] = "Pavillongrund ved Blovstrød Allé"
    reg = reg.with_layers(
        sites=sites,
        travel_minutes=helpers.frame(
            "travel_minutes", [dict(site_id="B1", poi_id="ST", minutes=12.5)]
        ),
    )
    write_registry(reg, folder)
    for name in ("sites", "units", "households", "occupancy", "pois", "travel_minutes"):
        danish_excel(folder / f"{name}.csv")
    text = (folder / "sites.csv").read_bytes()
    assert b";" in text and "Ø".encode("cp1252") in text and b"709200,0" in text
    assert b'"1;9"' in (folder / "households.csv").read_bytes()
    back = load_registry(folder)
    assert back.sites.loc[0, "name"] == "Ørnegården, Lillerød"
    assert back.travel_minutes.loc[0, "minutes"] == 12.5
    assert registry_hash(back) == registry_hash(reg)


def test_utf8_with_bom_and_tabs(folder):
    units = folder / "units.csv"
    text = units.read_text(encoding="utf-8").replace(",", "\t")
    units.write_bytes(text.encode("utf-8-sig"))
    assert registry_hash(load_registry(folder)) == registry_hash(helpers.tiny_registry())


def test_danish_dates_and_upper_case_headers(folder):
    occupancy = folder / "occupancy.csv"
    text = occupancy.read_text(encoding="utf-8").replace("2025-06-01", "01-06-2025")
    occupancy.write_text(text.replace("household_id", "Household_ID"), encoding="utf-8")
    reg = load_registry(folder)
    assert (reg.occupancy["move_in"] == pd.Timestamp("2025-06-01")).all()


def test_separator_is_sniffed_from_the_header():
    assert sniff_separator("id;name;kind") == ";"
    assert sniff_separator("id,name,kind") == ","
    assert sniff_separator("id\tname\tkind") == "\t"
    assert sniff_separator("id") == ","


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("12", ".", 12.0),
        ("12.5", ".", 12.5),
        ("12,5", ",", 12.5),
        ("12,5", ".", 12.5),
        ("250.000", ",", 250000.0),
        ("1.250.000,50", ",", 1250000.5),
        (" 7 ", ".", 7.0),
        (3, ".", 3.0),
    ],
)
def test_numbers_in_every_spelling(text, decimal, value):
    assert parse_number(text, decimal) == value


@pytest.mark.parametrize("bad", ["twelve", "nan", "inf", "1e", True])
def test_not_numbers(bad):
    with pytest.raises(BadValue):
        parse_number(bad)


def test_whole_numbers_booleans_dates_and_age_lists():
    assert parse_int("12,0", ",") == 12 and parse_int(4.0) == 4
    with pytest.raises(BadValue, match="helt tal"):
        parse_int("2.5")
    assert [parse_bool(v) for v in ("SAND", "ja", "1", 1, True)] == [True] * 5
    assert [parse_bool(v) for v in ("FALSK", "nej", "0", 0.0, False)] == [False] * 5
    assert parse_date("2026-02-01") == parse_date("01.02.2026") == pd.Timestamp("2026-02-01")
    assert parse_date("2026-02-01T00:00:00") == pd.Timestamp("2026-02-01")
    for bad in ("2026-02-30", "1/2/26", "0201-02-01", 46000):
        with pytest.raises(BadValue):
            parse_date(bad)
    assert parse_intlist("2;7;12") == parse_intlist("2, 7, 12") == (2, 7, 12)
    assert parse_intlist("") == () and parse_intlist(7) == (7,) and parse_intlist(7.0) == (7,)
    with pytest.raises(BadValue, match="adskilt af ';'"):
        parse_intlist(2.7)  # Danish Excel turned "2,7" into a number


def test_excel_edited_by_hand_reads_native_cells(tmp_path):
    import datetime as dt

    import openpyxl

    target = tmp_path / "reg.xlsx"
    write_registry(helpers.tiny_registry(), target)
    book = openpyxl.load_workbook(target)
    sheet = book["households"]
    sheet["B8"] = dt.datetime(2026, 12, 24)  # arrival of A4 typed as a date cell
    sheet["D7"] = 9  # A3's children_ages became a number: one child of 9
    sheet["E7"] = True
    book.save(target)
    reg = load_registry(target)
    a3 = reg.households.set_index("id").loc["A3"]
    assert a3["children_ages"] == (9,) and bool(a3["needs_accessible"])
    assert reg.households.set_index("id").loc["A4", "arrival_date"] == pd.Timestamp("2026-12-24")


def test_gpkg_is_self_contained_with_its_policy(tmp_path):
    import pyogrio

    from capacity.policy import Limits, Policy

    reg = helpers.tiny_registry().with_layers(policy=Policy(limits=Limits(long_stay_months=9)))
    write_registry(reg, tmp_path / "reg.gpkg")
    table = pyogrio.read_dataframe(tmp_path / "reg.gpkg", layer="policy")
    assert list(table.columns) == ["toml"] and "long_stay_months = 9" in table["toml"].iloc[0]
    assert load_registry(tmp_path / "reg.gpkg").policy.limits.long_stay_months == 9
