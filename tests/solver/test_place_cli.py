"""``capacity place`` through typer's runner: tables, exit codes, the plan, and ``--apply``."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pandas as pd
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from capacity import files
from capacity.cli.app import LiveProgress, user_errors
from capacity.cli.place import _terms, place
from capacity.errors import UserError
from capacity.io.registry import load_registry, write_registry
from capacity.solver.fingerprint import input_hash
from tests.checker import Checker
from tests.helpers import PLACE_DAY, tiny_registry

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _main() -> None:
    """A local app until ``place`` is registered in ``capacity.cli``."""


app.command()(user_errors(place))
DAY = PLACE_DAY.isoformat()


@pytest.fixture
def reg_path(tmp_path):
    """The tiny registry written as a folder (CSV/GeoJSON)."""
    path = tmp_path / "reg"
    write_registry(tiny_registry(), path)
    return path


def _run(*args: str):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "200"})


def test_place_prints_placements_and_reasons_and_writes_the_plan(reg_path, tmp_path):
    result = _run(reg_path, "--date", DAY, "--out", tmp_path / "plan", "--allow-new-modules")
    assert result.exit_code == 0, result.output
    assert "A3" in result.output and "Børn og Familier" in result.output
    assert "optimal (bevist): mål" in result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["input_hash"] == input_hash(load_registry(reg_path))


def test_the_status_line_speaks_the_language_asked_for(reg_path, tmp_path):
    da = _run(reg_path, "--date", DAY, "--out", tmp_path / "da", "--allow-new-modules")
    en = _run(
        reg_path, "--date", DAY, "--out", tmp_path / "en", "--allow-new-modules", "--lang", "en"
    )
    assert da.exit_code == 0 and en.exit_code == 0, da.output + en.output
    assert "optimal (bevist): mål" in da.output and "OPTIMAL" not in da.output
    assert "OPTIMAL: objective" in en.output


def test_bad_solver_and_missing_registry_are_exit_2(reg_path, tmp_path):
    result = _run(reg_path, "--solver", "magic")
    assert result.exit_code == 2 and "ukendt solver" in result.output
    assert _run(tmp_path / "nothing.gpkg").exit_code == 2
    result = _run(reg_path, "--apply")
    assert result.exit_code == 2 and "--apply kræver --out" in result.output
    result = _run(reg_path, "--apply", "--out", tmp_path / "empty")
    assert result.exit_code == 2 and "ingen plan i" in result.output


def test_apply_round_trip_moves_households_in_and_refuses_a_second_time(reg_path, tmp_path):
    plan = tmp_path / "plan"
    assert _run(reg_path, "--date", DAY, "--out", plan).exit_code == 0
    before = load_registry(reg_path)
    result = _run(reg_path, "--out", plan, "--apply")
    assert result.exit_code == 0, result.output
    after = load_registry(reg_path)
    new = after.occupancy[after.occupancy["move_in"] == str(PLACE_DAY)]
    assert sorted(new["household_id"]) == ["A1", "A2", "A3"]
    assert len(after.occupancy) == len(before.occupancy) + 3
    backups = list(tmp_path.glob("reg.backup-*"))
    assert len(backups) == 1 and input_hash(load_registry(backups[0])) == input_hash(before)
    # the registry is consistent with the checker: residents now, nobody left to place but the minor
    assert Checker(after, PLACE_DAY).arriving == ["A4"]
    again = _run(reg_path, "--out", plan, "--apply")
    assert again.exit_code == 2 and "er ændret, siden planen" in again.output


def test_apply_writes_new_modules_as_units(tmp_path):
    from capacity.solver.solve import place as place_households
    from tests.helpers import make_household, make_site, placement_world

    sites = [make_site("P", kind="pavilion_site", modules_now=0, modules_max=2)]
    reg = placement_world(sites=sites, households=[make_household("H", adults=3)])
    write_registry(reg, tmp_path / "reg")
    plan = tmp_path / "plan"
    assert (
        _run(tmp_path / "reg", "--date", DAY, "--out", plan, "--allow-new-modules").exit_code == 0
    )
    assert _run(tmp_path / "reg", "--out", plan, "--apply").exit_code == 0
    after = load_registry(tmp_path / "reg")
    assert list(after.units["id"]) == ["P-NY1"] and int(after.sites["modules_now"].iloc[0]) == 1
    assert len(place_households(after, PLACE_DAY).unplaced) == 0 and len(after.occupancy) == 1


def test_a_crash_mid_apply_leaves_the_registry_intact(reg_path, tmp_path, monkeypatch):
    plan = tmp_path / "plan"
    assert _run(reg_path, "--date", DAY, "--out", plan).exit_code == 0
    before = input_hash(load_registry(reg_path))

    def crash(new, path):
        # everything written to the temporary folder, and then the machine dies before the swap
        raise OSError("power cut")

    monkeypatch.setattr(files, "swap_in", crash)
    with pytest.raises(UserError, match="power cut"):
        from capacity.solver.apply import apply_plan

        apply_plan(reg_path, plan)
    assert input_hash(load_registry(reg_path)) == before
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_apply_refuses_a_registry_changed_since_the_plan(reg_path, tmp_path):
    plan = tmp_path / "plan"
    assert _run(reg_path, "--date", DAY, "--out", plan).exit_code == 0
    reg = load_registry(reg_path)
    write_registry(reg.with_layers(units=reg.units.iloc[:-1]), reg_path)
    changed = input_hash(load_registry(reg_path))
    result = _run(reg_path, "--out", plan, "--apply")
    assert result.exit_code == 2 and "er ændret, siden planen" in result.output
    assert input_hash(load_registry(reg_path)) == changed


def test_apply_closes_the_old_row_of_a_resident_who_moves(tmp_path):
    import datetime as dt

    from tests.helpers import make_household, make_occupancy, make_unit, placement_world

    units = [make_unit("BIG", "B", beds=6), make_unit("SMALL", "B", beds=2)]
    people = [
        make_household("R", arrival_date=dt.date(2025, 1, 1)),
        make_household("FAM", adults=2, children_ages=(1, 4, 7)),
    ]
    reg = placement_world(units=units, households=people, occupancy=[make_occupancy("R", "BIG")])
    write_registry(reg, tmp_path / "reg")
    plan = tmp_path / "plan"
    assert _run(tmp_path / "reg", "--date", DAY, "--out", plan, "--allow-moves").exit_code == 0
    result = _run(tmp_path / "reg", "--out", plan, "--apply", "--lang", "en")
    assert (
        result.exit_code == 0 and "2 moved in" in result.output and "1 moved out" in result.output
    )
    occ = load_registry(tmp_path / "reg").occupancy.sort_values(["household_id", "move_in"])
    rows = [
        (
            r.household_id,
            r.unit_id,
            str(r.move_in.date()),
            None if r.move_out is pd.NaT else str(r.move_out.date()),
        )
        for r in occ.itertuples()
    ]
    assert rows == [
        ("FAM", "BIG", DAY, None),
        ("R", "BIG", "2026-01-01", DAY),
        ("R", "SMALL", DAY, None),
    ]


def test_the_progress_line_writes_numbers_in_the_language_of_the_run():
    """Danish: thousands with '.', decimals with ',' and a space before '%' (reports.text);
    English: '1,234,567' and '0.47%'."""
    import time

    from capacity.cli.app import progress_text as _progress_text

    now = time.perf_counter()
    da = _progress_text("da", now, 60.0, 1_234_567.0, 1_234_567.0 * (1 - 0.0047))
    en = _progress_text("en", now, 60.0, 1_234_567.0, 1_234_567.0 * (1 - 0.0047))
    assert da.endswith("mål 1.234.567 · afstand 0,47 %")
    assert en.endswith("objective 1,234,567 · gap 0.47%")
    assert _progress_text("da", now, 60.0, 5.0, None).endswith("afstand –")


def test_the_progress_line_counts_the_seconds_between_improvements():
    """The line is drawn again with every turn of the spinner: it stood at "1 af 8 s" until the
    next better answer."""
    live = LiveProgress("da", time.perf_counter() - 5.2, 60.0)
    live.show(100.0, 90.0)
    console = Console(width=200)

    def drawn() -> str:
        with console.capture() as seen:
            console.print(live)
        return seen.get()

    assert drawn().startswith("Søger: 5 af 60 s · mål 100")
    live.started -= 3.0  # three seconds on, no better answer
    assert drawn().startswith("Søger: 8 af 60 s · mål 100")


def test_the_progress_line_counts_the_seconds_before_the_first_answer():
    """While the model is built (a large one takes most of the limit) there is no answer yet,
    but the seconds run."""
    live = LiveProgress("da", time.perf_counter() - 12.4, 60.0)
    console = Console(width=200)
    with console.capture() as seen:
        console.print(live)
    assert seen.get().strip() == "Søger: 12 af 60 s"


@pytest.mark.parametrize(
    ("lang", "total", "weight"), [("da", "2.488", "1.000"), ("en", "2,488", "1,000")]
)
def test_the_terms_table_writes_amounts_as_the_summary_line_does(lang, total, weight):
    """Weights and amounts in the terminal's table of terms carry the thousands separator of the
    run's language, as its summary line ("mål 2.488") does."""
    result = SimpleNamespace(
        lang=lang,
        objective=2488,
        weights={"transport": 1000, "spread": 20},
        by_term=lambda: pd.Series({"transport": 1448, "spread": 1040}),
    )
    console = Console(record=True, width=120)
    console.print(_terms(result))
    text = console.export_text()
    assert total in text and weight in text and ("1.448" if lang == "da" else "1,448") in text
    assert "2488" not in text


def test_place_says_when_a_site_of_the_plan_must_be_vacated(tmp_path):
    # B1's availability ends on the run date: households placed there must move again the next
    # day, which the objective does not count, so the planner is told beside the table.
    reg = tiny_registry()
    reg.sites.loc[reg.sites["id"] == "B1", "available_until"] = pd.Timestamp(PLACE_DAY)
    write_registry(reg, tmp_path / "reg")
    result = _run(tmp_path / "reg", "--date", DAY, "--out", tmp_path / "plan")
    assert result.exit_code == 0, result.output
    placed = pd.read_csv(tmp_path / "plan" / "placements.csv")
    at_b1 = int((placed["site_id"] == "B1").sum())
    assert at_b1 > 0
    households = "husstand" if at_b1 == 1 else "husstande"
    line = f"Bemærk: {at_b1} {households} placeres på B1, som kun er til rådighed til og med {DAY}"
    assert line in " ".join(result.output.split())
    assert "(0 dage efter plandatoen)" in result.output
    assert "placeres på P1" not in result.output  # P1 has no end date
