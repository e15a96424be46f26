"""The follow-up's map: districts coloured by residents per 1,000 inhabitants against the
municipal average, with the protected figures only, offline (the council map's building blocks:
``reports.maps`` and ``reports.assets``; every text escaped with ``reports.escape.html_text``)."""

from __future__ import annotations

from capacity.followup.figures import Figure
from capacity.io.layers import Registry
from capacity.reports import maps
from capacity.reports.assets import inline_assets, normalise_ids
from capacity.reports.council import RATIO_CLASSES, spread_districts
from capacity.reports.escape import html_text
from capacity.reports.text import words


def ratio_class(ratio: Figure | None, residents: Figure | None) -> str:
    """The colour class of a district from its protected figures: "few" when its count is hidden
    (none at all is not told apart from 1 to min_count - 1)."""
    if (
        residents is None
        or residents.hidden
        or ratio is None
        or ratio.hidden
        or ratio.value is None
    ):
        return "few"
    return next(name for name, bound in RATIO_CLASSES if ratio.value < bound)


def followup_map(reg: Registry, index: dict, year: int, lang: str) -> str:
    """The map as one self-contained HTML document (same input, same bytes)."""
    import folium

    t = words(lang)
    min_count = reg.policy.limits.min_count
    fmap = maps._base_map(reg, None, t)
    maps._geojson_layer(
        fmap, maps._boundary_features(reg), t["boundary"], maps._boundary_style, None
    )
    districts = spread_districts(reg).sort_values("id")
    props = []
    for did, name in zip(districts["id"], districts["name"], strict=True):
        key = f"district:{did}"
        residents = index.get((year, "spread", f"{key}:residents"))
        rate = index.get((year, "spread", f"{key}:rate"))
        ratio = index.get((year, "spread", f"{key}:ratio"))
        props.append(
            {
                "name": str(name),
                "residents": residents.shown if residents else "–",
                "rate": rate.shown if rate else "–",
                "colour": maps.DISTRICT_COLOURS[ratio_class(ratio, residents)],
            }
        )
    maps._geojson_layer(
        fmap,
        maps._collection(districts, props),
        t["districts"],
        maps._district_style,
        (["name", "residents", "rate"], ["", t["residents"], t["rate"]]),
    )
    maps._poi_layers(fmap, reg, t)
    folium.LayerControl(collapsed=False).add_to(fmap)
    average = index.get((year, "spread", "average_rate"))
    fig = fmap.get_root()
    fig.html.add_child(folium.Element(_legend(average, t, min_count)))
    return inline_assets(normalise_ids(fig.render()))


def _legend(average: Figure | None, t: dict[str, str], min_count: int) -> str:
    """The district classes and the municipal average as the table shows it."""
    shown = average.shown if average is not None else "–"
    names = [name for name, _ in RATIO_CLASSES if name in maps.DISTRICT_COLOURS] + ["few"]
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:4px;'
        f'border:1px solid #555;background:{maps.DISTRICT_COLOURS[n]}"></span>'
        f"{html_text(t[n].format(n=min_count))}</div>"
        for n in names
    )
    return (
        '<div id="legend" style="position:fixed;z-index:9999;bottom:24px;right:10px;'
        'background:white;padding:6px 8px;border:1px solid #999;font:12px sans-serif">'
        f"<b>{html_text(t['legend'])}</b><div><i>{html_text(t['districts'])}, "
        f"{html_text(t['vs_average'])} ({html_text(t['average'])}: {html_text(shown)})</i></div>"
        f"{rows}<div><small>{html_text(t['privacy_note'].format(n=min_count))}</small></div></div>"
    )
