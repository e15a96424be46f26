"""Generated and corrupted registries: ``validate_path`` always answers with problems, and
``load_registry`` either succeeds or raises ``RegistryError``; nothing else ever escapes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.errors import RegistryError
from capacity.io.registry import convert, load_registry, registry_hash, type_notes, write_registry
from capacity.io.validate import validate_path
from tests import helpers

NASTY = [
    "",
    " ",
    "-1",
    "0",
    "1e400",
    "99999999999999999999",
    "12,5",
    "2;7;99",
    "nan",
    "NA",
    "true",
    "ja",
    "2026-02-30",
    "9999-12-31",
    "01-13-2026",
    "S9",
    "B1",
    "\x00",
    "æøå",
    '"',
    "\n",
    ";",
    "POINT (1 2)",
    "-1e308",
    "1.5",
    "🙂",
]
cell_values = st.one_of(st.sampled_from(NASTY), st.text(max_size=12))


@st.composite
def registries(draw):
    """A small valid registry: 1-3 sites, 1-3 units each (a pavilion site's units are its
    modules_now modules of 4 beds), up to 6 households, some housed."""
    n_sites = draw(st.integers(1, 3))
    sites, units = [], []
    for s in range(n_sites):
        pavilion = draw(st.booleans())
        n_units = draw(st.integers(1, 3))
        sites.append(
            helpers.make_site(
                f"S{s}",
                kind="pavilion_site" if pavilion else "building",
                dx=draw(st.integers(-1500, 1500)),
                dy=draw(st.integers(-900, 900)),
                modules_now=n_units if pavilion else None,  # a pavilion's units are its modules
            )
        )
        for u in range(n_units):
            units.append(
                helpers.make_unit(
                    f"S{s}-{u}",
                    f"S{s}",
                    beds=4 if pavilion else draw(st.integers(1, 6)),  # beds_per_module
                    shareable=draw(st.booleans()),
                )
            )
    households, occupancy = [], []
    free = [u["id"] for u in units]
    for h in range(draw(st.integers(0, 6))):
        ages = tuple(draw(st.lists(st.integers(0, 17), max_size=3)))
        households.append(
            helpers.make_household(f"H{h}", adults=draw(st.integers(1, 3)), children_ages=ages)
        )
        size = households[-1]["adults"] + len(ages)
        fits = [u for u in free if next(x for x in units if x["id"] == u)["beds"] >= size]
        if fits and draw(st.booleans()):
            free.remove(fits[0])
            occupancy.append(helpers.make_occupancy(f"H{h}", fits[0], move_in=dt.date(2025, 1, 1)))
    base = helpers.tiny_registry()
    return helpers.make_registry(
        districts=[], pois=[], sites=sites, units=units, households=households, occupancy=occupancy
    ).with_layers(districts=base.districts, pois=base.pois)


def corrupt_cell(path: Path, row: int, column: int, value: str) -> None:
    """Set one cell of a CSV file (rows and columns wrap around) and write it back as CSV."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    r = rows[row % len(rows)]
    r[column % len(r)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def corrupt_bytes(path: Path, cut: int, junk: bytes) -> None:
    """Cut a file at ``cut`` bytes and append ``junk``."""
    data = path.read_bytes()
    path.write_bytes(data[: cut % (len(data) + 1)] + junk)


def assert_answers(folder: Path) -> None:
    """The property: problems or a registry, consistently, and never another exception."""
    problems = validate_path(folder)
    assert all(p.severity in ("error", "warning") and p.source and p.message for p in problems)
    has_errors = any(p.severity == "error" for p in problems)
    try:
        reg = load_registry(folder)
    except RegistryError as exc:
        assert has_errors and exc.errors
    else:
        assert not has_errors
        assert len(reg.warnings) == len(problems)


FILES = [
    "sites.csv",
    "units.csv",
    "households.csv",
    "occupancy.csv",
    "pois.csv",
    "districts.geojson",
    "policy.toml",
]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(
    reg=registries(),
    edits=st.lists(
        st.tuples(st.sampled_from(FILES[:5]), st.integers(0, 50), st.integers(0, 20), cell_values),
        max_size=4,
    ),
)
def test_corrupted_cells_give_problems_never_tracebacks(reg, edits):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reg"
        write_registry(reg, folder)
        for name, row, column, value in edits:
            corrupt_cell(folder / name, row, column, value)
        assert_answers(folder)


@SETTINGS
@given(
    reg=registries(),
    name=st.sampled_from(FILES),
    cut=st.integers(0, 5000),
    junk=st.binary(max_size=20),
)
def test_truncated_files_give_problems_never_tracebacks(reg, name, cut, junk):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reg"
        write_registry(reg, folder)
        corrupt_bytes(folder / name, cut, junk)
        assert_answers(folder)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries())
