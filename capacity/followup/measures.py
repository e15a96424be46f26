"""The follow-up's measures, goal by goal and year by year, as exact ``Figure``s.

A year is measured from 1 January, or from the first day of the month of the registry's first
record when that is later (``Timeline.since``: the months before it hold no data and are not
measured), to its end (31 December, or the report's date when earlier); stocks (beds, residents,
waiting households, families, spread, transport) are taken on the last day of a month, yearly
figures on the year's last day. Stay lengths are in months of 30.4375 days
(the review's), and "over k months" means the move-out (or the year's end) came after the move-in
plus k calendar months. The median of an even number of values is the mean of the middle two;
the 90th percentile is the smallest value with at least 90 % of the values at or below it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from capacity.followup import published
from capacity.followup.figures import (
    Figure,
    Identity,
    Key,
    bounded,
    count,
    share,
    stat,
    total,
    unmeasured,
)
from capacity.followup.timeline import Timeline
from capacity.model.domain import Unit, _households
from capacity.model.soft import school_coef
from capacity.policy import Limits, spread_limit
from capacity.reports.privacy import is_suppressed, published_total

GOALS = ("capacity", "stays", "families", "spread", "transport")
# totals over the year's months or of what happened in them: they grow with the months measured
YEAR_SUMS = frozenset(
    {"shortage_months", "empty_bed_months", "empty_bed_dkk", "housed", "moved_on"}
)
MONTH_DAYS = 30.4375


def capacity(
    t: Timeline,
    year: int,
    months: pd.DataFrame,
    sites: dict[str, Figure],
    min_count: int,
    span: str,
) -> list[Figure]:
    """Capacity against need in ``year`` (``months``: ``published.months_frame``, its measured
    months; ``sites``: the sites' residents at the year's end): residents and empty beds as their
    published ranges. The months short of beds and the empty bed-months and their cost are sums
    over the year's measured months, whose number ``months_measured`` gives, labelled with
    ``span`` (``words.month_span``: "" when all twelve are measured)."""
    ym = months[months["month"].dt.year == year]
    end = ym.iloc[-1]
    day, first = end["day"], pd.Timestamp(year, 1, 1)
    h = t.households
    stays = t.open_rows(day)
    waiting = t.waiting(day)
    housed = h[(h["start"] >= first) & (h["start"] <= day)]
    waits = (housed["start"] - housed["arrival"]).dt.days.clip(lower=0)
    waited = (day - waiting["arrival"]).dt.days
    units = t.units
    pav = units["pavilion"]
    g = "capacity"
    return [
        Figure(year, g, "beds", int(end["beds"])),
        Figure(year, g, "homes_single", int(end["homes_single"])),
        Figure(year, g, "homes_family", int(end["homes_family"])),
        Figure(year, g, "homes_accessible", int(end["homes_accessible"])),
        total(year, g, "residents", list(sites.values()), "persons", min_count),
        count(year, g, "resident_households", _ones(stays["household_id"]), "households"),
        count(year, g, "waiting", _ones(waiting.index), "households"),
        count(year, g, "waiting_persons", dict(waiting["persons"]), "persons"),
        Figure(year, g, "months_measured", len(ym), label=span),
        Figure(year, g, "shortage_months", int(ym["shortage"].sum())),
        count(year, g, "housed", _ones(housed.index), "households"),
        stat(year, g, "wait_median_days", _median(waits), "days", len(waits)),
        stat(year, g, "wait_p90_days", _p90(waits), "days", len(waits)),
        stat(year, g, "waited_so_far_median_days", _median(waited), "days", len(waited)),
        bounded(year, g, "empty_bed_months", *_sums(ym, "empty_lo", "empty_hi"), "number"),
        bounded(year, g, "empty_bed_dkk", *_sums(ym, "empty_dkk_lo", "empty_dkk_hi"), "dkk"),
        # without the dates in the registry the counts are unknown ("–"), never a 0
        Figure(
            year, g, "modules_up", _dated_count(t.dated_up, pav & (units["since"].dt.year == year))
        ),
        Figure(
            year,
            g,
            "modules_down",
            _dated_count(t.dated_down, pav & (units["until"].dt.year == year)),
        ),
    ]


def _sums(months: pd.DataFrame, low: str, high: str) -> tuple[float, float]:
    """The year's total of a monthly range: the sums of its low and of its high ends."""
    return float(months[low].sum()), float(months[high].sum())


