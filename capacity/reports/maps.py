"""Byrådet's map report: one self-contained HTML file (folium) that works with no network at all.

Layers: the municipal boundary, districts coloured by refugee residents per 1,000 inhabitants
against the municipal average, towns, the temporary homes (size by residents, colour by
occupancy), the plan's proposal, schools, daycare, stations and Jobberiet; a legend and a panel of
key numbers. Counts only: a site's count below ``min_count`` is shown as "<N", and totals are
published as the range the shown sites allow (``privacy.published_total``), so that no hidden
count can be recovered by differences. Coordinates are reprojected to WGS84 here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from capacity.files import write_atomic
from capacity.io.layers import WGS84, Registry
from capacity.reports import council
from capacity.reports.assets import inline_assets, normalise_ids
from capacity.reports.escape import html_text
from capacity.reports.map_panels import (
    DISTRICT_COLOURS,
    HIDDEN_COLOUR,
    OCCUPANCY_COLOURS,
    key_numbers_html,
    legend_html,
)
from capacity.reports.privacy import free_beds_text, suppress, total_rate_text, total_text
from capacity.reports.text import long_date, money, signed, words

MAP_FILE = "map.html"
# poi kind -> (layer word, Font Awesome icon, awesome-markers colour)
POI_STYLE = {
    "school": ("schools", "school", "blue"),
    "daycare": ("daycare", "child", "orange"),
    "station": ("stations", "train", "darkblue"),
    "jobcentre": ("jobcentre", "briefcase", "purple"),
}
RECEIVING_COLOUR = "red"


def council_map(
    reg: Registry,
    plan: pd.DataFrame | None = None,
    lang: str = "da",
    tiles: str | None = None,
    date: dt.date | None = None,
) -> str:
    """The council's map report as one self-contained HTML document.

    Parameters
    ----------
    reg : the registry (EPSG:25832).
    plan : the capacity plan's ``plan.csv`` as read by ``plan_output.read_plan``, or ``None``;
        labelled a capacity plan, or the proposal when ``attrs["proposal"]`` (``map_plan``).
    lang : "da" (default) or "en".
    tiles : a tile URL template for a background map (needs the network); ``None`` draws the
        boundary, districts and towns as the background.
    date : count stays open on this date; ``None`` counts stays with no move-out.

    Returns
    -------
    str
        The HTML: scripts, styles and fonts inlined, ids deterministic (same input, same bytes).
    """
    import folium

    t = words(lang)
    min_count = reg.policy.limits.min_count
    fmap = _base_map(reg, tiles, t)
    _geojson_layer(fmap, _boundary_features(reg), t["boundary"], _boundary_style, None)
    districts = council.districts_figures(reg, date)
    _geojson_layer(
        fmap,
        _district_features(districts, min_count),
        t["districts"],
        _district_style,
        (["name", "residents", "rate"], ["", t["residents"], t["rate"]]),
    )
    _towns_layer(fmap, reg, t)
    proposal = council.proposal_by_site(plan) if plan is not None else {}
    _sites_layer(fmap, council.sites_figures(reg, date), proposal, t, lang, min_count)
    if plan is not None:
        layer = t["proposal"] if plan.attrs.get("proposal", False) else t["plan_layer"]
        _proposal_layer(fmap, reg, proposal, t, lang, layer)
    _poi_layers(fmap, reg, t)
    folium.LayerControl(collapsed=False).add_to(fmap)
    keys = council.key_numbers(reg, plan, date)
    fig = fmap.get_root()
    fig.html.add_child(folium.Element(key_numbers_html(keys, t, lang, min_count, date)))
    fig.html.add_child(folium.Element(legend_html(districts.attrs["average"], t, min_count, lang)))
    return inline_assets(normalise_ids(fig.render()))


def write_council_map(
    reg: Registry,
    out_dir: Path,
    plan: pd.DataFrame | None = None,
    lang: str = "da",
    tiles: str | None = None,
    date: dt.date | None = None,
) -> Path:
    """Render ``council_map`` and write it atomically to ``out_dir / "map.html"``; return the path."""
    return write_atomic(Path(out_dir) / MAP_FILE, council_map(reg, plan, lang, tiles, date))


def _base_map(reg: Registry, tiles: str | None, t: dict[str, str]) -> Any:
    import folium

    west, south, east, north = council.boundary(reg).to_crs(WGS84).total_bounds
    title = f"{t['title']}"
    fig = folium.Figure(title=title)
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
    ).add_to(fig)
    if tiles:
        host = tiles.split("/")[2] if "://" in tiles else tiles
        folium.TileLayer(
            tiles=tiles, attr=html_text(host), name=html_text(host), overlay=False
        ).add_to(fmap)
    fmap.fit_bounds([[round(south, 6), round(west, 6)], [round(north, 6), round(east, 6)]])
    fig.header.add_child(
        folium.Element("<style>.leaflet-container{background:#f4f1ea}</style>"),
        name="capacity_background",
    )
    return fmap


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The geometries in WGS84, coordinates rounded to 6 decimals (about 10 cm)."""
    geoms = gdf.geometry.to_crs(WGS84)
    return geoms.apply(lambda g: shapely.transform(g, lambda xy: np.round(xy, 6)))


