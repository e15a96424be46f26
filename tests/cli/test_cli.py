"""The command line through typer's runner: help per command, exit codes, messages."""

from __future__ import annotations

import contextlib
import sqlite3

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from capacity.cli import app
from capacity.cli.framework import danish
from tests.conftest import ROOT

runner = CliRunner()
WAVE = ROOT / "data" / "scenarios" / "wave.toml"
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def test_help_lists_commands_grouped_by_user():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("info", "validate", "convert", "generate"):
        assert name in result.output
    assert "Jobberiet" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_help_paragraphs_wrap_at_the_terminal_not_at_the_source(name):
    """Each paragraph of a command's help is one line, so that the terminal wraps it at its own
    width (typer keeps a docstring's line breaks after its first paragraph)."""
    help_text = typer.main.get_command(app).commands[name].help
    assert help_text and all("\n" not in p for p in help_text.split("\n\n"))


def test_a_long_help_paragraph_is_filled_to_the_width():
    result = runner.invoke(app, ["place", "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    prose = result.output.split("╭")[0].splitlines()
    start = next(k for k, line in enumerate(prose) if "Uden --apply" in line)
    assert len(prose[start].rstrip()) > 70 and len(prose[start + 1].rstrip()) > 70


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("capacity ")


def test_unknown_option_is_exit_2():
    assert runner.invoke(app, ["info", "--nope"]).exit_code == 2


def test_generate_needs_both_sizes(tmp_path):
    result = runner.invoke(app, ["generate", str(tmp_path / "x.gpkg"), "--households", "5"])
    assert result.exit_code == 2
    assert "--households og --sites" in result.output
    assert not (tmp_path / "x.gpkg").exists()


def test_bench_without_instances_is_exit_2(tmp_path):
    result = runner.invoke(
        app, ["bench", "--instances", str(tmp_path), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "ingen SSCFLP-instanser her" in result.output
    assert not (tmp_path / "o").exists()


def test_info_prints_the_sample_capacity_table(sample_gpkg):
    result = runner.invoke(app, ["info", str(sample_gpkg)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "I alt" in result.output and "Sportsvej" in result.output


def test_info_written_to_a_file_keeps_the_site_names_whole(sample_gpkg, monkeypatch):
    """Not a terminal and no COLUMNS: 120 columns, not rich's 80 (which cut names to a letter)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    result = runner.invoke(app, ["info", str(sample_gpkg)])
    assert result.exit_code == 0, result.output
    assert "Tidligere plejecenter, Lillerød (eksempel)" in result.output


def test_validate_bad_folder_names_row_and_column(sample_folder, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(sample_folder, bad)
    lines = (bad / "units.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("beds")] = "many"
    lines[1] = ",".join(cells)
    (bad / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "units.csv" in result.output and "linje 2" in result.output and "'beds'" in result.output


def test_info_on_a_missing_registry_is_exit_2(tmp_path):
    result = runner.invoke(app, ["info", str(tmp_path / "nope.gpkg")])
    assert result.exit_code == 2
    assert "nope.gpkg" in result.output


def test_convert_round_trip_keeps_the_counts(sample_gpkg, tmp_path):
    result = runner.invoke(app, ["convert", str(sample_gpkg), str(tmp_path / "s.xlsx")])
    assert result.exit_code == 0, result.output
    back = runner.invoke(app, ["info", str(tmp_path / "s.xlsx")], env={"COLUMNS": "160"})
    direct = runner.invoke(app, ["info", str(sample_gpkg)], env={"COLUMNS": "160"})
    rows = [line for line in direct.output.splitlines() if "│" in line]
    assert back.exit_code == 0 and rows == [
        line for line in back.output.splitlines() if "│" in line
    ]


def test_generate_is_deterministic_to_the_byte(tmp_path):
    for name in ("a.gpkg", "b.gpkg"):
        assert runner.invoke(app, ["generate", str(tmp_path / name), "--seed", "7"]).exit_code == 0
    assert (tmp_path / "a.gpkg").read_bytes() == (tmp_path / "b.gpkg").read_bytes()


def test_committed_sample_gpkg_is_what_generate_writes(sample_gpkg, tmp_path):
    assert runner.invoke(app, ["generate", str(tmp_path / "s.gpkg")]).exit_code == 0
    assert (tmp_path / "s.gpkg").read_bytes() == sample_gpkg.read_bytes()


@pytest.mark.parametrize("command", ["info", "place", "report", "review", "followup"])
@pytest.mark.parametrize(
    "written", ["01-12-2026", "2026-13-01", "1.12.2026", "20261201", "2026-W49-2"]
)
def test_a_date_written_wrong_is_named_in_danish_with_exit_2(
    sample_gpkg, tmp_path, command, written
):
    # Before: the CLI framework's English "Invalid value for '--date': Value error, ... does not
    # match the formats '%Y-%m-%d'".
    args = [command, str(sample_gpkg), "--date", written]
    args += ["--year", "2026"] if command == "followup" else []
    args += [] if command == "info" else ["--out", str(tmp_path / "out")]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"--date '{written}' er ikke en dato; skriv den som ÅÅÅÅ-MM-DD, fx 2026-12-01" in text
    assert "Invalid value" not in text and not (tmp_path / "out").exists()


def test_the_help_panels_are_in_danish():
    result = runner.invoke(app, ["info", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Tilvalg" in result.output and "Argumenter" in result.output
    assert "[påkrævet]" in result.output and "ÅÅÅÅ-MM-DD" in result.output


@pytest.mark.parametrize("command", ["place", "report", "review", "followup"])
def test_an_unknown_language_is_refused_with_one_message(sample_gpkg, tmp_path, command):
    # place said "vælg da eller en", report "Ukendt sprog ...; brug --lang da eller --lang en."
    args = [command, str(sample_gpkg), "--lang", "dk", "--out", str(tmp_path / "out")]
    args += ["--year", "2026"] if command == "followup" else []
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "ukendt sprog 'dk'; giv --lang da eller --lang en" in result.output


@pytest.mark.parametrize(
    ("args", "danish", "english"),
    [
        (["place", "x.gpkg", "--tme-limit", "5"], "Ukendt tilvalg: --tme-limit", "No such option"),
        (["place"], "Mangler argumentet 'registry'.", "Missing argument"),
        (
            ["plan", "x.gpkg", "--scenario"],
            "Tilvalget '--scenario' skal have en værdi.",
            "requires",
        ),
        (["followup", "x.gpkg", "--year", "abc"], "'--year': skriv et helt tal", "Input should"),
        (["place", "x.gpkg", "--time-limit", "x"], "'--time-limit': skriv et tal", "Invalid value"),
        (
            ["proposal", "x.gpkg", "-s", "s.toml", "--risk", "2"],
            "'--risk': højst 0,99",
            "less than",
        ),
        (["plcae"], "Ukendt kommando 'plcae'. Mente du 'place'", "No such command"),
        (["place", "a", "b"], "Uventede argumenter: b", "unexpected"),
    ],
)
def test_the_frameworks_own_errors_are_in_danish(args, danish, english):
    """The command line's own errors (click's and typer's conversions) were English inside the
    Danish panels; exit 2 as before."""
    result = runner.invoke(app, args, env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 2
    assert danish in result.output
    assert english not in result.output
    assert "Usage" not in result.output  # "Brug: …" where the framework shows the usage


def test_an_error_the_table_does_not_know_is_kept_as_worded():
    assert danish("Something new went wrong (2.5)") == "Something new went wrong (2.5)"
    # the user's own text as typed (the review found "c/v1,5" for an argument "c/v1.5")
    assert danish("Got unexpected extra argument (c/v1.5)") == "Uventede argumenter: c/v1.5"
    assert danish("File 'a.1.gpkg' does not exist.") == "Filen 'a.1.gpkg' findes ikke."


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("place", []),
        ("plan", ["--scenario", str(WAVE)]),
        ("scenarios", ["--scenario", str(WAVE)]),
        ("proposal", ["--scenario", str(WAVE)]),
    ],
)
def test_an_output_folder_holding_the_registry_is_refused(sample_gpkg, tmp_path, command, extra):
    """``--out`` beside the registry (``--out .``) or inside a folder registry: the outputs
    replace the whole folder at once, and the registry's copy in it would drop another
    program's write; refused before any work, the registry untouched."""
    here = tmp_path / "work"
    here.mkdir()
    reg = here / "reg.gpkg"
    reg.write_bytes(sample_gpkg.read_bytes())
    folder = tmp_path / "reg_folder"
    assert runner.invoke(app, ["convert", str(reg), str(folder)]).exit_code == 0
    for registry, out in ((reg, here), (folder, folder), (folder, folder / "out")):
        result = runner.invoke(app, [command, str(registry), *extra, "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "rummer registret" in result.output and "uden for registret" in result.output
    assert reg.read_bytes() == sample_gpkg.read_bytes()
    assert sorted(p.name for p in here.iterdir()) == ["reg.gpkg"]


def test_convert_force_never_drops_what_the_user_keeps_in_the_file(sample_gpkg, tmp_path):
    """``--force`` over a workbook or GeoPackage that holds the user's own sheet, table or view
    is refused, naming them, and the file is left as it was; over one holding a registry only
    it writes."""
    here = tmp_path / "Flygtninge #2 100%20"  # a URI's '#' and '%20' in the path (review H3)
    here.mkdir()
    book, gpkg = here / "reg.xlsx", here / "reg.gpkg"
    for dst in (book, gpkg):
        assert runner.invoke(app, ["convert", str(sample_gpkg), str(dst)]).exit_code == 0
        again = runner.invoke(app, ["convert", str(sample_gpkg), str(dst), "--force"])
        assert again.exit_code == 0, again.output
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Oversigt <mine>")
    wb.save(book)
    with contextlib.closing(sqlite3.connect(gpkg)) as db:
        db.execute("CREATE TABLE log (line TEXT)")
        db.execute("CREATE VIEW families AS SELECT * FROM households")
        db.commit()
    for dst, named in ((book, "ark Oversigt <mine>"), (gpkg, "visning families, tabel log")):
        before = dst.read_bytes()
        result = runner.invoke(app, ["convert", str(sample_gpkg), str(dst), "--force"])
        assert result.exit_code == 2, result.output
        words = " ".join(result.output.split())
        assert f"rummer mere end et register: {named}." in words and "ville gå tabt" in words
        assert dst.read_bytes() == before
    assert sorted(p.name for p in here.iterdir() if not p.name.startswith(".")) == [
        "reg.gpkg",
        "reg.xlsx",
    ]  # no stray database beside them
    (here / "broken.gpkg").write_bytes(b"not a database")
    result = runner.invoke(app, ["convert", str(sample_gpkg), str(here / "broken.gpkg"), "--force"])
    assert result.exit_code == 2 and "ikke kan læses som en GeoPackage" in result.output


def test_convert_to_a_macro_workbook_name_is_refused(sample_gpkg, tmp_path):
    """A new workbook has no macros: named .xlsm it was a plain workbook Excel refuses to open
    (audit L3); now refused, nothing written."""
    result = runner.invoke(app, ["convert", str(sample_gpkg), str(tmp_path / "reg.xlsm")])
    assert result.exit_code == 2, result.output
    assert "ender på .xlsx" in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []
