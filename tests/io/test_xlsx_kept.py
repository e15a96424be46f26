"""``place --apply`` into a workbook refuses, before anything is written, a save by openpyxl that
lacks a kind of content the workbook has (``capacity.io.xlsx_kept``): pictures in EMF format,
threaded comments, custom XML, a sensitivity label. What openpyxl keeps, and the parts Excel
writes again, are not refused."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from capacity.io.registry import load_registry
from capacity.io.xlsx_parts import sheet_parts
from tests.solver.test_apply_safe import DAY, _planned, _refused_again, _run

PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _png() -> io.BytesIO:
    png = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(png, "PNG")
    return png


def _rewrite(
    path: Path, edit: Callable[[str, bytes], bytes | None], added: dict[str, bytes]
) -> None:
    """Rewrite the workbook's zip: each part through ``edit(name, data)`` (None leaves it out),
    and ``added`` parts written after them, as a program writing parts openpyxl does not model
    would."""
    with zipfile.ZipFile(path) as book:
        parts = [(item, book.read(item.filename)) for item in book.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for item, data in parts:
            kept = edit(item.filename, data)
            if kept is not None:
                book.writestr(item, kept)
        for name, data in added.items():
            book.writestr(name, data)


def _related(data: bytes, rel_id: str, kind: str, target: str) -> bytes:
    """A relationships part with one relationship more."""
    rel = f'<Relationship Id="{rel_id}" Type="{kind}" Target="{target}"/>'
    return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def _typed(data: bytes, entry: str) -> bytes:
    """``[Content_Types].xml`` with one ``Default`` or ``Override`` entry more."""
    return data.replace(b"</Types>", entry.encode() + b"</Types>")


def _with_part(
    path: Path, rels: str, rid: str, kind: str, target: str, part: str, typed: str, data: str
) -> None:
    """The part ``part`` (``data``) added to the workbook at ``path``, related from ``rels``
    (id ``rid``, relationship ``kind``, ``target`` relative to it) and, with ``typed``, given
    its content type (an ``Override``); without, it is of the ``Default`` type of XML."""

    def edit(name: str, old: bytes) -> bytes:
        if name == rels:
            return _related(old, rid, kind, target)
        if name == "[Content_Types].xml" and typed:
            return _typed(old, f'<Override PartName="/{part}" ContentType="{typed}"/>')
        return old

    _rewrite(path, edit, {part: data.encode()})


def _notes(path: Path, fill: Callable[[openpyxl.worksheet.worksheet.Worksheet], None]) -> str:
    """A sheet ``Noter`` of the user's, filled by ``fill``; returns its part's name."""
    book = openpyxl.load_workbook(path)
    fill(book.create_sheet("Noter"))
    book.save(path)
    with zipfile.ZipFile(path) as zipped:
        return sheet_parts(zipped)["Noter"]


# An EMF picture: its header record and its end record, as Word and Visio paste a logo.
EMF = struct.pack(
    "<II4i4iIIIIHHIII2i2i",
    *(1, 88, 0, 0, 100, 100, 0, 0, 2540, 2540, 0x464D4520, 0x10000, 108, 2, 1, 0, 0, 0, 0),
    *(1024, 768, 320, 240),
) + struct.pack("<IIIII", 14, 20, 0, 16, 20)


def _with_emf_picture(path: Path) -> None:
    """A logo in EMF on the sheet ``Noter``: a picture made with openpyxl, its PNG swapped for
    an EMF."""
    _notes(path, lambda sheet: sheet.add_image(Image(_png()), "B3"))
    with zipfile.ZipFile(path) as book:
        png = next(n for n in book.namelist() if n.startswith("xl/media/"))
    emf = png.removesuffix(".png") + ".emf"

    def edit(name: str, data: bytes) -> bytes | None:
        if name == png:
            return None
        if name.endswith(".rels"):
            return data.replace(png.rsplit("/", 1)[1].encode(), emf.rsplit("/", 1)[1].encode())
        if name == "[Content_Types].xml":
            return _typed(data, '<Default Extension="emf" ContentType="image/x-emf"/>')
        return data

    _rewrite(path, edit, {emf: EMF})


THREADED = (
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
    'threadedcomments"><threadedComment ref="A1" dT="2026-11-30T10:00:00.00" '
    'personId="{AAAAAAAA-0000-0000-0000-000000000001}" '
    'id="{0B1C0000-0000-0000-0000-000000000001}"><text>Husk at ringe til H081 om skole</text>'
    '</threadedComment><threadedComment ref="A1" dT="2026-12-01T10:00:00.00" '
    'personId="{AAAAAAAA-0000-0000-0000-000000000001}" '
    'id="{0B1C0000-0000-0000-0000-000000000002}" '
    'parentId="{0B1C0000-0000-0000-0000-000000000001}"><text>Svar: gjort 1/12</text>'
    "</threadedComment></ThreadedComments>"
)


def _with_threaded_comment(path: Path) -> None:
    """A threaded comment with a reply on ``Noter``!A1, with the note Excel writes beside it
    for older versions (which openpyxl keeps)."""
    sheet = _notes(path, lambda s: s.cell(row=1, column=1, value="Opfølgning"))
    book = openpyxl.load_workbook(path)
    book["Noter"]["A1"].comment = Comment("[Threaded comment] Husk at ringe til H081", "tc")
    book.save(path)
    folder, name = sheet.rsplit("/", 1)
    _with_part(
        path,
        f"{folder}/_rels/{name}.rels",
        "rIdTC",
        "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
        "../threadedComments/threadedComment1.xml",
        "xl/threadedComments/threadedComment1.xml",
        "application/vnd.ms-excel.threadedcomments+xml",
        THREADED,
    )


LABEL = (
    '<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">'
    '<clbl:label id="{11111111-2222-3333-4444-555555555555}" enabled="1" method="Privileged" '
    'siteId="{66666666-7777-8888-9999-000000000000}" removed="0"/></clbl:labelList>'
)
SOURCES = (
    '<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography" '
    'SelectedStyle="" StyleName="" Version="6"/>'
)


def _with_sensitivity_label(path: Path) -> None:
    """The sensitivity label "Fortroligt" (Microsoft Purview) as Excel stores it."""
    _with_part(
        path,
        "_rels/.rels",
        "rIdL",
        "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels",
        "docMetadata/LabelInfo.xml",
        "docMetadata/LabelInfo.xml",
        "application/vnd.ms-office.classificationlabels+xml",
        LABEL,
    )


def _with_custom_xml(path: Path) -> None:
    """A custom XML part of the workbook's (as SharePoint and add-ins store their data), of the
    ``Default`` type of XML."""
    _with_part(
        path,
        "xl/_rels/workbook.xml.rels",
        "rIdX",
        f"{OFFICE_RELS}/customXml",
        "../customXml/item1.xml",
        "customXml/item1.xml",
        "",
        SOURCES,
    )


@pytest.mark.parametrize(
    ("add", "named"),
    [
        (_with_emf_picture, "billeder i EMF/WMF-format"),
        (_with_threaded_comment, "trådede kommentarer"),
        (_with_sensitivity_label, "følsomhedsmærkat"),
        (_with_custom_xml, "brugerdefineret XML"),
    ],
)
def test_content_openpyxl_would_drop_is_refused_and_the_workbook_left_as_it_was(
    tmp_path, add, named
):
    """Before, openpyxl saved the workbook without these, the apply said "Skrevet" (exit 0),
    and they were gone."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    add(path)
    said = _refused_again(tmp_path, path)
    assert named in said and "som --apply ikke kan bevare" in said, said
    assert "intet blev skrevet" in said
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".reg", "reg."))) == [
        ".reg.xlsx.lock",
        "reg.xlsx",
    ]


