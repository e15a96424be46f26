"""``place --apply`` into an Excel workbook: cells changed with openpyxl, saved beside the
workbook, read back, renamed over it (see ``capacity.io.update``)."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl.formatting.formatting import ConditionalFormatting, ConditionalFormattingList
from openpyxl.worksheet._reader import EXT_TYPES
from openpyxl.worksheet.cell_range import MultiCellRange

from capacity import files
from capacity.errors import UserError
from capacity.io.excel import POLICY_SHEET, sheet_names
from capacity.io.layers import LAYERS, Registry
from capacity.io.target import Edit, Target, edits
from capacity.io.values import amount
from capacity.io.xlsx_kept import kept_parts
from capacity.io.xlsx_parts import TotalsRow, children, rels, sheet_parts, totals_rows


def _save_book(book: Any, path: Path) -> None:
    book.save(path)


def not_open_in_excel(path: Path) -> None:
    for owner in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
        if owner.exists():
            raise UserError(
                f"{path} er åben i et regnearksprogram ({owner.name} findes); luk den dér, "
                "og kør så kommandoen igen"
            )


FORMULAS_SHOWN = 5  # formula cells named in the refusal; the count says how many there are


def _no_formulas(path: Path) -> None:
    """Refuse a workbook whose registry sheets (a layer's or ``policy``) hold formulas.

    The registry is read as the values Excel stored with its formulas; openpyxl, which writes the
    apply, keeps a formula but not its value, so the workbook would no longer read as planned.
    Formulas on the user's own sheets are kept (see the module), and so are those in an Excel
    Table's totals row: it is not read as records (``totals_rows``), and whether the apply can
    keep it is for ``XlsxTarget.check_edits`` to say. Called on a workbook that has loaded as a
    registry, so openpyxl reads it."""
    import openpyxl

    totals = totals_rows(path)
    with warnings.catch_warnings():  # what openpyxl cannot keep is refused by ``write``
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path, read_only=True)
        cells = _formula_cells(book, totals)
    if cells:
        shown = ", ".join(cells[:FORMULAS_SHOWN]) + (" ..." if len(cells) > FORMULAS_SHOWN else "")
        raise UserError(
            f"{path}: {amount(len(cells), 'celle', 'celler')} i registrets ark indeholder en formel "
            f"({shown}); "
            "--apply kan bevare en formel, men ikke den værdi, Excel har beregnet, og registret "
            "læses som værdien. Intet blev skrevet. Erstat formlerne i de ark med deres værdier "
            "(kopiér, indsæt som værdier), eller gem registret som GeoPackage eller mappe"
        )


def _formula_cells(book: Any, totals: dict[str, list[TotalsRow]]) -> list[str]:
    """The cells of the registry's sheets (a layer's or ``policy``) that hold a formula, but for
    those of the sheets' ``totals`` rows (the read-only ``book`` closed after)."""
    ours = {*LAYERS, POLICY_SHEET}
    sums = {
        (sheet, t.row, c)
        for sheet, rows in totals.items()
        for t in rows
        for c in range(t.first, t.last + 1)
    }
    try:
        return [
            f"{sheet}!{cell.coordinate}"
            for key, sheet in sheet_names(book).items()
            if key in ours
            for row in book[sheet].iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f"
            and (sheet, cell.row, cell.column) not in sums
        ]
    finally:
        book.close()


XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
GRAPHIC_DATA = "{http://schemas.openxmlformats.org/drawingml/2006/main}graphicData"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
ANCHORS = {f"{XDR}twoCellAnchor", f"{XDR}oneCellAnchor", f"{XDR}absoluteAnchor"}
PLACING = {f"{XDR}from", f"{XDR}to", f"{XDR}pos", f"{XDR}ext", f"{XDR}clientData"}
SHAPES = "figurer eller tekstfelter"
CONTROLS = "formularkontroller"


