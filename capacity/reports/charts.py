"""Charts for the HTML reports (matplotlib, Agg), returned as inline SVG: same input, same bytes."""

from __future__ import annotations

import datetime as dt
import io
import textwrap
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from capacity import overview
from capacity.io.layers import Registry
from capacity.numbers import number
from capacity.plain import plain
from capacity.reports.council import districts_figures
from capacity.reports.privacy import published_total, round_count, rounding_base
from capacity.reports.text import million, percent, words

BAND_COLUMNS = ("month", "p10", "p90")


def occupancy_history(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Residents on the first day of each month from the earliest move-in to ``date``, and the
    beds standing that day (``beds_standing``)."""
    first = reg.occupancy["move_in"].min()
    start = pd.Timestamp(date if pd.isna(first) else first).to_period("M").to_timestamp()
    months = pd.date_range(start, pd.Timestamp(date), freq="MS")
    residents = [int(overview.open_occupancy(reg, m.date())["persons"].sum()) for m in months]
    return pd.DataFrame(
        {"month": months, "residents": residents, "beds": beds_standing(reg, months)}
    )


UNIT_FROM, UNIT_UNTIL = "in_service_from", "in_service_until"


def beds_standing(reg: Registry, days: Sequence[pd.Timestamp]) -> list[int]:
    """Beds of the units standing on each day: the site is available then (``available_from`` /
    ``available_until``) and, where the registry records it (units' ``in_service_from`` /
    ``in_service_until``), the unit was in use then; without ``in_service_until`` the unit's
    ``in_service`` flag of today holds back in time (the rule of ``followup.timeline``). A chart
    therefore never draws today's beds back to months before their site or module existed."""
    u = reg.units
    sites = reg.sites.assign(id=reg.sites["id"].astype(str)).set_index("id")
    site = u["site_id"].astype(str)
    site_from = _dates(site.map(sites["available_from"]))
    site_until = _dates(site.map(sites["available_until"]))
    since = _dates(u[UNIT_FROM]) if UNIT_FROM in u.columns else _dates(None, len(u))
    until = _dates(u[UNIT_UNTIL]) if UNIT_UNTIL in u.columns else _dates(None, len(u))
    in_service = u["in_service"].fillna(False).astype(bool).to_numpy()
    beds = u["beds"].astype(int).to_numpy()
    out = []
    for day in pd.to_datetime(pd.Series(list(days))).to_numpy(dtype="datetime64[s]"):
        ok = (pd.isna(site_from) | (site_from <= day)) & (pd.isna(site_until) | (site_until >= day))
        ok &= pd.isna(since) | (since <= day)
        ok &= (pd.isna(until) & in_service) | (until > day)
        out.append(int(beds[ok].sum()))
    return out


def _dates(values, n: int = 0):
    """Dates as ``datetime64[s]`` (NaT where missing or not a date)."""
    if values is None:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[s]").to_numpy()
    values = pd.Series(values).where(pd.Series(values).astype(str).str.strip() != "")
    return pd.to_datetime(values, errors="coerce").astype("datetime64[s]").to_numpy()


PUBLIC_MONTHS = 24  # months of history in a public chart


def public_history(reg: Registry, date: dt.date, min_count: int) -> pd.DataFrame:
    """``occupancy_history`` as a public document may show it, over the ``PUBLIC_MONTHS`` months up
    to ``date`` (a fixed window: when the first resident moved in is not shown); each month's
    residents as the
    middle of its published total (``privacy.published_total`` over the sites that month), rounded
    to ``privacy.rounding_base``; a month whose value is below ``min_count`` is NaN (not drawn).

    The value depends on the sites shown that month, never on a hidden site's count, and a change
    from one month to the next is known only to within the rounding base.
    """
    end = pd.Timestamp(date)
    months = pd.date_range(
        end.to_period("M").to_timestamp() - pd.DateOffset(months=PUBLIC_MONTHS - 1), end, freq="MS"
    )
    history = pd.DataFrame({"month": months, "residents": 0, "beds": beds_standing(reg, months)})
    base = rounding_base(min_count)
    site_ids = reg.sites["id"].astype(str).tolist()
    values = []
    for month in history["month"]:
        per_site = overview.open_occupancy(reg, month.date()).groupby("site_id")["persons"].sum()
        counts = [int(per_site.get(site, 0)) for site in site_ids]
        value = round_count(published_total(counts, min_count).estimate, base)
        values.append(float(value) if value >= min_count else float("nan"))
    return history.assign(residents=values)


def public_band(band: pd.DataFrame, min_count: int, shift: float = 0.0) -> pd.DataFrame:
    """A scenario band for a public chart: ``p10`` and ``p90`` moved by ``shift`` and rounded to
    the rounding base. The runs start from today's exact residents: ``published_shift`` moves
    them onto the published estimate, so that a hidden count does not carry the band across a
    rounding edge."""
    base = rounding_base(min_count)
    out = band.copy()
    for col in ("p10", "p90"):
        if col in out.columns:
            out[col] = [float(round_count(v + shift, base)) for v in out[col].astype(float)]
    return out


def published_shift(reg: Registry, min_count: int) -> float:
    """The published estimate of today's residents (``published_total`` over the sites, as the
    public residents line has it) less their exact number, which the scenario runs start from."""
    per_site = overview.open_occupancy(reg).groupby("site_id")["persons"].sum()
    counts = [int(per_site.get(site, 0)) for site in reg.sites["id"].astype(str)]
    return float(published_total(counts, min_count).estimate - sum(counts))


def occupancy_chart(
    reg: Registry,
    date: dt.date,
    band: pd.DataFrame | None = None,
    lang: str = "da",
    min_count: int | None = None,
) -> str:
    """Occupancy against capacity by month, as SVG.

    Parameters
    ----------
    reg, date : the registry and the last month shown.
    band : optional scenario band with columns ``month``, ``p10``, ``p90`` (residents), drawn
        as the 10-90 % range of the scenario runs; with a ``beds`` column also the beds the runs
        assumed (today's or a plan's), as a dashed step.
    lang : "da" or "en".
    min_count : for public documents: the residents line and the band are rounded as
        ``public_history`` and ``public_band`` say, months below ``min_count`` left out (``None``
        draws the exact counts: internal reports).

    Notes
    -----
    The SVG groups carry ids: ``residents``, ``beds``, ``band`` and ``band-beds``.
    """
    t = words(lang)
    if min_count is None:
        history = occupancy_history(reg, date)
    else:
        history = public_history(reg, date, min_count)
        shift = published_shift(reg, min_count)
        band = public_band(band, min_count, shift) if band is not None else None
    residents = history["residents"].astype(float)
    fig, ax = _figure()
    ax.plot(
        history["month"],
        residents,
        marker="o",
        color="#2166ac",
        label=t["residents"],
        gid="residents",
    )
    ax.step(
        history["month"],
        history["beds"],
        where="post",
        color="#b2182b",
        label=t["beds"],
        gid="beds",
    )
    if band is not None:
        missing = [c for c in BAND_COLUMNS if c not in band.columns]
        if missing:
            raise ValueError(f"band needs the columns {', '.join(BAND_COLUMNS)}")
        months = pd.to_datetime(band["month"])
        ax.fill_between(
            months,
            band["p10"],
            band["p90"],
            color="#92c5de",
            alpha=0.5,
            label=t["band"],
            gid="band",
        )
        if "beds" in band.columns:
            ax.step(
                months,
                band["beds"],
                where="post",
                color="#b2182b",
                linestyle="--",
                label=t["band_beds"],
                gid="band-beds",
            )
    ax.set_ylabel(t["residents"] + (_rounded(min_count, lang) if min_count is not None else ""))
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3),
        ncols=4 if band is not None else 2,
        fontsize="small",
        frameon=False,
    )
    return _svg(fig)


COST_PARTS = ("setup", "running", "emergency")
COST_COLOURS = {"setup": "#4393c3", "running": "#92c5de", "emergency": "#d6604d"}


def option_costs(options: Sequence[Any]) -> pd.DataFrame:
    """The cost of each option of a proposal split into setup, running and emergency (DKK).

    Parameters
    ----------
    options : the proposal's options (``capacity.planning.proposal.Option``): ``key``,
        ``plan_cost``, ``emergency_cost`` and ``plan.summary["cost_by_kind"]["month"]``.

    Returns
    -------
    DataFrame
        Index the option keys; ``setup`` (modules put up and taken down: the plan cost less the
        monthly rent), ``running`` (monthly rent), ``emergency`` (expected emergency housing from
        the scenario runs). The three sum to the option's total.
    """
    rows = {}
    for o in options:
        running = float(o.plan.summary.get("cost_by_kind", {}).get("month", 0.0))
        rows[o.key] = {
            "setup": float(o.plan_cost) - running,
            "running": running,
            "emergency": float(o.emergency_cost),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COST_PARTS))


def cost_chart(options: Sequence[Any], lang: str = "da") -> str:
    """The options' costs as stacked bars (setup, running, emergency; million DKK), as SVG.

    Parameters
    ----------
    options : the proposal's options (see ``option_costs``), each with a ``title``.
    lang : "da" or "en".

    Notes
    -----
    Each bar segment's SVG group has the id ``cost-{key}-{part}``, e.g. ``cost-A-setup``.
    """
    t = words(lang)
    costs = option_costs(options) / 1e6
    titles = {o.key: o.title for o in options}
    fig, ax = _figure(height=3.4)
    x = list(range(len(costs)))
    bottom = [0.0] * len(costs)
    for part in COST_PARTS:
        bars = ax.bar(
            x,
            costs[part],
            bottom=bottom,
            width=0.6,
            color=COST_COLOURS[part],
            label=t[f"cost_{part}"],
        )
        for bar, key in zip(bars, costs.index, strict=True):
            bar.set_gid(f"cost-{key}-{part}")
        bottom = [b + v for b, v in zip(bottom, costs[part], strict=True)]
    for xi, total in zip(x, bottom, strict=True):
        ax.annotate(
            _million(total, lang),
            (xi, total),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize="small",
        )
    ax.set_xticks(x, [f"{k}: " + _wrapped(titles[k], 20) for k in costs.index])
    ax.set_ylabel(t["cost_axis"])
    ax.set_ylim(0, max(bottom + [0.0]) * 1.3 or 1)  # room for the legend
    ax.yaxis.set_major_formatter(lambda v, _pos: _million(v, lang, unit=False))
    ax.legend(loc="upper left", fontsize="small", ncols=3)
    return _svg(fig)


