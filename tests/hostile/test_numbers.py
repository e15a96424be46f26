"""Bad numbers and dates: in the policy, on the command line, far in the future or the past.
Each ends with exit 0 or 2 and a message naming what to fix, never a traceback."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import check, check_error

POLICIES = {
    "inf": ("[limits]\ndetour_factor = inf\n", "limits.detour_factor"),
    "nan": ("[limits]\nspeed_kmh = nan\n", "limits.speed_kmh"),
    "1e29": ("[weights]\ntransport = 1e29\n", "weights.transport"),
    "2^63": ("[weights]\nspread = 9223372036854775808\n", "weights.spread"),
    "negative": ("[weights]\nmoves = -1\n", "weights.moves"),
    "huge-horizon": ("[limits]\nhorizon_months = 1000000000\n", "limits.horizon_months"),
    "deep": ("a = " + "[" * 3000 + "]" * 3000 + "\n", "for dybt indlejret"),
    "string": ('[limits]\nmin_count = "three"\n', "limits.min_count"),
    "unknown": ("[weights]\ntransprt = 3\n", "weights.transprt"),
    "negative-moves": ("[limits]\nmax_moves_per_month = -1\n", "limits.max_moves_per_month"),
    "huge-move-cost": (
        "[limits]\nmove_cost_dkk_per_household = 100000000000\n",
        "limits.move_cost_dkk_per_household",
    ),
}
COMMANDS = ["validate", "info", "review", "report", "place"]


@pytest.mark.parametrize("name", POLICIES)
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_policy_numbers_name_the_file_and_key(world, tmp_path, name, command):
    text, key = POLICIES[name]
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    args = [command, world.gpkg, "--policy", policy]
    if command in ("review", "report", "place"):
        args += ["--out", tmp_path / "out"]
    check_error(args, "policy.toml", key)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["inf", "1e29", "deep"])
@pytest.mark.parametrize("command", ["plan", "scenarios", "proposal"])
def test_bad_policy_numbers_stop_the_planners(world, tmp_path, name, command):
    text, key = POLICIES[name]
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    args = [command, world.gpkg, "-s", world.scenario, "--policy", policy]
    check_error([*args, "--out", tmp_path / "out"], "policy.toml", key)


DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2262-04-12", "2026-02-30", "i morgen"]


@pytest.mark.parametrize("day", DATES)
@pytest.mark.parametrize("command", ["info", "review", "report", "place"])
def test_dates_far_out_or_wrong(world, tmp_path, day, command):
    args = [command, world.gpkg, "--date", day]
    if command != "info":
        args += ["--out", tmp_path / "out"]
    if command == "place":
        args += ["--time-limit", "2"]
    check(args)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_review_refuses_a_date_far_out(world, tmp_path, day):
    check_error(["review", world.gpkg, "--date", day, "--out", tmp_path], "ligger langt uden for")


OPTIONS = [
    ["place", "--time-limit", "inf"],
    ["place", "--time-limit", "nan"],
    ["place", "--time-limit", "-1"],
    ["place", "--time-limit", "1e308"],
    ["place", "--seed", "9223372036854775808"],
    ["place", "--seed", "-1"],
    ["scenarios", "--seed", "-1"],
    ["plan", "--seed", "99999999999999999999"],
    ["place", "--solver", "<script>"],
    ["place", "--lang", "[/x]"],
    ["review", "--horizon", "0"],
    ["review", "--horizon", "1000000"],
    ["review", "--lang", "xx"],
    ["report", "--lang", "\x1b[31m"],
    ["report", "--tiles", "javascript:alert(1)//{z}/{x}/{y}"],
    ["plan", "--samples", "0"],
    ["plan", "--risk", "nan"],
    ["plan", "--risk", "2"],
    ["plan", "--time-limit", "-5"],
    ["plan", "--time-limit", "inf"],
    ["plan", "--time-limit", "nan"],
    ["proposal", "--time-limit", "inf"],
    ["proposal", "--time-limit", "nan"],
    ["plan", "--groups", "0"],
    ["scenarios", "--samples", "0"],
    ["scenarios", "--workers", "0"],
    ["proposal", "--runs", "1"],
    ["proposal", "--risk", "-1"],
    ["generate", "--households", "0", "--sites", "1"],
    ["generate", "--households", "5"],
    ["generate", "--households", "5", "--sites", "2", "--module-types", "0"],
    ["generate", "--households", "5", "--sites", "2", "--module-types", "1000000"],
    ["generate", "--module-types", "3"],
    ["bench", "--suite", "nope"],
    ["bench", "--time-limit", "0"],
]


@pytest.mark.parametrize("args", OPTIONS, ids=[" ".join(a) for a in OPTIONS])
def test_bad_option_values(world, tmp_path, args):
    command, *rest = args
    if command in ("place", "review", "report"):
        full = [command, world.gpkg, *rest, "--out", tmp_path / "out"]
    elif command in ("plan", "scenarios", "proposal"):
        full = [command, world.gpkg, "-s", world.scenario, *rest, "--out", tmp_path / "out"]
    elif command == "generate":
        full = [command, tmp_path / "g.gpkg", *rest]
    else:
        full = [command, *rest, "--out", tmp_path / "out"]
    if command == "place" and "--time-limit" not in rest:
        full += ["--time-limit", "2"]
    check(full)


REFUSED = [
    ["plan", "--time-limit", "-5"],
    ["plan", "--time-limit", "inf"],
    ["plan", "--time-limit", "nan"],
    ["proposal", "--time-limit", "inf"],
    ["proposal", "--time-limit", "nan"],
    ["proposal", "--time-limit", "-1"],
    ["scenarios", "--dask", "notaurl"],
]


@pytest.mark.parametrize("args", REFUSED, ids=[" ".join(a) for a in REFUSED])
def test_values_that_cannot_work_are_refused_naming_the_option(world, tmp_path, args):
    """Not only no traceback: a negative limit ran a plan, an address without a port ended in
    exit 1."""
    command, option, value = args
    check_error(
        [command, world.gpkg, "-s", world.scenario, option, value, "--out", tmp_path], option
    )