def _dated_count(recorded: bool, rows: pd.Series) -> int | None:
    """How many ``rows`` hold, or ``None`` when the registry does not record the dates."""
    return int(rows.sum()) if recorded else None


def stays(
    t: Timeline, year: int, day: pd.Timestamp, long_months: int, min_count: int
) -> list[Figure]:
    """Length of stay of those who moved on in ``year`` and of those living there at its end;
    move-outs per month. The households moved on are counted exactly: those living there at the
    year's start, plus those housed in it, less those living there at its end give their number
    anyway (``flow_identities``), and the months hidden beside it are protected against it
    (``complement``). How long they had stayed is measured over the households of the months
    shown, so that no figure depends on a hidden month. A month before the registry's first
    record (``t.since``) is not measured: it has no data (``figures.unmeasured``) and is no part
    of the year's count."""
    h = t.households
    first = pd.Timestamp(year, 1, 1)
    moved = h[(h["end"] >= first) & (h["end"] <= day)]
    living = living_on(t, day)
    g = "stays"
    months = []
    for month in pd.date_range(first, day, freq="MS"):
        measure = f"moveouts:{month:%Y-%m}"
        if month < t.since:
            months.append(unmeasured(year, g, measure, "households"))
            continue
        gone = moved.index[moved["end"].dt.to_period("M") == month.to_period("M")]
        months.append(count(year, g, measure, _ones(gone), "households", True))
    measured = [m for m in months if m.measured]
    moved_on = count(year, g, "moved_on", {k: 1 for m in measured for k in m.members}, "households")
    shown = [m.members for m in measured if not is_suppressed(m.n, min_count)]
    moved = moved.loc[sorted(frozenset().union(*shown))]
    ks = sorted({12, 24, long_months})
    length = (moved["end"] - moved["stay_start"]).dt.days / MONTH_DAYS
    out = [
        moved_on,
        stat(year, g, "moved_on_median_months", _median(length), "months", len(moved)),
    ]
    out += [
        share(
            year, g, f"moved_on_over_{k}", _over(moved, moved["end"], k), len(moved), "households"
        )
        for k in ks
    ]
    until = pd.Series(day, index=living.index)
    length = (until - living["stay_start"]).dt.days / MONTH_DAYS
    out += [
        count(year, g, "staying", _ones(living.index), "households"),
        stat(year, g, "staying_median_months", _median(length), "months", len(living)),
    ]
    out += [
        share(year, g, f"staying_over_{k}", _over(living, until, k), len(living), "households")
        for k in ks
    ]
    return out + months


def living_on(t: Timeline, day: pd.Timestamp) -> pd.DataFrame:
    """The households living in a temporary home on ``day`` (moved in by then, not yet out)."""
    h = t.households
    return h[(h["start"] <= day) & (h["end"].isna() | (h["end"] > day))]


