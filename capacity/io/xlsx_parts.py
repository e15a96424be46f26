"""A workbook's parts read from its zip, for what openpyxl's read-only mode does not give: how the
parts refer to each other (``rels``), what kind of content each part is (``part_types``), and the
totals rows of each sheet's Excel Tables (``totals_rows``), which are sums and labels, never
records of the registry.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@dataclass(frozen=True)
class TotalsRow:
    """The totals row of an Excel Table: the Table's name, its sheet row and its first and last
    column (1-based, as openpyxl counts)."""

    table: str
    row: int
    first: int
    last: int


def rels(book: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """The relationships of ``part`` in the zip (``""``: the package's), as id -> (the last
    word of the type, the target's name in the zip); external targets left out."""
    folder, name = PurePosixPath(part).parent, PurePosixPath(part).name
    root = part_xml(book, normal(str(folder / "_rels" / f"{name}.rels")))
    out = {}
    for rel in root.iter(RELATIONSHIP) if root is not None else ():
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        where = target.lstrip("/") if target.startswith("/") else str(folder / target)
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], normal(where))
    return out


def normal(name: str) -> str:
    """A part's name in the zip with ``.`` and ``..`` resolved."""
    parts: list[str] = []
    for step in name.split("/"):
        if step == "..":
            parts = parts[:-1]
        elif step not in ("", "."):
            parts.append(step)
    return "/".join(parts)


def part_xml(book: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    """The parsed part ``name``, or None when the zip has no such part, cannot give it (damaged,
    encrypted, an unknown compression) or it is not XML."""
    try:
        return ElementTree.fromstring(book.read(name))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, zlib.error, RuntimeError):
        # RuntimeError covers an encrypted part and (NotImplementedError) an unknown compression
        return None


def children(book: zipfile.ZipFile, part: str) -> dict[str, ElementTree.Element]:
    """The elements right under the root of ``part`` in the spreadsheet namespace, by name
    (without namespace; the first of a name); none where there is no such part."""
    root = part_xml(book, part) if part else None
    elements = list(root) if root is not None else []
    return {e.tag.removeprefix(MAIN): e for e in reversed(elements) if e.tag.startswith(MAIN)}


# the folder of a zip's entries that the Mac's Finder adds when it zips a file again (its own
# file attributes, not parts of the workbook)
APPLE = "__MACOSX/"


def part_types(book: zipfile.ZipFile) -> dict[str, list[str]]:
    """Each content type of the parts in the zip -> the names of the parts of that type. A part's
    type is its ``Override`` in ``[Content_Types].xml``, else the ``Default`` for its extension
    (both compared without regard to case, as the package format says); a part with neither is
    listed under ``""``. The Finder's entries (``APPLE``) are not parts and are left out."""
    root = part_xml(book, "[Content_Types].xml")
    entries = list(root) if root is not None else []
    defaults = {
        e.get("Extension", "").lower(): e.get("ContentType", "")
        for e in entries
        if e.tag == f"{TYPES}Default"
    }
    overrides = {
        e.get("PartName", "").lower(): e.get("ContentType", "")
        for e in entries
        if e.tag == f"{TYPES}Override"
    }
    out: dict[str, list[str]] = {}
    for name in book.namelist():
        if name.endswith("/") or name == "[Content_Types].xml" or name.startswith(APPLE):
            continue
        base = PurePosixPath(name).name  # ".rels" is all extension, as the format has it
        extension = base.rpartition(".")[2].lower() if "." in base else ""
        kind = overrides.get(f"/{name.lower()}") or defaults.get(extension, "")
        out.setdefault(kind, []).append(name)
    return out


def workbook_part(book: zipfile.ZipFile) -> str:
    """The name of the workbook part in the zip (the package's main document)."""
    main = (t for k, t in rels(book, "").values() if k == "officeDocument")
    return next(main, "xl/workbook.xml")


def sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name (as the workbook spells it) -> its part's name in the zip."""
    workbook = workbook_part(book)
    targets = rels(book, workbook)
    root = part_xml(book, workbook)
    out = {}
    for sheet in root.iter(f"{MAIN}sheet") if root is not None else ():
        part = targets.get(sheet.get(REL_ID, ""), ("", ""))[1]
        if part:
            out[str(sheet.get("name"))] = part
    return out


def totals_rows(path: Path) -> dict[str, list[TotalsRow]]:
    """Each sheet's name (as the workbook spells it) -> the totals rows of its Excel Tables;
    sheets without one are left out. A Table declares its totals rows (``totalsRowCount``) as
    the last rows of its range. A Table part that cannot be read is passed over (openpyxl,
    which reads the workbook, says what is wrong with it)."""
    out: dict[str, list[TotalsRow]] = {}
    with zipfile.ZipFile(path) as book:
        for sheet, part in sheet_parts(book).items():
            for kind, target in rels(book, part).values():
                table = part_xml(book, target) if kind == "table" else None
                if table is None:
                    continue
                name = str(table.get("displayName") or table.get("name") or "")
                try:
                    count = int(table.get("totalsRowCount") or 0)
                    first, top, last, bottom = range_boundaries(table.get("ref", ""))
                    rows = range(max(bottom - count, top) + 1, bottom + 1)
                except (TypeError, ValueError):
                    continue
                out.setdefault(sheet, []).extend(TotalsRow(name, r, first, last) for r in rows)
    return {sheet: rows for sheet, rows in out.items() if rows}
