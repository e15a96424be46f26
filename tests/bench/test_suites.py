"""The scale suite's cases, and CP-SAT/HiGHS ratios in the Markdown report."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.bench import report
from capacity.bench.runner import ROW_FIELDS, Row
from capacity.bench.suites import (
    SCALE,
    SCALE_OVERHEAD,
    SSCFLP_SOLVERS,
    plan_bench,
    plan_cases,
    scale_cases,
    scale_place,
)


def test_quick_scale_suite_is_municipal_and_regional_with_three_solvers():
    cases = list(scale_cases("quick"))
    assert {c.row.instance.split()[0] for c in cases} == {"municipal", "regional"}
    assert {c.row.solver for c in cases} == {"place-cpsat", "place-highs", "place-greedy"}
    full = list(scale_cases("full"))
    national = [c for c in full if c.row.instance.startswith("national")]
    assert {c.row.solver for c in national} == {"place-cpsat", "place-highs"}
    assert all(c.time_limit == SCALE["national"][2] + SCALE_OVERHEAD for c in national)


def test_sscflp_solvers_include_highs_and_greedy_last():
    assert list(SSCFLP_SOLVERS) == ["direct-cpsat", "place-cpsat", "place-highs", "place-greedy"]


def test_a_tiny_scale_case_reports_sizes_and_an_exact_status():
    out = scale_place(60, 6, 1, "highs", "aggregate", 20.0)
    assert out["status"] == "OPTIMAL" and out["formulation"] == "aggregate"
    assert out["variables"] > 0 and out["constraints"] > 0 and out["households"] > 0


def test_ratios_compare_cp_sat_with_highs_in_the_same_run():
    rows = [
        Row(
            "scale",
            "regional",
            "place-cpsat",
            status="OPTIMAL",
            objective=10.0,
            build_seconds=1.0,
            solve_seconds=9.0,
        ),
        Row(
            "scale",
            "regional",
            "place-highs",
            status="OPTIMAL",
            objective=10.0,
            build_seconds=1.0,
            solve_seconds=4.0,
        ),
    ]
    md = report.markdown(rows, "t")
    assert "## CP-SAT / HiGHS, same run" in md
    assert "| regional | OPTIMAL | OPTIMAL | 10.00 | 10.00 | 10.00 | 5.00 | 2.00 |" in md


def test_plan_suite_runs_in_the_full_suite_only():
    assert list(plan_cases("quick")) == []
    one, reach, paper = plan_cases("full")
    for case in (one, reach, paper):
        assert case.row.suite == "plan" and case.hard_limit > case.time_limit
    assert reach.args[2:] == (3, 0.3)  # three module types, a wave that comes with p = 0.3
    assert (Path(paper.args[0]) / "data" / "alleroed.gpkg").is_file()  # the bundled sample


def test_a_plan_row_gives_its_gap_in_per_cent_like_every_row():
    """The plan's summary holds its gap as a fraction; the bench's column is per cent."""
    out = plan_bench(2, 20.0)
    row = Row("plan", "tiny", "plan-highs", **{k: v for k, v in out.items() if k in ROW_FIELDS})
    row.finish()
    objective, bound = out["objective"], out["best_bound"]
    assert objective > bound  # stopped within the plan's gap, not at it: the units show
    assert row.gap == pytest.approx((objective - bound) / objective * 100)