def flow_identities(
    t: Timeline, years: tuple[int, ...], figures: list[Figure]
) -> tuple[tuple[Identity, ...], dict[Key, int]]:
    """The equations a reader can combine the stays' counts with, and the counts they need that
    the report does not show.

    For each year: the households moved on are the sum of its measured months; and those living
    there at the year's start plus those housed in it are those moved on plus those living there
    at its end (``capacity/housed``, ``stays/staying``, ``stays/moved_on``). The count at the
    start of the report's first year is taken as known (an earlier report gives it). An equation
    that the counts do not satisfy (a registry whose dates leave a household out of either
    side) is left out: a reader would get nothing exact from it.
    """
    index = {f.key: f for f in figures}
    out: list[Identity] = []
    known: dict[Key, int] = {}
    for y in years:
        moved_on = (y, "stays", "moved_on")
        months = [
            f.key
            for f in figures
            if f.year == y
            and f.goal == "stays"
            and f.measure.startswith("moveouts:")
            and f.measured
        ]
        out.append(((1, moved_on), *((-1, k) for k in months)))
        before = (y - 1, "stays", "staying")
        if before not in index:
            day = pd.Timestamp(y - 1, 12, 31)
            known[before] = len(living_on(t, day))
        housed, staying = (y, "capacity", "housed"), (y, "stays", "staying")
        terms = ((1, before), (1, housed), (-1, moved_on), (-1, staying))
        values = {k: known[k] if k in known else index[k].value for k in (before, housed, staying)}
        values[moved_on] = index[moved_on].value
        if sum(c * values[k] for c, k in terms) == 0:
            out.append(terms)
        # the households living there at the year's end, counted twice (one count)
        out.append(((1, staying), (-1, (y, "capacity", "resident_households"))))
    return tuple(out), known


def complement(
    figures: list[Figure],
    year: int,
    identities: tuple[Identity, ...],
    known: dict[Key, int],
    min_count: int,
) -> set[Key]:
    """Counts of ``year`` (the report's year) to hide ("x") beside those hidden as small, so
    that the exact households moved on (and the equation of the year's flow) give none of them
    back, chosen from which counts are small and from the shown values only, never from a
    hidden value, so that what is hidden tells nothing either.

    - A month shown as "<N": the households moved on less the months shown give the hidden
      months' sum, so more months are hidden: the smallest of 2N-1 or more (an "x" says N or
      more, which leaves every hidden month all of 0..N-1), else months from the largest down
      until they leave that room.
    - Those housed, living there at the year's start or end, or moved on shown as "<N" where the
      year's flow equation holds: the others of the equation give it back, so those moved on are
      hidden too, and months as above.
    - Where the months cannot leave that room: those moved on and those housed are hidden too
      (and, for a small count of the flow, those living there at the year's end, which the
      report shows twice).
    """
    n = min_count
    if n < 2:  # "<1" is 0: nothing is hidden that the report does not say
        return set()
    values = {f.key: f.value for f in figures if f.kind == "count" and f.value is not None}
    small = {k for k, v in {**values, **known}.items() if v < n}
    months = sorted(
        (f for f in figures if f.year == year and f.measure.startswith("moveouts:") and f.measured),
        key=lambda f: f.key,
    )
    moved_on, housed = (year, "stays", "moved_on"), (year, "capacity", "housed")
    flow = next((eq for eq in identities if (1, housed) in eq), None)
    flow_small = flow is not None and any(k in small for _, k in flow)
    month_small = any(m.key in small for m in months)
    if not flow_small and not month_small:
        return set()
    shown = [m for m in months if m.key not in small]
    room = [m for m in shown if m.value >= 2 * n - 1]
    chosen, left = [], 0.0
    if room:
        chosen, left = [min(room, key=lambda m: (m.value, m.key))], float(n - 1)
    else:
        for m in sorted(shown, key=lambda m: (-m.value, m.key)):
            chosen.append(m)
            left += m.value - n
            if left >= n - 1:
                break
    out = {m.key for m in chosen}
    if flow_small or left < n - 1:
        out.add(moved_on)
    if flow is not None and left < n - 1:
        out.add(housed)
        if flow_small:
            out |= {(year, "stays", "staying"), (year, "capacity", "resident_households")}
    return out - small


def _over(group: pd.DataFrame, until: pd.Series, k: int) -> dict[str, int]:
    """The households of ``group`` that had lived there over ``k`` months by ``until``."""
    return _ones(group.index[(group["stay_start"] + pd.DateOffset(months=k)) < until])


