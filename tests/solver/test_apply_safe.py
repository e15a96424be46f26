"""``place --apply`` is checked, locked, atomic and keeps what is not ours (issue 17)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import typer
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from typer.testing import CliRunner

from capacity import files
from capacity.cli.app import user_errors
from capacity.cli.place import place
from capacity.errors import UserError
from capacity.io import target, update_folder, update_gpkg, update_xlsx
from capacity.io.layers import frame
from capacity.io.registry import load_registry, write_registry
from capacity.model import hard
from capacity.solver.apply import _valid, apply_plan
from capacity.solver.fingerprint import input_hash
from capacity.solver.verify import RULE_TEXTS
from tests.helpers import (
    PLACE_DAY,
    make_household,
    make_module_type,
    make_occupancy,
    make_site,
    placement_world,
    tiny_registry,
)

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _main() -> None:
    """A local app with ``place`` only."""


app.command()(user_errors(place))
DAY = PLACE_DAY.isoformat()
TODAY = dt.date(2026, 12, 2)  # the date rule is measured from here in the library tests
FORMS = ("reg", "reg.gpkg", "reg.xlsx")


def _run(*args):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "200"})


def _snapshot(path: Path) -> dict[str, bytes]:
    """Every byte of a registry (file or folder), by relative name."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def _refused_again(tmp_path: Path, path: Path) -> str:
    """Plan ``path`` again and apply that plan: refused (exit 2) with the registry as it was;
    the refusal's words on one line."""
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    before = _snapshot(path)
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2, result.output
    assert _snapshot(path) == before
    return " ".join(result.output.split())


def _planned(tmp_path: Path, name: str = "reg", reg=None, *extra: str) -> tuple[Path, Path]:
    """A registry in the form ``name`` names and a plan made from it on ``DAY``."""
    path = tmp_path / name
    write_registry(reg if reg is not None else tiny_registry(), path)
    plan = tmp_path / f"plan-{name}"
    result = _run(path, "--date", DAY, "--out", plan, *extra)
    assert result.exit_code == 0, result.output
    return path, plan


def _edit_csv(file: Path, edit) -> None:
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    edit(frame).to_csv(file, index=False)


def _edit_summary(plan: Path, **changes) -> None:
    summary = json.loads((plan / "summary.json").read_text())
    summary.update(changes)
    (plan / "summary.json").write_text(json.dumps(summary))


# --- bad plans ----------------------------------------------------------------------------------


def _overfull(plan):  # A2 (two persons) into B1-1, where R1 and R2 fill both beds
    _edit_csv(
        plan / "placements.csv",
        lambda f: f.assign(
            unit_id=f["unit_id"].where(f["household_id"] != "A2", "B1-1"),
            site_id=f["site_id"].where(f["household_id"] != "A2", "B1"),
        ),
    )


def _unknown_household(plan):
    _edit_csv(
        plan / "placements.csv", lambda f: pd.concat([f, f.iloc[[0]].assign(household_id="ZZ9")])
    )


def _unknown_unit(plan):
    _edit_csv(
        plan / "placements.csv",
        lambda f: f.assign(unit_id=f["unit_id"].where(f["household_id"] != "A1", "NOPE")),
    )


def _placed_twice(plan):
    _edit_csv(
        plan / "placements.csv",
        lambda f: pd.concat([f, f[f["household_id"] == "A1"].assign(unit_id="B1-2")]),
    )


def _minor(plan):
    _edit_csv(
        plan / "placements.csv",
        lambda f: pd.concat(
            [f, f.iloc[[0]].assign(household_id="A4", unit_id="P1-M2", site_id="P1")]
        ),
    )


def _family_beside_family(plan):  # A3 (a family) into R3's family flat
    _edit_csv(
        plan / "placements.csv",
        lambda f: f.assign(
            unit_id=f["unit_id"].where(f["household_id"] != "A3", "B1-3"),
            site_id=f["site_id"].where(f["household_id"] != "A3", "B1"),
        ),
    )


def _resident_moved(plan):  # R1 (living in B1-1) into the free P1-M1, without --allow-moves
    _edit_csv(
        plan / "placements.csv",
        lambda f: pd.concat(
            [f, f.iloc[[0]].assign(household_id="R1", unit_id="P1-M1", site_id="P1")]
        ),
    )


