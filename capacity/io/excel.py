"""Read a registry kept as an Excel workbook: one sheet per layer, header in row 1.

Cells keep their Excel types (numbers, dates, booleans); ``capacity.io.validate`` accepts them as
well as text. Problems name the sheet as ``book.xlsx:layer`` and the sheet row. The cells of an
Excel Table's totals row (sums, a label such as "I alt") are never read as data: a totals row
inside the registry's columns is no record.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from capacity.io import extras
from capacity.io.layers import LAYERS
from capacity.io.raw import RawLayer, RawRegistry, clean_header
from capacity.io.xlsx_parts import TotalsRow, totals_rows

POLICY_SHEET = "policy"


def sheet_names(book: Any) -> dict[str, str]:
    """Each sheet's name as the registry knows it (stripped, lower case) -> its name in ``book``."""
    return {str(s).strip().lower(): s for s in book.sheetnames}


def read_xlsx(path: Path) -> RawRegistry:
    """Read one sheet per layer (header in row 1); the policy is the ``policy`` sheet.

    openpyxl's warnings about features it drops (data validation, styles) are silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _read_xlsx(path)


def _read_xlsx(path: Path) -> RawRegistry:
    import openpyxl

    raw = RawRegistry("xlsx", path, policy_source=f"{path.name}:policy")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raw.error(
            path.name,
            f"ikke en Excel-projektmappe, der kan læses ({type(exc).__name__}); gem den "
            "igen fra Excel som .xlsx",
        )
        return raw
    except Exception as exc:  # noqa: BLE001 - openpyxl raises its own kinds for broken files
        raw.error(
            path.name, f"ikke en Excel-projektmappe, der kan læses ({exc}); gem den igen som .xlsx"
        )
        return raw
    try:
        sheets = sheet_names(book)
        totals = totals_rows(path)
        for name, layer in LAYERS.items():
            if name not in sheets:
                if not layer.optional:
                    raw.error(
                        f"{path.name}:{name}", f"arket mangler; tilføj et ark med navnet '{name}'"
                    )
                continue
            try:
                sums = totals.get(sheets[name], [])
                found = _sheet(book[sheets[name]], f"{path.name}:{name}", name, raw, sums)
            except Exception as exc:  # noqa: BLE001 - openpyxl on a broken or odd sheet
                raw.error(
                    f"{path.name}:{name}",
                    f"arket kan ikke læses ({exc}); gem "
                    "projektmappen igen som .xlsx med almindelige celler",
                )
                continue
            if found is not None:
                raw.layers[name] = found
        if POLICY_SHEET in sheets:
            raw.policy_text = _sheet_policy(book[sheets[POLICY_SHEET]])
    finally:
        book.close()
    return raw


def _sheet(
    sheet: Any, source: str, name: str, raw: RawRegistry, totals: list[TotalsRow]
) -> RawLayer | None:
    """One layer's sheet; the cells of the ``totals`` rows of its Tables are left out (a row
    left without values is no record)."""
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or not any(v is not None for v in rows[0]):
        raw.error(source, "tomt ark; skriv kolonnenavnene i række 1 og derunder én række pr. post")
        return None
    header = clean_header(list(rows[0]), source, raw)
    if header is None:
        return None
    values, numbers = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row[: len(header)]) + [None] * (len(header) - len(row))
        for t in totals:
            if t.row == number:
                cells[t.first - 1 : t.last] = [None] * len(cells[t.first - 1 : t.last])
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        values.append(cells)
        numbers.append(number)
    data = (
        pd.DataFrame(values, columns=header, dtype=object)
        if values
        else pd.DataFrame({h: pd.Series([], dtype=object) for h in header})
    )
    return RawLayer(name, source, data, numbers, "row", kinds=cell_kinds(name, data))


def cell_kinds(name: str, data: pd.DataFrame) -> dict[str, str]:
    """The kind of each column the contract does not define whose values all have one
    (``extras.value_kind``: Excel cells, JSON values)."""
    ours = set(LAYERS[name].names)
    kinds = {c: extras.value_kind(data[c].tolist()) for c in data.columns if c not in ours}
    return {c: k for c, k in kinds.items() if k is not None}


def _sheet_policy(sheet: Any) -> str | None:
    cells = [r[0] for r in sheet.iter_rows(min_row=1, max_row=2, max_col=1, values_only=True)]
    if cells and isinstance(cells[0], str) and cells[0].strip().lower() == "toml":
        cells = cells[1:]
    return str(cells[0]) if cells and cells[0] is not None else None
