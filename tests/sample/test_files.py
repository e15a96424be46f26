"""The sample on disk: deterministic bytes, loadable, the committed files up to date."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest
import shapely

from capacity.io.registry import load_registry, registry_hash
from capacity.policy import Policy
from capacity.sample import REFERENCE_DATE, alleroed_registry, facts, policy_toml_text, write_sample
from tests.conftest import ROOT, SAMPLE_FOLDER, SAMPLE_GPKG, _need

REGENERATE = "regenerate with `.venv/bin/python -m capacity.sample data` and commit data/"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    """The sample written once into a temporary data folder."""
    return write_sample(tmp_path_factory.mktemp("data"))


def test_same_seed_same_folder_bytes(written, tmp_path):
    folder, _ = written
    again, _ = write_sample(tmp_path)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(folder, again, names, shallow=False)
    assert mismatch == [] and errors == []


def test_both_forms_load_without_warnings_and_hold_the_sample(written):
    expected = registry_hash(alleroed_registry())
    for path in written:
        reg = load_registry(path)
        assert reg.warnings == ()
        assert registry_hash(reg) == expected, path


def test_policy_toml_is_commented_and_complete(written):
    folder, _ = written
    text = (folder / "policy.toml").read_text(encoding="utf-8")
    assert Policy.from_toml_text(text) == alleroed_registry().policy
    lines = text.splitlines()
    for section in ("weights", "limits"):
        for key in type(getattr(Policy(), section)).model_fields:
            i = next(n for n, line in enumerate(lines) if line.startswith(f"{key} = "))
            assert lines[i - 2].startswith(f"# {key} | dansk: "), key
            assert "Unit:" in lines[i - 1], key
    assert "mangler" not in text  # every key has its Danish term
    assert text == policy_toml_text(Policy())


def test_committed_folder_is_up_to_date(written):
    folder, _ = written
    names = sorted(p.name for p in folder.iterdir())
    assert SAMPLE_FOLDER.is_dir(), REGENERATE
    match, mismatch, errors = filecmp.cmpfiles(folder, SAMPLE_FOLDER, names, shallow=False)
    assert mismatch == [] and errors == [], REGENERATE


def test_committed_geopackage_is_up_to_date():
    assert SAMPLE_GPKG.is_file(), REGENERATE
    assert registry_hash(load_registry(SAMPLE_GPKG)) == registry_hash(alleroed_registry()), (
        REGENERATE
    )


def test_readme_names_the_reference_date_and_the_regeneration():
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "1 December 2026" in text and str(REFERENCE_DATE) == "2026-12-01"
    assert "python -m capacity.sample data" in text
    assert "(eksempel)" in text


def test_embedded_polygons_match_the_shared_facts(shared_dir):
    def load(name: str) -> list[dict]:
        path = _need(shared_dir / "facts" / name, "the shared facts")
        return json.loads(path.read_text(encoding="utf-8"))["features"]

    (boundary,) = load("alleroed_boundary.geojson")
    assert shapely.equals(
        shapely.geometry.shape(boundary["geometry"]), shapely.from_wkt(facts.BOUNDARY_WKT)
    )
    parishes = {f["properties"]["SOGNEKODE"]: f for f in load("alleroed_parishes.geojson")}
    assert sorted(parishes) == sorted(facts.PARISH_WKT)
    for code, (name, wkt) in facts.PARISH_WKT.items():
        assert parishes[code]["properties"]["SOGNENAVN"] == name
        assert shapely.equals(
            shapely.geometry.shape(parishes[code]["geometry"]), shapely.from_wkt(wkt)
        )
