"""``place --apply`` into a workbook refuses, before anything is written, a save by openpyxl that
lacks a kind of content the workbook has (``capacity.io.xlsx_kept``): pictures in EMF format,
threaded comments, custom XML, a sensitivity label. What openpyxl keeps, and the parts Excel
writes again, are not refused."""

from __future__ import annotations

import io
import re
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
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."


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


def _notes(
    path: Path,
    fill: Callable[[openpyxl.worksheet.worksheet.Worksheet], None],
    title: str = "Noter",
) -> str:
    """A sheet ``title`` of the user's, filled by ``fill``; returns its part's name."""
    book = openpyxl.load_workbook(path)
    fill(book.create_sheet(title))
    book.save(path)
    with zipfile.ZipFile(path) as zipped:
        return sheet_parts(zipped)[title]


def _followed_up(path: Path) -> str:
    """A sheet ``Noter`` of the user's with one text; returns its part's name."""
    return _notes(path, lambda sheet: sheet.cell(row=1, column=1, value="Opfølgning"))


def _replaced(path: Path, part: str, old: str, new: str) -> None:
    """The first ``old`` in the part ``part`` of the workbook at ``path`` replaced by ``new``,
    as another program would write what openpyxl does not."""
    _rewrite(
        path,
        lambda name, data: data.replace(old.encode(), new.encode(), 1) if name == part else data,
        {},
    )


def _applied(tmp_path: Path, path: Path) -> None:
    """Plan ``path`` again and apply that plan: written (exit 0), with the plan's three
    households added to the registry."""
    rows = len(load_registry(path).occupancy)
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 0, result.output
    assert len(load_registry(path).occupancy) == rows + 3


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
    sheet = _followed_up(path)
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


def _shared_strings(path: Path) -> None:
    """The workbook's texts moved from its cells into one shared table (``sharedStrings.xml``),
    as Excel writes every workbook; openpyxl writes them into the cells."""
    texts: list[str] = []
    added: dict[str, bytes] = {}  # the table, written after every sheet has given its texts

    def shared(cell: re.Match[str]) -> str:
        texts.append(f"<si>{cell['text']}</si>")
        return f'<c {cell["head"]}t="s"{cell["tail"]}><v>{len(texts) - 1}</v></c>'

    def edit(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            inline = r'<c (?P<head>[^>]*)t="inlineStr"(?P<tail>[^>]*)><is>(?P<text>.*?)</is></c>'
            data = re.sub(inline, shared, data.decode()).encode()
            table = f'<sst xmlns="{MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">'
            added["xl/sharedStrings.xml"] = (table + "".join(texts) + "</sst>").encode()
            return data
        if name == "xl/_rels/workbook.xml.rels":
            return _related(data, "rIdSS", f"{OFFICE_RELS}/sharedStrings", "sharedStrings.xml")
        if name == "[Content_Types].xml":
            kind = f"{SML}sharedStrings+xml"
            return _typed(
                data, f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/>'
            )
        return data

    _rewrite(path, edit, added)


def test_a_workbook_whose_texts_excel_shares_between_cells_is_applied(tmp_path):
    """Excel keeps a workbook's texts in one shared table; openpyxl writes them into the cells.
    Before, that table was taken for content the save lost, and every workbook Excel had saved
    was refused."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _notes(path, lambda sheet: sheet.append(["Husk at ringe til H081", "fra Jobberiet"]))
    _shared_strings(path)
    with zipfile.ZipFile(path) as book:
        assert "inlineStr" not in book.read(sheet_parts(book)["Noter"]).decode()
    rows = load_registry(path).occupancy
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 0, result.output
    after = load_registry(path).occupancy
    assert len(after) == len(rows) + 3
    assert after.head(len(rows)).astype(str).equals(rows.astype(str))
    notes = openpyxl.load_workbook(path)["Noter"]
    assert [c.value for c in notes[1]] == ["Husk at ringe til H081", "fra Jobberiet"]


def _with_header_picture(path: Path) -> None:
    """A logo in the header of the sheet ``Logo`` (a VML drawing and its PNG), in a workbook that
    has a note and a picture elsewhere (another VML drawing, another PNG)."""
    _notes(path, _rich)
    sheet = _notes(path, lambda logo: logo.cell(row=1, column=1, value="Kontakt"), "Logo")
    folder, name = sheet.rsplit("/", 1)
    vml = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office"><v:shape id="CH" '
        'type="#_x0000_t75" style="width:60pt;height:20pt"><v:imagedata o:relid="rId1" '
        'o:title="logo"/></v:shape></xml>'
    )
    logo = f"{OFFICE_RELS}/image"
    vml_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Type="{logo}" '
        'Target="../media/logo.png"/></Relationships>'
    )
    header = (
        "<headerFooter><oddHeader>&amp;L&amp;G</oddHeader></headerFooter><legacyDrawingHF "
        f'xmlns:r="{OFFICE_RELS}" r:id="rIdHF"/></worksheet>'
    )

    def edit(part: str, data: bytes) -> bytes:
        if part == sheet:
            return data.replace(b"</worksheet>", header.encode())
        if part == "[Content_Types].xml" and b'Extension="vml"' not in data:
            kind = "application/vnd.openxmlformats-officedocument.vmlDrawing"
            return _typed(data, f'<Default Extension="vml" ContentType="{kind}"/>')
        return data

    target = "../drawings/vmlDrawingHF1.vml"
    added = {
        f"{folder}/_rels/{name}.rels": (
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rIdHF" '
            f'Type="{OFFICE_RELS}/vmlDrawing" Target="{target}"/></Relationships>'
        ).encode(),
        "xl/drawings/vmlDrawingHF1.vml": vml.encode(),
        "xl/drawings/_rels/vmlDrawingHF1.vml.rels": vml_rels.encode(),
        "xl/media/logo.png": _png().getvalue(),
    }
    _rewrite(path, edit, added)


def test_a_picture_in_a_header_is_refused_where_another_sheet_keeps_a_note_and_a_picture(
    tmp_path,
):
    """openpyxl saves a sheet without its header's picture. The kinds of part it lives in (a VML
    drawing, a PNG) stay in the copy through the other sheet's note and picture; before, only
    kinds were compared, and the logo was gone with exit 0."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _with_header_picture(path)
    assert openpyxl.load_workbook(path)["Logo"].oddHeader.left.text == "&G"
    said = _refused_again(tmp_path, path)
    assert "1 af 2 dele med VML-tegninger" in said and "1 af 2 dele med billeder" in said, said
    assert "intet blev skrevet" in said