BAD = {
    "overfull unit": (_overfull, "beds_fit[B1-1]"),
    "resident moved": (
        _resident_moved,
        "husstand R1 bor i B1-1, og planen er lavet uden --allow-moves",
    ),
    "unknown household": (_unknown_household, "ukendt husstand 'ZZ9'"),
    "unknown unit": (_unknown_unit, "ukendt bolig 'NOPE'"),
    "placed twice": (_placed_twice, "husstand A1 er placeret 2 gange"),
    "minor placed": (_minor, "minors_not_placed[A4->P1-M2]"),
    "one family per unit": (_family_beside_family, "one_family_per_unit[B1-3]"),
    "mistyped date": (
        lambda p: _edit_summary(p, date="2226-12-01"),
        "uden for registrets datoer",
    ),
    "not a date": (lambda p: _edit_summary(p, date="2026-13-01"), "er ikke en gyldig dato"),
    "edited hash": (lambda p: _edit_summary(p, input_hash="0" * 64), "er ændret, siden planen"),
    "garbled summary": (lambda p: (p / "summary.json").write_text("{oops"), "ikke gyldig JSON"),
    "no placements": (lambda p: (p / "placements.csv").unlink(), "placements.csv mangler"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_plan_is_refused_with_exit_2_and_the_registry_is_untouched(tmp_path, case):
    spoil, message = BAD[case]
    path, plan = _planned(tmp_path)
    spoil(plan)
    before = _snapshot(path)
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ") or message in result.output
    assert _snapshot(path) == before
    assert not list(tmp_path.glob("reg.backup-*"))


@pytest.mark.parametrize("name", ["reg.gpkg", "reg.xlsx"])
def test_a_bad_plan_leaves_a_gpkg_or_workbook_byte_identical(tmp_path, name):
    path, plan = _planned(tmp_path, name)
    _overfull(plan)
    before = path.read_bytes()
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2 and "beds_fit[B1-1]" in result.output
    assert path.read_bytes() == before


def test_a_household_that_has_moved_on_is_not_placed_again(tmp_path):
    """``place`` leaves out a household whose every stay has ended; a hand-added row for it is
    refused (before: it was housed again, exit 0)."""
    reg = tiny_registry()
    gone = frame("households", [make_household("G", arrival_date=dt.date(2025, 1, 1))])
    stay = make_occupancy("G", "B1-2", move_in=dt.date(2025, 2, 1), move_out=dt.date(2026, 3, 1))
    reg = reg.with_layers(
        households=pd.concat([reg.households, gone], ignore_index=True),
        occupancy=pd.concat([reg.occupancy, frame("occupancy", [stay])], ignore_index=True),
    )
    path, plan = _planned(tmp_path, "reg", reg)
    assert "G" not in set(pd.read_csv(plan / "placements.csv")["household_id"])
    _edit_csv(
        plan / "placements.csv",
        lambda f: pd.concat(
            [f, f.iloc[[0]].assign(household_id="G", unit_id="P1-M1", site_id="P1")]
        ),
    )
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2, result.output
    assert "husstand G er flyttet videre" in " ".join(result.output.split())


def test_the_checker_lists_every_reason_and_accepts_the_solver_plan(tmp_path):
    from capacity.solver.verify import check_plan, read_plan

    path, plan = _planned(tmp_path)
    reg = load_registry(path)
    assert check_plan(reg, read_plan(plan), today=TODAY) == []
    _overfull(plan)
    _minor(plan)
    reasons = check_plan(reg, read_plan(plan), today=TODAY)
    assert any("beds_fit[B1-1]" in r for r in reasons)
    assert any("minors_not_placed" in r for r in reasons)


def test_a_date_outside_the_registry_needs_allow_date(tmp_path):
    path, plan = _planned(tmp_path)
    _edit_summary(plan, date="2028-01-10")  # far after today and every date in the registry
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2 and "--allow-date" in result.output
    result = _run(path, "--out", plan, "--apply", "--allow-date")
    assert result.exit_code == 0, result.output
    occ = load_registry(path).occupancy
    assert (occ["move_in"] == pd.Timestamp("2028-01-10")).sum() == 3


def test_date_span_runs_from_the_first_date_to_three_months_after_the_last():
    from capacity.solver.verify import date_span

    first, last = date_span(tiny_registry(), TODAY)
    assert first == dt.date(2025, 6, 1) and last == TODAY + dt.timedelta(days=92)


# --- the lock -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reg", "reg.gpkg"])
def test_two_applies_at_once_one_wins_the_other_exits_2(tmp_path, name):
    path, plan_a = _planned(tmp_path, name)
    plan_b = tmp_path / "plan-b"
    assert _run(path, "--date", "2026-11-20", "--out", plan_b).exit_code == 0
    before = input_hash(load_registry(path))
    exe = Path(sys.executable).with_name("capacity")
    procs = [
        subprocess.Popen(
            [exe, "place", path, "--out", plan, "--apply"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for plan in (plan_a, plan_b)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        outs.append((proc.returncode, err + out))
    codes = sorted(code for code, _ in outs)
    assert codes == [0, 2], outs
    loser = next(text for code, text in outs if code == 2)
    reasons = ("er låst af", "er ændret, siden planen", "blev ændret af et andet program")
    assert any(r in loser for r in reasons), loser
    after = load_registry(path)
    assert input_hash(after) != before
    days = set(after.occupancy["move_in"].dt.date) - {dt.date(2025, 6, 1)}
    assert len(days) == 1  # one plan, whole; the other not at all


@pytest.mark.parametrize("owner", ["~$occupancy.csv", ".~lock.units.csv#"])
def test_a_folder_file_open_in_a_spreadsheet_is_refused(tmp_path, owner):
    """Excel or LibreOffice holding a CSV would write its own copy over the apply when saved."""
    path, plan = _planned(tmp_path)
    (path / owner).write_text("x")
    before = _snapshot(path)
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2, result.output
    assert "er åben i et regnearksprogram" in " ".join(result.output.split())
    assert _snapshot(path) == before


@pytest.mark.parametrize(
    "name, marked",
    [
        ("reg", "reg"),
        ("reg", "reg/occupancy.csv"),
        ("reg.xlsx", "reg.xlsx"),
        ("reg.gpkg", "reg.gpkg"),
    ],
)
def test_a_registry_marked_read_only_is_refused(tmp_path, name, marked):
    """Before: a folder (mode 555) or a workbook (444) was replaced anyway, exit 0, and the
    folder's old copy, with personal data, could not be removed."""
    path, plan = _planned(tmp_path, name)
    shut = tmp_path / marked
    os.chmod(shut, 0o555 if shut.is_dir() else 0o444)
    before = _snapshot(path)
    try:
        result = _run(path, "--out", plan, "--apply")
    finally:
        os.chmod(shut, 0o755 if shut.is_dir() else 0o644)
    assert result.exit_code == 2, result.output
    assert f"{shut} er skrivebeskyttet" in " ".join(result.output.split())
    assert _snapshot(path) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith((".reg", "reg.backup"))]


def test_the_lock_needs_only_read_access(tmp_path, monkeypatch):
    """A lock file left by another user (who owns it, mode 0644) must not keep the next one out:
    ``flock`` needs a file opened for reading only."""
    opened = []
    real = os.open

    def record(file, flags, *args):
        opened.append((Path(file).name, flags))
        return real(file, flags, *args)

    monkeypatch.setattr(files.os, "open", record)
    with files.file_lock(tmp_path / "reg"):
        pass
    [(name, flags)] = [(n, f) for n, f in opened if n.endswith(".lock")]
    assert name == ".reg.lock" and flags & (os.O_WRONLY | os.O_RDWR) == 0


def test_a_held_lock_refuses_at_once(tmp_path):
    path, plan = _planned(tmp_path)
    before = _snapshot(path)
    with (
        files.file_lock(path),
        pytest.raises(UserError, match="er låst af en anden capacity-proces"),
    ):
        apply_plan(path, plan, today=TODAY)
    assert _snapshot(path) == before
    apply_plan(path, plan, today=TODAY)  # released


def test_a_gpkg_in_a_write_transaction_elsewhere_is_refused(tmp_path):
    path, plan = _planned(tmp_path, "reg.gpkg")
    before = path.read_bytes()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(UserError, match="er låst af et andet program"):
            apply_plan(path, plan, today=TODAY)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert path.read_bytes() == before


def test_an_edit_by_a_program_ignoring_the_lock_is_refused(tmp_path, monkeypatch):
    path, plan = _planned(tmp_path)
    real = target.Target._read_back

    def meanwhile(self, tmp, new):
        real(self, tmp, new)
        with (path / "notes.txt").open("a") as fh:  # a colleague saves a file mid-apply
            fh.write("ring til kommunen\n")

    monkeypatch.setattr(target.Target, "_read_back", meanwhile)
    with pytest.raises(UserError, match="blev ændret af et andet program"):
        apply_plan(path, plan, today=TODAY)
    assert (path / "notes.txt").read_text() == "ring til kommunen\n"
    assert (
        input_hash(load_registry(path))
        == json.loads((plan / "summary.json").read_text())["input_hash"]
    )


# --- atomic at every step -------------------------------------------------------------------------


class Injected(OSError):
    pass


def _steps(monkeypatch, fail_at: int, calls: list[str]) -> None:
    """Make the ``fail_at``-th call of any write step raise (each step counted in ``calls``)."""
    targets = [
        (os, "replace"),
        (os, "rename"),
        (os, "chmod"),
        (shutil, "copy2"),
        (shutil, "copytree"),
        (files, "exchange"),
        (update_gpkg, "_sql"),
        (update_xlsx, "_save_book"),
        (update_folder, "_write_bytes"),
    ]
    for owner, name in targets:
        real = getattr(owner, name)

        def step(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            if len(calls) == fail_at:
                raise Injected(f"injected failure at {_name}")
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, step)


@pytest.mark.parametrize("name", FORMS)
def test_a_failure_at_every_step_leaves_the_old_or_the_new_registry(tmp_path, name, monkeypatch):
    original, plan = _planned(tmp_path, name)
    old = input_hash(load_registry(original))
    work = tmp_path / "work"
    k, seen = 0, set()
    while True:
        k += 1
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        path = work / name
        (shutil.copytree if original.is_dir() else shutil.copy2)(original, path)
        calls: list[str] = []
        with monkeypatch.context() as mp:
            _steps(mp, k, calls)
            try:
                apply_plan(path, plan, today=TODAY)
                failed = False
            except (UserError, Injected) as exc:
                failed = True
                assert "injected failure" in str(exc), exc
        seen.update(calls[k - 1 : k])
        now = input_hash(load_registry(path))
        assert now == old if failed else now != old
        if not failed:
            new = now
            break
        assert k < 200
    # every step failed once, and each time the registry at the path was whole (old)
    assert k > 3, (k, seen)
    assert not [p for p in work.iterdir() if ".tmp" in p.name or ".apply-" in p.name]
    if name == "reg.gpkg":
        assert "_sql" in seen
    elif name == "reg":
        assert {"exchange", "_write_bytes"} <= seen
    else:
        assert {"_save_book", "replace"} <= seen
    assert new


def test_a_process_killed_mid_transaction_leaves_the_old_gpkg(tmp_path):
    original, plan = _planned(tmp_path, "reg.gpkg")
    old = input_hash(load_registry(original))
    code = (
        "import os, sys\n"
        "from capacity.io import update_gpkg\n"
        "from capacity.solver.apply import apply_plan\n"
        "real, n = update_gpkg._sql, [0]\n"
        "def die(conn, sql, params=()):\n"
        "    if sql.startswith(('INSERT', 'UPDATE')):\n"
        "        n[0] += 1\n"
        "        if n[0] == 2: os._exit(9)\n"
        "    return real(conn, sql, params)\n"
        "update_gpkg._sql = die\n"
        "apply_plan(sys.argv[1], sys.argv[2])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, original, plan], capture_output=True)
    assert done.returncode == 9, done.stderr
    assert input_hash(load_registry(original)) == old
    assert apply_plan(original, plan).moved_in == 3  # the hot journal rolled back, no lock left


# --- what is not ours is kept ---------------------------------------------------------------------


def test_gpkg_keeps_other_tables_and_changes_only_occupancy_rows(tmp_path):
    path, plan = _planned(tmp_path, "reg.gpkg")
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY, f_table_name TEXT, styleQML TEXT)"
        )
        db.execute("INSERT INTO layer_styles VALUES (1, 'sites', '<qgis>rød</qgis>')")
    os.chmod(path, 0o640)
    before = load_registry(path)
    apply_plan(path, plan, today=TODAY)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT * FROM layer_styles").fetchall() == [
            (1, "sites", "<qgis>rød</qgis>")
        ]
        counts = dict(db.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
    after = load_registry(path)
    assert counts["occupancy"] == len(after.occupancy) == len(before.occupancy) + 3
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert Path(str(path) + "-journal").exists() is False
    for name in ("households", "units", "sites", "districts"):
        pd.testing.assert_frame_equal(after.layer(name), before.layer(name))
    assert before.occupancy.equals(after.occupancy.iloc[: len(before.occupancy)])


def test_gpkg_rows_read_back_as_a_full_write_would(tmp_path):
    """New modules (units rows and modules_now) written in place equal a fresh write."""
    sites = [make_site("P", kind="pavilion_site", modules_now=0, modules_max=2)]
    reg = placement_world(sites=sites, households=[make_household("H", adults=3)])
    path, plan = _planned(tmp_path, "reg.gpkg", reg, "--allow-new-modules")
    apply_plan(path, plan, today=TODAY)
    after = load_registry(path)
    assert list(after.units["id"]) == ["P-NY1"] and int(after.sites["modules_now"].iloc[0]) == 1
    write_registry(after, tmp_path / "fresh.gpkg")
    assert input_hash(load_registry(tmp_path / "fresh.gpkg")) == input_hash(after)


def _text_keyed(path: Path, layer: str) -> None:
    """Make ``layer`` a table keyed by its text ``id`` (as a user's tool may), its rows stored
    in the reverse order of their ids."""
    with sqlite3.connect(path) as db:
        info = [r for r in db.execute(f"PRAGMA table_info({layer})") if r[1] != "fid"]
        names = ", ".join(f'"{r[1]}"' for r in info)
        decl = ", ".join(
            f'"{r[1]}" {r[2]}' + (" PRIMARY KEY" if r[1] == "id" else "") for r in info
        )
        db.execute(f"ALTER TABLE {layer} RENAME TO old")
        db.execute(f"CREATE TABLE {layer} ({decl})")
        db.execute(f"INSERT INTO {layer} SELECT {names} FROM old ORDER BY id DESC")
        db.execute("DROP TABLE old")


def test_gpkg_rows_are_changed_where_they_were_read_whatever_the_primary_key(tmp_path):
    """A table keyed by text: the row changed is the one read (before: the row at the same place
    in the order of the key, another module type, written and committed)."""
    sites = [
        make_site(s, kind="pavilion_site", dx=dx, modules_now=0) for s, dx in (("P", 0), ("Q", 500))
    ]
    types = [
        make_module_type("A1", "P", modules_max=2),
        make_module_type("Z9", "Q", modules_max=2, beds_per_unit=2, family_ok=False),
    ]
    reg = placement_world(sites=sites, households=[make_household("H", adults=3)])
    path = tmp_path / "reg.gpkg"
    write_registry(reg.with_layers(module_types=frame("module_types", types)), path)
    _text_keyed(path, "module_types")
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan, "--allow-new-modules").exit_code == 0
    assert apply_plan(path, plan, today=TODAY).modules == 1
    after = load_registry(path).module_types.set_index("id")["modules_now"]
    assert after.to_dict() == {"Z9": 0, "A1": 1}


def test_a_gpkg_row_not_the_one_read_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    """Were the rows found in another order than read, the changed row's key tells, and the
    transaction is rolled back: the registry stays byte for byte."""
    sites = [make_site("P", kind="pavilion_site", modules_now=0)]
    types = [make_module_type("A1", "P", modules_max=2), make_module_type("Z9", "P")]
    reg = placement_world(sites=sites, households=[make_household("H", adults=3)])
    path = tmp_path / "reg.gpkg"
    write_registry(reg.with_layers(module_types=frame("module_types", types)), path)
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan, "--allow-new-modules").exit_code == 0
    before = _snapshot(path)
    real = update_gpkg._sql

    def reversed_rowids(conn, statement, params=()):
        cursor = real(conn, statement, params)
        return iter(cursor.fetchall()[::-1]) if "ORDER BY rowid" in statement else cursor

    monkeypatch.setattr(update_gpkg, "_sql", reversed_rowids)
    with pytest.raises(
        UserError,
        match=r"række 1 i tabellen module_types er ikke den, der blev læst \(A1\); intet blev skrevet",
    ):
        apply_plan(path, plan, today=TODAY)
    assert _snapshot(path) == before
    assert not list(tmp_path.glob("reg.backup-*"))  # no copy of the registry left (before: one)


def test_new_modules_are_named_after_those_an_earlier_apply_wrote(tmp_path):
    """The second module at a site is P-NY2: before, the offer was named P-NY1 again, hid the
    real unit P-NY1 and its residents, and the plan could not be applied."""
    sites = [make_site("P", kind="pavilion_site", modules_now=0, modules_max=2)]
    later = PLACE_DAY + dt.timedelta(days=10)
    households = [make_household("H", adults=3), make_household("K", adults=3, arrival_date=later)]
    reg = placement_world(sites=sites, households=households)
    path, plan = _planned(tmp_path, "reg", reg, "--allow-new-modules")
    apply_plan(path, plan, today=TODAY)
    second = tmp_path / "second"
    result = _run(path, "--date", later.isoformat(), "--out", second, "--allow-new-modules")
    assert result.exit_code == 0, result.output
    assert pd.read_csv(second / "placements.csv")["unit_id"].tolist() == ["P-NY2"]
    assert apply_plan(path, second, today=TODAY).modules == 1
    after = load_registry(path)
    assert after.occupancy.set_index("household_id")["unit_id"].to_dict() == {
        "H": "P-NY1",
        "K": "P-NY2",
    }


X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list"><x14:formula1><xm:f>sites!$A$2:$A$3</xm:f></x14:formula1>'
    "<xm:sqref>B2:B10</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
)


