"""``place --apply`` keeps what the user has in and around the registry, or refuses: drawings a
workbook would lose, an Excel Table over the rows it appends (refused where the Table has a
totals row), the owner and group of the files, a read-only subfolder, a lock file others can
open."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from PIL import Image as PILImage

import capacity
from capacity import files
from capacity.io import update_xlsx
from capacity.io.layers import frame
from capacity.io.registry import load_registry
from capacity.io.validate import validate_path
from capacity.solver.apply import apply_plan
from tests.helpers import make_household, tiny_registry
from tests.solver.test_apply_safe import DAY, TODAY, _planned, _refused_again, _run, _snapshot

# --- drawings openpyxl would drop -----------------------------------------------------------------

TEXT_BOX = (
    '<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
    'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    "<xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>8</xdr:row>"
    "<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff>"
    "<xdr:row>12</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="9" name="Tekstfelt 1"/>'
    '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="rect"><a:avLst/>'
    "</a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r>"
    "<a:t>Ring til Jobberiet om A3</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
    "</xdr:twoCellAnchor>"
)


def _with_picture_and_chart(path: Path) -> None:
    """A sheet ``Noter`` in the workbook with a picture and a chart (openpyxl keeps both)."""
    png = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(png, "PNG")
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("Noter")
    notes["A1"], notes["A2"] = 3, 5
    notes.add_image(Image(png), "C3")
    chart = BarChart()
    chart.add_data(Reference(notes, min_col=1, min_row=1, max_row=2))
    notes.add_chart(chart, "E5")
    book.save(path)


def _add_to_drawing(path: Path, anchor: str) -> None:
    """``anchor`` added to the workbook's (only) drawing part, as Excel writes a text box."""
    data = {}
    with zipfile.ZipFile(path) as book:
        items = book.infolist()
        for item in items:
            data[item.filename] = book.read(item.filename)
    drawing = data["xl/drawings/drawing1.xml"]
    end = drawing.rindex(b"</")
    data["xl/drawings/drawing1.xml"] = drawing[:end] + anchor.encode() + drawing[end:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for item in items:
            book.writestr(item, data[item.filename])


def test_a_text_box_openpyxl_would_drop_is_refused_before_anything_is_written(tmp_path):
    """openpyxl saves a workbook without its shapes and text boxes, and says nothing; before,
    the apply wrote it so and the text box was gone."""
    path, plan = _planned(tmp_path, "reg.xlsx")
    _with_picture_and_chart(path)
    _add_to_drawing(path, TEXT_BOX)
    said = _refused_again(tmp_path, path)
    assert "har figurer eller tekstfelter, som --apply ikke kan bevare (arket Noter)" in said
    assert "intet blev skrevet" in said
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".reg", "reg."))) == [
        ".reg.xlsx.lock",
        "reg.xlsx",
    ]


def test_pictures_and_charts_are_kept_by_an_apply(tmp_path):
    """What openpyxl keeps is not refused: a picture and a chart on the user's own sheet."""
    path, _ = _planned(tmp_path, "reg.xlsx")
    _with_picture_and_chart(path)
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    before = len(load_registry(path).occupancy)
    apply_plan(path, plan, today=TODAY)
    notes = openpyxl.load_workbook(path)["Noter"]
    assert len(notes._images) == 1 and len(notes._charts) == 1
    assert len(load_registry(path).occupancy) == before + 3


# --- an Excel Table over the rows appended --------------------------------------------------------