def families(
    t: Timeline, year: int, day: pd.Timestamp, limits: Limits, people: dict
) -> list[Figure]:
    """Families with children together; children's minutes to school and receiving classes
    (the placement's ``school_coef`` on the placement's ``Household``)."""
    kind = limits.cluster_district_kind
    stays = t.open_rows(day)
    kids = stays[stays["household_id"].map(t.households["children"]) > 0]
    district = kids["site_id"].map(lambda s: t.domain.sites[s].districts.get(kind))
    by_district = kids["household_id"].groupby(district).apply(list)
    g = "families"
    out = [count(year, g, "families", _ones(kids["household_id"]), "households")]
    top, label = [], ""
    if len(by_district):
        most = max(len(v) for v in by_district)
        tops = sorted(d for d, v in by_district.items() if len(v) == most)
        top, label = by_district[tops[0]], " / ".join(_district_name(t, d) for d in tops)
    f = share(year, g, "top_district_share", _ones(top), len(kids), "households")
    out += [_with_label(f, label), Figure(year, g, "districts", len(by_district))]
    return out + _children(t, year, stays, limits, people)


def _children(
    t: Timeline, year: int, stays: pd.DataFrame, limits: Limits, people: dict
) -> list[Figure]:
    dom = t.domain
    new, settled, far = {}, {}, {}
    minutes = {"new": 0, "settled": 0}
    for hid, sid in zip(stays["household_id"], stays["site_id"], strict=True):
        h = people.get(hid)
        if h is None or not h.school_children:
            continue
        amount = school_coef(h, _unit(sid), dom)
        (new if h.new else settled)[hid] = h.school_children
        minutes["new" if h.new else "settled"] += amount
        if amount > h.school_children * limits.max_school_minutes:
            far[hid] = h.school_children
    g, out = "families", []
    for name, group in (("receiving", new), ("school", settled)):
        n = sum(group.values())
        out.append(count(year, g, f"children_{name}", group, "children"))
        avg = minutes["new" if name == "receiving" else "settled"] / n if n else None
        out.append(stat(year, g, f"{name}_minutes_avg", avg, "minutes", n))
    out.append(count(year, g, "children_far", far, "children"))
    return out


def school_people(reg, t: Timeline, day: pd.Timestamp, limits: Limits) -> dict:
    """The placement's ``Household`` (with ``new``: receiving classes) of each household with
    children living in a temporary home on ``day``."""
    stays = t.open_rows(day)
    ids = set(stays["household_id"][stays["household_id"].map(t.households["children"]) > 0])
    sub = reg.households[reg.households["id"].astype(str).isin(ids)]
    return _households(reg.with_layers(households=sub), day.date(), limits.model_dump())


def spread(
    t: Timeline, year: int, limits: Limits, detail: bool, sites: dict[str, Figure]
) -> list[Figure]:
    """Residents per 1,000 inhabitants per district against the municipal average, from each
    district's total over its sites (``sites``, ``figures.total``): its residents and rate as
    ranges; the average, the ratios, the largest one and the districts over the limit from the
    ranges' middles, as on the council map. A district whose range stays below ``min_count``
    (none, or one or two residents alike) has no ratio."""
    kind, min_count = limits.spread_district_kind, limits.min_count
    districts = {d: x for d, x in sorted(t.domain.districts.items()) if x.kind == kind}
    population = sum(x.population for x in districts.values())
    g = "spread"
    where = {s: t.domain.sites[s].districts.get(kind) for s in sites}
    totals = {
        d: total(
            year,
            g,
            f"district:{d}:residents",
            [f for s, f in sites.items() if where[s] == d],
            "persons",
            min_count,
        )
        for d in districts
    }
    average = 1000 * sum(f.value for f in totals.values()) / population if population else None
    shown = sum(int(f.low) for f in totals.values())
    out = [stat(year, g, "average_rate", average, "rate", shown)]
    ratios = {}
    for did, f in totals.items():
        pop = districts[did].population
        ratios[did] = 1000 * f.value / pop / average if pop and average else None
        if detail:
            figures = [
                f,
                _rate(year, g, f"district:{did}:rate", f, pop),
                stat(year, g, f"district:{did}:ratio", ratios[did], "ratio", int(f.high)),
            ]
            out += [_with_label(x, _district_name(t, did)) for x in figures]
    held = {d: r for d, r in ratios.items() if r is not None and totals[d].high >= min_count}
    if held:
        worst = max(sorted(held), key=lambda d: held[d])
        top = stat(year, g, "max_ratio", held[worst], "ratio", int(totals[worst].high))
        out.append(_with_label(top, _district_name(t, worst)))
    else:
        out.append(stat(year, g, "max_ratio", None, "ratio", 0))
    limit = float(spread_limit(limits.spread_tolerance_pct))
    out.append(Figure(year, g, "districts_over", sum(r > limit for r in held.values())))
    return out