def _no_drawings(path: Path) -> None:
    """Refuse a workbook with drawings openpyxl drops without a warning: shapes, text boxes,
    connectors and groups (``xdr:sp``, ``xdr:cxnSp``, ``xdr:grpSp``), any other drawing than a
    picture (``xdr:pic``) or a chart (``xdr:graphicFrame`` of a chart), and form controls.
    Read from the workbook's parts (a loaded registry, so a zip), before anything is written."""
    with zipfile.ZipFile(path) as book:
        found = _dropped_drawings(book)
    if found:
        kinds = " og ".join(sorted(set().union(*found.values())))
        sheets = ", ".join(sorted(found))
        raise UserError(
            f"{path}: arbejdsbogen har {kinds}, som --apply ikke kan bevare "
            f"({'arket' if len(found) == 1 else 'arkene'} {sheets}); intet blev skrevet. Fjern "
            "dem (eller flyt dem til en anden arbejdsbog), eller gem registret som GeoPackage "
            "eller mappe"
        )


def _dropped_drawings(book: zipfile.ZipFile) -> dict[str, set[str]]:
    """Each sheet's name -> what openpyxl would drop from it (``SHAPES``, ``CONTROLS``)."""
    found: dict[str, set[str]] = {}
    for sheet, part in sheet_parts(book).items():
        for kind, target in rels(book, part).values():
            lost = _lost(book, kind, target)
            if lost:
                found.setdefault(sheet, set()).add(lost)
    return found


def _lost(book: zipfile.ZipFile, kind: str, target: str) -> str | None:
    """What openpyxl drops of the part a sheet's relationship of ``kind`` points at, if any."""
    if kind in ("ctrlProp", "control"):  # a form control's properties, an ActiveX control
        return CONTROLS
    if kind == "vmlDrawing" and target in book.namelist():  # comments are notes, kept
        types = re.findall(rb"ObjectType\s*=\s*[\"']([^\"']*)", book.read(target))
        return CONTROLS if any(t != b"Note" for t in types) else None
    if kind == "drawing" and target in book.namelist():
        try:
            drawing = ElementTree.fromstring(book.read(target))
        except ElementTree.ParseError:
            return SHAPES  # openpyxl cannot keep what it cannot read either
        return SHAPES if _shapes_in(drawing) else None
    return None


def _shapes_in(drawing: ElementTree.Element) -> bool:
    """Whether a drawing part holds anything but pictures and charts, each in its own anchor
    (what openpyxl keeps); content wrapped in ``mc:AlternateContent`` (form controls, newer
    kinds of charts) is dropped too."""
    for anchor in drawing:
        if anchor.tag not in ANCHORS:
            return True
        for item in anchor:
            if item.tag in PLACING or item.tag == f"{XDR}pic":
                continue
            charts = [g for g in item.iter(GRAPHIC_DATA) if g.get("uri") == CHART]
            if item.tag != f"{XDR}graphicFrame" or not charts:
                return True
    return False