@pytest.mark.parametrize("kind", ["table", "autofilter"])
def test_rows_appended_are_inside_the_sheets_table_and_filter(tmp_path, kind):
    """Before, the occupancy rows an apply added lay below the user's Table (and filter): its
    structured references and its filter missed them."""
    path, plan = _planned(tmp_path, "reg.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["occupancy"]
    ref = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"
    if kind == "table":
        table = Table(displayName="Beboere", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
        sheet.add_table(table)
    else:
        sheet.auto_filter.ref = ref
    book.save(path)
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    rows = sheet.max_row
    apply_plan(path, plan, today=TODAY)
    sheet = openpyxl.load_workbook(path)["occupancy"]
    assert sheet.max_row == rows + 3
    wanted = f"A1:{get_column_letter(sheet.max_column)}{rows + 3}"
    if kind == "table":
        table = sheet.tables["Beboere"]
        assert (table.ref, table.autoFilter.ref) == (wanted, wanted)
    else:
        assert sheet.auto_filter.ref == wanted
    assert [p for p in validate_path(path) if p.severity == "error"] == []
    assert len(load_registry(path).occupancy) == rows - 1 + 3


def _totals_table(path: Path, layer: str, rows: int) -> int:
    """Make the first ``rows`` records of ``layer``'s sheet an Excel Table with a totals row (a
    label and a count) inserted below them; returns the totals row's number."""
    book = openpyxl.load_workbook(path)
    sheet = book[layer]
    total = rows + 2
    if total <= sheet.max_row:
        sheet.insert_rows(total)
    sheet.cell(row=total, column=1, value="I alt")
    sheet.cell(row=total, column=2, value=rows)
    ref = f"A1:{get_column_letter(sheet.max_column)}{total}"
    sheet.add_table(Table(displayName="Summer", ref=ref, totalsRowCount=1))
    book.save(path)
    return total


def test_rows_appended_to_a_table_with_a_totals_row_are_refused(tmp_path):
    """Before, the occupancy rows an apply added were written below the Table's totals row,
    outside the Table and its sums (and the totals row was read as a record)."""
    path, plan = _planned(tmp_path, "reg.xlsx")
    _totals_table(path, "occupancy", len(load_registry(path).occupancy))
    said = _refused_again(tmp_path, path)
    assert "arket occupancy har en Excel-tabel (Summer) med en totalrække" in said
    assert "tilføje 3 rækker" in said and "Intet blev skrevet" in said
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".reg", "reg."))) == [
        ".reg.xlsx.lock",
        "reg.xlsx",
    ]


def planned_with_a_new_module(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny registry as a workbook with three more households of four, and a plan made with
    ``--allow-new-modules`` that puts a module up at P1 (its ``modules_now`` goes to 4)."""
    reg = tiny_registry()
    more = [make_household(f"X{i}", adults=4) for i in range(3)]
    reg = reg.with_layers(
        households=pd.concat([reg.households, frame("households", more)], ignore_index=True)
    )
    return _planned(tmp_path, "reg.xlsx", reg, "--allow-new-modules")


def test_cells_changed_on_a_sheet_with_a_totals_row_skip_it(tmp_path):
    """The sites sheet's Table (with its totals row) holds B1; P1 stands below it. The apply
    raises P1's modules_now in P1's row and leaves the totals row as it was."""
    path, plan = planned_with_a_new_module(tmp_path)
    total = _totals_table(path, "sites", 1)
    apply_plan(path, plan, today=TODAY)
    sheet = openpyxl.load_workbook(path)["sites"]
    column = next(c.column for c in sheet[1] if c.value == "modules_now")
    assert [sheet.cell(row=total, column=c).value for c in (1, 2, column)] == ["I alt", 1, None]
    assert sheet.cell(row=total + 1, column=1).value == "P1"
    assert sheet.cell(row=total + 1, column=column).value == 4
    assert load_registry(path).sites["modules_now"].tolist()[1] == 4


# --- owner and group ----------------------------------------------------------------------------

COLLEAGUE = 1000  # a user and group id that is not the test's own


def _owners(path: Path) -> set[tuple[int, int]]:
    """The owners and groups of ``path`` and of everything in it."""
    items = [path, *path.rglob("*")] if path.is_dir() else [path]
    return {(os.lstat(p).st_uid, os.lstat(p).st_gid) for p in items}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give files to another user")
@pytest.mark.parametrize("name", ["reg", "reg.xlsx", "reg.gpkg"])
def test_an_apply_keeps_the_owner_and_group_of_the_registry(tmp_path, name):
    """A folder or workbook is written as a new copy by whoever runs the apply; before, the copy
    was theirs, and colleagues who wrote to the registry through its group lost that. The backup,
    a copy of personal data, has the registry's owner and group too (before: the runner's)."""
    path, plan = _planned(tmp_path, name)
    if path.is_dir():
        (path / "bilag").mkdir()
        (path / "bilag" / "kontrakt.txt").write_text("lejekontrakt")
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.chown(item, COLLEAGUE, COLLEAGUE)
    before = load_registry(path)
    apply_plan(path, plan, today=TODAY)
    assert len(load_registry(path).occupancy) == len(before.occupancy) + 3
    assert _owners(path) == {(COLLEAGUE, COLLEAGUE)}
    (backup,) = [p for p in tmp_path.iterdir() if ".backup-" in p.name]
    assert _owners(backup) == {(COLLEAGUE, COLLEAGUE)}


def test_an_owner_not_allowed_is_tried_as_group_alone_and_never_fails(tmp_path, monkeypatch):
    """A user may not give a file away, and may set only a group of their own: the group is tried
    alone, and a copy that can be given neither stays as it is, without an error."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("x")
    new.write_text("x")
    real, tried = os.lstat, []

    def lstat(item, *args, **kwargs):  # ``old`` belongs to a colleague
        st = real(item, *args, **kwargs)
        if Path(item) != old:
            return st
        return os.stat_result((*st[:4], 4242, 4343, *st[6:10]))

    def refused(item, uid, gid, follow_symlinks=True):
        tried.append((Path(item).name, uid, gid))
        raise PermissionError(1, "Operation not permitted", str(item))

    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(os, "chown", refused)
    files.keep_owners(old, new)
    assert tried == [("new", 4242, 4343), ("new", -1, 4343)]


