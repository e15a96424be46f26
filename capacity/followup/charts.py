"""The follow-up's charts as inline SVG (matplotlib, the reports' own figure and SVG helpers).

Only what the tables show is drawn: a hidden count is left out of its line or bar, never drawn;
a hidden bar has its shown text ("<3", "x", "ingen data") in its place instead. The axes write
numbers as the report's language does (``numbers.decimal``: "2,5" in Danish).
"""

from __future__ import annotations

import pandas as pd

from capacity.followup.figures import Figure
from capacity.followup.published import rounded, rounded_residents
from capacity.followup.words import WORDS
from capacity.numbers import decimal
from capacity.reports.charts import _figure, _short, _svg


def capacity_chart(months: pd.DataFrame, min_count: int, lang: str) -> str:
    """Beds (step), residents and need (residents + waiting persons) by month.

    Residents and need are a series over time in a public document: each month the middle of its
    published range (``published.months_frame``), rounded to ``reports.privacy.rounding_base``,
    as the council's occupancy chart draws it; a month below ``min_count`` is not drawn.
    The SVG groups carry the ids ``beds``, ``residents`` and ``need``.
    """
    w = WORDS[lang]
    residents = _drawn(rounded_residents(months, min_count), min_count)
    need = _drawn(rounded(months["need"], min_count), min_count)
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
    _numbers(ax.yaxis, lang)
    fig.autofmt_xdate()
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=3, fontsize="small", frameon=False
    )
    return _svg(fig)


def _drawn(values: pd.Series, min_count: int) -> pd.Series:
    """``values`` as floats, NaN (not drawn) below ``min_count``."""
    return values.astype(float).where(values >= min_count)


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
    _numbers(ax.yaxis, lang)
    return _svg(fig)


def moveouts_chart(figures: list[Figure], lang: str) -> str:
    """Move-outs by month of the report's year; a hidden month (or one before the registry's
    first record) has no bar but its shown text ("<3", "x", "ingen data"). Group id
    ``moveouts``."""
    fig, ax = _figure(height=2.6)
    x = list(range(len(figures)))
    shown = [(i, float(f.value)) for i, f in zip(x, figures, strict=True) if not f.hidden]
    ax.bar([i for i, _ in shown], [v for _, v in shown], color="#92c5de", gid="moveouts")
    for i, f in zip(x, figures, strict=True):
        if f.hidden:
            _mark(ax, f.shown, (i, 0), vertical=True)
    ax.set_xticks(x, [f.measure.split(":")[1][5:] for f in figures])
    ax.set_xlim(-0.6, len(figures) - 0.4)
    ax.set_ylim(0, 1.15 * max([1.0, *(v for _, v in shown)]))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(WORDS[lang]["moveouts_n"])
    _numbers(ax.yaxis, lang)
    return _svg(fig)


def spread_chart(rates: list[Figure], residents: list[Figure], average: Figure, lang: str) -> str:
    """Residents per 1,000 inhabitants per district and the municipal average; ``residents``:
    each district's residents, in the order of ``rates``.

    A district whose rate is hidden has no bar but its residents as shown ("<3 beboere"), so that
    it does not read as a rate of 0. Group ids ``spread`` (bars) and ``average`` (the line).
    """
    w = WORDS[lang]
    fig, ax = _figure(height=1.0 + 0.35 * max(len(rates), 1))
    y = list(range(len(rates)))[::-1]
    shown = [(i, f) for i, f in zip(y, rates, strict=True) if not f.hidden]
    ax.barh(
        [i for i, _ in shown], [float(f.value) for _, f in shown], color="#4393c3", gid="spread"
    )
    for i, f, people in zip(y, rates, residents, strict=True):
        if f.hidden:
            _mark(ax, f"{people.shown} {w['residents'].lower()}", (0, i))
    if not average.hidden and average.value is not None:
        ax.axvline(float(average.value), color="#b2182b", label=w["average"], gid="average")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_yticks(y, [_short(f.label) for f in rates])
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    _numbers(ax.xaxis, lang)
    return _svg(fig)


def _mark(ax, text: str, at: tuple[float, float], vertical: bool = False) -> None:
    """``text`` in grey at the foot of a bar that is not drawn (its shown text); ``vertical``:
    above the foot of an upright bar, turned when longer than "<3"."""
    vertical_text = vertical and len(text) > 3
    ax.annotate(
        text,
        at,
        textcoords="offset points",
        xytext=(0, 3) if vertical else (3, 0),
        ha="center" if vertical else "left",
        va="bottom" if vertical else "center",
        rotation=90 if vertical_text else 0,
        fontsize="x-small",
        color="#555555",
    )


def _numbers(axis, lang: str) -> None:
    """The axis' tick labels as the report's language writes numbers ("2,5", "1.000")."""
    axis.set_major_formatter(lambda v, _pos: decimal(v, lang, 2))
