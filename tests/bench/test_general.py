"""The general suite: every Delmaire instance and Yang's 30 x 200 and 60 x 200 instances,
``place`` beside a plain CP-SAT and a plain HiGHS model at the same wall limit, and the per-family
table (issue 16)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from capacity.bench import direct, report, suites
from capacity.bench.report import families, versus_plain
from capacity.bench.runner import Row
from capacity.cli import app
from capacity.solver import solve


def test_general_suite_runs_every_delmaire_and_yang_200_instance_with_three_solvers(shared_dir):
    root = shared_dir / "benchmarks" / "sscflp"
    cases = list(suites.all_cases(root, "general", 10.0))
    names = {c.row.instance for c in cases}
    assert len([n for n in names if n.startswith("delmaire/")]) == 57
    assert sorted(n for n in names if n.startswith("yang/")) == sorted(
        f"yang/{k}-200-{i}" for k in (30, 60) for i in range(1, 6)
    )
    assert {c.row.solver for c in cases} == {"place-cpsat", "direct-cpsat", "direct-highs"}
    assert {c.time_limit for c in cases} == {60.0}
    alone = list(suites.all_cases(root, "general", 10.0, "yang"))
    assert {c.row.instance.split("/")[0] for c in alone} == {"yang"}


def test_per_family_table_counts_optima_proofs_worst_gap_and_wall():
    def row(name, solver, objective, status, wall):
        r = Row("general", name, solver, status=status, objective=objective, known_optimum=100.0)
        r.build_seconds, r.solve_seconds = 0.0, wall
        return r.finish()

    rows = [
        row("yang/a", "place-cpsat", 100.0, "OPTIMAL", 3.0),
        row("yang/b", "place-cpsat", 101.0, "FEASIBLE", 60.5),
    ]
    lines = families(rows)
    assert "| yang | place-cpsat | 2 | 1 | 1 | 1.000 | 60.50 |" in lines


def test_place_beside_the_plain_solvers_per_instance():
    def row(solver, objective, status, wall):
        r = Row("general", "delmaire/p9", solver, status=status, objective=objective)
        r.known_optimum, r.build_seconds, r.solve_seconds = 1000.0, 1.0, wall - 1.0
        return r.finish()

    rows = [
        row("place-cpsat", 1002.0, "FEASIBLE", 60.4),
        row("direct-cpsat", 1004.0, "FEASIBLE", 61.0),
        row("direct-highs", 1000.0, "OPTIMAL", 12.0),
        Row("general", "delmaire/p10", "place-cpsat", status="KILLED", known_optimum=7.0),
    ]
    rows[-1].solve_seconds = 75.2
    lines = versus_plain(rows)
    assert (
        "| delmaire/p9 | 1,000 | 1,002 (0.20 %, 60 s) | 1,004 (0.40 %, 61 s) "
        "| **1,000** (0.00 %, 12 s) | +0.200 |" in lines
    )
    assert "| delmaire/p10 | 7 | – (KILLED, 75 s) | not run | not run | – |" in lines


def test_highs_float_noise_reads_as_equal_not_below():
    place = Row("general", "delmaire/p31", "place-cpsat", status="OPTIMAL", objective=4466.0)
    highs = Row("general", "delmaire/p31", "direct-highs", objective=4465.999999999999)
    for r in (place, highs):
        r.known_optimum, r.build_seconds, r.solve_seconds = 4466.0, 0.0, 25.0
        r.status = "OPTIMAL"
        r.finish()
    (line,) = [x for x in versus_plain([place, highs]) if x.startswith("| delmaire/p31")]
    assert line.endswith("| **4,466** (0.00 %, 25 s) | +0.000 |") and "-0.00" not in line


def test_the_seed_reaches_every_solver_of_the_general_suite(shared_dir, monkeypatch):
    """``--seed`` reaches place, plain CP-SAT and plain HiGHS as their random seed (each solver
    stood in for by one that records the seed it was called with)."""
    root = shared_dir / "benchmarks" / "sscflp"
    given: dict[str, int] = {}

    def fake(name):
        def stand_in(*args, seed, **kwargs):
            given[name] = seed
            raise _Seen

        return stand_in

    monkeypatch.setattr(solve, "place", fake("place-cpsat"))
    monkeypatch.setattr(direct, "solve_direct", fake("direct-cpsat"))
    monkeypatch.setattr(direct, "solve_direct_highs", fake("direct-highs"))
    cases = suites.all_cases(root, "general", 60.0, "delmaire", (7,))
    for case in [c for c in cases if c.row.instance == "delmaire/p1"]:
        with pytest.raises(_Seen):
            case.task(*case.args)
    assert given == {"place-cpsat": 7, "direct-cpsat": 7, "direct-highs": 7}


class _Seen(Exception):
    """Raised by a stand-in solver once it has recorded its seed."""


def test_a_general_run_with_a_seed_records_it_in_every_row_and_the_title(shared_dir, tmp_path):
    root = shared_dir / "benchmarks" / "sscflp"
    out = tmp_path / "bench"
    args = ["bench", "--suite", "general", "--family", "delmaire", "--only", "p1", "--seed", "2"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--instances", str(root)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "bench.json").read_text())
    assert [(d["solver"], d["status"], d["extra"]["seed"]) for d in data] == [
        ("place-cpsat", "OPTIMAL", 2),
        ("direct-cpsat", "OPTIMAL", 2),
        ("direct-highs", "OPTIMAL", 2),
    ]
    assert "general suite, seed 2" in (out / "bench.md").read_text()


def test_resume_with_another_seed_is_refused_naming_the_seed_on_disk(shared_dir, tmp_path):
    out = tmp_path / "bench"
    kept = Row("general", "delmaire/p1", "place-cpsat", status="KEPT", objective=1.0)
    kept.extra["seed"] = 3
    report.write([kept], out, "earlier run")
    root = shared_dir / "benchmarks" / "sscflp"
    args = ["bench", "--suite", "general", "--only", "p1", "--resume", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--instances", str(root)])
    assert result.exit_code == 2
    assert "--seed 3, ikke 0" in " ".join(result.output.split())
    assert [d["status"] for d in json.loads((out / "bench.json").read_text())] == ["KEPT"]