# --- a read-only folder inside a folder registry -----------------------------------------------

ROOT = Path(capacity.__file__).resolve().parents[1]
NO_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")


def _as_a_user() -> tuple[str, ...]:
    """The command prefix that makes permission bits hold for this test's subprocess: as root,
    ``setpriv`` without the capabilities that let root ignore them (root stays the owner of the
    files); as another user, none. Skips where root cannot drop them."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores permission bits, and setpriv is not here to drop that")
    if subprocess.run([*NO_OVERRIDE, "true"], capture_output=True).returncode != 0:
        pytest.skip("root ignores permission bits, and may not drop that here (setpriv)")
    return NO_OVERRIDE


def _place(cwd: Path, *args: object, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``capacity place ARGS`` in a new process (run in ``cwd``, where no other copy of the
    package is found)."""
    code = "from capacity.cli import app; app()"
    return subprocess.run(
        [*prefix, sys.executable, "-c", code, "place", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
    )


def test_an_apply_removes_its_copy_of_a_read_only_subfolder(tmp_path):
    """A folder the user marked read-only inside the registry is copied with its mode. Before,
    the apply's own copy of it (the old registry, after the swap) could not be removed: the apply
    left ``.reg.tmp-*/bilag`` behind, and every later apply failed on it."""
    prefix = _as_a_user()
    path, plan = _planned(tmp_path)
    (path / "bilag" / "sub").mkdir(parents=True)
    (path / "bilag" / "sub" / "kontrakt.txt").write_text("lejekontrakt")
    os.chmod(path / "bilag", 0o555)
    try:
        done = _place(tmp_path, path, "--out", plan, "--apply", prefix=prefix)
        left = [p.name for p in tmp_path.iterdir() if "capacity-tmp-" in p.name]
    finally:
        for folder in tmp_path.rglob("bilag"):
            os.chmod(folder, 0o755)
    assert done.returncode == 0, done.stdout + done.stderr
    assert left == [] and files.leftovers(path) == []
    assert (path / "bilag" / "sub" / "kontrakt.txt").read_text() == "lejekontrakt"
    assert (path / "bilag").stat().st_mode & 0o777 == 0o755  # as the test left it


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a folder of another user's (root gives it)")
def test_a_leftover_that_cannot_be_removed_is_named_by_its_full_path(tmp_path):
    """A killed run's copy holding a colleague's read-only folder cannot be removed (only its
    owner may make it writable): the refusal names the part by its full path; before, only
    ``sub``."""
    prefix = _as_a_user()
    path, plan = _planned(tmp_path)
    stuck = tmp_path / ".reg.capacity-tmp-k2x_9abc" / "bilag" / "sub"
    stuck.mkdir(parents=True)
    os.chown(stuck.parent, COLLEAGUE, COLLEAGUE)
    os.chmod(stuck.parent, 0o555)
    before = _snapshot(path)
    try:
        done = _place(tmp_path, path, "--out", plan, "--apply", prefix=prefix)
    finally:
        os.chmod(stuck.parent, 0o755)
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join((done.stdout + done.stderr).split())
    assert f"{stuck}: kan ikke fjerne en efterladt midlertidig kopi" in said, said
    assert _snapshot(path) == before


# --- the lock file ------------------------------------------------------------------------------


def test_a_lock_file_is_readable_by_all_whatever_the_umask(tmp_path):
    """Before, a user with umask 077 made a lock file of mode 0600, which no other user could
    open: every other user's apply was refused from then on."""
    mask = os.umask(0o077)
    try:
        with files.file_lock(tmp_path / "reg") as lock:
            pass
    finally:
        os.umask(mask)
    assert lock == tmp_path / ".reg.lock" and lock.stat().st_mode & 0o777 == 0o644


def test_a_lock_file_that_cannot_be_opened_is_named_and_may_be_removed(tmp_path):
    """The refusal names the lock file and says it may be removed; before, it said that it could
    not be created, and nothing of removing it."""
    prefix = _as_a_user()
    path, plan = _planned(tmp_path)
    lock = tmp_path / ".reg.lock"
    lock.touch()
    os.chmod(lock, 0o000)
    before = _snapshot(path)
    done = _place(tmp_path, path, "--out", plan, "--apply", prefix=prefix)
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join((done.stdout + done.stderr).split())
    assert f"{lock}: låsefilen kan ikke åbnes (adgang nægtet); den må gerne slettes" in said, said
    assert _snapshot(path) == before


XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
CHART = '<xdr:graphicFrame><a:graphic><a:graphicData uri="{uri}"/></a:graphic></xdr:graphicFrame>'


@pytest.mark.parametrize(
    "content, dropped",
    [
        ("<xdr:pic/>", False),
        (CHART.format(uri="http://schemas.openxmlformats.org/drawingml/2006/chart"), False),
        (CHART.format(uri="http://schemas.openxmlformats.org/drawingml/2006/diagram"), True),
        ('<xdr:sp><xdr:nvSpPr><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr></xdr:sp>', True),
        ("<xdr:grpSp><xdr:pic/></xdr:grpSp>", True),
        ("<xdr:cxnSp/>", True),
    ],
)
def test_drawings_are_told_from_what_openpyxl_keeps(content, dropped):
    """Pictures and charts in their own anchor are kept; a shape, a group, a connector or a
    SmartArt diagram is not."""
    drawing = ElementTree.fromstring(
        f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}"><xdr:oneCellAnchor><xdr:from/><xdr:ext/>'
        f"{content}<xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
    )
    assert update_xlsx._shapes_in(drawing) is dropped


def test_a_backup_whose_group_cannot_be_kept_is_private(tmp_path, monkeypatch):
    """A user who is not in the registry's group cannot give the backup that group; with the
    registry's group bits the backup would be open to the user's own group instead."""
    registry = tmp_path / "reg.xlsx"
    registry.write_text("x")
    os.chmod(registry, 0o664)
    assert files.copy_mode(registry) == 0o664  # root (or a member of the group) keeps it
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getegid", lambda: 4242)
    monkeypatch.setattr(os, "getgroups", lambda: [4242])
    assert files.copy_mode(registry) == 0o600