def _rich(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
    """A PNG picture, a note, styles, a list validation and a conditional format."""
    sheet["A1"] = "Husk at ringe"
    sheet["A1"].comment = Comment("fra Jobberiet", "Anna")
    sheet["A1"].font = Font(bold=True, color="FF0000")
    sheet["B2"] = "ja"
    sheet["B2"].fill = PatternFill("solid", fgColor="FFFF00")
    choice = DataValidation(type="list", formula1='"ja,nej"', allow_blank=True)
    sheet.add_data_validation(choice)
    choice.add("B2:B9")
    red = PatternFill("solid", fgColor="FFC7CE")
    sheet.conditional_formatting.add(
        "B2:B9", CellIsRule(operator="equal", formula=['"nej"'], fill=red)
    )
    sheet.add_image(Image(_png()), "D3")


PRINTER = "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"
CALC_CHAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"


def _with_parts_excel_writes_again(path: Path, sheet: str) -> None:
    """The parts Excel adds when it saves a workbook and openpyxl leaves out: a calculation
    chain, a printer's settings for ``sheet``, a preview picture."""
    folder, name = sheet.rsplit("/", 1)
    sheet_rels = f"{folder}/_rels/{name}.rels"
    chain = f'<calcChain xmlns="{MAIN}"><c r="A1" i="1"/></calcChain>'

    def edit(part: str, data: bytes) -> bytes:
        if part == "_rels/.rels":
            kind = f"{PACKAGE_RELS}/metadata/thumbnail"
            return _related(data, "rIdT", kind, "docProps/thumbnail.jpeg")
        if part == "xl/_rels/workbook.xml.rels":
            return _related(data, "rIdCC", f"{OFFICE_RELS}/calcChain", "calcChain.xml")
        if part == sheet_rels:
            target = "../printerSettings/printerSettings1.bin"
            return _related(data, "rIdPS", f"{OFFICE_RELS}/printerSettings", target)
        if part == "[Content_Types].xml":
            return _typed(
                data,
                f'<Default Extension="bin" ContentType="{PRINTER}"/>'
                '<Default Extension="jpeg" ContentType="image/jpeg"/>'
                f'<Override PartName="/xl/calcChain.xml" ContentType="{CALC_CHAIN}"/>',
            )
        return data

    preview = io.BytesIO()
    PILImage.new("RGB", (4, 4), "blue").save(preview, "JPEG")
    added = {
        "docProps/thumbnail.jpeg": preview.getvalue(),
        "xl/calcChain.xml": chain.encode(),
        "xl/printerSettings/printerSettings1.bin": bytes(64),
    }
    _rewrite(path, edit, added)


def test_what_openpyxl_keeps_and_what_excel_writes_again_is_applied(tmp_path):
    """A picture, a note, styles, a validation and a conditional format are kept; a calculation
    chain, a printer's settings and a preview picture (left out, written again by Excel) do not
    stop the apply."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    sheet = _notes(path, _rich)
    _with_parts_excel_writes_again(path, sheet)
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    rows = len(load_registry(path).occupancy)
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 0, result.output
    assert len(load_registry(path).occupancy) == rows + 3
    notes = openpyxl.load_workbook(path)["Noter"]
    assert len(notes._images) == 1 and notes["A1"].comment.text == "fra Jobberiet"
    assert notes["A1"].font.b and notes["B2"].fill.fgColor.rgb == "00FFFF00"
    assert [str(v.sqref) for v in notes.data_validations.dataValidation] == ["B2:B9"]
    assert [str(f.sqref) for f in notes.conditional_formatting] == ["B2:B9"]
