"""The Allerød sample: placed, proven optimal, checked independently, byte-identical per seed."""

from __future__ import annotations

import datetime as dt
import json

from capacity.io.registry import load_registry
from capacity.reports.placement_output import DETERMINISTIC_EXCEPT, write_outputs
from capacity.solver.solve import place
from tests.checker import Checker

DAY = dt.date(2026, 12, 1)  # the sample's reference date (data/README.md)


def _texts(folder) -> dict[str, str]:
    out = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}
    summary = json.loads(out["summary.json"])
    for key in DETERMINISTIC_EXCEPT:
        summary.pop(key)
    out["summary.json"] = json.dumps(summary)
    return out


def test_sample_is_placed_optimally_checked_and_reproducible(sample_gpkg, tmp_path):
    reg = load_registry(sample_gpkg)
    result = place(reg, DAY)
    assert result.status == "OPTIMAL"
    check = Checker(reg, DAY)
    assert check.violations(result.placements, result.modules) == []
    assert check.score(result.placements, result.modules) == result.by_term().to_dict()
    assert result.objective <= place(reg, DAY, solver="greedy").objective
    write_outputs(result, tmp_path / "a")
    write_outputs(place(reg, DAY), tmp_path / "b")
    assert _texts(tmp_path / "a") == _texts(tmp_path / "b")


def test_a_daycare_district_short_of_slots_is_told_as_children_not_minutes(sample_gpkg):
    # explanation.md read "DAG-LU 3-5 år: 1 barneminutter til skole / manglende
    # dagtilbudspladser": one template for two kinds of part of the term (the audit)
    result = place(load_registry(sample_gpkg), DAY)
    rows = result.explanation[result.explanation["term"] == "school_daycare"]
    districts = rows[rows["subject"].str.endswith(" år")]
    households = rows[~rows["subject"].str.endswith(" år")]
    assert len(districts) and len(households)
    assert districts["text"].str.contains("manglende dagtilbudspladser: ").all()
    assert households["text"].str.contains("barneminutter til skolen").all()
    assert not rows["text"].str.contains("/").any()
