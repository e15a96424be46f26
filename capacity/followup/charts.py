"""The follow-up's charts as inline SVG (matplotlib, the reports' own figure and SVG helpers).

Only what the tables show is drawn: a hidden count is left out of its line or bar, never drawn.
"""

from __future__ import annotations

import pandas as pd

from capacity.followup.figures import Figure
from capacity.followup.words import WORDS
from capacity.reports.charts import _figure, _short, _svg
from capacity.reports.privacy import round_count, rounding_base


def capacity_chart(months: pd.DataFrame, min_count: int, lang: str) -> str:
    """Beds (step), residents and need (residents + waiting persons) by month.

    Residents and need are a series over time in a public document: each month the middle of its
    published range (``published.months_frame``), rounded to ``reports.privacy.rounding_base``,
    as the council's occupancy chart draws it; a month below ``min_count`` is not drawn.
    The SVG groups carry the ids ``beds``, ``residents`` and ``need``.
    """
    w = WORDS[lang]
    middle = (months["residents_lo"] + months["residents_hi"]) / 2
    residents, need = _series(middle, min_count), _series(months["need"], min_count)
    fig, ax = _figure()
    ax.step(
        months["month"], months["beds"], where="post", color="#b2182b", label=w["beds"], gid="beds"
    )
    ax.plot(
        months["month"],
        residents,
        marker="o",
        ms=3,
        color="#2166ac",
        label=w["residents"],
        gid="residents",
    )
    ax.plot(months["month"], need, linestyle="--", color="#762a83", label=w["need"], gid="need")
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=3, fontsize="small", frameon=False
    )
    return _svg(fig)


def _series(values: pd.Series, min_count: int) -> pd.Series:
    """``values`` rounded to the rounding base; NaN (not drawn) below ``min_count``."""
    base = rounding_base(min_count)
    rounded = pd.Series([float(round_count(v, base)) for v in values], index=values.index)
    return rounded.where(rounded >= min_count)


def stays_chart(figures: list[Figure], long_months: int, lang: str) -> str:
    """Per year, the share living there over ``long_months`` at the year's end (hidden: no bar).

    The bars' SVG group has the id ``stays``.
    """
    shown = [f for f in figures if not f.hidden and f.value is not None]
    fig, ax = _figure(height=2.6)
    years = [str(f.year) for f in figures]
    values = [100 * f.value if f in shown else 0.0 for f in figures]
    bars = ax.bar(years, values, color="#4393c3", gid="stays")
    for bar, f in zip(bars, figures, strict=True):
        ax.annotate(
            f.shown,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            textcoords="offset points",
            xytext=(0, 2),
            ha="center",
            fontsize="small",
        )
    ax.set_ylim(0, 110)
    ax.set_ylabel("%")
    return _svg(fig)


def moveouts_chart(figures: list[Figure], lang: str) -> str:
    """Move-outs by month of the report's year; hidden months have no bar. Group id ``moveouts``."""
    fig, ax = _figure(height=2.6)
    labels = [f.measure.split(":")[1][5:] for f in figures]
    values = [0.0 if f.hidden else float(f.value) for f in figures]
    ax.bar(labels, values, color="#92c5de", gid="moveouts")
    ax.set_ylabel(WORDS[lang]["moveouts_n"])
    return _svg(fig)


def spread_chart(rates: list[Figure], average: Figure, lang: str) -> str:
    """Residents per 1,000 inhabitants per district (shown ones) and the municipal average.

    Group ids ``spread`` (bars) and ``average`` (the line).
    """
    w = WORDS[lang]
    fig, ax = _figure(height=1.0 + 0.35 * max(len(rates), 1))
    y = list(range(len(rates)))[::-1]
    values = [0.0 if f.hidden or f.value is None else float(f.value) for f in rates]
    ax.barh(y, values, color="#4393c3", gid="spread")
    if not average.hidden and average.value is not None:
        ax.axvline(float(average.value), color="#b2182b", label=w["average"], gid="average")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_yticks(y, [_short(f.label) for f in rates])
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig)