def test_excel_features_openpyxl_would_drop_are_refused(tmp_path):
    """A list validation pointing at another sheet (Excel writes it as an extension): openpyxl
    would save the workbook without it; before, it was dropped silently."""
    path, plan = _planned(tmp_path, "reg.xlsx")
    plain = path.with_name("plain.xlsx")
    path.rename(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", X14_VALIDATION.encode() + b"</worksheet>")
            out.writestr(item, data)
    before = _snapshot(path)
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2, result.output
    assert "Excel-funktioner, som --apply ikke kan bevare (datavalidering)" in " ".join(
        result.output.split()
    )
    assert _snapshot(path) == before and not list(tmp_path.glob("reg.backup-*"))


def test_excel_keeps_rich_text_in_the_users_cells(tmp_path):

    path, plan = _planned(tmp_path, "reg.xlsx")
    book = openpyxl.load_workbook(path)
    note = book.create_sheet("noter")
    note["A1"] = CellRichText("Husk: ", TextBlock(InlineFont(b=True, color="FF0000"), "VIGTIGT"))
    book.save(path)
    plan = tmp_path / "plan-2"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    apply_plan(path, plan, today=TODAY)
    cell = openpyxl.load_workbook(path, rich_text=True)["noter"]["A1"].value
    assert isinstance(cell, CellRichText) and cell[1].font.b and str(cell) == "Husk: VIGTIGT"


def test_excel_rows_added_are_written_as_the_columns_cells_are(tmp_path):
    """Numeric household ids stay numbers (a VLOOKUP with numbers finds them), dates take the
    column's format; before: ids as text, dates as yyyy-mm-dd."""

    reg = tiny_registry()
    numbers = {h: str(100 + i) for i, h in enumerate(reg.households["id"])}
    reg = reg.with_layers(
        households=reg.households.assign(id=reg.households["id"].map(numbers)),
        occupancy=reg.occupancy.assign(household_id=reg.occupancy["household_id"].map(numbers)),
    )
    path = tmp_path / "reg.xlsx"
    write_registry(reg, path)
    book = openpyxl.load_workbook(path)
    for name, column in (("households", "id"), ("occupancy", "household_id")):
        sheet = book[name]
        at = [c.value for c in sheet[1]].index(column) + 1
        for r in range(2, sheet.max_row + 1):
            sheet.cell(row=r, column=at).value = int(sheet.cell(row=r, column=at).value)
    occupancy = book["occupancy"]
    move_in = [c.value for c in occupancy[1]].index("move_in") + 1
    for r in range(2, occupancy.max_row + 1):
        occupancy.cell(row=r, column=move_in).number_format = "dd-mm-yyyy"
    book.save(path)
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    rows = len(load_registry(path).occupancy)
    apply_plan(path, plan, today=TODAY)
    sheet = openpyxl.load_workbook(path)["occupancy"]
    heads = [c.value for c in sheet[1]]
    added = list(sheet.iter_rows(min_row=rows + 2))
    assert len(added) == 3
    for row in added:
        assert isinstance(row[heads.index("household_id")].value, int)
        assert row[heads.index("move_in")].number_format == "dd-mm-yyyy"


def test_excel_keeps_other_sheets_widths_comments_and_mode(tmp_path):
    from openpyxl.comments import Comment

    path, plan = _planned(tmp_path, "reg.xlsx")
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("Noter")
    notes["A1"] = "Husk at ringe"
    notes["A1"].comment = Comment("fra Jobberiet", "Anna")
    notes.column_dimensions["A"].width = 42
    book["occupancy"].column_dimensions["B"].width = 17
    book.save(path)
    os.chmod(path, 0o640)
    before = load_registry(path)
    apply_plan(path, plan, today=TODAY)
    book = openpyxl.load_workbook(path)
    assert book["Noter"]["A1"].value == "Husk at ringe"
    assert book["Noter"]["A1"].comment.text == "fra Jobberiet"
    assert book["Noter"].column_dimensions["A"].width == 42
    assert book["occupancy"].column_dimensions["B"].width == 17
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert len(load_registry(path).occupancy) == len(before.occupancy) + 3


def _danish(folder: Path) -> None:
    """Every CSV file of ``folder`` rewritten with ``;``, CRLF and cp1252 (Danish Excel's export)."""
    for file in folder.glob("*.csv"):
        rows = list(csv.reader(file.read_text(encoding="utf-8").splitlines()))
        with file.open("w", encoding="cp1252", newline="") as fh:
            csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)


