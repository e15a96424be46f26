"""The map's two fixed panels: key numbers and the legend (HTML fragments, counts suppressed)."""

from __future__ import annotations

import datetime as dt

from capacity.numbers import number
from capacity.reports.council import RATIO_CLASSES, KeyNumbers
from capacity.reports.escape import html_text
from capacity.reports.privacy import free_total_text, suppress, total_text
from capacity.reports.text import money

# the map's colours (``capacity.reports.maps``), told in the legend
DISTRICT_COLOURS = {  # "few": 0 to min_count - 1 residents, one class (0 is not told apart)
    "few": "#d9d9d9",
    "well_below": "#4393c3",
    "below": "#92c5de",
    "near": "#ffffbf",
    "above": "#f4a582",
    "well_above": "#d6604d",
}
# (upper bound of occupancy %, colour); sites with hidden counts are grey.
OCCUPANCY_COLOURS = ((50, "#1a9850"), (80, "#91cf60"), (95, "#fdae61"), (float("inf"), "#d73027"))
HIDDEN_COLOUR = "#9e9e9e"

_PANEL = (
    "position:fixed;z-index:1000;background:rgba(255,255,255,.92);padding:8px 10px;"
    "border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.25 sans-serif;"
)
STYLE = """<style>
.leaflet-control-layers{font:12px/1.3 sans-serif}
.town-label{font:italic 12px sans-serif;color:#4a2a6a;white-space:nowrap;text-shadow:0 0 3px #fff}
.site-marker{border-radius:50%;border:2px solid #333;opacity:.9}
.proposal-badge{background:#fff;border:1px solid #333;border-radius:4px;font:bold 11px sans-serif;
 text-align:center;padding:1px 2px}
#key-numbers table td{padding:0 4px}
#key-numbers td.v{text-align:right;font-weight:bold}
.legend-swatch{display:inline-block;width:14px;height:10px;border:1px solid #555;margin-right:4px}
.legend-dot{display:inline-block;width:10px;height:10px;border-radius:50%;border:1px solid #333;
 margin-right:4px}
</style>"""


# How totals are published (``privacy.published_total``), said in the legend.
TOTALS_NOTE = {
    "da": (
        "Summer vises som det interval, de viste tal giver: et sted med under {n} tæller "
        "0–{m}. Rater og farver regnes af intervallets midte."
    ),
    "en": (
        "Totals are shown as the range the numbers shown allow: a site with fewer than {n} "
        "counts as 0–{m}. Rates and colours use the middle of the range."
    ),
}


def key_rows(
    keys: KeyNumbers, t: dict[str, str], lang: str, min_count: int
) -> list[tuple[str, str, str]]:
    """The key figures as the map and ``capacity report``'s summary both show them: ``(label,
    text, css class)``, people counts hidden below ``min_count``. Free beds are the beds of the
    sites in use less their residents' published range; the cost is labelled the proposal's or
    the capacity plan's, as its source is (``KeyNumbers.from_proposal``)."""
    cost = money(keys.proposal_cost, lang) if keys.proposal_cost is not None else t["no_plan"]
    label = ("proposal_cost" if keys.from_proposal else "plan_cost") + (
        "_expected" if keys.proposal_expected else ""
    )
    rows = [
        (t["residents"], total_text(keys.published, min_count), "count"),
        (t["beds"], str(keys.beds), "capacity"),
        (
            t["free_beds"],
            free_total_text(keys.beds, keys.published_in_use, min_count),
            "count-free",
        ),
    ]
    if keys.later_beds:
        rows.append((t["later_beds"], str(keys.later_beds), "later-beds"))
    rows.append((t["arrivals"], suppress(keys.arrivals, min_count), "count"))
    rows.append((t[label], cost, ""))
    return rows


def key_numbers_html(
    keys: KeyNumbers, t: dict[str, str], lang: str, min_count: int, date: dt.date | None = None
) -> str:
    """The key-numbers panel (top left, below the zoom buttons): ``key_rows``."""
    rows = [
        (label, f'<span class="{css}">{html_text(text)}</span>' if css else html_text(text))
        for label, text, css in key_rows(keys, t, lang, min_count)
    ]
    when = f"{t['as_of']} {date:%d.%m.%Y}" if date else t["open_rows"]
    body = "".join(f'<tr><td>{k}</td><td class="v">{v}</td></tr>' for k, v in rows)
    return (
        f'{STYLE}<div id="key-numbers" style="{_PANEL}top:90px;left:10px">'
        f"<b>{t['key_numbers']}</b> <small>({html_text(when)})</small>"
        f"<table>{body}</table>"
        f'<div style="max-width:220px"><small>{html_text(t["beds_note"])}</small></div></div>'
    )


def legend_html(average: float, t: dict[str, str], min_count: int, lang: str = "da") -> str:
    """The legend (bottom left): district classes, site colours and sizes, the privacy rule."""
    avg = "–" if average != average else number(average, 1, lang)
    names = [name for name, _ in RATIO_CLASSES] + ["few"]
    district_rows = "".join(
        f'<div><span class="legend-swatch" style="background:{DISTRICT_COLOURS[n]}"></span>'
        f"{html_text(t[n].format(n=min_count))}</div>"
        for n in names
    )
    lower = 0
    site_rows = []
    for bound, colour in OCCUPANCY_COLOURS:
        label = f"{lower}–{bound} %" if bound != float("inf") else f"≥ {lower} %"
        site_rows.append(
            f'<div><span class="legend-dot" style="background:{colour}"></span>{label}</div>'
        )
        lower = bound
    site_rows.append(
        f'<div><span class="legend-dot" style="background:{HIDDEN_COLOUR}"></span>'
        f"{html_text(t['few'].format(n=min_count))}</div>"
    )
    return (
        f'<div id="legend" style="{_PANEL}bottom:24px;right:10px;max-width:250px;'
        'max-height:55vh;overflow:auto">'
        f"<b>{t['legend']}</b>"
        f"<div><i>{t['districts']}, {t['vs_average']} ({t['average']}: {avg})</i></div>"
        f"{district_rows}<div><i>{t['sites']}: {t['occupancy_pct']}</i></div>"
        f"{''.join(site_rows)}<div><small>{t['size_note']}. "
        f"{html_text(t['privacy_note'].format(n=min_count))} "
        f"{html_text(TOTALS_NOTE[lang].format(n=min_count, m=min_count - 1))}</small></div></div>"
    )
