"""Round trips between the three forms (GeoPackage, folder, Excel), hashes, atomic writes."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from capacity.io.layers import LAYERS, Registry, frame
from capacity.io.registry import convert, load_registry, registry_hash, write_registry
from capacity.policy import Limits, Policy
from tests import helpers

FORMS = ("reg.gpkg", "reg", "reg.xlsx")


def full_registry() -> Registry:
    """The tiny registry plus scores, travel minutes, a boundary, NA values and Danish text."""
    reg = helpers.tiny_registry()
    x, y = helpers.ORIGIN
    sites = reg.sites.copy()
    sites.loc[0, "name"] = "Æblegården, Blovstrød"
    sites.loc[0, "available_from"] = pd.Timestamp("2026-02-01")
    sites.loc[1, "note"] = pd.NA
    districts = reg.districts.copy()
    districts.loc[1, "free_slots_0_2"] = 3
    districts.loc[1, "geometry"] = MultiPolygon(
        [box(x, y - 1000, x + 2000, y + 1000), box(x + 2500, y, x + 2600, y + 100)]
    )
    households = reg.households.copy()
    households.loc[2, "required_district"] = "W"
    households.loc[3, "work_poi"] = "ST"
    boundary = frame(
        "boundary",
        [
            dict(
                id="K201",
                name="Allerød Kommune",
                source=None,
                geometry=box(x - 3000, y - 2000, x + 3000, y + 2000),
            )
        ],
    )
    return reg.with_layers(
        sites=sites,
        districts=districts,
        households=households,
        boundary=boundary,
        scores=frame(
            "scores",
            [
                dict(household_id="A1", site_id="B1", score=0.1),
                dict(household_id="A2", site_id="P1", score=-2.5),
            ],
        ),
        travel_minutes=frame("travel_minutes", [dict(site_id="B1", poi_id="ST", minutes=12.5)]),
        policy=Policy(limits=Limits(max_school_minutes=25)),
    )


def assert_same(a: Registry, b: Registry) -> None:
    """Every layer equal (values, dtypes, geometry to 1 cm) and the same policy."""
    assert a.layers().keys() == b.layers().keys()
    for name, left in a.layers().items():
        right = b.layer(name)
        pd.testing.assert_frame_equal(
            pd.DataFrame(left).drop(columns="geometry", errors="ignore"),
            pd.DataFrame(right).drop(columns="geometry", errors="ignore"),
        )
        if LAYERS[name].geometry:
            assert right.crs == "EPSG:25832"
            assert left.geometry.geom_equals_exact(right.geometry, tolerance=0.01).all(), name
    assert a.policy == b.policy


@pytest.mark.parametrize("make", [helpers.tiny_registry, full_registry])
@pytest.mark.parametrize("form", FORMS)
def test_round_trip_keeps_every_value_and_dtype(tmp_path, make, form):
    reg = make()
    write_registry(reg, tmp_path / form)
    back = load_registry(tmp_path / form)
    assert_same(reg, back)
    assert back.source == tmp_path / form
    assert back.warnings == ()


def test_convert_chain_gpkg_folder_excel_gpkg_is_lossless(tmp_path):
    reg = full_registry()
    write_registry(reg, tmp_path / "a.gpkg")
    convert(tmp_path / "a.gpkg", tmp_path / "b")
    convert(tmp_path / "b", tmp_path / "c.xlsx")
    last = convert(tmp_path / "c.xlsx", tmp_path / "d.gpkg")
    assert_same(reg, last)
    assert_same(reg, load_registry(tmp_path / "d.gpkg"))


def test_hash_is_the_same_in_every_form(tmp_path):
    reg = full_registry()
    hashes = {registry_hash(reg)}
    for form in FORMS:
        write_registry(reg, tmp_path / form)
        hashes.add(registry_hash(load_registry(tmp_path / form)))
    assert len(hashes) == 1
    assert len(hashes.pop()) == 64


def test_hash_changes_with_content():
    reg = helpers.tiny_registry()
    units = reg.units.copy()
    units.loc[0, "beds"] = 3
    assert registry_hash(reg) != registry_hash(reg.with_layers(units=units))
    assert registry_hash(reg) != registry_hash(
        reg.with_layers(policy=Policy(limits=Limits(long_stay_months=6)))
    )


def test_folder_form_is_byte_for_byte_deterministic(tmp_path):
    reg = full_registry()
    write_registry(reg, tmp_path / "one")
    write_registry(load_registry(tmp_path / "one"), tmp_path / "two")
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_folder_form_layout(tmp_path):
    write_registry(full_registry(), tmp_path / "reg")
    files = {p.name for p in (tmp_path / "reg").iterdir()}
    assert files == {
        "sites.csv",
        "units.csv",
        "households.csv",
        "occupancy.csv",
        "pois.csv",
        "districts.geojson",
        "scores.csv",
        "travel_minutes.csv",
        "boundary.geojson",
        "policy.toml",
    }
    sites = (tmp_path / "reg" / "sites.csv").read_text(encoding="utf-8").splitlines()
    assert sites[0].endswith(",note,x,y")
    assert "Æblegården" in sites[1] and "2026-02-01" in sites[1]
    households = (tmp_path / "reg" / "households.csv").read_text(encoding="utf-8")
    assert ",1;9," in households
    assert '"urn:ogc:def:crs:EPSG::25832"' in (tmp_path / "reg" / "districts.geojson").read_text()


def test_folder_without_policy_gets_the_defaults(tmp_path):
    write_registry(full_registry(), tmp_path / "reg")
    (tmp_path / "reg" / "policy.toml").unlink()
    assert load_registry(tmp_path / "reg").policy == Policy()


def test_policy_argument_overrides_the_registry_policy(tmp_path):
    write_registry(full_registry(), tmp_path / "reg.gpkg")
    (tmp_path / "p.toml").write_text("[limits]\nlong_stay_months = 7\n", encoding="utf-8")
    reg = load_registry(tmp_path / "reg.gpkg", policy=tmp_path / "p.toml")
    assert reg.policy.limits.long_stay_months == 7
    assert load_registry(tmp_path / "reg.gpkg").policy.limits.max_school_minutes == 25


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_lists_the_layers(tmp_path):
    reg = full_registry()
    write_registry(reg, tmp_path / "reg.gpkg")
    out = subprocess.run(
        ["ogrinfo", "-so", "-al", str(tmp_path / "reg.gpkg")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    held = [name for name in LAYERS if getattr(reg, name, None) is not None]  # optional layers
    for name in (*held, "policy"):
        assert f"Layer name: {name}" in out
    assert "ETRS89 / UTM zone 32N" in out


def test_wgs84_lat_lon_is_reprojected_to_utm32(tmp_path):
    from pyproj import Transformer

    write_registry(helpers.tiny_registry(), tmp_path / "reg")
    pois = tmp_path / "reg" / "pois.csv"
    pois.write_text(
        "id,name,kind,receiving_classes,lat,lon\n"
        "ST,Allerød St.,station,,55.87111,12.35694\n"
        "SK,Lillevang Skole,school,true,55.8601,12.3405\n",
        encoding="utf-8",
    )
    reg = load_registry(tmp_path / "reg")
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(
        12.35694, 55.87111
    )
    station = reg.pois.geometry.iloc[0]
    assert reg.pois.crs == "EPSG:25832"
    assert station.distance(Point(x, y)) < 0.01
    assert 709_000 < station.x < 712_000 and 6_190_000 < station.y < 6_200_000  # Allerød


def test_wgs84_geojson_without_crs_member_is_reprojected(tmp_path):
    write_registry(helpers.tiny_registry(), tmp_path / "reg")
    (tmp_path / "reg" / "districts.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"id": "D", "name": "Lillerød", "kind": "town", "population": 100}, "geometry": '
        '{"type": "Polygon", "coordinates": [[[12.33, 55.86], [12.37, 55.86], [12.37, 55.88], '
        "[12.33, 55.86]]]}}]}",
        encoding="utf-8",
    )
    reg = load_registry(tmp_path / "reg")
    minx, miny, maxx, maxy = reg.districts.total_bounds
    assert 700_000 < minx < maxx < 720_000 and 6_190_000 < miny < maxy < 6_200_000


def test_dates_and_children_ages_read_in_their_forms(tmp_path):
    reg = load_registry(_write(tmp_path, helpers.tiny_registry()))
    a3 = reg.households.set_index("id").loc["A3"]
    assert a3["children_ages"] == (1, 9)
    assert a3["arrival_date"] == pd.Timestamp(dt.date(2026, 11, 1))
    assert str(reg.households["arrival_date"].dtype) == "datetime64[s]"


def _write(tmp_path, reg):
    write_registry(reg, tmp_path / "reg")
    return tmp_path / "reg"


def test_failing_writer_leaves_the_old_file_intact(tmp_path, monkeypatch):
    from capacity.io import writers

    target = tmp_path / "reg.gpkg"
    write_registry(helpers.tiny_registry(), target)
    before = target.read_bytes()

    def half_then_fail(reg, path):
        path.write_bytes(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers, "write_gpkg", half_then_fail)
    monkeypatch.setattr("capacity.io.registry.write_gpkg", half_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        write_registry(full_registry(), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg.gpkg"]
    assert_same(helpers.tiny_registry(), load_registry(target))


def test_failing_folder_writer_leaves_the_old_folder_intact(tmp_path, monkeypatch):
    target = _write(tmp_path, helpers.tiny_registry())
    (target / "README.md").write_text("notes", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def fail(name, frame, path, extras):
        path.write_text("id\n", encoding="utf-8")
        raise RuntimeError("disk full")

    monkeypatch.setattr("capacity.io.writers.write_csv", fail)
    with pytest.raises(RuntimeError):
        write_registry(full_registry(), target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    # no temporary folder left; the lock file (the one an apply takes) stays, as it always does
    assert sorted(p.name for p in tmp_path.iterdir()) == [".reg.lock", "reg"]


def test_rewriting_a_folder_keeps_other_files_and_drops_stale_layers(tmp_path):
    target = _write(tmp_path, full_registry())
    (target / "README.md").write_text("notes", encoding="utf-8")
    write_registry(helpers.tiny_registry(), target)
    assert (target / "README.md").read_text(encoding="utf-8") == "notes"
    back = load_registry(target)  # an optional layer of the old registry would be read with it
    assert back.scores is None and back.travel_minutes is None
    assert registry_hash(back) == registry_hash(helpers.tiny_registry())


def test_gpkg_layer_in_wgs84_is_reprojected(tmp_path):
    import pyogrio

    target = tmp_path / "reg.gpkg"
    reg = helpers.tiny_registry()
    write_registry(reg, target)
    pyogrio.write_dataframe(reg.pois.to_crs("EPSG:4326"), target, layer="pois", driver="GPKG")
    back = load_registry(target)
    assert back.pois.crs == "EPSG:25832"
    assert back.pois.geometry.geom_equals_exact(reg.pois.geometry, tolerance=0.01).all()


def test_extra_columns_survive_every_form_as_text(tmp_path):
    reg = helpers.tiny_registry()
    units = reg.units.copy()
    units["floor"] = pd.array(["st.", "1. sal", None, "2", "2"], dtype="str")
    reg = reg.with_layers(units=units)
    hashes = set()
    for form in FORMS:
        write_registry(reg, tmp_path / form)
        back = load_registry(tmp_path / form)
        assert list(back.units.columns)[-1] == "floor"
        assert back.units["floor"].tolist()[:2] == ["st.", "1. sal"]
        assert back.units["floor"].isna().tolist() == [False, False, True, False, False]
        hashes.add(registry_hash(back))
    assert hashes == {registry_hash(reg)}


def test_excel_cells_that_look_like_formulas_stay_text(tmp_path):
    reg = helpers.tiny_registry()
    sites = reg.sites.copy()
    sites.loc[0, "note"] = "=SUM(A1:A2)"
    reg = reg.with_layers(sites=sites)
    write_registry(reg, tmp_path / "reg.xlsx")
    assert load_registry(tmp_path / "reg.xlsx").sites.loc[0, "note"] == "=SUM(A1:A2)"


def test_the_sample_loads_alike_in_both_committed_forms(sample_folder, sample_gpkg):
    folder, gpkg = load_registry(sample_folder), load_registry(sample_gpkg)
    assert registry_hash(folder) == registry_hash(gpkg)
    assert folder.boundary is not None and len(folder.households) > 0


COMMENTED = """# Allerød's weights, agreed with Jobberiet (kept by every form)
[weights]
transport = 3  # the S-train matters more here

