"""Bench suites and files: the quick suite's cases, and the JSON/Markdown written."""

from __future__ import annotations

import json

from capacity.bench import report
from capacity.bench.runner import Row
from capacity.bench.suites import QUICK_SSCFLP, sscflp_cases


def test_quick_suite_samples_ten_public_instances(shared_dir):
    cases = list(sscflp_cases(shared_dir / "benchmarks" / "sscflp", "quick", 5.0))
    instances = {c.row.instance for c in cases}
    assert len(instances) == len(QUICK_SSCFLP) == 10
    assert all(c.row.known_optimum > 0 for c in cases)
    assert all(c.hard_limit > c.time_limit for c in cases)


def test_files_hold_every_row(tmp_path):
    rows = [
        Row(
            "sscflp",
            "holmberg/p1",
            "direct-cpsat",
            objective=8848.0,
            best_bound=8848.0,
            known_optimum=8848.0,
        ).finish(),
        Row("scale", "national", "highs", status="KILLED", note="ended at the 75 s limit"),
    ]
    json_path, md_path = report.write(rows, tmp_path, "test")
    data = json.loads(json_path.read_text())
    assert [d["instance"] for d in data] == ["holmberg/p1", "national"]
    assert data[0]["gap_to_optimum"] == 0.0
    md = md_path.read_text()
    assert "| holmberg/p1 | direct-cpsat |" in md and "ended at the 75 s limit" in md