def test_a_danish_folder_keeps_its_dialect_policy_comments_and_mode(tmp_path):
    sites = [make_site("P", kind="pavilion_site", modules_now=0, modules_max=2)]
    sites[0]["name"] = "Pavillon Ærtebjerg"
    reg = placement_world(sites=sites, households=[make_household("H", adults=3)])
    path = tmp_path / "reg"
    write_registry(reg, path)
    _danish(path)
    (path / "policy.toml").write_text(
        "# Allerøds vægte, aftalt med Jobberiet\n[weights]\ntransport = 3  # minutter\n",
        encoding="utf-8",
    )
    os.chmod(path, 0o755)
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan, "--allow-new-modules").exit_code == 0
    policy = (path / "policy.toml").read_bytes()
    households = (path / "households.csv").read_bytes()
    apply_plan(path, plan, today=TODAY)
    assert (path / "policy.toml").read_bytes() == policy
    assert (path / "households.csv").read_bytes() == households
    for name in ("occupancy", "units", "sites"):
        data = (path / f"{name}.csv").read_bytes()
        text = data.decode("cp1252")
        assert ";" in text.splitlines()[0] and "," not in text.splitlines()[0]
        assert data.count(b"\r\n") == len(text.splitlines())
    assert "Ærtebjerg".encode("cp1252") in (path / "sites.csv").read_bytes()
    assert os.stat(path).st_mode & 0o7777 == 0o755
    after = load_registry(path)
    assert list(after.units["id"]) == ["P-NY1"] and len(after.occupancy) == 1


