"""Plans dated before some move-ins: a row starting after the date books its unit, it is no
resident yet (audit 53a M6)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from capacity import overview
from capacity.cli.app import user_errors
from capacity.cli.place import place as place_command
from capacity.io.registry import load_registry, write_registry
from capacity.model.domain import build_domain
from capacity.solver.solve import place
from capacity.solver.verify import Plan, check_plan
from tests.checker import Checker
from tests.helpers import make_household, make_occupancy, make_unit, placement_world

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _main() -> None:
    """A local app with ``place`` only."""


app.command()(user_errors(place_command))

SEPTEMBER = dt.date(2026, 9, 1)  # B02-10: H2026-011 until 2026-09-21, H078 from 2026-10-02
DAY = dt.date(2026, 11, 15)
OLD = dt.date(2025, 6, 1)


def _run(*args):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "200"})


def _booked_world():
    """R lives in FLAT until ten days after ``DAY``; B (arrived) is booked into FLAT from 30
    days after; A (three persons, arrived) waits; SMALL has two beds."""
    units = [make_unit("FLAT", "B", beds=4), make_unit("SMALL", "B", beds=2)]
    people = [
        make_household("R", arrival_date=OLD),
        make_household("B", adults=2, arrival_date=OLD),
        make_household("A", adults=3, arrival_date=OLD),
    ]
    occupancy = [
        make_occupancy("R", "FLAT", move_in=OLD, move_out=DAY + dt.timedelta(days=10)),
        make_occupancy("B", "FLAT", move_in=DAY + dt.timedelta(days=30)),
    ]
    return placement_world(units=units, households=people, occupancy=occupancy)


def test_residents_on_a_date_are_those_moved_in_by_then_as_the_overview_counts(sample_gpkg):
    reg = load_registry(sample_gpkg)
    dom = build_domain(reg, SEPTEMBER)
    flat = dom.units["B02-10"]
    assert flat.residents == ("H2026-011",)
    assert flat.booked_from == dt.date(2026, 10, 2)
    assert "H078" not in {h.id for h in dom.households}  # booked: not waiting, not placed again
    for day in (dt.date(2026, 7, 1), SEPTEMBER, dt.date(2026, 12, 7)):
        living = overview.open_occupancy(reg, day)
        residents = {(r.household_id, r.unit_id) for r in build_domain(reg, day).residents}
        assert residents == set(zip(living["household_id"], living["unit_id"], strict=True))


def test_a_plan_dated_before_a_booking_applies_to_the_sample(sample_gpkg, tmp_path):
    path = tmp_path / "reg.gpkg"
    shutil.copyfile(sample_gpkg, path)
    plan = tmp_path / "plan"
    made = _run(path, "--date", SEPTEMBER, "--out", plan, "--time-limit", 5)
    assert made.exit_code == 0, made.output
    applied = _run(path, "--out", plan, "--apply")
    assert applied.exit_code == 0, applied.output
    assert f"Skrevet i {path}: 0 flytter ind d. {SEPTEMBER}" in applied.output


def test_moves_on_a_date_before_bookings_give_a_checked_placement(sample_gpkg):
    reg = load_registry(sample_gpkg)
    day = dt.date(2026, 7, 1)
    result = place(reg, day, allow_moves=True, time_limit=5)
    assert Checker(reg, day, allow_moves=True).violations(result.placements, result.modules) == []
    occ = reg.occupancy
    later = occ[occ["move_in"] > pd.Timestamp(day)]
    placed = set(result.placements["household_id"])
    assert not placed & set(later["household_id"])  # booked households keep their bookings
    living = overview.open_occupancy(reg, day)
    homes = set(zip(living["household_id"], living["unit_id"], strict=True))
    into_booked = result.placements[result.placements["unit_id"].isin(set(later["unit_id"]))]
    assert len(into_booked) > 0  # residents who stay until their own move-out
    assert set(zip(into_booked["household_id"], into_booked["unit_id"], strict=True)) <= homes


def test_a_unit_booked_later_takes_no_new_household_and_the_booked_one_waits_for_it():
    reg = _booked_world()
    dom = build_domain(reg, DAY)
    assert dom.units["FLAT"].residents == ("R",)
    assert dom.units["FLAT"].booked_from == DAY + dt.timedelta(days=30)
    result = place(reg, DAY, lang="en")
    assert result.placements.empty  # A would have to leave FLAT again when B moves in
    reasons = dict(zip(result.unplaced["household_id"], result.unplaced["reason"], strict=True))
    assert reasons == {"A": "no free unit with 3 beds; largest free has 2"}


def test_a_plan_into_a_booked_unit_or_of_a_booked_household_is_refused_with_the_booking():
    reg = _booked_world()

    def reasons(*rows: tuple[str, str]) -> list[str]:
        placements = pd.DataFrame(
            [dict(household_id=h, unit_id=u, site_id="B") for h, u in rows], dtype=str
        )
        modules = pd.DataFrame({"site_id": [], "modules_to_put_up": []})
        plan = Plan(Path("plan"), {"date": DAY.isoformat()}, placements, modules, DAY)
        return check_plan(reg, plan, today=DAY)

    assert reasons(("A", "FLAT")) == [
        "unit_not_booked_later[A->FLAT]: En husstand placeres ikke i en bolig, der er booket til "
        "en anden husstand fra en senere dag (den skulle flytte igen før indflytningen).",
        "one_family_per_unit[FLAT] (A, R): En bolig huser én husstand, eller flere husstande af "
        "kun voksne, hvor boligen kan deles.",  # R lives there until its move-out
    ]
    assert reasons(("B", "SMALL")) == [
        "husstand B har allerede bolig FLAT booket fra 2026-12-15 (efter planens dato "
        "2026-11-15); tag den ud af planen, eller ret bookingen i registrets occupancy først"
    ]
    assert reasons(("A", "SMALL")) != []  # three persons, two beds: still checked as before


def test_place_names_the_arrived_households_waiting_for_a_booked_home(tmp_path):
    """B has arrived and waits for FLAT, booked from 30 days after the date: it is neither
    placed nor unplaced, so ``place`` says so by name (review M2: it was left out without a
    word)."""
    path = tmp_path / "reg.gpkg"
    write_registry(_booked_world(), path)
    result = _run(path, "--date", DAY, "--time-limit", "5")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    booked = (DAY + dt.timedelta(days=30)).isoformat()
    assert (
        "Bemærk: 1 husstand er ankommet og venter på en bolig, der er booket fra en senere "
        f"dato, og placeres ikke nu: B (FLAT, fra {booked})."
    ) in said
    assert overview.waiting_for_booking(_booked_world(), DAY)["household_id"].tolist() == ["B"]
