"""``place --apply`` into a registry sheet that is an Excel Table: the formulas of the Table's
totals row are not taken for formulas in the registry (the totals-row rules of
``XlsxTarget.check_edits`` decide), and the user's ranges over the records grow by the rows
appended, as the Table does."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from capacity.io.registry import load_registry
from capacity.solver.apply import apply_plan
from tests.solver.test_apply_keeps import planned_with_a_new_module
from tests.solver.test_apply_safe import DAY, TODAY, _planned, _refused_again, _run


def _summed_table(path: Path, layer: str, rows: int) -> int:
    """Make the first ``rows`` records of ``layer``'s sheet an Excel Table ``Tab`` with a totals
    row inserted below them, as Excel writes it: a label and a ``SUBTOTAL`` of the second
    column; returns the totals row's number."""
    book = openpyxl.load_workbook(path)
    sheet = book[layer]
    total = rows + 2
    if total <= sheet.max_row:
        sheet.insert_rows(total)
    head = sheet.cell(row=1, column=2).value
    sheet.cell(row=total, column=1, value="I alt")
    sheet.cell(row=total, column=2, value=f"=SUBTOTAL(103,Tab[{head}])")
    ref = f"A1:{get_column_letter(sheet.max_column)}{total}"
    sheet.add_table(Table(displayName="Tab", ref=ref, totalsRowCount=1))
    book.save(path)
    return total


def test_rows_appended_below_a_totals_row_of_formulas_get_the_totals_row_refusal(tmp_path):
    """Before, the totals row's SUBTOTAL was refused as a formula in the registry, with advice
    to paste its value (which would have ended the totals); the refusal is now the one for
    rows appended to a Table with a totals row, which says how to apply."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _summed_table(path, "occupancy", len(load_registry(path).occupancy))
    said = _refused_again(tmp_path, path)
    assert "arket occupancy har en Excel-tabel (Tab) med en totalrække" in said, said
    assert "tilføje 3 rækker" in said and "Slå totalrækken fra" in said
    assert "formel" not in said
    assert not list(tmp_path.glob("reg.backup-*"))


def test_cells_changed_beside_a_totals_row_of_formulas_keep_the_formula(tmp_path):
    """The sites sheet's Table (B1, and a totals row counting with SUBTOTAL) is above P1; the
    apply raises P1's modules_now and keeps the totals row's formula. Before, the formula was
    refused."""
    path, plan = planned_with_a_new_module(tmp_path)
    total = _summed_table(path, "sites", 1)
    apply_plan(path, plan, today=TODAY)
    sheet = openpyxl.load_workbook(path)["sites"]
    column = next(c.column for c in sheet[1] if c.value == "modules_now")
    assert sheet.cell(row=total, column=1).value == "I alt"
    assert sheet.cell(row=total, column=2).value == "=SUBTOTAL(103,Tab[name])"
    assert sheet.cell(row=total + 1, column=1).value == "P1"
    assert sheet.cell(row=total + 1, column=column).value == 4
    assert load_registry(path).sites["modules_now"].tolist()[1] == 4


def test_the_users_ranges_ending_at_the_last_record_grow_by_the_rows_appended(tmp_path):
    """A validation, a conditional format and names over the occupancy records, down to the last
    one: before, they stopped above the 3 rows the apply appended (only the Table grew).
    Ranges ending elsewhere are left as they are."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["occupancy"]
    last = sheet.max_row
    sheet.add_table(Table(displayName="Beboelse", ref=f"A1:E{last}"))
    dated = DataValidation(type="date", operator="greaterThan", formula1="DATE(2020,1,1)")
    sheet.add_data_validation(dated)
    dated.add(f"C2:C{last}")
    dated.add("E2:E3")
    red = PatternFill("solid", fgColor="FFC7CE")
    late = CellIsRule(operator="greaterThan", formula=["DATE(2027,1,1)"], fill=red)
    sheet.conditional_formatting.add(f"C2:D{last}", late)
    both = f"occupancy!$A$2:$A${last},occupancy!$B$2:$B${last}"
    book.defined_names["Beboere"] = DefinedName("Beboere", attr_text=both)
    book.defined_names["Foerste"] = DefinedName("Foerste", attr_text="occupancy!$A$2:$A$3")
    book.create_sheet("Oversigt").defined_names["Enheder"] = DefinedName(
        "Enheder", attr_text=f"'occupancy'!$B$1:$B${last}"
    )
    book.save(path)
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    apply_plan(path, plan, today=TODAY)
    book = openpyxl.load_workbook(path)
    sheet = book["occupancy"]
    end = last + 3
    assert sheet.max_row == end and sheet.tables["Beboelse"].ref == f"A1:E{end}"
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == [f"C2:C{end} E2:E3"]
    assert [str(f.sqref) for f in sheet.conditional_formatting] == [f"C2:D{end}"]
    assert book.defined_names["Beboere"].attr_text == (
        f"occupancy!$A$2:$A${end},occupancy!$B$2:$B${end}"
    )
    assert book.defined_names["Foerste"].attr_text == "occupancy!$A$2:$A$3"
    assert book["Oversigt"].defined_names["Enheder"].attr_text == f"'occupancy'!$B$1:$B${end}"