def _rounded(min_count: int, lang: str) -> str:
    base = rounding_base(min_count)
    return f" (afrundet til {base})" if lang == "da" else f" (rounded to {base})"


def _million(value: float, lang: str, unit: bool = True) -> str:
    """``value`` million DKK as "5,5 mio. kr." (``unit=False``: "5,5")."""
    return million(value * 1e6, 1, lang) if unit else number(value, 1, lang)


def district_chart(reg: Registry, date: dt.date | None = None, lang: str = "da") -> str:
    """Residents per district against the even-spread target (residents in proportion to the
    districts' population), as SVG bars."""
    t = words(lang)
    districts = districts_figures(reg, date)
    total, population = districts["residents"].sum(), districts["population"].sum()
    target = total * districts["population"].astype(float) / population if population else 0
    fig, ax = _figure(height=1.0 + 0.35 * len(districts))
    y = list(range(len(districts)))[::-1]
    ax.barh(y, districts["residents"], color="#4393c3", label=t["residents"])
    ax.scatter(target, y, marker="|", s=300, color="#b2182b", label=t["target"], zorder=3)
    ax.set_yticks(y, [_short(n) for n in districts["name"]])
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right")
    return _svg(fig)


def _figure(height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, height), dpi=100)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _short(name: object, width: int = 28) -> str:
    """A name from the registry as a label: cut to ``width`` characters (with an ellipsis), so
    that it cannot push the chart's axes out of the figure, and ``$`` escaped, so that matplotlib
    never reads it as mathtext."""
    text = plain(name)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return _no_math(text)