def _with_extension(path: Path, uri: str, body: str) -> None:
    """The sheet ``Noter`` with an extension ``uri`` holding ``body``, as Excel writes one."""
    sheet = _followed_up(path)
    extension = f'<extLst><ext uri="{uri}">{body}</ext></extLst></worksheet>'
    _replaced(path, sheet, "</worksheet>", extension)


MAC = "http://schemas.microsoft.com/office/mac/excel/2008/main"


@pytest.mark.parametrize("uri", [MAC, "{64002731-A6B0-56B0-2670-7721B7C09600}"])
def test_the_page_layout_view_of_excel_for_mac_does_not_stop_an_apply(tmp_path, uri):
    """Excel for Mac writes whether a sheet opens in page layout view as an extension openpyxl
    does not know and drops, named by its namespace (Excel 2008) or by a GUID (Excel 2011 and
    later); before, that refused the workbook, naming openpyxl's 'Unknown'."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _with_extension(path, uri, f'<mx:PLV xmlns:mx="{MAC}" Mode="1" OnePage="0" WScale="0"/>')
    _applied(tmp_path, path)
    assert openpyxl.load_workbook(path)["Noter"]["A1"].value == "Opfølgning"


def test_an_extension_capacity_does_not_know_is_refused_naming_its_sheet(tmp_path):
    """An extension of a sheet that openpyxl does not know is dropped on saving; the refusal
    names the sheet in Danish (before: openpyxl's word 'Unknown')."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _with_extension(path, "{0C2B1D00-1111-2222-3333-444455556666}", '<x:data xmlns:x="urn:x"/>')
    said = _refused_again(tmp_path, path)
    assert "Excel-udvidelser, som capacity ikke kender, på arket Noter" in said, said
    assert "Unknown" not in said


def _with_read_only_recommended(path: Path) -> None:
    """The workbook marked »anbefalet skrivebeskyttet« (File > Save as > Tools > General
    options), as Excel writes it in the workbook part."""
    sharing = '<fileSharing readOnlyRecommended="1"/><workbookPr'
    _replaced(path, "xl/workbook.xml", "<workbookPr", sharing)


def _with_protected_range(path: Path) -> None:
    """The sheet ``Noter`` protected, with a range its users may still edit (Review > Allow
    edit ranges)."""
    sheet = _followed_up(path)
    ranges = (
        '</sheetData><sheetProtection sheet="1" objects="1" scenarios="1"/><protectedRanges>'
        '<protectedRange name="Jobberiet" sqref="B2:B9"/></protectedRanges>'
    )
    _replaced(path, sheet, "</sheetData>", ranges)


@pytest.mark.parametrize(
    ("add", "named"),
    [
        (_with_read_only_recommended, "»anbefalet skrivebeskyttet«"),
        (
            _with_protected_range,
            "områder, som brugere må redigere i et beskyttet ark (arket Noter)",
        ),
    ],
)
def test_a_setting_openpyxl_would_drop_from_a_part_it_keeps_is_refused(tmp_path, add, named):
    """openpyxl writes the workbook part and the sheets again without these settings. The parts
    stay, so counting them did not see it: the apply said "Skrevet" (exit 0), and a protected
    sheet's editable ranges, or the advice to open the workbook read-only, were gone."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    add(path)
    said = _refused_again(tmp_path, path)
    assert named in said and "som --apply ikke kan bevare" in said, said


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        (
            "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}",
            "(områder, som brugere må redigere i et beskyttet ark)",
        ),
        ("{7E03D99C-DC04-49d9-9315-930204A7B6E9}", "tidslinjer (arket Noter)"),
    ],
)
def test_an_extension_openpyxl_drops_is_named_in_danish(tmp_path, uri, named):
    """openpyxl names these extensions in English ('Protected Range'), or, for the key its table
    has in small letters, not at all ('Unknown'); the refusal names them in Danish."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _with_extension(path, uri, '<x:data xmlns:x="urn:x"/>')
    said = _refused_again(tmp_path, path)
    assert named in said, said
    assert "Protected Range" not in said and "Unknown" not in said and "ikke kender" not in said


def test_entries_the_finder_adds_to_a_zip_are_not_parts(tmp_path):
    """A workbook zipped again on a Mac carries ``__MACOSX/`` entries (the Finder's file
    attributes); openpyxl leaves them out, and they were refused as parts capacity does not
    know."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _rewrite(path, lambda name, data: data, {"__MACOSX/xl/._workbook.xml": bytes(82)})
    _applied(tmp_path, path)


def _with_custom_view(path: Path) -> None:
    """A custom view of the sheet ``Noter`` (View > Custom views), as Excel writes it."""
    sheet = _followed_up(path)
    view = (
        '</sheetData><customSheetViews><customSheetView guid="{5A1B2C3D-0000-4000-8000-'
        '000000000001}" scale="80"><selection activeCell="B2" sqref="B2"/><pageMargins '
        'left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</customSheetView></customSheetViews>"
    )
    _replaced(path, sheet, "</sheetData>", view)


def test_a_custom_view_is_refused(tmp_path):
    """openpyxl writes a sheet again without its custom views, without a warning."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _with_custom_view(path)
    said = _refused_again(tmp_path, path)
    assert "brugerdefinerede visninger (arket Noter)" in said, said


def _with_user_name_only(path: Path) -> None:
    """The workbook's ``fileSharing`` with the user's name and no password or recommendation."""
    sharing = '<fileSharing userName="Jobberiet" reservationPassword="0"/><workbookPr'
    _replaced(path, "xl/workbook.xml", "<workbookPr", sharing)


def _with_empty_drawing(path: Path) -> None:
    """A sheet ``Tom`` with a drawing part that holds nothing, as Excel keeps one after the last
    shape is deleted, beside the picture of ``_rich`` on ``Noter``."""
    _notes(path, _rich)
    sheet = _notes(path, lambda empty: empty.cell(row=1, column=1, value="Kontakt"), "Tom")
    folder, name = sheet.rsplit("/", 1)
    drawing = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    kind = "application/vnd.openxmlformats-officedocument.drawing+xml"

    def edit(part: str, data: bytes) -> bytes:
        if part == sheet:
            ref = f'<drawing xmlns:r="{OFFICE_RELS}" r:id="rIdD"/></worksheet>'
            return data.replace(b"</worksheet>", ref.encode())
        if part == "[Content_Types].xml":
            return _typed(
                data, f'<Override PartName="/xl/drawings/drawing9.xml" ContentType="{kind}"/>'
            )
        return data

    rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rIdD" '
        f'Type="{OFFICE_RELS}/drawing" Target="../drawings/drawing9.xml"/></Relationships>'
    )
    added = {
        f"{folder}/_rels/{name}.rels": rels.encode(),
        "xl/drawings/drawing9.xml": f'<xdr:wsDr xmlns:xdr="{drawing}"/>'.encode(),
    }
    _rewrite(path, edit, added)


@pytest.mark.parametrize("add", [_with_user_name_only, _with_empty_drawing])
def test_what_holds_nothing_does_not_stop_an_apply(tmp_path, add):
    """A ``fileSharing`` with only the user's name, and an empty drawing beside a kept picture,
    lose nothing when openpyxl leaves them out."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    add(path)
    _applied(tmp_path, path)
