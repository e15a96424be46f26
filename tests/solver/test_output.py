"""The output contract: five files, byte-identical for the same input and seed, written atomically."""

from __future__ import annotations

import dataclasses
import json
import re

import pandas as pd
import pytest

from capacity.reports import placement_output as output
from capacity.reports.placement_explanation import explanation_markdown
from capacity.reports.placement_output import DETERMINISTIC_EXCEPT, FILES, write_outputs
from capacity.solver.solve import place
from tests.checker import Checker
from tests.helpers import PLACE_DAY


def _files(folder) -> dict[str, str]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}
    summary = json.loads(texts["summary.json"])
    for key in DETERMINISTIC_EXCEPT:
        summary.pop(key)
    texts["summary.json"] = json.dumps(summary)
    return texts


def test_outputs_follow_the_contract(tiny_registry, tmp_path):
    result = place(tiny_registry, PLACE_DAY, allow_new_modules=True)
    write_outputs(result, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    placements = pd.read_csv(tmp_path / "out" / "placements.csv", dtype={"household_id": str})
    assert list(placements.columns[:4]) == ["household_id", "unit_id", "site_id", "persons"]
    assert {"transport", "spread", "new_modules", "external_score"} <= set(placements.columns)
    assert Checker(tiny_registry, PLACE_DAY, allow_new_modules=True).violations(placements) == []
    unplaced = pd.read_csv(tmp_path / "out" / "unplaced.csv")
    assert list(unplaced.columns) == ["household_id", "reason"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert sum(summary["terms"].values()) == summary["objective"] == result.objective
    assert summary["status"] == "OPTIMAL" and summary["gap"] == 0
    assert summary["placed"] == 3 and summary["unplaced"] == 1
    assert summary["input_hash"] == result.input_hash and summary["seed"] == 0
    text = (tmp_path / "out" / "explanation.md").read_text()
    for hid in ("A1", "A2", "A3", "A4"):
        assert f"### {hid} " in text
    assert "Bedste alternativ" in text and "Børn og Familier" in text
    assert "Status: optimal (bevist) · mål" in text  # Danish words, not the solver's OPTIMAL


def test_english_explanation(tiny_registry, tmp_path):
    write_outputs(place(tiny_registry, PLACE_DAY, lang="en"), tmp_path)
    text = (tmp_path / "explanation.md").read_text()
    assert text.startswith("# Placement 2026-11-15") and "Decided by" in text
    assert "Status: OPTIMAL · objective" in text
    assert "handed to Børn og Familier" in (tmp_path / "unplaced.csv").read_text()


@pytest.mark.parametrize(
    ("lang", "objective", "unplaced_weight"),
    [("da", "mål 1.234.567", "| uden bolig | 100.000 |"), ("en", "objective 1,234,567", None)],
)
def test_explanation_prints_every_amount_in_the_one_number_format(
    tiny_registry, lang, objective, unplaced_weight
):
    result = place(tiny_registry, PLACE_DAY, allow_new_modules=True, lang=lang)
    big = dataclasses.replace(result, objective=1_234_567)
    text = explanation_markdown(big)
    assert objective in text
    if unplaced_weight:
        assert result.weights["unplaced"] == 100_000 and unplaced_weight in text
    assert not re.search(r"\d{4}", text.replace(str(PLACE_DAY), "")), "a number without separator"
    alternatives = [line for line in text.splitlines() if line.startswith(("Bedste", "Best"))]
    assert any("−" in line for line in alternatives), "a change below zero is shown"
    assert not any(re.search(r"[ (]-\d", line) for line in alternatives), "a hyphen as minus"


def test_same_input_and_seed_give_byte_identical_files(tiny_registry, tmp_path):
    for name in ("a", "b"):
        write_outputs(
            place(tiny_registry, PLACE_DAY, seed=3, allow_new_modules=True), tmp_path / name
        )
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_a_failed_write_leaves_the_old_files_whole(tiny_registry, tmp_path, monkeypatch):
    out = tmp_path / "out"
    result = place(tiny_registry, PLACE_DAY)
    write_outputs(result, out)
    (out / "notes.txt").write_text("mine")
    before = _files(out)

    def crash(_result):
        raise OSError("disk full")

    monkeypatch.setattr(output, "explanation_markdown", crash)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(result, out)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folders left
    monkeypatch.undo()
    write_outputs(result, out)
    assert (out / "notes.txt").read_text() == "mine"  # files not in the contract are kept