def _wrapped(name: object, width: int) -> str:
    """User text as a label on lines of at most ``width`` characters, ``$`` escaped (``_short``)."""
    return "\n".join(_no_math(line) for line in textwrap.wrap(plain(name), width))


def _no_math(text: str) -> str:
    """``$`` escaped, so that matplotlib shows it and never reads the text as mathtext."""
    return text.replace("$", r"\$")


# SVG written the same for the same chart (ids hashed from a fixed salt, not a random one) and
# with its text as text
SVG_STYLE = {"svg.hashsalt": "capacity", "svg.fonttype": "none"}


def _svg(fig) -> str:
    """The figure as SVG text (from ``<svg``), closed after; the same chart gives the same bytes
    whatever was drawn before in the process."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    try:
        with warnings.catch_warnings(), plt.rc_context(SVG_STYLE):
            # a name with a character the font lacks shows a box
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            fig.tight_layout()
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def tornado_chart(swings: pd.DataFrame, lang: str = "da") -> str:
    """The cost and the risk of one option under each assumption's variations, as SVG: a bar per
    assumption from its lowest to its highest value, the widest cost swing on top, and the base
    as a line.

    Parameters
    ----------
    swings : ``capacity.planning.sensitivity.Sensitivity.swings``: ``assumption, name, range,
        cost_low, cost_high, risk_low, risk_high, base_cost, base_risk``, widest
        first.
    lang : "da" or "en".

    Notes
    -----
    Each bar's SVG group has the id ``tornado-{panel}-{assumption}`` (panel ``cost`` or
    ``risk``); the base lines ``tornado-cost-base`` and ``tornado-risk-base``.
    """
    import matplotlib.pyplot as plt

    t = words(lang)
    n = len(swings)
    fig, (cost, risk) = plt.subplots(
        1, 2, figsize=(7, 1.4 + 0.55 * max(n, 1)), dpi=100, sharey=True, width_ratios=(3, 2)
    )
    y = list(range(n))[::-1]  # the widest on top
    panels = (
        (cost, "cost", 1e-6, t["cost_axis"], "#4393c3"),
        (risk, "risk", 100.0, t["risk_axis"], "#d6604d"),
    )
    for ax, panel, scale, label, colour in panels:
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        for yi, row in zip(y, swings.itertuples(), strict=True):
            lo = min(getattr(row, f"{panel}_low"), getattr(row, f"base_{panel}")) * scale
            hi = max(getattr(row, f"{panel}_high"), getattr(row, f"base_{panel}")) * scale
            width = max(hi - lo, 1e-9)
            (bar,) = ax.barh([yi], [width], left=[lo], height=0.5, color=colour)
            bar.set_gid(f"tornado-{panel}-{row.assumption}")
        if n:
            base = float(swings[f"base_{panel}"].iloc[0]) * scale
            line = ax.axvline(base, color="black", linewidth=1, linestyle="--")
            line.set_gid(f"tornado-{panel}-base")
        ax.set_xlabel(label)
    cost.xaxis.set_major_formatter(lambda v, _pos: number(v, 1, lang))
    risk.xaxis.set_major_formatter(lambda v, _pos: percent(v / 100, 0, lang))
    cost.set_yticks(
        y, [f"{_short(r.name, 24)}\n({_short(r.range, 24)})" for r in swings.itertuples()]
    )
    cost.tick_params(axis="y", labelsize="small")
    return _svg(fig)