@pytest.mark.parametrize("name", FORMS)
def test_a_symlinked_registry_is_written_through_the_link(tmp_path, name):
    real, plan = _planned(tmp_path, name)
    link = tmp_path / f"link-{name}"
    link.symlink_to(real)
    apply_plan(link, plan, today=TODAY)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(load_registry(real).occupancy) == 6
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("link-") and "backup" in p.name]


def test_os_errors_are_user_errors_naming_the_path(tmp_path):
    path, plan = _planned(tmp_path)
    (tmp_path / ".reg.lock").mkdir()  # the lock file's place is taken by a folder
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2 and ".reg.lock" in result.output.replace("\n", "")
    assert "Traceback" not in result.output
    (tmp_path / ".reg.lock").rmdir()
    (tmp_path / "reg.gpkg").mkdir()  # a folder where a GeoPackage should be
    result = _run(tmp_path / "reg.gpkg", "--out", plan, "--apply")
    assert result.exit_code == 2 and "Traceback" not in result.output


def _with_formula(path: Path, sheet: str, cell: str, formula: str) -> None:

    book = openpyxl.load_workbook(path)
    (book[sheet] if sheet in book.sheetnames else book.create_sheet(sheet))[cell] = formula
    book.save(path)


def test_formulas_in_the_registrys_sheets_are_refused_before_anything_is_written(tmp_path):
    """The registry is read as the values Excel stored with its formulas; openpyxl would keep
    the formula and drop the value, so the workbook would not read back as planned."""
    path = tmp_path / "reg.xlsx"
    write_registry(tiny_registry(), path)
    _with_formula(path, "households", "I1", "personer")
    _with_formula(path, "households", "I2", "=C2+1")
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    before = _snapshot(path)
    result = _run(path, "--out", plan, "--apply")
    flat = " ".join(result.output.split())
    assert result.exit_code == 2 and "indeholder en formel (households!I2)" in flat, result.output
    assert _snapshot(path) == before and not list(tmp_path.glob("reg.backup-*"))