class XlsxTarget(Target):
    """A workbook: cells changed with openpyxl, saved beside it, read back, renamed over it."""

    def writable(self) -> None:
        _no_drawings(self.path)
        _no_formulas(self.path)

    def check_edits(self, old: Registry, new: Registry) -> None:
        """Refuse rows appended to a sheet whose Excel Table has a totals row.

        The rows would belong inside the Table, above its totals row, as Excel puts rows added
        to a Table. That means moving the totals row, and whatever lies below it, down the sheet;
        Excel then corrects every reference to the cells moved (formulas on this and other
        sheets, names, charts, conditional formats), openpyxl corrects none of them, and a totals
        formula over a plain range (``=SUM(C2:C9)``) would no longer count the new rows. Rows
        written below the totals row instead would lie outside the Table, its filter and its
        sums. So the apply is refused before anything is written; the user turns the totals row
        off for the apply and on again after it, and Excel moves it below the new rows itself.
        Cells changed in the Table's existing rows are written as usual."""
        totals = totals_rows(self.path)
        names = {sheet.strip().lower(): sheet for sheet in totals}
        for edit in edits(old, new):
            sheet = names.get(edit.layer)
            if edit.added and sheet is not None:
                tables = ", ".join(sorted({t.table for t in totals[sheet]}))
                raise UserError(
                    f"{self.path}: arket {sheet} har en Excel-tabel ({tables}) med en "
                    f"totalrække, og --apply skal tilføje "
                    f"{amount(len(edit.added), 'række', 'rækker')} til arket; de hører hjemme "
                    "i tabellen over totalrækken, men at flytte totalrækken kan ødelægge "
                    "formler, der henviser til den. Intet blev skrevet. Slå totalrækken fra "
                    "(Tabeldesign → Totalrække), kør kommandoen igen, og slå den til igen "
                    "bagefter; eller gem registret som GeoPackage eller mappe"
                )

    def write(self, old: Registry, new: Registry) -> None:
        """Write the edits from ``old`` to ``new`` into a copy of the workbook and rename it over
        the workbook; refused, with nothing written, when openpyxl says on loading that it would
        drop something, or its saved copy lacks content the workbook has (``kept_parts``)."""
        import openpyxl

        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", UserWarning)
            book = openpyxl.load_workbook(
                self.path, keep_vba=self.path.suffix.lower() == ".xlsm", rich_text=True
            )
        messages = [str(w.message) for w in said]
        lost = sorted(
            {_feature(m) for m in messages if _dropping(m) and not m.startswith(UNKNOWN)}
            | _unknown_extensions(self.path, sum(m.startswith(UNKNOWN) for m in messages))
        )
        if lost:  # openpyxl would save the workbook without them
            raise UserError(
                f"{self.path}: arbejdsbogen har Excel-funktioner, som --apply ikke kan bevare "
                f"({', '.join(lost)}); intet blev skrevet. Fjern dem (fx datavalidering, der "
                "henviser til et andet ark), eller gem registret som GeoPackage eller mappe"
            )
        sheets = sheet_names(book)
        totals = totals_rows(self.path)
        for edit in edits(old, new):
            sheet = book[sheets[edit.layer]]
            _edit_sheet(sheet, edit, totals.get(sheet.title, []))

        def save(tmp: Path) -> None:
            _save_book(book, tmp)
            kept_parts(self.path, tmp)
            self._read_back(tmp, new)
            self.unchanged_since_lock()  # the last step before the rename

        files.atomic_file(self.path, save)


# openpyxl's names of the Excel extensions it drops, in Danish (quoted as they are if unknown)
EXTENSIONS = {
    "Data Validation": "datavalidering",
    "Conditional Formatting": "betinget formatering",
    "Sparkline Group": "minidiagrammer",
    "Slicer List": "udsnitsværktøjer",
    "Protected Range": "områder, som brugere må redigere i et beskyttet ark",
    "Ignored Error": "fejlmarkeringer, der er slået fra",
    "Web Extension": "Office-tilføjelsesprogrammer",
    "Timeline Ref": "tidslinjer",
}


# the words by which openpyxl, loading a workbook, says it will save it without something
DROPPING = ("will be removed", "being dropped", "will be lost", "will be discarded")

# what the other warnings with those words are about (a phrase of each), in Danish
DROPPED = (
    ("image format is not supported", "billeder i EMF/WMF-format"),
    ("because it cannot be read", "billeder, der ikke kan læses"),
    ("Shapes and drawings", SHAPES),
    ("conditional formatting rule", "betinget formatering"),
    ("merged cells", "kommentarer i flettede celler"),
)


# how openpyxl's warning on an extension of a sheet it does not know begins
UNKNOWN = "Unknown extension"

# Extensions of a sheet that say how Excel shows it, not what it holds; openpyxl drops them on
# loading (with the warning ``UNKNOWN``), and Excel shows the sheet as it would a new one: Excel
# for Mac's page layout view, under either of the two names (uri) Excel for Mac writes it by.
# Compared in capitals, as openpyxl compares them.
VIEW_ONLY = frozenset(
    {
        "HTTP://SCHEMAS.MICROSOFT.COM/OFFICE/MAC/EXCEL/2008/MAIN",
        "{64002731-A6B0-56B0-2670-7721B7C09600}",
    }
)