def _collection(gdf: gpd.GeoDataFrame, props: list[dict]) -> dict:
    """A GeoJSON FeatureCollection in WGS84; every text property is escaped (``html_text``),
    since folium's ``GeoJsonTooltip`` puts the properties into the page as HTML."""
    features = [
        {
            "type": "Feature",
            "properties": {k: html_text(v) if isinstance(v, str) else v for k, v in p.items()},
            "geometry": shapely.geometry.mapping(g),
        }
        for g, p in zip(to_wgs84(gdf), props, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _boundary_features(reg: Registry) -> dict:
    bounds = council.boundary(reg)
    return _collection(bounds, [{"name": str(n)} for n in bounds["name"]])


def _district_features(districts: gpd.GeoDataFrame, min_count: int) -> dict:
    props = [
        {
            "name": str(row.name),
            "residents": total_text(row.published, min_count),
            "rate": html.unescape(total_rate_text(row.published, int(row.population), min_count)),
            "colour": DISTRICT_COLOURS[row.ratio_class],
        }
        for row in districts.itertuples()
    ]
    return _collection(districts, props)


def _boundary_style(_feature: dict) -> dict:
    return {"color": "#222222", "weight": 3, "fill": False}


def _district_style(feature: dict) -> dict:
    return {
        "color": "#555555",
        "weight": 1,
        "fillColor": feature["properties"]["colour"],
        "fillOpacity": 0.6,
    }


def _town_style(_feature: dict) -> dict:
    return {"color": "#6a3d9a", "weight": 1.5, "dashArray": "4 4", "fill": False}


def _geojson_layer(fmap: Any, data: dict, name: str, style, tooltip) -> None:
    import folium

    group = folium.FeatureGroup(name=name).add_to(fmap)
    tip = folium.GeoJsonTooltip(fields=tooltip[0], aliases=tooltip[1]) if tooltip else None
    folium.GeoJson(data, name=name, style_function=style, tooltip=tip).add_to(group)


def _towns_layer(fmap: Any, reg: Registry, t: dict[str, str]) -> None:
    """Town outlines (town districts, unless they are the spread districts) and town names."""
    import folium

    towns = reg.districts[reg.districts["kind"] == "town"]
    if reg.policy.limits.spread_district_kind == "town":
        towns = towns.iloc[:0]
    centres = reg.pois[reg.pois["kind"] == "town_centre"]
    if not len(towns) and not len(centres):
        return
    group = folium.FeatureGroup(name=t["towns"]).add_to(fmap)
    if len(towns):
        data = _collection(towns, [{"name": str(n)} for n in towns["name"]])
        folium.GeoJson(
            data,
            style_function=_town_style,
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[""]),
        ).add_to(group)
    for name, point in zip(centres["name"], to_wgs84(centres), strict=True):
        icon = folium.DivIcon(
            html=f'<div class="town-label">{html_text(str(name))}</div>',
            icon_size=(1, 1),
            icon_anchor=(0, 0),
            class_name="town-icon",
        )
        folium.Marker([point.y, point.x], icon=icon, interactive=False).add_to(group)


def _site_colour(row: Any, min_count: int) -> str:
    if row.residents < min_count or not row.beds:
        return HIDDEN_COLOUR
    return next(colour for bound, colour in OCCUPANCY_COLOURS if row.occupancy_pct < bound)


def _site_size(residents: int, min_count: int) -> int:
    """Marker diameter in pixels by a class of residents (never the exact count)."""
    if residents < min_count:
        return 14
    return 20 if residents < 10 else 28 if residents < 30 else 36


def _sites_layer(
    fmap: Any,
    sites: gpd.GeoDataFrame,
    proposal: dict[str, pd.DataFrame],
    t: dict[str, str],
    lang: str,
    min_count: int,
) -> None:
    import folium

    group = folium.FeatureGroup(name=t["sites"]).add_to(fmap)
    for row, point in zip(sites.itertuples(), to_wgs84(sites), strict=True):
        size = _site_size(int(row.residents), min_count)
        icon = folium.DivIcon(
            html=(
                f'<div class="site-marker" style="width:{size}px;height:{size}px;'
                f'background:{_site_colour(row, min_count)}"></div>'
            ),
            icon_size=(size, size),
            icon_anchor=(size // 2, size // 2),
            class_name="site-icon",
        )
        popup = folium.Popup(
            _site_popup(row, proposal.get(str(row.site_id)), t, lang, min_count), max_width=320
        )
        folium.Marker(
            [point.y, point.x],
            icon=icon,
            popup=popup,
            z_index_offset=1000,
            tooltip=html_text(str(row.name)),
        ).add_to(group)


def _site_popup(
    row: Any, moves: pd.DataFrame | None, t: dict[str, str], lang: str, min_count: int
) -> str:
    beds, residents = int(row.beds), int(row.residents)
    lines = [
        f"<b>{html_text(str(row.name))}</b> ({t.get(str(row.kind), html_text(str(row.kind)))})",
        f'{t["beds"]}: <span class="capacity">{beds}</span>',
        f'{t["occupied"]}: <span class="count">{html_text(suppress(residents, min_count))}</span>',
        _availability(row, t, lang, min_count),
    ]
    if row.kind == "pavilion_site":
        lines.append(f"{t['modules']}: {_int(row.modules_now)}/{_int(row.modules_max)}")
    if moves is not None:
        lines += [_move_text(m, t, lang) for m in moves.itertuples()]
    return "<br>".join(lines)


def _availability(row: Any, t: dict[str, str], lang: str, min_count: int) -> str:
    """The popup's line on free beds: beds less residents at a site in use on the date (a bound
    when the residents are hidden), else when the site opens or that it has closed."""
    if row.in_use:
        free = free_beds_text(int(row.beds), int(row.residents), min_count)
        return f'{t["free"]}: <span class="count-free">{free}</span>'
    if not pd.isna(row.opens):
        return f'<span class="opens">{t["opens_on"].format(date=long_date(row.opens, lang))}</span>'
    closed = long_date(row.closed, lang)
    return f'<span class="closed">{t["closed_on"].format(date=closed)}</span>'


def _move_text(move: Any, t: dict[str, str], lang: str) -> str:
    """A month's modules ordered (the plan's ``modules_up``: they stand a lead time later, when
    the site is in use) and taken down at a site, and (from a proposal) the homes by kind and
    whether the site opens or closes; counts only."""
    parts = []
    if move.modules_up:
        parts.append(f"+{int(move.modules_up)} {t['up']}")
    if move.modules_down:
        parts.append(f"−{int(move.modules_down)} {t['down']}")
    text = ", ".join(parts)
    kinds = getattr(move, "by_kind", None) or {}
    if kinds:
        homes = ", ".join(
            f"{signed(n, 0, lang)} {t['kind_' + k]}" for k, n in sorted(kinds.items())
        )
        text += f" ({homes})"
    event = getattr(move, "site_event", "") or ""
    if event:
        text = f"{text} – {t[event]}" if text else t[event]
    return f"{pd.Timestamp(move.month):%Y-%m}: {text} ({money(move.cost, lang)})"


def _int(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else str(int(value))


def _proposal_layer(
    fmap: Any,
    reg: Registry,
    proposal: dict[str, pd.DataFrame],
    t: dict[str, str],
    lang: str,
    label: str,
) -> None:
    import folium

    group = folium.FeatureGroup(name=label).add_to(fmap)
    sites = reg.sites[reg.sites["id"].isin(list(proposal))]
    for site_id, point in zip(sites["id"], to_wgs84(sites), strict=True):
        moves = proposal[str(site_id)]
        net = int(moves["modules_up"].sum() - moves["modules_down"].sum())
        label = signed(net, 0, lang)
        icon = folium.DivIcon(
            html=f'<div class="proposal-badge">{label}</div>',
            icon_size=(34, 18),
            icon_anchor=(-8, 26),
            class_name="proposal-icon",
        )
        text = "<br>".join(_move_text(m, t, lang) for m in moves.itertuples())
        folium.Marker(
            [point.y, point.x],
            icon=icon,
            popup=folium.Popup(text, max_width=320),
            tooltip=label,
        ).add_to(group)


def _poi_layers(fmap: Any, reg: Registry, t: dict[str, str]) -> None:
    import folium

    for kind, (word, icon, colour) in POI_STYLE.items():
        pois = reg.pois[reg.pois["kind"] == kind]
        if not len(pois):
            continue
        group = folium.FeatureGroup(name=t[word]).add_to(fmap)
        for row, point in zip(pois.itertuples(), to_wgs84(pois), strict=True):
            receiving = (
                kind == "school"
                and not pd.isna(row.receiving_classes)
                and bool(row.receiving_classes)
            )
            name = html_text(str(row.name)) + (f" ({t['receiving']})" if receiving else "")
            folium.Marker(
                [point.y, point.x],
                tooltip=name,
                icon=folium.Icon(
                    prefix="fa", icon=icon, color=RECEIVING_COLOUR if receiving else colour
                ),
            ).add_to(group)