[limits]
spread_tolerance_pct = 15
"""


def test_convert_keeps_the_users_policy_text_with_its_comments(tmp_path):
    folder = tmp_path / "a"
    write_registry(full_registry(), folder)
    (folder / "policy.toml").write_text(COMMENTED, encoding="utf-8")
    convert(folder, tmp_path / "b.gpkg")
    convert(tmp_path / "b.gpkg", tmp_path / "c.xlsx")
    last = convert(tmp_path / "c.xlsx", tmp_path / "d")
    assert (tmp_path / "d" / "policy.toml").read_text(encoding="utf-8") == COMMENTED
    assert last.policy.weights.transport == 3 and last.policy.limits.spread_tolerance_pct == 15


def test_a_changed_policy_is_written_anew_and_equal_policies_compare_equal():
    read = Policy.from_toml_text(COMMENTED)
    changed = read.model_copy(update={"weights": read.weights.model_copy(update={"transport": 4})})
    assert "agreed with Jobberiet" not in changed.to_toml_text()
    assert Policy.from_toml_text(changed.to_toml_text()).weights.transport == 4
    assert Policy.from_toml_text(Policy().to_toml_text()) == Policy()
    assert read == Policy.from_toml_text(read.to_toml_text()) != Policy()


@pytest.mark.parametrize(
    "text",
    [
        "# " + "x" * 40_000 + "\n[weights]\ntransport = 3\n",  # more than a cell holds
        "# a note \ufffe\n[weights]\ntransport = 3\n",  # a character XML does not allow
    ],
    ids=["long", "not-xml"],
)
def test_a_policy_text_a_workbook_cannot_hold_is_written_anew_with_its_values(tmp_path, text):
    folder = tmp_path / "a"
    write_registry(full_registry(), folder)
    (folder / "policy.toml").write_text(text, encoding="utf-8")
    convert(folder, tmp_path / "b.xlsx")
    back = load_registry(tmp_path / "b.xlsx")
    assert back.policy == Policy.from_toml_text(text)
    assert back.policy.weights.transport == 3
