"""The general suite's targets judged run by run and over seeds (``capacity.bench.targets``), and
``capacity bench --seed`` given several times."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from capacity.bench import report, runner, suites, targets
from capacity.bench.runner import Row
from capacity.cli import app


def _row(name, solver, seed, objective, status="FEASIBLE", optimum=100.0):
    r = Row("general", f"delmaire/{name}", solver, status=status, objective=objective)
    r.known_optimum, r.build_seconds, r.solve_seconds = optimum, 0.5, 30.0
    r.extra["seed"] = seed
    return r.finish()


def _three_seeds():
    """p1: place at the optimum at seeds 0 and 2, 1 % above at seed 1; plain HiGHS at the
    optimum at every seed, plain CP-SAT never. p2: place 0.05 % above HiGHS at seed 0 (inside
    the margin), 0.5 % above at seed 1, at it at seed 2."""
    rows = []
    for seed, (place1, place2) in enumerate([(100.0, 200.1), (101.0, 201.0), (100.0, 200.0)]):
        rows += [
            _row("p1", "place-cpsat", seed, place1, "OPTIMAL" if place1 == 100.0 else "FEASIBLE"),
            _row("p1", "direct-cpsat", seed, 102.0),
            _row("p1", "direct-highs", seed, 100.0, "OPTIMAL"),
            _row("p2", "place-cpsat", seed, place2, optimum=200.0),
            _row("p2", "direct-cpsat", seed, 203.0, optimum=200.0),
            _row("p2", "direct-highs", seed, 200.0, optimum=200.0),
        ]
    return rows


def test_each_seed_is_judged_on_its_own_run():
    per_run = targets.runs(_three_seeds())
    assert per_run[("delmaire", 0)]["reached"] == {
        "place-cpsat": 1,
        "direct-cpsat": 0,
        "direct-highs": 2,
    }
    assert per_run[("delmaire", 0)]["behind"] == []  # 0.05 % is inside the margin
    one = per_run[("delmaire", 1)]
    assert one["reached"]["place-cpsat"] == 0 and one["better"] == "direct-highs"
    assert [(n, round(by, 3)) for n, by in one["behind"]] == [
        ("delmaire/p1", 1.0),
        ("delmaire/p2", 0.5),
    ]
    assert per_run[("delmaire", 2)]["reached"]["place-cpsat"] == 2


def test_the_medians_forgive_one_seed_and_the_sum_over_runs_does_not():
    rows = _three_seeds()
    on_medians = targets.medians(rows)["delmaire"]
    assert on_medians["reached"] == {"place-cpsat": 1, "direct-cpsat": 0, "direct-highs": 2}
    assert on_medians["behind"] == []  # p2's median 200.1 is 0.05 % above
    lines = targets.table(rows)
    assert (
        "| delmaire | seed 1 | 2 | 0 | 0 / 2 | **missed** | p1 (+1.000 %), p2 (+0.500 %) "
        "| **missed** |" in lines
    )
    assert "| delmaire | seed 2 | 2 | 2 | 0 / 2 | met | none | met |" in lines
    assert (
        "| delmaire | medians over the seeds | 2 | 1 | 0 / 2 | **missed** | none | met |" in lines
    )
    assert (
        "| delmaire | all runs of seeds 0, 1, 2 | 2 × 3 runs | 3 | 0 / 6 | **missed** | – | – |"
        in lines
    )


def test_a_run_without_an_answer_is_behind_and_counts_as_worst_in_the_median():
    rows = [
        _row("p1", "place-cpsat", 0, None, "KILLED"),
        _row("p1", "direct-cpsat", 0, 104.0),
        _row("p1", "direct-highs", 0, 103.0),
    ]
    assert targets.runs(rows)[("delmaire", 0)]["behind"] == [("delmaire/p1", math.inf)]
    assert "p1 (no answer)" in "".join(targets.table(rows))
    assert targets.median_objective([None, 5.0, 7.0]) == 7.0
    assert targets.median_objective([None, None, 7.0]) == math.inf
    assert targets.median_objective([100.0, None]) == math.inf  # one good run hides no bad one


def test_a_suite_without_both_plain_solvers_has_no_targets_table():
    """The quick suite runs place with CP-SAT and HiGHS and plain CP-SAT, not plain HiGHS:
    nothing there is judged, and no empty family is called met."""
    rows = [
        _row("p1", "place-cpsat", 0, 100.0, "OPTIMAL"),
        _row("p1", "place-highs", 0, 100.0, "OPTIMAL"),
        _row("p1", "direct-cpsat", 0, 100.0, "OPTIMAL"),
    ]
    assert targets.runs(rows) == {} and targets.medians(rows) == {}
    assert targets.table(rows) == []
    assert "## The targets" not in report.markdown(rows, "quick")


def test_medians_leave_out_an_instance_not_run_at_every_seed():
    rows = _three_seeds()[:-2]  # p2 lacks seed 2 of both plain solvers
    assert targets.medians(rows)["delmaire"]["instances"] == 1
    (line,) = [x for x in report.versus_medians(rows) if x.startswith("| delmaire/p2")]
    assert line.endswith("| – (2 of 3 seeds run) | – (2 of 3 seeds run) | – |")
    assert "200 (0.05 %; 1/3, 0/3)" in line  # place ran p2 at every seed: its median stands


def test_a_single_seed_of_a_suite_with_unseeded_rows_reads_as_one_seed(shared_dir):
    """The scale and plan suites take no seed; their rows beside public instances run at
    ``--seed 1`` leave one seed in the report, and every public-instance case carries its
    seed from the start, so that ``--resume`` finds the rows it ran."""
    root = shared_dir / "benchmarks" / "sscflp"
    cases = list(suites.sscflp_cases(root, "quick", 5.0, 1))
    assert {c.row.seed for c in cases} == {1}
    public = _row("p1", "place-cpsat", 1, 100.0, "OPTIMAL")
    public.suite = "sscflp"
    scale = Row("scale", "national", "cpsat", status="FEASIBLE", objective=5.0)
    assert runner.seeds_of([public, scale]) == [1]
    md = report.markdown([public, scale], "quick, seed 1")
    assert "| seed |" not in md and "medians of seeds" not in md


objective = st.one_of(st.none(), st.integers(100, 110).map(float))


@given(st.lists(st.tuples(objective, objective), min_size=1, max_size=6))
def test_place_as_good_as_the_better_plain_solver_meets_both_targets(plain):
    """Where ``place`` ends at the better plain objective on every instance, it has at least as
    many optima as either plain solver and is behind on none, whatever the plain solvers did."""
    rows = []
    for k, (cpsat, highs) in enumerate(plain):
        answers = [v for v in (cpsat, highs) if v is not None]
        rows += [
            _row(f"p{k}", "place-cpsat", 0, min(answers, default=None)),
            _row(f"p{k}", "direct-cpsat", 0, cpsat),
            _row(f"p{k}", "direct-highs", 0, highs),
        ]
    judged = targets.runs(rows)[("delmaire", 0)]
    assert all(judged["reached"]["place-cpsat"] >= judged["reached"][s] for s in targets.PLAIN)
    assert judged["behind"] == []


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6)), min_size=1, max_size=7))
def test_the_median_is_a_value_some_run_reached(values):
    mid = targets.median_objective(values)
    assert mid in [math.inf if v is None else v for v in values]


def test_several_seeds_run_instance_by_instance_each_seed_and_solver_in_turn(shared_dir):
    root = shared_dir / "benchmarks" / "sscflp"
    cases = list(suites.all_cases(root, "general", 60.0, "delmaire", (0, 1)))[:7]
    assert [(c.row.instance, c.row.extra["seed"], c.row.solver) for c in cases] == [
        ("delmaire/p1", 0, "place-cpsat"),
        ("delmaire/p1", 0, "direct-cpsat"),
        ("delmaire/p1", 0, "direct-highs"),
        ("delmaire/p1", 1, "place-cpsat"),
        ("delmaire/p1", 1, "direct-cpsat"),
        ("delmaire/p1", 1, "direct-highs"),
        ("delmaire/p2", 0, "place-cpsat"),
    ]
    assert [c.args[-1] for c in cases] == [0, 0, 0, 1, 1, 1, 0]


def test_several_seeds_outside_the_general_suite_are_refused(shared_dir, tmp_path):
    root = shared_dir / "benchmarks" / "sscflp"
    args = ["bench", "--suite", "quick", "--seed", "0", "--seed", "1", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--instances", str(root)])
    assert result.exit_code == 2
    assert "kun suiten general kan køre flere seeds" in " ".join(result.output.split())
    assert not (tmp_path / "bench.json").exists()


def test_a_run_with_two_seeds_writes_both_and_judges_the_targets_on_them(shared_dir, tmp_path):
    root = shared_dir / "benchmarks" / "sscflp"
    out = tmp_path / "bench"
    args = ["bench", "--suite", "general", "--family", "delmaire", "--only", "p1"]
    args += ["--seed", "3", "--seed", "1", "--out", str(out), "--instances", str(root)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "bench.json").read_text())
    assert [(d["extra"]["seed"], d["status"]) for d in data] == [(1, "OPTIMAL")] * 3 + [
        (3, "OPTIMAL")
    ] * 3
    md = (out / "bench.md").read_text()
    assert "general suite, seeds 1, 3" in md
    assert "| delmaire | medians over the seeds | 1 | 1 | 1 / 1 | met | none | met |" in md
    assert "| delmaire | all runs of seeds 1, 3 | 1 × 2 runs | 2 | 2 / 2 | met | – | – |" in md
    assert "## place beside the plain solvers, medians of seeds 1, 3" in md


def test_resume_keeps_the_seeds_already_run_and_runs_only_the_missing_ones(shared_dir, tmp_path):
    out = tmp_path / "bench"
    kept = [_row("p1", s, 0, 8848.0, "OPTIMAL", optimum=8848.0) for s in suites.GENERAL_SOLVERS]
    for r in kept:
        r.status = "KEPT"
    report.write(kept, out, "earlier run")
    root = shared_dir / "benchmarks" / "sscflp"
    args = ["bench", "--suite", "general", "--family", "delmaire", "--only", "p1", "--resume"]
    args += ["--seed", "0", "--seed", "1", "--out", str(out), "--instances", str(root)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "bench.json").read_text())
    assert [(d["extra"]["seed"], d["status"]) for d in data] == [(0, "KEPT")] * 3 + [
        (1, "OPTIMAL")
    ] * 3
    again = ["bench", "--suite", "general", "--only", "p1", "--resume", "--seed", "1"]
    refused = CliRunner().invoke(app, [*again, "--out", str(out), "--instances", str(root)])
    assert refused.exit_code == 2
    assert "--seed 0, 1, ikke 1" in " ".join(refused.output.split())