def test_generated_registries_load_and_keep_their_hash_in_every_form(reg):
    tmp = Path(tempfile.mkdtemp())
    try:
        for form in ("reg", "reg.gpkg", "reg.xlsx"):
            write_registry(reg, tmp / form)
            assert registry_hash(load_registry(tmp / form)) == registry_hash(reg)
    finally:
        shutil.rmtree(tmp)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, bytes]:
    """The tiny registry's bytes as a GeoPackage and as an Excel workbook."""
    tmp = tmp_path_factory.mktemp("forms")
    out = {}
    for form in ("reg.gpkg", "reg.xlsx"):
        write_registry(helpers.tiny_registry(), tmp / form)
        out[form] = (tmp / form).read_bytes()
    return out


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    form=st.sampled_from(["reg.gpkg", "reg.xlsx"]),
    cut=st.integers(0, 200_000),
    junk=st.binary(max_size=64),
    flip=st.integers(0, 200_000),
)
def test_damaged_gpkg_and_xlsx_give_problems_never_tracebacks(written, form, cut, junk, flip):
    data = bytearray(written[form])
    data[flip % len(data)] ^= 0xFF
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / form
        path.write_bytes(bytes(data[: cut % (len(data) + 1)]) + junk)
        problems = validate_path(path)
        try:
            load_registry(path)
        except RegistryError:
            assert any(p.severity == "error" for p in problems)


# --- the types of extra columns through convert ---------------------------------------------------

# A column's declared type in a GeoPackage -> its values as SQLite holds them (as GDAL writes them)
DECLARED = {
    "INTEGER": st.integers(-(2**53), 2**53),  # pyogrio reads a field with empty cells as floats
    "REAL": st.floats(allow_nan=False, allow_infinity=False),
    "BOOLEAN": st.booleans().map(int),
    "DATE": st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31)).map(dt.date.isoformat),
    "DATETIME": st.datetimes(dt.datetime(1800, 1, 1), dt.datetime(2200, 12, 31)).map(
        lambda t: t.isoformat(timespec="milliseconds")
    ),
    "TEXT": st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=8),
}


@st.composite
def extra_columns(draw):
    """One to four columns for the tiny registry's five units, each of a drawn declared type,
    with empty cells among the values."""
    names = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4, unique=True))
    out = {}
    for name in names:
        declared = draw(st.sampled_from(sorted(DECLARED)))
        values = draw(st.lists(st.none() | DECLARED[declared], min_size=5, max_size=5))
        out[f"extra_{name}"] = (declared, values)
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=extra_columns())
def test_extra_columns_keep_every_value_and_their_type_unless_a_warning_names_them(columns):
    """GeoPackage -> each form -> GeoPackage: the values (the hash) are kept everywhere; a
    column's type is kept unless the warnings of the first step name the column, and a
    GeoPackage names none."""
    tmp = Path(tempfile.mkdtemp())
    try:
        src = tmp / "src.gpkg"
        write_registry(helpers.tiny_registry(), src)
        helpers.add_columns(src, columns)
        reg = load_registry(src)
        for form in ("a.gpkg", "a.xlsx", "a"):
            convert(src, tmp / form)
            back = tmp / f"back-{form.replace('.', '-')}.gpkg"
            convert(tmp / form, back)
            again = load_registry(back)
            assert registry_hash(load_registry(tmp / form)) == registry_hash(reg)
            assert registry_hash(again) == registry_hash(reg)
            named = {note.column for note in type_notes(reg, tmp / form)}
            assert not named or form != "a.gpkg"
            kinds, kept = reg.extra_kinds.get("units", {}), again.extra_kinds.get("units", {})
            assert {c: kinds.get(c) for c in columns if c not in named} == {
                c: kept.get(c) for c in columns if c not in named
            }
    finally:
        shutil.rmtree(tmp)
