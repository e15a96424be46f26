"""The follow-up's measures, goal by goal and year by year, as exact ``Figure``s.

A year is measured from 1 January to its end (31 December, or the report's date when earlier);
stocks (beds, residents, waiting households, families, spread, transport) are taken on the last
day of a month, yearly figures on the year's last day. Stay lengths are in months of 30.4375 days
(the review's), and "over k months" means the move-out (or the year's end) came after the move-in
plus k calendar months. The median of an even number of values is the mean of the middle two;
the 90th percentile is the smallest value with at least 90 % of the values at or below it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity.followup.figures import Figure, count, share, stat
from capacity.followup.timeline import Timeline
from capacity.model.domain import Unit, _households
from capacity.model.soft import school_coef
from capacity.policy import Limits, spread_limit

GOALS = ("capacity", "stays", "families", "spread", "transport")
MONTH_DAYS = 30.4375


def months_frame(t: Timeline, ends: list[pd.Timestamp]) -> pd.DataFrame:
    """One row per month end: beds and homes by kind, residents, waiting, empty beds and cost."""
    rows = []
    for day in ends:
        units = t.standing(day)
        stays = t.open_rows(day)
        persons = stays["household_id"].map(t.households["persons"])
        here = persons.groupby(stays["site_id"]).sum()
        beds = units.groupby("site_id")["beds"].sum()
        empty = (beds - here.reindex(beds.index).fillna(0)).clip(lower=0)
        price = units.groupby("site_id")["bed_month_dkk"].first()
        waiting = t.waiting(day)
        rows.append(
            {
                "month": day.to_period("M").to_timestamp(),
                "day": day,
                "beds": int(units["beds"].sum()),
                "beds_family": int(units.loc[units["family_ok"], "beds"].sum()),
                "homes_single": int((~units["family_ok"]).sum()),
                "homes_family": int(units["family_ok"].sum()),
                "homes_accessible": int(units["accessible"].sum()),
                "residents": int(persons.sum()),
                "waiting": len(waiting),
                "waiting_persons": int(waiting["persons"].sum()),
                "empty_beds": int(empty.sum()),
                "empty_dkk": float((empty * price.reindex(empty.index)).sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["shortage"] = out["residents"] + out["waiting_persons"] > out["beds"]
    return out


def capacity(t: Timeline, year: int, months: pd.DataFrame) -> list[Figure]:
    """Capacity against need in ``year``."""
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
        count(year, g, "residents", _persons(t, stays["household_id"]), "persons"),
        count(year, g, "resident_households", _ones(stays["household_id"]), "households"),
        count(year, g, "waiting", _ones(waiting.index), "households"),
        count(year, g, "waiting_persons", dict(waiting["persons"]), "persons"),
        Figure(year, g, "shortage_months", int(ym["shortage"].sum())),
        count(year, g, "housed", _ones(housed.index), "households"),
        stat(year, g, "wait_median_days", _median(waits), "days", len(waits)),
        stat(year, g, "wait_p90_days", _p90(waits), "days", len(waits)),
        stat(year, g, "waited_so_far_median_days", _median(waited), "days", len(waited)),
        Figure(year, g, "empty_bed_months", int(ym["empty_beds"].sum())),
        Figure(year, g, "empty_bed_dkk", float(ym["empty_dkk"].sum()), "dkk"),
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


def _dated_count(recorded: bool, rows: pd.Series) -> int | None:
    """How many ``rows`` hold, or ``None`` when the registry does not record the dates."""
    return int(rows.sum()) if recorded else None


def stays(t: Timeline, year: int, day: pd.Timestamp, long_months: int) -> list[Figure]:
    """Length of stay of those who moved on in ``year`` and of those living there at its end;
    move-outs per month."""
    h = t.households
    first = pd.Timestamp(year, 1, 1)
    moved = h[(h["end"] >= first) & (h["end"] <= day)]
    living = h[(h["start"] <= day) & (h["end"].isna() | (h["end"] > day))]
    g, out = "stays", []
    for name, group, until in (
        ("moved_on", moved, moved["end"]),
        ("staying", living, pd.Series(day, index=living.index)),
    ):
        length = (until - group["start"]).dt.days / MONTH_DAYS
        out.append(count(year, g, name, _ones(group.index), "households"))
        out.append(stat(year, g, f"{name}_median_months", _median(length), "months", len(group)))
        for k in sorted({12, 24, long_months}):
            over = group.index[(group["start"] + pd.DateOffset(months=k)) < until]
            out.append(share(year, g, f"{name}_over_{k}", _ones(over), len(group), "households"))
    for month in pd.date_range(first, day, freq="MS"):
        gone = moved.index[moved["end"].dt.to_period("M") == month.to_period("M")]
        out.append(count(year, g, f"moveouts:{month:%Y-%m}", _ones(gone), "households"))
    return out


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


def spread(t: Timeline, year: int, day: pd.Timestamp, limits: Limits, detail: bool) -> list[Figure]:
    """Residents per 1,000 inhabitants per district against the municipal average."""
    kind = limits.spread_district_kind
    districts = {d: x for d, x in sorted(t.domain.districts.items()) if x.kind == kind}
    population = sum(x.population for x in districts.values())
    stays = t.open_rows(day)
    where = stays["site_id"].map(lambda s: t.domain.sites[s].districts.get(kind))
    persons = _persons(t, stays["household_id"])
    members: dict[str, dict[str, int]] = {d: {} for d in districts}
    for hid, did in zip(stays["household_id"], where, strict=True):
        if did in members:
            members[did][hid] = persons[hid]
    located = {hid: n for m in members.values() for hid, n in m.items()}
    g = "spread"
    average = 1000 * sum(located.values()) / population if population else None
    out = [stat(year, g, "average_rate", average, "rate", sum(located.values()))]
    ratios = {}
    for did, m in members.items():
        n, pop = sum(m.values()), districts[did].population
        rate = 1000 * n / pop if pop else None
        ratios[did] = rate / average if rate is not None and average else None
        if detail:
            name = _district_name(t, did)
            out.append(_with_label(count(year, g, f"district:{did}:residents", m, "persons"), name))
            out.append(_derived(year, g, f"district:{did}:rate", rate, "rate", m, name))
            out.append(_derived(year, g, f"district:{did}:ratio", ratios[did], "ratio", m, name))
    held = {d: r for d, r in ratios.items() if r is not None and members[d]}
    if held:
        worst = max(sorted(held), key=lambda d: held[d])
        out.append(
            _derived(
                year, g, "max_ratio", held[worst], "ratio", members[worst], _district_name(t, worst)
            )
        )
    else:
        out.append(stat(year, g, "max_ratio", None, "ratio", 0))
    limit = float(spread_limit(limits.spread_tolerance_pct))
    out.append(Figure(year, g, "districts_over", sum(r > limit for r in held.values())))
    return out


def transport(t: Timeline, year: int, day: pd.Timestamp, detail: bool) -> list[Figure]:
    """Person-minutes to the nearest station: the transport term's amount, persons times the
    site's ``station_minutes`` (``soft.transport_coef``), in total, per resident and per site."""
    stays = t.open_rows(day)
    persons = _persons(t, stays["household_id"])
    amount = pd.Series(
        [
            persons[h] * t.domain.sites[s].station_minutes
            for h, s in zip(stays["household_id"], stays["site_id"], strict=True)
        ],
        dtype=float,
    )
    total = int(sum(persons.values()))
    g = "transport"
    out = [
        stat(year, g, "person_minutes", int(amount.sum()), "number", total),
        stat(year, g, "minutes_avg", amount.sum() / total if total else None, "minutes", total),
    ]
    sites = sorted(set(stays["site_id"]))
    if sites:
        worst = max(sites, key=lambda s: (t.domain.sites[s].station_minutes, s))
        out.append(
            _with_label(
                Figure(year, g, "worst_site_minutes", t.domain.sites[worst].station_minutes),
                t.domain.sites[worst].name,
            )
        )
    else:
        out.append(stat(year, g, "worst_site_minutes", None, "minutes", 0))
    if detail:
        for sid in sites:
            here = stays["household_id"][stays["site_id"] == sid]
            name = t.domain.sites[sid].name
            out.append(
                _with_label(
                    count(year, g, f"site:{sid}:residents", _persons(t, here), "persons"), name
                )
            )
            out.append(
                _with_label(
                    Figure(year, g, f"site:{sid}:minutes", t.domain.sites[sid].station_minutes),
                    name,
                )
            )
    return out


def _persons(t: Timeline, ids: pd.Series) -> dict[str, int]:
    return {hid: int(t.households.at[hid, "persons"]) for hid in ids}


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
    from dataclasses import replace

    return replace(f, label=label)


def _derived(
    year: int, goal: str, measure: str, value, kind: str, members: dict[str, int], label: str
) -> Figure:
    """A figure that reveals a count (a rate, a ratio): hidden with it."""
    n = int(sum(members.values()))
    return Figure(
        year, goal, measure, value, kind, n, frozenset(members), "persons", None, label=label
    )


def _district_name(t: Timeline, did: str) -> str:
    return t.district_names.get(did, did)


__all__ = ["GOALS", "capacity", "families", "months_frame", "spread", "stays", "transport"]