def _unknown_extensions(path: Path, warned: int) -> set[str]:
    """What openpyxl's ``warned`` warnings ``UNKNOWN`` on loading the workbook at ``path`` are
    about, in Danish: the sheets with an extension openpyxl does not know (``EXT_TYPES``, the
    table it warns from), leaving out those that only say how Excel shows the sheet
    (``VIEW_ONLY``). Two keys of that table are in small letters, which openpyxl's lookup in
    capitals never finds (slicers, timelines): those are named as the table names them
    (``EXTENSIONS``). Warnings more than such extensions in the sheets are named as extensions
    capacity does not know."""
    if not warned:
        return set()
    found: list[tuple[str, str]] = []
    with zipfile.ZipFile(path) as book:
        for sheet, part in sheet_parts(book).items():
            extensions = children(book, part).get("extLst", [])
            found += [
                (sheet, e.get("uri", ""))
                for e in extensions
                if e.get("uri", "").upper() not in EXT_TYPES
            ]
    known = {uri.upper(): name for uri, name in EXT_TYPES.items()}
    named = {
        f"{EXTENSIONS.get(known[uri.upper()], 'Excel-udvidelser')} (arket {sheet})"
        for sheet, uri in found
        if uri.upper() in known
    }
    sheets = sorted({s for s, uri in found if uri.upper() not in VIEW_ONLY | known.keys()})
    named |= {f"Excel-udvidelser, som capacity ikke kender, på arket {s}" for s in sheets}
    return named | (
        {"Excel-udvidelser, som capacity ikke kender"} if warned > len(found) else set()
    )


def _dropping(message: str) -> bool:
    """Whether an openpyxl warning says that something will not be saved."""
    return any(words in message for words in DROPPING)


def _feature(message: str) -> str:
    """The Danish name of what an openpyxl warning says it drops: an Excel extension, pictures,
    ...; the warning itself, quoted, when it is none of those."""
    if " extension is not supported" in message:
        name = message.split(" extension", 1)[0]
        return EXTENSIONS.get(name, f"'{name}'")
    return next((name for words, name in DROPPED if words in message), f"'{message}'")


def _edit_sheet(sheet: Any, edit: Edit, totals: list[TotalsRow]) -> None:
    """Write ``edit`` into ``sheet``. Its rows are counted as the reader counts them
    (``capacity.io.excel``): the cells of a Table's ``totals`` row are not data."""
    head = {str(c.value).strip().lower(): c.column for c in sheet[1] if c.value is not None}
    width = max(head.values(), default=0)
    sums = {(t.row, c) for t in totals for c in range(t.first, t.last + 1)}
    rows = [
        r
        for r in range(2, sheet.max_row + 1)
        if any(
            (r, c) not in sums and not _blank(sheet.cell(row=r, column=c).value)
            for c in head.values()
        )
    ]
    last = max(
        (r for r in range(1, sheet.max_row + 1) if any(c.value is not None for c in sheet[r])),
        default=1,
    )
    for row in [*edit.changed.values(), *edit.added]:
        for c in row:
            if c not in head:
                width += 1
                head[c] = width
                sheet.cell(row=1, column=width, value=c)
    targets = [(rows[p], values) for p, values in sorted(edit.changed.items())]
    targets += [(last + 1 + k, values) for k, values in enumerate(edit.added)]
    for r, values in targets:
        for c, v in values.items():
            like = sheet.cell(row=rows[-1], column=head[c]) if rows else None
            _set_cell(sheet.cell(row=r, column=head[c]), v, like)
    if edit.added:
        _extend_ranges(sheet, last, last + len(edit.added))


def _extend_ranges(sheet: Any, last: int, new_last: int) -> None:
    """Extend the sheet's Excel Tables and autofilter that reach the data's ``last`` row down
    to ``new_last``, so the rows appended are in the Table (its structured references, its
    filter) and in the filter, as rows typed below a Table in Excel are; so are the user's ranges
    that end at the ``last`` row (``_extend_users_ranges``). Rows are never appended to a sheet
    with a Table with a totals row (``XlsxTarget.check_edits`` refuses it); such a Table is left
    as it is."""
    for table in sheet.tables.values():
        if table.totalsRowCount:
            continue
        table.ref = _extended(table.ref, last, new_last)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = _extended(table.autoFilter.ref, last, new_last)
    if sheet.auto_filter.ref:
        sheet.auto_filter.ref = _extended(sheet.auto_filter.ref, last, new_last)
    _extend_users_ranges(sheet, last, new_last)


