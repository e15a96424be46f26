"""The data contract: the registry's layers, their columns and the in-memory ``Registry``.

Every reader (GeoPackage, folder of CSV/GeoJSON, Excel) returns a ``Registry`` whose frames have
exactly the canonical columns and dtypes below, so that every command sees the same thing whatever
the form on disk. Geometries are in EPSG:25832 (ETRS89 / UTM 32N).

Canonical dtypes (``Column.kind``):

========  ==========================================================
kind      pandas dtype in memory
========  ==========================================================
id, str   ``str`` (pandas' string dtype; missing values are NA)
int       ``Int64`` (nullable integer)
float     ``Float64`` (nullable float)
bool      ``boolean`` (nullable boolean)
date      ``datetime64[s]`` (midnight; NaT when missing)
intlist   ``object`` holding ``tuple[int, ...]`` (CSV: ``"2;7;12"``)
========  ==========================================================

Columns added to the contract later are ``sparse``: in memory every frame has them (all NA when
absent), but they are written to disk and hashed only when some row has a value, so a registry
without them keeps its bytes and its hash (``stored_columns``). The optional layer
``module_types`` and its sparse columns on ``sites`` and ``units`` are read for the plan
by ``capacity.planning.types``; their checks are in ``capacity.io.typechecks``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from capacity.errors import Problem
from capacity.policy import Policy

CRS = "EPSG:25832"
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Column:
    """One column of a layer: its name, kind, whether it is required and its allowed values."""

    name: str
    kind: str  # id | str | int | float | bool | date | intlist
    required: bool = True
    nullable: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    ref: str | None = None  # "layer.column" this id must exist in
    doc: str = ""
    # Added to the contract later: written to disk (and hashed) only when some row has a value,
    # so that a registry without it is stored byte for byte as before.
    sparse: bool = False


@dataclass(frozen=True)
class Layer:
    """A registry layer: its columns and, for spatial layers, the geometry type."""

    name: str
    columns: tuple[Column, ...]
    geometry: str | None = None  # "Point" | "Polygon" (MultiPolygon allowed) | None
    optional: bool = False
    key: tuple[str, ...] = ("id",)  # unique key
    doc: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_DISTRICT_KINDS = ("school", "daycare", "town", "parish")
_POI_KINDS = ("station", "school", "daycare", "jobcentre", "town_centre", "health")
_SITE_KINDS = ("building", "pavilion_site")

_PAVILION = dict(required=False, nullable=True, min=0)
_SPARSE = dict(required=False, nullable=True, sparse=True)
_MONTHS = 240  # lead times, lifetimes and notices: at most 20 years
_TENURES = ("owned", "rented")


def _type_column(name: str, kind: str, doc: str, **bounds: float) -> Column:
    """An optional column of ``module_types`` with a default (missing -> the default)."""
    return Column(name, kind, required=False, nullable=True, doc=doc, **bounds)


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            "districts",
            (
                Column("id", "id"),
                Column("name", "str"),
                Column("kind", "str", choices=_DISTRICT_KINDS),
                Column("population", "int", min=0),
                Column(
                    "free_slots_0_2",
                    "int",
                    required=False,
                    nullable=True,
                    min=0,
                    doc="daycare districts: free places for ages 0-2",
                ),
                Column(
                    "free_slots_3_5",
                    "int",
                    required=False,
                    nullable=True,
                    min=0,
                    doc="daycare districts: free places for ages 3-5",
                ),
                Column(
                    "approximate",
                    "bool",
                    required=False,
                    nullable=True,
                    doc="true when the polygon or figure is an approximation",
                ),
                Column("source", "str", required=False, nullable=True),
            ),
            geometry="Polygon",
            doc="school, daycare and town districts (and parishes), with population",
        ),
        Layer(
            "pois",
            (
                Column("id", "id"),
                Column("name", "str"),
                Column("kind", "str", choices=_POI_KINDS),
                Column(
                    "receiving_classes",
                    "bool",
                    required=False,
                    nullable=True,
                    doc="schools: has receiving classes (modtageklasser)",
                ),
                Column("approximate", "bool", required=False, nullable=True),
                Column("source", "str", required=False, nullable=True),
            ),
            geometry="Point",
            doc="points of interest: stations, schools, daycare, Jobberiet, town centres, health",
        ),
        Layer(
            "sites",
            (
                Column("id", "id"),
                Column("name", "str"),
                Column("kind", "str", choices=_SITE_KINDS),
                Column("available_from", "date", required=False, nullable=True),
                Column("available_until", "date", required=False, nullable=True),
                Column("modules_now", "int", **_PAVILION),
                Column("modules_max", "int", **_PAVILION),
                Column("beds_per_module", "int", **_PAVILION),
                Column("cost_setup_per_module", "int", **_PAVILION, doc="DKK"),
                Column("cost_month_per_module", "int", **_PAVILION, doc="DKK"),
                Column("cost_teardown_per_module", "int", **_PAVILION, doc="DKK"),
                Column("lead_time_months", "int", **_PAVILION),
                Column("min_lifetime_months", "int", **_PAVILION),
                Column("note", "str", required=False, nullable=True),
                Column(
                    "cost_open",
                    "int",
                    **_SPARSE,
                    min=0,
                    doc="pavilion sites: one-off DKK when the first module goes up on an empty site",
                ),
                Column(
                    "cost_close",
                    "int",
                    **_SPARSE,
                    min=0,
                    doc="pavilion sites: one-off DKK when the last module is gone (restoring)",
                ),
                Column(
                    "close_notice_months",
                    "int",
                    **_SPARSE,
                    min=0,
                    max=_MONTHS,
                    doc="pavilion sites: months of notice a teardown or closing needs",
                ),
                Column(
                    "reopen_allowed",
                    "bool",
                    **_SPARSE,
                    doc="pavilion sites: modules may return after the site closed (default true)",
                ),
            ),
            geometry="Point",
            doc="municipal buildings and pavilion sites",
        ),
        Layer(
            "units",
            (
                Column("id", "id"),
                Column("site_id", "id", ref="sites.id"),
                Column("beds", "int", min=1),
                Column("rooms", "int", min=1),
                Column("family_ok", "bool"),
                Column("accessible", "bool"),
                Column("shareable", "bool", doc="single adults may share"),
                Column("in_service", "bool"),
                Column(
                    "module_type_id",
                    "id",
                    **_SPARSE,
                    ref="module_types.id",
                    doc="pavilion units: the module type (required where the site has several)",
                ),
                Column(
                    "in_service_from",
                    "date",
                    **_SPARSE,
                    doc="when the unit or module was taken into use (the follow-up counts modules "
                    "put up from it)",
                ),
                Column(
                    "in_service_until",
                    "date",
                    **_SPARSE,
                    doc="when it was taken out of use (modules taken down)",
                ),
            ),
            doc="rooms and flats in buildings; pavilion modules standing today",
        ),
        Layer(
            "module_types",
            (
                Column("id", "id"),
                Column("site_id", "id", ref="sites.id", doc="a pavilion site"),
                Column("name", "str"),
                Column("units_per_module", "int", min=1, max=100),
                Column("beds_per_unit", "int", min=1, max=50),
                Column("family_ok", "bool"),
                Column("shareable", "bool", doc="single adults may share a unit"),
                Column("accessible", "bool"),
                Column("modules_now", "int", min=0, max=100_000),
                Column("modules_max", "int", min=0, max=100_000),
                Column("cost_setup_per_module", "int", min=0, doc="DKK"),
                Column("cost_month_per_module", "int", min=0, doc="DKK a month (rent or upkeep)"),
                Column("cost_teardown_per_module", "int", min=0, doc="DKK"),
                Column("lead_time_months", "int", min=0, max=_MONTHS),
                Column("min_lifetime_months", "int", min=0, max=_MONTHS),
                Column("tenure", "str", choices=_TENURES),
                _type_column("lease_end", "date", "rented: the earliest lease end without penalty"),
                _type_column(
                    "notice_months",
                    "int",
                    "months of notice to end or take down (0)",
                    min=0,
                    max=_MONTHS,
                ),
                _type_column(
                    "cost_early_termination_per_module",
                    "int",
                    "rented: DKK per module ended before lease_end (0)",
                    min=0,
                ),
                _type_column(
                    "purchase_price_per_module",
                    "int",
                    "rented: DKK to buy a module (empty: cannot be bought)",
                    min=1,
                ),
                _type_column(
                    "cost_month_owned_per_module",
                    "int",
                    "rented: DKK a month of upkeep once bought (0)",
                    min=0,
                ),
                _type_column(
                    "residual_value_per_module",
                    "int",
                    "owned: DKK a module is worth at the horizon's end (0)",
                    min=0,
                ),
            ),
            optional=True,
            doc="module types of pavilion sites (single rooms, family homes, ...): "
            "tenure, lease and costs; a site without rows has one type from its own columns",
        ),
        Layer(
            "households",
            (
                Column("id", "id", doc="pseudonymous id, never a name"),
                Column("arrival_date", "date"),
                Column("adults", "int", min=0),
                Column("children_ages", "intlist", doc='ages 0-17, in CSV as "2;7;12"'),
                Column("needs_accessible", "bool"),
                Column("unaccompanied_minor", "bool"),
                Column(
                    "required_district", "id", required=False, nullable=True, ref="districts.id"
                ),
                Column("work_poi", "id", required=False, nullable=True, ref="pois.id"),
            ),
            doc="households living in temporary homes or arriving (pseudonymous)",
        ),
        Layer(
            "occupancy",
            (
                Column("household_id", "id", ref="households.id"),
                Column("unit_id", "id", ref="units.id"),
                Column("move_in", "date"),
                Column("expected_move_out", "date", required=False, nullable=True),
                Column("move_out", "date", required=False, nullable=True),
            ),
            key=("household_id", "unit_id", "move_in"),
            doc="who lives (or lived) where; an open row has no move_out",
        ),
        Layer(
            "scores",
            (
                Column("household_id", "id", ref="households.id"),
                Column("site_id", "id", ref="sites.id"),
                Column("score", "float"),
            ),
            optional=True,
            key=("household_id", "site_id"),
            doc="household x site, higher is better (e.g. a predicted outcome)",
        ),
        Layer(
            "travel_minutes",
            (
                Column("site_id", "id", ref="sites.id"),
                Column("poi_id", "id", ref="pois.id"),
                Column("minutes", "float", min=0),
            ),
            optional=True,
            key=("site_id", "poi_id"),
            doc="site x poi travel time; overrides straight-line estimates",
        ),
        Layer(
            "boundary",
            (
                Column("id", "id"),
                Column("name", "str"),
                Column("source", "str", required=False, nullable=True),
            ),
            geometry="Polygon",
            optional=True,
            doc="the municipal boundary; when given, every point must lie inside it",
        ),
    )
}

SPATIAL = tuple(name for name, layer in LAYERS.items() if layer.geometry)
REQUIRED_LAYERS = tuple(name for name, layer in LAYERS.items() if not layer.optional)


@dataclass(frozen=True)
class Registry:
    """A loaded, validated registry: one frame per layer plus the policy.

    Spatial layers are GeoDataFrames in EPSG:25832; optional layers are ``None`` when absent.
    Frames are in canonical column order and dtypes (see the module docstring) and sorted as read.
    The user's extra columns hold text; ``extra_kinds`` keeps the type the source gave them
    (layer -> column -> ``int``, ``float``, ``bool``, ``date`` or ``datetime``; a column not
    named is text), which the writers give back where the form holds it
    (``capacity.io.extras``).
    """

    districts: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    units: pd.DataFrame
    households: pd.DataFrame
    occupancy: pd.DataFrame
    module_types: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    travel_minutes: pd.DataFrame | None = None
    boundary: gpd.GeoDataFrame | None = None
    policy: Policy = field(default_factory=Policy)
    source: Path | None = None
    warnings: tuple[Problem, ...] = ()
    extra_kinds: dict[str, dict[str, str]] = field(default_factory=dict)

    def layer(self, name: str) -> pd.DataFrame | None:
        """The frame of a layer by name."""
        return getattr(self, name)

    def layers(self) -> dict[str, pd.DataFrame]:
        """The layers present, by name, in contract order."""
        return {n: f for n in LAYERS if (f := self.layer(n)) is not None}

    def with_layers(self, **frames: pd.DataFrame | None) -> Registry:
        """A copy with some layers (or the policy) replaced."""
        return replace(self, **frames)


_DTYPES = {
    "id": "str",
    "str": "str",
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
    "date": "datetime64[s]",
    "intlist": "object",
}


def stored_columns(name: str, frame: pd.DataFrame) -> list[str]:
    """The columns of a layer's frame as written to disk and hashed (geometry aside): all of
    them but a ``sparse`` contract column that holds no value."""
    layer = LAYERS[name]
    return [
        c
        for c in frame.columns
        if c != "geometry"
        and not (c in layer.names and layer.column(c).sparse and not frame[c].notna().any())
    ]


def dtype_of(column: Column) -> str:
    """The canonical pandas dtype of a column."""
    return _DTYPES[column.kind]


def canonical(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the layer's columns in contract order and canonical dtypes.

    ``df`` must hold clean values already (validation happens before this): missing optional
    columns are added as all-NA, extra columns are kept after the contract's columns, and the
    index is reset. Spatial layers keep their geometry (and CRS) as the last column.
    """
    layer = LAYERS[name]
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    src = df.reset_index(drop=True)
    for col in layer.columns:
        values = src[col.name] if col.name in src.columns else pd.Series([None] * len(src))
        out[col.name] = _as_kind(values, col)
    extras = [c for c in src.columns if c not in layer.names and c != "geometry"]
    for c in extras:
        out[c] = src[c].to_numpy()
    if layer.geometry is None:
        return out
    geometry = src.geometry if isinstance(src, gpd.GeoDataFrame) else src["geometry"]
    crs = getattr(geometry, "crs", None) or CRS
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry.to_numpy(), crs=crs).to_crs(CRS))


def _as_kind(values: pd.Series, col: Column) -> pd.Series:
    values = values.reset_index(drop=True)
    if col.kind == "intlist":
        return pd.Series(
            [tuple(int(a) for a in v) if isinstance(v, (list, tuple)) else () for v in values],
            dtype="object",
        )
    if col.kind == "date":
        return pd.to_datetime(values).dt.normalize().astype("datetime64[s]")
    if col.kind in ("id", "str"):
        return values.astype("object").where(values.notna(), None).astype("str")
    return values.astype(_DTYPES[col.kind])


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """Build a canonical layer from clean Python values (tests, generators, converters).

    Rows of spatial layers carry a shapely geometry under ``"geometry"`` in EPSG:25832.
    """
    layer = LAYERS[name]
    df = pd.DataFrame(
        rows, columns=None if rows else layer.names + (["geometry"] if layer.geometry else [])
    )
    if layer.geometry:
        df = gpd.GeoDataFrame(df, geometry="geometry", crs=CRS)
    return canonical(name, df)
