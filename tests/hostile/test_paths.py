"""Odd paths for every command: pipes, folders for files, files for folders, loops, devices,
unwritable outputs. Each ends with exit 0 or 2 and a message, never a traceback or a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.conftest import World, check, check_error, make_fifo


def _odd_registry(world: World, kind: str, tmp_path: Path) -> Path:
    """A registry argument that is not a registry."""
    if kind == "fifo.gpkg":
        return make_fifo(tmp_path / "reg.gpkg")
    if kind == "fifo.xlsx":
        return make_fifo(tmp_path / "reg.xlsx")
    if kind == "folder.gpkg":
        (tmp_path / "reg.gpkg").mkdir()
        return tmp_path / "reg.gpkg"
    if kind == "empty-folder":
        (tmp_path / "reg").mkdir()
        return tmp_path / "reg"
    if kind == "missing":
        return tmp_path / "nothing.gpkg"
    if kind == "symlink-loop":
        (tmp_path / "a.gpkg").symlink_to(tmp_path / "b.gpkg")
        (tmp_path / "b.gpkg").symlink_to(tmp_path / "a.gpkg")
        return tmp_path / "a.gpkg"
    if kind == "dev-null":
        return Path("/dev/null")
    if kind == "text.gpkg":
        (tmp_path / "reg.gpkg").write_text("id,name\n")
        return tmp_path / "reg.gpkg"
    if kind == "empty.xlsx":
        (tmp_path / "reg.xlsx").write_bytes(b"")
        return tmp_path / "reg.xlsx"
    if kind == "fifo-layer":  # a folder registry whose units.csv is a pipe
        folder = tmp_path / "reg"
        folder.mkdir()
        for item in world.folder.iterdir():
            if item.name != "units.csv":
                (folder / item.name).write_bytes(item.read_bytes())
        make_fifo(folder / "units.csv")
        return folder
    raise AssertionError(kind)


ODD = [
    "fifo.gpkg",
    "fifo.xlsx",
    "folder.gpkg",
    "empty-folder",
    "missing",
    "symlink-loop",
    "dev-null",
    "text.gpkg",
    "empty.xlsx",
    "fifo-layer",
]


def _commands(world: World, reg: Path, out: Path) -> dict[str, list]:
    return {
        "validate": ["validate", reg],
        "info": ["info", reg],
        "place": ["place", reg, "--time-limit", "2", "--out", out],
        "review": ["review", reg, "--out", out],
        "report": ["report", reg, "--out", out],
        "convert": ["convert", reg, out / "x.gpkg"],
        "plan": ["plan", reg, "-s", world.scenario, "--out", out, "--samples", "1"],
        "scenarios": ["scenarios", reg, "-s", world.scenario, "--out", out, "--samples", "10"],
        "proposal": ["proposal", reg, "-s", world.scenario, "--out", out, "--samples", "1"],
    }


@pytest.mark.parametrize("kind", ODD)
@pytest.mark.parametrize(
    "command",
    ["validate", "info", "place", "review", "report", "convert", "plan", "scenarios", "proposal"],
)
def test_odd_registry_paths_are_refused(world, tmp_path, kind, command):
    reg = _odd_registry(world, kind, tmp_path)
    check_error(_commands(world, reg, tmp_path / "out")[command])
    assert not (tmp_path / "out").exists()  # nothing written


ODD_POLICY = ["fifo", "folder", "missing", "dev-null", "binary"]


def _odd_policy(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    if kind == "fifo":
        return make_fifo(path)
    if kind == "folder":
        path.mkdir()
    elif kind == "dev-null":
        return Path("/dev/null")
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00\x01" * 10)
    return path


@pytest.mark.parametrize("kind", ODD_POLICY)
@pytest.mark.parametrize("command", ["validate", "info", "review", "report", "place"])
def test_odd_policy_paths_are_refused(world, tmp_path, kind, command):
    policy = _odd_policy(kind, tmp_path)
    args = _commands(world, world.gpkg, tmp_path / "out")[command]
    check_error([*args, "--policy", policy], "policy.toml" if kind != "dev-null" else "null")


def _odd_out(kind: str, tmp_path: Path) -> Path:
    if kind == "existing-file":
        (tmp_path / "out").write_text("mine")
        return tmp_path / "out"
    if kind == "below-a-file":
        (tmp_path / "file").write_text("mine")
        return tmp_path / "file" / "out"
    if kind == "unwritable":  # /proc refuses new folders, even to root
        return Path("/proc/capacity-hostile/out")
    if kind == "symlink-loop":
        (tmp_path / "a").symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(tmp_path / "a")
        return tmp_path / "a"
    raise AssertionError(kind)


WRITERS = [
    "place",
    "review",
    "report",
    "plan",
    "scenarios",
    pytest.param("proposal", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("kind", ["existing-file", "below-a-file", "unwritable", "symlink-loop"])
@pytest.mark.parametrize("command", WRITERS)
def test_outputs_that_cannot_be_written_are_refused(world, tmp_path, kind, command):
    out = _odd_out(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    args = _commands(world, world.gpkg, out)[command]
    if command in ("plan", "proposal"):
        args += ["--time-limit", "3" if command == "plan" else "10"]
    check_error(args)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary file left
    if kind == "existing-file":
        assert (tmp_path / "out").read_text() == "mine"


@pytest.mark.parametrize("kind", ["existing-file", "below-a-file", "unwritable"])
@pytest.mark.parametrize("command", ["convert", "generate"])
def test_registry_destinations_that_cannot_be_written(world, tmp_path, kind, command):
    dest = _odd_out(kind, tmp_path)
    dest = dest.with_name(dest.name + ".gpkg") if kind != "existing-file" else dest
    if kind == "existing-file":
        dest = tmp_path / "out.gpkg"
        dest.write_text("mine")
    args = ["convert", world.gpkg, dest] if command == "convert" else ["generate", dest]
    check_error(args)
    if kind == "existing-file":
        assert dest.read_text() == "mine"  # refused without --force


def test_a_folder_where_the_map_file_goes(world, tmp_path):
    (tmp_path / "out" / "map.html").mkdir(parents=True)
    check_error(["report", world.gpkg, "--out", tmp_path / "out"], "map.html")


def test_a_folder_where_the_review_file_goes(world, tmp_path):
    (tmp_path / "out" / "review.html").mkdir(parents=True)
    check_error(["review", world.gpkg, "--out", tmp_path / "out"], "review.html")


@pytest.mark.parametrize("kind", ["fifo", "folder", "missing", "dev-null"])
@pytest.mark.parametrize("command", ["plan", "scenarios", "proposal"])
def test_odd_scenario_files_are_refused(world, tmp_path, kind, command):
    path = tmp_path / "s.toml"
    if kind == "fifo":
        make_fifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "dev-null":
        path = Path("/dev/null")
    args = _commands(world, world.gpkg, tmp_path / "out")[command]
    args[args.index(world.scenario)] = path
    check_error(args)


@pytest.mark.parametrize("kind", ["fifo", "file", "missing", "empty-folder"])
def test_odd_plan_for_report(world, tmp_path, kind):
    plan = tmp_path / "plan"
    if kind == "fifo":
        plan.mkdir()
        make_fifo(plan / "plan.csv")
    elif kind == "file":
        plan.write_text("not a folder")
    elif kind == "empty-folder":
        plan.mkdir()
    check_error(["report", world.gpkg, "--plan", plan, "--out", tmp_path / "out"])


@pytest.mark.parametrize("kind", ["fifo", "missing", "empty-folder", "garbage"])
def test_odd_scenario_runs_for_review(world, tmp_path, kind):
    runs = tmp_path / "runs"
    runs.mkdir()
    if kind == "fifo":
        make_fifo(runs / "months.csv")
    elif kind == "missing":
        runs = tmp_path / "none"
    elif kind == "garbage":
        (runs / "months.csv").write_bytes(os.urandom(200))
    check_error(["review", world.gpkg, "--scenarios", runs, "--out", tmp_path / "out"])


@pytest.mark.parametrize("form", ["gpkg", "xlsx", "folder"])
def test_good_inputs_in_every_form_still_work(world, tmp_path, form):
    reg = getattr(world, form)
    for command in ("validate", "info", "review", "report"):
        check(_commands(world, reg, tmp_path / command)[command])


def test_bench_help():
    assert "--suite" in check(["bench", "--help"])
