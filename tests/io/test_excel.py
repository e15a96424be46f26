"""The Excel reader (``capacity.io.excel``): an Excel Table's totals row is never a record."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table

from capacity.io.registry import load_registry, registry_hash, write_registry
from tests import helpers


def _with_totals(path: Path, layer: str) -> int:
    """Put the data of ``layer``'s sheet in an Excel Table with a totals row (a label and the
    sum of the third column, the value Excel would have stored); returns its row."""
    book = openpyxl.load_workbook(path)
    sheet = book[layer]
    row, width = sheet.max_row + 1, sheet.max_column
    beds = sum(c.value for c in sheet["C"][1:])
    sheet.cell(row=row, column=1, value="I alt")
    sheet.cell(row=row, column=3, value=beds)
    ref = f"A1:{get_column_letter(width)}{row}"
    sheet.add_table(Table(displayName="Enheder", ref=ref, totalsRowCount=1))
    book.save(path)
    return row


def test_a_tables_totals_row_is_not_read_as_a_record(tmp_path):
    """Before, the totals row was read as one more unit ("I alt", the sum of the beds, no
    site): the registry did not load."""
    path = tmp_path / "reg.xlsx"
    reg = helpers.tiny_registry()
    write_registry(reg, path)
    _with_totals(path, "units")
    back = load_registry(path)
    assert back.units["id"].tolist() == reg.units["id"].tolist()
    assert registry_hash(back) == registry_hash(reg)


def test_a_row_below_the_totals_row_is_read_with_its_sheet_row(tmp_path):
    """Only the totals row's cells are left out: a unit typed below the Table is a record."""
    path = tmp_path / "reg.xlsx"
    write_registry(helpers.tiny_registry(), path)
    below = _with_totals(path, "units") + 1
    book = openpyxl.load_workbook(path)
    sheet = book["units"]
    for column, value in enumerate(["B9", "B1", 1, 1, True, False, False, True], start=1):
        sheet.cell(row=below, column=column, value=value)
    book.save(path)
    back = load_registry(path)
    assert back.units["id"].tolist()[-2:] == ["P1-M2", "B9"]


def test_a_totals_row_over_extra_columns_leaves_the_unit_in_its_row(tmp_path):
    """A Table of the user's own over two extra columns, ending in a unit's row: its totals
    row's cells are not data, the unit's cells in the same sheet row are."""
    path = tmp_path / "reg.xlsx"
    reg = helpers.tiny_registry()
    write_registry(reg, path)
    book = openpyxl.load_workbook(path)
    sheet = book["units"]
    first = sheet.max_column + 1
    for row, values in enumerate([("note", "amount"), ("a", 1), ("b", 2), ("I alt", 3)], 1):
        sheet.cell(row=row, column=first, value=values[0])
        sheet.cell(row=row, column=first + 1, value=values[1])
    ref = f"{get_column_letter(first)}1:{get_column_letter(first + 1)}4"
    sheet.add_table(Table(displayName="Noter", ref=ref, totalsRowCount=1))
    book.save(path)
    back = load_registry(path)
    assert back.units["id"].tolist() == reg.units["id"].tolist()
    assert back.units["amount"].tolist()[:2] == ["1", "2"]
    assert back.units["amount"].isna().tolist() == [False, False, True, True, True]