def _rate(year: int, goal: str, measure: str, residents: Figure, population: int) -> Figure:
    """Residents per 1,000 inhabitants of a published total: the range of its rates, not shown
    when even the top of the total is below ``min_count``."""
    if not population:
        return stat(year, goal, measure, None, "rate", int(residents.high))
    low, high = 1000 * residents.low / population, 1000 * residents.high / population
    return bounded(year, goal, measure, low, high, "rate", int(residents.high))


def transport(
    t: Timeline, year: int, detail: bool, sites: dict[str, Figure], min_count: int
) -> list[Figure]:
    """Person-minutes to the nearest station: the transport term's amount, persons times the
    site's ``station_minutes`` (``soft.transport_coef``), in total, per resident and per site.

    The person-minutes are the range the sites' published ranges allow, the average is its
    middle over the middle of the residents' range; the furthest site is the furthest of those
    shown (a hidden site may hold nobody). Every site is listed, a hidden one as "<N"."""
    persons = pd.Series({s: int(f.n) for s, f in sites.items()}, dtype=int)
    ranges = published.site_ranges(persons, min_count)
    minutes = pd.Series({s: site.station_minutes for s, site in t.domain.sites.items()})
    everyone = published_total(persons, min_count)
    amount = published.weighted(ranges, minutes)
    mean = amount.estimate / everyone.estimate if everyone.estimate else None
    g = "transport"
    out = [
        bounded(year, g, "person_minutes", amount.lo, amount.hi, "number", everyone.lo),
        stat(year, g, "minutes_avg", mean, "minutes", everyone.lo),
    ]
    shown = [s for s, f in sites.items() if not is_suppressed(f.n, min_count)]
    if shown:
        worst = max(shown, key=lambda s: (minutes[s], s))
        far = Figure(year, g, "worst_site_minutes", int(minutes[worst]))
        out.append(_with_label(far, t.domain.sites[worst].name))
    else:
        out.append(stat(year, g, "worst_site_minutes", None, "minutes", 0))
    if detail:
        for sid, f in sites.items():
            minute = Figure(year, g, f"site:{sid}:minutes", int(minutes[sid]))
            out += [f, _with_label(minute, f.label)]
    return out


def _ones(ids) -> dict[str, int]:
    return dict.fromkeys((str(i) for i in ids), 1)


def _unit(site_id: str) -> Unit:
    """A unit of ``site_id`` as the placement's coefficients read it (they read its site)."""
    return Unit(site_id, (site_id,), site_id, 0, 0, True, False, False, True)


def _median(values: pd.Series) -> float | None:
    return float(np.median(values)) if len(values) else None


def _p90(values: pd.Series) -> float | None:
    return float(np.percentile(values, 90, method="inverted_cdf")) if len(values) else None


def _with_label(f: Figure, label: str) -> Figure:
    return replace(f, label=label)


def _district_name(t: Timeline, did: str) -> str:
    return t.district_names.get(did, did)


__all__ = ["GOALS", "YEAR_SUMS", "capacity", "families", "spread", "stays", "transport"]
