"""A reviewed plan is applied as the user saved it, and a refusal says what to fix (audit 53a
M5): a plan saved by Danish Excel as CSV, a plan made with ``--policy``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.place import place
from capacity.io.registry import load_registry, write_registry
from tests.helpers import PLACE_DAY, tiny_registry

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _main() -> None:
    """A local app with ``place`` only."""


app.command()(user_errors(place))


def _run(*args):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "400"})


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


def _as_danish_excel(plan: Path) -> None:
    """Save the plan's CSV files as Danish Excel does: ``;``, UTF-8 with BOM, CRLF."""
    for name in ("placements.csv", "modules.csv"):
        rows = list(csv.reader((plan / name).read_text(encoding="utf-8").splitlines()))
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
        (plan / name).write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def _planned(tmp_path: Path, *extra) -> tuple[Path, Path]:
    reg, plan = tmp_path / "reg", tmp_path / "plan"
    write_registry(tiny_registry(), reg)
    made = _run(reg, "--date", PLACE_DAY, "--out", plan, *extra)
    assert made.exit_code == 0, made.output
    return reg, plan


def test_a_plan_saved_by_danish_excel_is_applied_as_planned(tmp_path):
    reg, plan = _planned(tmp_path)
    planned = pd.read_csv(plan / "placements.csv", dtype=str)[["household_id", "unit_id"]]
    assert len(planned) > 0
    _as_danish_excel(plan)
    applied = _run(reg, "--out", plan, "--apply")
    assert applied.exit_code == 0, applied.output
    occ = load_registry(reg).occupancy
    moved_in = occ[occ["move_in"] == pd.Timestamp(PLACE_DAY)][["household_id", "unit_id"]]
    assert sorted(map(tuple, moved_in.to_numpy())) == sorted(map(tuple, planned.to_numpy()))


def test_a_plan_saved_by_danish_excel_is_still_checked(tmp_path):
    reg, plan = _planned(tmp_path)
    text = (plan / "placements.csv").read_text(encoding="utf-8").splitlines()
    first = text[1].split(",")
    text[1] = ",".join([first[0], "NOWHERE", *first[2:]])
    (plan / "placements.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    _as_danish_excel(plan)
    before = _snapshot(reg)
    applied = _run(reg, "--out", plan, "--apply")
    assert applied.exit_code == 2
    assert "ukendt bolig 'NOWHERE'; den er ikke i registret" in applied.output
    assert _snapshot(reg) == before


def test_a_plan_made_with_a_policy_file_says_so_when_applied_with_another(tmp_path):
    mine, other = tmp_path / "mine.toml", tmp_path / "other.toml"
    mine.write_text("[weights]\nmoves = 150\n", encoding="utf-8")
    other.write_text("[weights]\nmoves = 170\n", encoding="utf-8")
    reg, plan = _planned(tmp_path, "--policy", mine)
    covers = json.loads((plan / "summary.json").read_text(encoding="utf-8"))["input_hash_covers"]
    assert covers["policy_file"] == str(mine.resolve()) and set(covers) == {
        "registry",
        "policy",
        "policy_file",
    }
    before = _snapshot(reg)
    without = _run(reg, "--out", plan, "--apply")
    assert without.exit_code == 2
    assert (
        f"planen i {plan} blev lavet med en anden politik (--policy {mine}; nu uden --policy); "
        "giv samme --policy som da planen blev lavet (registrets data er uændret)"
    ) in without.output
    another = _run(reg, "--out", plan, "--apply", "--policy", other)
    assert another.exit_code == 2
    assert f"(--policy {mine}; nu --policy {other})" in another.output
    mine.write_text("[weights]\nmoves = 160\n", encoding="utf-8")
    changed = _run(reg, "--out", plan, "--apply", "--policy", mine)
    assert changed.exit_code == 2
    assert f"politikfilen {mine} er ændret, siden planen i {plan} blev lavet" in changed.output
    link = tmp_path / "samme.toml"  # the same file by another name (review L5)
    link.symlink_to(mine)
    named = _run(reg, "--out", plan, "--apply", "--policy", link)
    assert f"politikfilen {mine} er ændret" in named.output, named.output
    assert _snapshot(reg) == before
    mine.write_text("[weights]\nmoves = 150\n", encoding="utf-8")
    same = _run(reg, "--out", plan, "--apply", "--policy", mine)
    assert same.exit_code == 0, same.output


def test_a_plan_without_what_its_hash_covers_gets_the_general_refusal(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text("[weights]\nmoves = 150\n", encoding="utf-8")
    reg, plan = _planned(tmp_path, "--policy", mine)
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    del summary["input_hash_covers"]  # a plan made before the parts were recorded
    (plan / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    refused = _run(reg, "--out", plan, "--apply")
    assert refused.exit_code == 2
    assert f"{reg} er ændret, siden planen i {plan} blev lavet" in refused.output
    assert "(blev planen lavet med --policy, så giv samme)" in refused.output