def test_a_damaged_workbook_is_refused_with_exit_2(tmp_path):
    path, plan = _planned(tmp_path, "reg.xlsx")
    path.write_bytes(path.read_bytes()[:1000])
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2 and "ikke en Excel-projektmappe, der kan læses" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.glob("reg.backup-*"))


def test_a_linked_layer_file_in_a_folder_is_refused_and_left_as_it_was(tmp_path):
    """The folder is copied with its links: an edit would change the linked file before the
    swap, and the backup would hold only the link."""
    path, plan = _planned(tmp_path, "reg")
    shared = tmp_path / "shared"
    shared.mkdir()
    (path / "occupancy.csv").rename(shared / "occupancy.csv")
    (path / "occupancy.csv").symlink_to(shared / "occupancy.csv")
    before = _snapshot(shared)
    result = _run(path, "--out", plan, "--apply")
    assert result.exit_code == 2 and "occupancy.csv er et symbolsk link" in result.output
    assert _snapshot(shared) == before and not list(tmp_path.glob("reg.backup-*"))


def test_formulas_on_the_users_own_sheets_are_kept_and_computed_again(tmp_path):

    path = tmp_path / "reg.xlsx"
    write_registry(tiny_registry(), path)
    _with_formula(path, "Oversigt", "B1", "=COUNTA(households!A:A)-1")
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    assert _run(path, "--out", plan, "--apply").exit_code == 0
    book = openpyxl.load_workbook(path)
    assert book["Oversigt"]["B1"].value == "=COUNTA(households!A:A)-1"
    assert book.calculation.fullCalcOnLoad


@pytest.mark.parametrize("name", FORMS)
def test_an_apply_removes_the_copies_a_killed_run_left(tmp_path, name):
    """A run killed before its rename leaves a hidden copy of the registry (personal data); the
    next apply, holding the lock, removes it, and keeps what is not such a copy."""
    path, plan = _planned(tmp_path, name)
    suffix = Path(name).suffix
    left = [
        tmp_path / f".{name}.capacity-k2x_9abc{suffix}"
        if suffix
        else tmp_path / f".{name}.capacity-tmp-k2x_9abc",
        tmp_path / f".reg.backup-0e35e6bdadd8{suffix}.capacity-tmp-ab12cd34",
    ]
    # an interrupted swap's old folder, and the user's own files, also those named like a copy
    # of ours without its mark (audit L1: ".reg.xlsx.kopi_jan.xlsx" was removed)
    kept = [
        tmp_path / f".{name}.capacity-old-ab12cd34",
        tmp_path / f".{name}.notes",
        tmp_path / "reg.txt",
        tmp_path / f".{name}.kopi_jan{suffix}",
        tmp_path / f".reg.backup-old{suffix}.20240101{suffix}",
    ]
    for item in left + kept:
        if "capacity-tmp-" in item.name or "capacity-old-" in item.name:
            item.mkdir()  # a temporary folder (and an interrupted swap's old folder)
        else:
            item.write_text("x")
    apply_plan(path, plan, today=TODAY)
    assert not [p for p in left if p.exists()] and all(p.exists() for p in kept)


# --- backups -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["register #2.gpkg", "hvad?.gpkg", "kapacitet 100%41.gpkg"])
def test_a_gpkg_backup_holds_the_registry_whatever_its_name(tmp_path, name):
    """``#``, ``?`` and ``%`` mean something in the SQLite URI the backup opens the file with."""
    path, plan = _planned(tmp_path, name)
    before = input_hash(load_registry(path))
    backup = apply_plan(path, plan, today=TODAY).backup
    assert input_hash(load_registry(backup)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, backup.name, f"plan-{name}"])


def test_every_apply_writes_a_backup_of_its_own(tmp_path):
    """The hash leaves out the user's own tables, so a backup of the same hash from an earlier
    apply may lack what the user added since: the second apply writes a new one beside it."""
    path, plan = _planned(tmp_path, "reg.gpkg")
    first = apply_plan(path, plan, today=TODAY).backup
    shutil.copy2(first, path)  # back to the registry as it was, then a note of the user's
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE noter (tekst TEXT)")
        db.execute("INSERT INTO noter VALUES ('ring til Jobberiet')")
    kept = first.read_bytes()
    second = apply_plan(path, plan, today=TODAY).backup
    assert second.name == first.name.replace(".gpkg", "-2.gpkg") and first.read_bytes() == kept
    with sqlite3.connect(second) as db:
        assert db.execute("SELECT tekst FROM noter").fetchall() == [("ring til Jobberiet",)]


