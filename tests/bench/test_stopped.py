"""A bench run that is stopped keeps the rows of the cases it finished, and can be resumed or run
on a subset of the instances (``--only``, ``--resume``)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capacity.bench import report, suites
from capacity.bench.runner import Row
from capacity.bench.suites import Case
from capacity.cli import app
from capacity.errors import UserError


def _ok(value: float) -> dict:
    return {"objective": value, "best_bound": value, "status": "OPTIMAL"}


def _started_then_sleep(marker: str) -> dict:
    Path(marker).write_text("started")
    time.sleep(60)
    return {"objective": 1.0}


def _interrupt_when(path: Path) -> threading.Thread:
    """Send this process Ctrl-C once ``path`` exists (the second case is running)."""

    def wait() -> None:
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


def test_a_run_stopped_in_its_second_case_has_the_first_cases_row_on_disk(tmp_path):
    marker = tmp_path / "second-started"
    cases = [
        Case(Row("t", "fam/a", "s", known_optimum=5.0), _ok, (5.0,), 5.0),
        Case(Row("t", "fam/b", "s"), _started_then_sleep, (str(marker),), 60.0),
    ]
    # Ctrl-C as Python handles it: in a run of all of tests/bench, SIGINT otherwise ended pytest
    # itself (something run earlier in the process leaves it at the system's default)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        thread = _interrupt_when(marker)
        with pytest.raises(KeyboardInterrupt):
            report.run_cases(cases, out=tmp_path / "out", title="stopped")
        thread.join()
    finally:
        signal.signal(signal.SIGINT, before)
    data = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert [(d["instance"], d["status"], d["objective"]) for d in data] == [
        ("fam/a", "OPTIMAL", 5.0)
    ]
    md = (tmp_path / "out" / "bench.md").read_text()
    assert "partial: 1 of 2 cases" in md and "| fam/a | s |" in md
    assert [r.instance for r in report.read(tmp_path / "out")] == ["fam/a"]


def test_resume_keeps_the_rows_on_disk_and_runs_only_the_missing_case(shared_dir, tmp_path):
    out = tmp_path / "bench"
    kept = [
        Row("general", "delmaire/p1", "place-cpsat", status="KEPT", objective=1.0),
        Row("general", "delmaire/p1", "direct-highs", status="KEPT", objective=2.0),
    ]
    report.write(kept, out, "earlier run")
    root = shared_dir / "benchmarks" / "sscflp"
    args = ["bench", "--suite", "general", "--family", "delmaire", "--only", "p1"]
    result = CliRunner().invoke(
        app, [*args, "--resume", "--out", str(out), "--instances", str(root)]
    )
    assert result.exit_code == 0, result.output
    rows = [(d["solver"], d["status"]) for d in json.loads((out / "bench.json").read_text())]
    assert rows[:2] == [("place-cpsat", "KEPT"), ("direct-highs", "KEPT")]
    assert rows[2:] == [("direct-cpsat", "OPTIMAL")]  # the one case missing, run now


def test_only_names_instances_and_ranges_in_the_suites_order(shared_dir):
    root = shared_dir / "benchmarks" / "sscflp"
    cases = list(suites.all_cases(root, "general", 60.0))
    picked = suites.select(cases, "30-200-2, p20-p22,delmaire/p5,p57-57")
    names = list(dict.fromkeys(c.row.instance for c in picked))
    assert names == [
        "delmaire/p5",
        "delmaire/p20",
        "delmaire/p21",
        "delmaire/p22",
        "delmaire/p57",
        "yang/30-200-2",
    ]
    assert len(picked) == 6 * 3  # every solver of each instance
    with pytest.raises(UserError, match="p99-p100"):
        suites.select(cases, "p20-p22,p99-p100")