def _extended(ref: str, last: int, new_last: int) -> str:
    """The cell range ``ref`` (``A1:F9``) ending at row ``new_last`` when it spans row ``last``
    and ends above ``new_last``; else ``ref``."""
    found = re.fullmatch(r"([A-Za-z]+)(\d+):([A-Za-z]+)(\d+)", ref)
    if found and int(found[2]) <= last <= int(found[4]) < new_last:
        return f"{found[1]}{found[2]}:{found[3]}{new_last}"
    return ref


def _extend_users_ranges(sheet: Any, last: int, new_last: int) -> None:
    """Extend the ranges the user set over the sheet's records that end at its ``last`` row down
    to ``new_last``, as Excel does when a Table grows by the rows appended: the sheet's data
    validations and conditional formats, and the defined names (the workbook's and each sheet's)
    that refer to the sheet. A range of the last row alone, and one that ends above or below
    it, is left as it is (``_ending``)."""
    for rule in sheet.data_validations.dataValidation:
        rule.sqref = MultiCellRange(_ending(str(rule.sqref), last, new_last))
    formats = ConditionalFormattingList()
    formats.max_priority = sheet.conditional_formatting.max_priority
    for found in sheet.conditional_formatting:
        cells = ConditionalFormatting(_ending(str(found.sqref), last, new_last), found.pivot)
        for rule in found.rules:
            formats.add(cells, rule)  # rules keep their priority
    sheet.conditional_formatting = formats
    refs = _references(sheet.title)
    book = sheet.parent
    for names in (book.defined_names, *(s.defined_names for s in book.worksheets)):
        for name in names.values():
            if name.attr_text:
                name.attr_text = refs.sub(
                    lambda m: m[1] + _ending(m[2], last, new_last), name.attr_text
                )


def _references(title: str) -> re.Pattern[str]:
    """What finds the cell ranges on the sheet ``title`` in a formula (``occupancy!$A$2:$A$9``,
    ``'Mit ark'!A2:B9``): the sheet's name with its ``!``, and the range."""
    quoted = "'" + title.replace("'", "''") + "'"
    sheet = f"(?:{re.escape(quoted)}|{re.escape(title)})!"
    return re.compile(rf"(?<![\w.'])({sheet})({CELLS}:{CELLS})(?![\w(])", re.IGNORECASE)


CELLS = r"\$?[A-Za-z]{1,3}\$?\d+"  # a cell in a range, absolute or not: A2, $A$2


def _ending(ranges: str, last: int, new_last: int) -> str:
    """The cell ranges ``ranges`` (``A2:A9 C2:C9``, ``$A$2:$A$9``) with each range that begins
    above row ``last`` and ends at it ending at row ``new_last`` instead."""
    out = []
    for ref in ranges.split():
        found = re.fullmatch(r"(\$?[A-Za-z]+\$?)(\d+):(\$?[A-Za-z]+\$?)(\d+)", ref)
        if found and int(found[2]) < last == int(found[4]):
            ref = f"{found[1]}{found[2]}:{found[3]}{new_last}"
        out.append(ref)
    return " ".join(out)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _set_cell(cell: Any, value: Any, like: Any = None) -> None:
    """Write ``value`` as the column's cells are written, ``like`` one of them: a date in its
    date format, an id of digits as a number where the column's ids are numbers (a lookup with
    numbers finds it; it reads back as the same id), a text beginning with "=" as text."""
    dated = like is not None and isinstance(like.value, dt.datetime | dt.date)
    if isinstance(value, dt.date):
        cell.value = dt.datetime(value.year, value.month, value.day)
        cell.number_format = like.number_format if dated else "yyyy-mm-dd"
    elif isinstance(value, tuple):
        cell.value = ";".join(str(a) for a in value)
    elif (
        isinstance(value, str)
        and like is not None
        and isinstance(like.value, int)
        and not isinstance(like.value, bool)
        and value.isdigit()
        and str(int(value)) == value
    ):
        cell.value = int(value)
    else:
        cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