@pytest.mark.parametrize("name", FORMS)
def test_a_backup_that_does_not_read_back_is_refused(tmp_path, name, monkeypatch):
    """A copy that lost a row (a full disk, a broken copy) is no backup: nothing is written."""
    path, plan = _planned(tmp_path, name)
    before = _snapshot(path)
    real = target.load_registry

    def lossy(where):
        reg = real(where)
        if ".backup-" not in Path(where).name:
            return reg
        return reg.with_layers(occupancy=reg.occupancy.iloc[:-1])

    monkeypatch.setattr(target, "load_registry", lossy)
    with pytest.raises(UserError, match="sikkerhedskopien af .* svarer ikke til registret"):
        apply_plan(path, plan, today=TODAY)
    assert _snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == []


@pytest.mark.parametrize("name", FORMS)
def test_a_full_disk_while_backing_up_names_the_backup_and_says_nothing_was_written(
    tmp_path, name, monkeypatch
):
    """The disk fills while the backup is copied (the error names the registry's file, as a
    copy's does): the refusal names the backup and says the registry is unchanged; before, it
    named the registry's own file ("pois.csv: kan ikke skrives") or the GeoPackage."""
    path, plan = _planned(tmp_path, name)
    before = _snapshot(path)

    def full(old: Path, new: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(old))

    monkeypatch.setattr(files, "keep_owners", full)
    with pytest.raises(UserError) as caught:
        apply_plan(path, plan, today=TODAY)
    said = str(caught.value)
    assert ".backup-" in said.split(":")[0] and "sikkerhedskopien kan ikke skrives" in said
    assert f"intet blev skrevet, og {files.target_of(path)} er uændret" in said
    assert _snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == []


# --- convert and generate -------------------------------------------------------------------------


def test_convert_and_generate_refuse_an_existing_destination_without_force(tmp_path):
    from capacity.cli import app as capacity_app

    src = tmp_path / "src.gpkg"
    write_registry(tiny_registry(), src)
    for dst in (tmp_path / "book.xlsx", tmp_path / "folder"):
        if dst.suffix:
            dst.write_bytes(b"the council's own workbook")
        else:
            dst.mkdir()
            (dst / "keep.txt").write_text("mine")
        before = _snapshot(dst)
        for args in (["convert", src, dst], ["generate", dst, "--households", "5", "--sites", "2"]):
            result = runner.invoke(capacity_app, [str(a) for a in args])
            assert result.exit_code == 2 and "--force" in result.output, result.output
            assert str(dst) in result.output.replace("\n", "")
            assert _snapshot(dst) == before
        result = runner.invoke(capacity_app, ["convert", str(src), str(dst), "--force"])
        if dst.suffix:  # no workbook: what it holds is unknown, so even --force keeps it
            said = " ".join(result.output.split())
            assert result.exit_code == 2 and "ikke kan læses som en Excel-arbejdsbog" in said
            assert _snapshot(dst) == before
            dst.unlink()
            result = runner.invoke(capacity_app, ["convert", str(src), str(dst), "--force"])
        assert result.exit_code == 0, result.output
        assert input_hash(load_registry(dst)) == input_hash(load_registry(src))
    assert (tmp_path / "folder" / "keep.txt").read_text() == "mine"


def test_a_registry_written_over_a_folder_keeps_no_layer_of_the_old_one(tmp_path):
    """``convert --force`` over a folder registry: a layer the new registry lacks (travel
    minutes, module types) would be read as part of it; every layer file goes, the user's own
    files stay."""
    from capacity.cli import app as capacity_app

    folder = tmp_path / "folder"
    reg = tiny_registry()
    kind = make_module_type("T1", "P1", name="gammel", modules_now=2)
    old = reg.with_layers(
        module_types=frame("module_types", [kind]),
        units=reg.units.assign(module_type_id=reg.units["site_id"].map({"P1": "T1"})),
    )
    write_registry(old, folder)
    (folder / "travel_minutes.geojson").write_text("not ours to keep")
    (folder / "noter.txt").write_text("mine")
    src = tmp_path / "src.gpkg"
    write_registry(reg, src)
    result = runner.invoke(capacity_app, ["convert", str(src), str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.csv" for name in ("pois", "sites", "units", "households", "occupancy")]
        + ["districts.geojson", "policy.toml", "noter.txt"]
    )
    assert input_hash(load_registry(folder)) == input_hash(load_registry(src))


def test_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    try:
        files.exchange(tmp_path / "a", tmp_path / "b")
    except NotImplementedError:
        pytest.skip("no renameat2 here: the documented fallback is used")
    assert (tmp_path / "b" / "x").read_text() == "a" and not list((tmp_path / "a").iterdir())


def test_the_fallback_without_exchange_still_swaps(tmp_path, monkeypatch):
    def unsupported(a, b):
        raise NotImplementedError("no RENAME_EXCHANGE")

    monkeypatch.setattr(files, "exchange", unsupported)
    path, plan = _planned(tmp_path)
    apply_plan(path, plan, today=TODAY)
    assert len(load_registry(path).occupancy) == 6
    assert not [p for p in tmp_path.iterdir() if "capacity-old-" in p.name or ".apply-" in p.name]


@pytest.mark.parametrize("how", ["same", "link"])
def test_convert_never_writes_a_registry_over_itself(tmp_path, how):
    """Over itself, even with ``--force``, a GeoPackage would lose the user's own tables."""
    from capacity.cli import app as capacity_app

    src = tmp_path / "reg.gpkg"
    write_registry(tiny_registry(), src)
    with sqlite3.connect(src) as db:
        db.execute("CREATE TABLE noter (tekst TEXT)")
    dst = src if how == "same" else tmp_path / "link.gpkg"
    if how == "link":
        dst.symlink_to(src)
    before = _snapshot(src)
    result = runner.invoke(capacity_app, ["convert", str(src), str(dst), "--force"])
    assert result.exit_code == 2 and "er det register, der konverteres" in result.output
    assert _snapshot(src) == before


def test_gpkg_rows_get_the_defaults_the_users_schema_sets(tmp_path):
    """A column of the user's with ``DEFAULT`` (``NOT NULL`` too) gets its default in the rows
    the apply adds, as any other program's INSERT would, not NULL (NOT NULL refused the apply)."""
    path = tmp_path / "reg.gpkg"
    write_registry(tiny_registry(), path)
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE occupancy ADD COLUMN \"Kilde\" TEXT NOT NULL DEFAULT 'manuel'")
        db.execute("ALTER TABLE occupancy ADD COLUMN antal INTEGER DEFAULT 7")
        db.execute("ALTER TABLE occupancy ADD COLUMN note TEXT")
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    assert apply_plan(path, plan, today=TODAY).moved_in == 3
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT Kilde, antal, note FROM occupancy").fetchall()
    assert rows == [("manuel", 7, None)] * 6


