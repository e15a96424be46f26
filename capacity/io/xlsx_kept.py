"""Whether openpyxl's save of a workbook kept every kind of content the workbook has.

openpyxl keeps the parts of a workbook it models (sheets, styles, notes, pictures, charts,
Tables, pivot tables, links to other workbooks, document properties) and saves the workbook
without the others, without a word: threaded comments, a sensitivity label, data connections,
custom XML, cell metadata, pictures in a format it cannot save, a picture in a sheet's header or
footer, and whatever Excel adds next. ``kept_parts`` counts the parts of each kind (content type)
in the workbook and in the copy openpyxl saved, before the copy replaces it, and refuses the copy
when it has fewer of a kind, naming the kind in Danish. A few settings live inside parts openpyxl
keeps and are lost all the same (a password to modify, editable ranges, custom views); those are
compared apart (``lost_settings``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from capacity.errors import UserError
from capacity.io.xlsx_parts import (
    MAIN,
    children,
    part_types,
    part_xml,
    rels,
    sheet_parts,
    workbook_part,
)

SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
OFFICE = "application/vnd.openxmlformats-officedocument."

# Kinds of part that hold nothing the user made; openpyxl leaves them out, and Excel writes them
# again (see ``lost_parts``).
REGENERATED = frozenset(
    {
        f"{SML}calcChain+xml",
        f"{SML}printerSettings",
        "application/vnd.ms-office.chartstyle+xml",
        "application/vnd.ms-office.chartcolorstyle+xml",
    }
)

# Kinds of part whose content openpyxl keeps in parts of another kind: the table of texts Excel
# shares between cells, whose texts openpyxl writes into each cell of the sheets (inline).
REWRITTEN = frozenset({f"{SML}sharedStrings+xml"})

# Kinds of part that say how the others hang together, not what they hold; openpyxl writes its
# own, and their number follows from the parts it keeps.
STRUCTURE = frozenset({"application/vnd.openxmlformats-package.relationships+xml"})

NOT_COUNTED = REGENERATED | REWRITTEN | STRUCTURE  # kinds ``lost_parts`` lets go

EMF = "billeder i EMF/WMF-format"
PICTURES = "billeder"
PIVOTS = "pivottabeller"
SHARED = "ændringshistorik (delt arbejdsbog)"
CUSTOM_XML = "brugerdefineret XML"
RICH_DATA = "billeder i celler eller datatyper"
ADD_INS = "Office-tilføjelsesprogrammer"
LABEL = "følsomhedsmærkat"
DATA_MODEL = "datamodel (Power Pivot)"

# Content types -> what the user knows them as, in Danish.
KINDS = {
    "image/x-emf": EMF,
    "image/emf": EMF,
    "image/x-wmf": EMF,
    "image/wmf": EMF,
    "image/png": PICTURES,
    "image/jpeg": PICTURES,
    "image/gif": PICTURES,
    "image/bmp": PICTURES,
    "image/tiff": PICTURES,
    "application/vnd.ms-excel.threadedcomments+xml": "trådede kommentarer",
    "application/vnd.ms-excel.person+xml": "personer i trådede kommentarer",
    f"{SML}sheetMetadata+xml": "cellemetadata (fx dynamiske matrixformler)",
    "application/vnd.ms-office.classificationlabels+xml": LABEL,
    f"{SML}connections+xml": "dataforbindelser",
    f"{SML}queryTable+xml": "forespørgselstabeller",
    f"{OFFICE}customXmlProperties+xml": CUSTOM_XML,
    "application/vnd.ms-office.vbaProject": "makroer (VBA)",
    "application/vnd.ms-excel.slicer+xml": "udsnitsværktøjer",
    "application/vnd.ms-excel.slicerCache+xml": "udsnitsværktøjer",
    "application/vnd.ms-excel.timeline+xml": "tidslinjer",
    "application/vnd.ms-excel.timelineCache+xml": "tidslinjer",
    f"{OFFICE}drawing+xml": "tegninger",
    f"{OFFICE}vmlDrawing": "VML-tegninger (fx billeder i sidehoved eller sidefod)",
    f"{OFFICE}drawingml.chart+xml": "diagrammer",
    "application/vnd.ms-office.chartex+xml": "diagrammer af nyere typer",
    "application/vnd.ms-office.webextension+xml": ADD_INS,
    "application/vnd.ms-office.webextensiontaskpanes+xml": ADD_INS,
    "application/vnd.ms-office.activeX+xml": "formularkontroller",
    "application/vnd.ms-excel.controlproperties+xml": "formularkontroller",
    f"{SML}comments+xml": "kommentarer",
    f"{SML}pivotTable+xml": PIVOTS,
    f"{SML}pivotCacheDefinition+xml": PIVOTS,
    f"{SML}pivotCacheRecords+xml": PIVOTS,
    f"{SML}table+xml": "Excel-tabeller",
    f"{SML}externalLink+xml": "kæder til andre arbejdsbøger",
    f"{SML}revisionHeaders+xml": SHARED,
    f"{SML}revisionLog+xml": SHARED,
    f"{SML}userNames+xml": SHARED,
    f"{SML}customProperty": "brugerdefinerede arkegenskaber",
    f"{OFFICE}custom-properties+xml": "brugerdefinerede dokumentegenskaber",
    f"{SML}chartsheet+xml": "diagramark",
    f"{SML}dialogsheet+xml": "dialogark",
    "application/vnd.ms-excel.macrosheet+xml": "makroark",
    "application/vnd.ms-excel.intlmacrosheet+xml": "makroark",
    f"{OFFICE}model+data": DATA_MODEL,
}

# Folders of the zip -> what their parts are, for parts of a type that does not say (an XML
# part of the ``Default`` type, ``application/xml``).
FOLDERS = {
    "customXml/": CUSTOM_XML,
    "docMetadata/": LABEL,
    "xl/richData/": RICH_DATA,
    "xl/model/": DATA_MODEL,
    "xl/webextensions/": ADD_INS,
}

PARTS_SHOWN = 3  # parts of a kind without a Danish name named in the refusal

# Settings inside the workbook part and the sheets that openpyxl does not write back, by their
# element's name there -> what the user knows them as, in Danish (``lost_settings``).
WORKBOOK_SETTINGS = {
    "fileSharing": "adgangskode til ændring eller »anbefalet skrivebeskyttet«",
    "customWorkbookViews": "brugerdefinerede visninger",
}
SHEET_SETTINGS = {
    "protectedRanges": "områder, som brugere må redigere i et beskyttet ark",
    "customSheetViews": "brugerdefinerede visninger",
}

# the attributes of ``fileSharing`` that hold a password to modify (besides the user's name, which
# Excel writes with it and which says nothing by itself)
PASSWORDS = ("reservationPassword", "hashValue")


def kept_parts(path: Path, saved: Path) -> None:
    """Refuse ``saved``, openpyxl's save of the workbook at ``path`` that is not yet in its
    place, when it has fewer parts of a kind than the workbook (``lost_parts``) or lacks one of
    the settings ``lost_settings`` looks for; nothing has been written then."""
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(saved) as after:
        lost = lost_parts(before, after) + lost_settings(before, after)
    if lost:
        raise UserError(
            f"{path}: arbejdsbogen har {_listed(lost)}, som --apply ikke kan bevare (det ville "
            "gå tabt); intet blev skrevet. Gem registret som GeoPackage eller mappe, eller flyt "
            "registrets ark til en arbejdsbog uden det"
        )


def lost_parts(before: zipfile.ZipFile, after: zipfile.ZipFile) -> list[str]:
    """What the workbook ``before`` has and its save ``after`` lacks, in Danish: each kind of
    part (content type) of which ``after`` has fewer parts than ``before``. Parts are counted by
    kind, not matched by name, since openpyxl names and numbers the parts it writes its own way
    (``image1.png`` for ``image3.png``, ``.jpeg`` for ``.jpg``); a part fewer is content gone,
    whether openpyxl knows of it or not. Counted, not just present: a picture in a sheet's header
    (a VML drawing and its picture) is gone without a word where another sheet keeps a note (a
    VML drawing) and a picture.

    Left out are the parts that hold nothing the user made, which openpyxl drops and Excel writes
    again (``REGENERATED``): the calculation chain (the order Excel last computed the formulas
    in; openpyxl has the workbook computed in full when it is opened, and Excel makes the chain
    again), a printer driver's private settings (the page setup itself, paper, orientation,
    margins, scaling and print area, is in the sheet and is kept), a chart's gallery style and
    colour set (the chart's look is written out in the chart part, which is kept), and the
    preview picture of the workbook Excel makes when saving it (``thumbnail``). Left out too are
    the texts Excel shares between cells, which openpyxl writes into the cells (``REWRITTEN``),
    and the relationships between parts (``STRUCTURE``)."""
    preview = {target for kind, target in rels(before, "").values() if kind == "thumbnail"}
    now = part_types(after)
    gone: set[str] = set()
    unknown: list[str] = []
    for kind, parts in part_types(before).items():
        parts = [p for p in parts if p not in preview and not _empty_drawing(before, kind, p)]
        kept = len(now.get(kind, []))
        if len(parts) <= kept or kind in NOT_COUNTED:
            continue
        named = {part: _named(kind, part) for part in parts}
        if not kept:
            gone.update(n for n in named.values() if n is not None)
            unknown += [part for part, n in named.items() if n is None]
            continue
        # some parts of the kind are kept: the kind is named with how many are lost
        known = sorted({n for n in named.values() if n is not None})
        what = " eller ".join(known) or f"en slags, som capacity ikke kender ({_shown(parts)})"
        gone.add(f"{len(parts) - kept} af {len(parts)} dele med {what}")
    if unknown:
        gone.add(f"dele, som capacity ikke kender ({_shown(unknown)})")
    return sorted(gone)


def lost_settings(before: zipfile.ZipFile, after: zipfile.ZipFile) -> list[str]:
    """The settings of ``WORKBOOK_SETTINGS`` and ``SHEET_SETTINGS`` that the workbook ``before``
    has and its save ``after`` lacks, in Danish (a sheet's with its name). They live inside parts
    openpyxl keeps (the workbook, the sheets), so ``lost_parts`` does not see them go."""
    out = []
    parts = [(None, workbook_part(before), workbook_part(after))]
    kept = sheet_parts(after)
    parts += [(n, p, kept.get(n, "")) for n, p in sheet_parts(before).items()]
    for sheet, old, new in parts:
        settings = WORKBOOK_SETTINGS if sheet is None else SHEET_SETTINGS
        had, has = children(before, old), children(after, new)
        for element, name in settings.items():
            if element in had and _holds(had[element]) and element not in has:
                out.append(name if sheet is None else f"{name} (arket {sheet})")
    return out


def _empty_drawing(book: zipfile.ZipFile, kind: str, part: str) -> bool:
    """Whether ``part`` is a drawing with nothing in it (no anchor), as Excel keeps one after the
    last shape on a sheet is deleted; openpyxl writes none, and nothing is lost."""
    if kind != f"{OFFICE}drawing+xml":
        return False
    root = part_xml(book, part)
    return root is not None and len(root) == 0


def _holds(setting: ElementTree.Element) -> bool:
    """Whether the setting holds anything: ``fileSharing`` only where it recommends opening the
    workbook read-only or has a password to modify (``PASSWORDS``; a "0" is none); the others
    always."""
    if setting.tag != f"{MAIN}fileSharing":
        return True
    recommended = setting.get("readOnlyRecommended", "") in ("1", "true")
    return recommended or any(setting.get(a, "") not in ("", "0") for a in PASSWORDS)


def _named(kind: str, part: str) -> str | None:
    """What the part ``part`` of content type ``kind`` is to the user, in Danish; None where
    capacity does not know."""
    return KINDS.get(kind) or next((n for f, n in FOLDERS.items() if part.startswith(f)), None)


def _shown(parts: list[str]) -> str:
    """The first ``PARTS_SHOWN`` of ``parts`` by name, "..." for the rest."""
    more = " ..." if len(parts) > PARTS_SHOWN else ""
    return ", ".join(sorted(parts)[:PARTS_SHOWN]) + more


def _listed(names: list[str]) -> str:
    """``names`` as Danish lists them: "a, b og c"."""
    return " og ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
