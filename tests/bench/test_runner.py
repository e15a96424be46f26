"""The isolated runner: results come back, overruns are ended at the limit, errors are reported."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from capacity.bench.runner import Row, run_isolated


def _ok(value: float) -> dict:
    return {"objective": value, "best_bound": value * 0.99, "custom": 7}


def _sleep(seconds: float) -> dict:
    time.sleep(seconds)
    return {"objective": 1.0}


def _solver_child(note: str) -> dict:
    """What ``highs.solve_highs`` does: a temporary folder, a child process, waiting on it."""
    with tempfile.TemporaryDirectory(prefix="capacity-test-") as tmp:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        Path(note).write_text(f"{proc.pid} {tmp}")
        proc.communicate()
    return {"objective": 1.0}


def _fail() -> dict:
    raise ValueError("boom in the solver")


def test_result_fills_the_row_and_gaps():
    row = run_isolated(Row("t", "i", "s", known_optimum=100.0), _ok, (101.0,), 60)
    assert row.objective == 101.0 and row.extra == {"custom": 7}
    # the gap in per cent of the objective (to its bound), 1 % above the optimum
    assert abs(row.gap - 1.0) < 1e-9 and abs(row.gap_to_optimum - 1.0) < 1e-9
    assert row.peak_rss_mb > 1


def test_overrun_is_killed_at_the_limit():
    start = time.perf_counter()
    row = run_isolated(Row("t", "i", "s"), _sleep, (60,), 4)
    assert row.status == "KILLED" and "4 s limit" in row.note
    assert time.perf_counter() - start < 30


def test_error_is_reported_not_raised():
    row = run_isolated(Row("t", "i", "s"), _fail, (), 60)
    assert row.status == "ERROR" and "boom in the solver" in row.note


def test_an_overrun_case_ends_with_its_solvers_child_and_leaves_no_folder(tmp_path):
    """HiGHS runs in a child of the case's process: ended with the case, not left to run beside
    the next one, and its temporary folder is removed."""
    note = tmp_path / "child"
    row = run_isolated(Row("t", "i", "s"), _solver_child, (str(note),), 4)
    assert row.status == "KILLED"
    pid, folder = note.read_text().split()
    assert not Path(folder).exists()
    for _ in range(100):  # reaped by init once its parent is gone
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the solver's child {pid} still runs")