def test_a_users_whole_decimal_default_reads_back_as_written(tmp_path):
    """A REAL column with ``DEFAULT 2.0``: the added rows read back as ``2``, as the rows before
    them do (before: the default was held as ``2.0``, the read-back after the commit saw the rows
    differ and exited 1, telling the user to restore the backup)."""
    path = tmp_path / "reg.gpkg"
    write_registry(tiny_registry(), path)
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE occupancy ADD COLUMN vægt REAL DEFAULT 2.0")
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    assert apply_plan(path, plan, today=TODAY).moved_in == 3
    assert load_registry(path).occupancy["vægt"].tolist() == ["2"] * 6


def test_a_users_boolean_column_reads_back_the_same_after_rows_are_added(tmp_path):
    """A BOOLEAN column (QGIS makes them) read as booleans, then, with the added rows' empty
    cells, as numbers: the same text either way (before: the read-back after the commit saw
    every row changed and exited 1, telling the user to restore the backup)."""
    path = tmp_path / "reg.gpkg"
    write_registry(tiny_registry(), path)
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE occupancy ADD COLUMN tjekket BOOLEAN")
        db.execute("UPDATE occupancy SET tjekket = 1")
    plan = tmp_path / "plan"
    assert _run(path, "--date", DAY, "--out", plan).exit_code == 0
    assert apply_plan(path, plan, today=TODAY).moved_in == 3
    assert load_registry(path).occupancy["tjekket"].fillna("").tolist() == ["1"] * 3 + [""] * 3


@pytest.mark.parametrize("name", FORMS)
def test_convert_force_is_refused_while_another_writer_holds_the_lock(tmp_path, name):
    """A whole registry written over one that an apply (or QGIS) is writing is refused at once;
    the registry stays as it was."""
    from capacity.cli import app as capacity_app

    src = tmp_path / "src.gpkg"
    write_registry(tiny_registry(), src)
    dst = tmp_path / name
    write_registry(tiny_registry(), dst)
    before = _snapshot(dst)
    if name.endswith(".gpkg"):
        holder = sqlite3.connect(dst, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        held = contextlib.closing(holder)
    else:
        held = files.file_lock(dst)
    with held:
        result = runner.invoke(capacity_app, ["convert", str(src), str(dst), "--force"])
    assert result.exit_code == 2 and "er låst af" in result.output, result.output
    assert _snapshot(dst) == before


def test_an_apply_refuses_a_gpkg_replaced_after_it_was_read(tmp_path, monkeypatch):
    """The transaction would change the file that was replaced, and the apply would be lost."""
    path, plan = _planned(tmp_path, "reg.gpkg")
    real = update_gpkg.load_registry

    def read_then_replace(where):
        reg = real(where)
        shutil.copy2(where, tmp_path / "copy.gpkg")
        os.replace(tmp_path / "copy.gpkg", where)
        return reg

    monkeypatch.setattr(update_gpkg, "load_registry", read_then_replace)
    with pytest.raises(UserError, match="blev erstattet af en anden fil under --apply"):
        apply_plan(path, plan, today=TODAY)


def test_every_hard_rule_has_its_danish_text_for_a_refused_plan():
    assert set(RULE_TEXTS) == {rule.__name__ for rule in hard.HARD_RULES}


def test_a_registry_the_plan_would_break_is_named_not_the_temporary_copy(tmp_path):
    """The last check reads the changed registry from a temporary folder: its refusal names the
    registry and the row by id (before: a temporary ``occupancy.csv`` and its line)."""
    reg = tiny_registry()
    occupancy = reg.occupancy.copy()
    occupancy.loc[0, "unit_id"] = "NOPE"
    with pytest.raises(UserError) as err:
        _valid(reg.with_layers(occupancy=occupancy), tmp_path / "reg.gpkg")
    [where] = [line.split(": ", 1)[0] for line in str(err.value).splitlines() if "NOPE" in line]
    assert where == "  - reg.gpkg:occupancy, række R1/NOPE, kolonne 'unit_id'"


def test_a_commit_refused_by_a_reader_leaves_no_backup(tmp_path):
    """Another program reading the GeoPackage (a read transaction, as QGIS holds one) makes the
    commit fail: nothing is written, and no copy of the registry is left (before: the backup
    made before the write stayed)."""
    path, plan = _planned(tmp_path, "reg.gpkg")
    before = path.read_bytes()
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM occupancy").fetchall()
    try:
        with pytest.raises(UserError):
            apply_plan(path, plan, today=TODAY)
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("reg.backup-*"))
