"""The follow-up's figures of persons computed from the sites' counts as the public sees them.

A site's residents are shown when at least ``min_count`` and hidden below it, zero included
(``reports.privacy.suppress``). Every other figure the follow-up makes from the sites' residents
is computed from each site's *published range* (``reports.privacy.published_total`` of the one
site: its count when shown, 0..N-1 when hidden), never from a hidden count:

- a total over sites (the municipality, a district): ``published_total`` of its sites;
- a sum weighted by public site data (person-minutes: residents times the site's minutes to the
  station): from the weighted low ends to the weighted high ends;
- empty beds and their monthly cost: a site's beds less the high end up to its beds less the low
  end (the council map's free beds beside a published total);
- an average, a ratio, the need for beds and so a month short of beds: from the middle of the
  ranges, as the council map computes its ratios and classes.

So each of them is a function of the shown counts and of which sites are hidden: changing a hidden
count to any other value below N changes none of them. Every site of the registry is a part (as
on the council map), so a site without residents is hidden like one with one or two.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from capacity.followup.figures import Figure, count
from capacity.followup.timeline import Timeline
from capacity.reports.privacy import Total, published_total, round_count, rounding_base


def site_figures(t: Timeline, year: int, day: pd.Timestamp) -> dict[str, Figure]:
    """Each site's residents on ``day`` (site id -> a count labelled with the site's name), every
    site of the registry in id order: the parts of the totals over sites."""
    stays = t.open_rows(day)
    persons = stays["household_id"].map(t.households["persons"]).astype(int)
    households: dict[str, dict[str, int]] = {}
    for hid, sid, n in zip(stays["household_id"], stays["site_id"], persons, strict=True):
        households.setdefault(sid, {})[hid] = int(n)
    out = {}
    for sid in sorted(t.domain.sites):
        f = count(
            year, "transport", f"site:{sid}:residents", households.get(sid, {}), "persons", True
        )
        out[sid] = replace(f, label=t.domain.sites[sid].name)
    return out


def site_persons(t: Timeline, day: pd.Timestamp) -> pd.Series:
    """Persons living at each site of the registry on ``day`` (0 included), by site id."""
    stays = t.open_rows(day)
    persons = stays["household_id"].map(t.households["persons"]).astype(int)
    here = persons.groupby(stays["site_id"]).sum()
    return here.reindex(sorted(t.domain.sites), fill_value=0).astype(int)


def site_ranges(persons: pd.Series, min_count: int) -> pd.DataFrame:
    """Each site's published range: columns ``lo`` and ``hi`` (equal when its count is shown)."""
    totals = [published_total([n], min_count) for n in persons]
    return pd.DataFrame(
        {"lo": [x.lo for x in totals], "hi": [x.hi for x in totals]}, index=persons.index
    )


def weighted(ranges: pd.DataFrame, weights: pd.Series) -> Total:
    """The range of ``sum(residents * weight)`` over the sites' ranges (weights at least 0)."""
    w = weights.reindex(ranges.index, fill_value=0)
    hidden = int((ranges["lo"] != ranges["hi"]).sum())
    return Total(int((ranges["lo"] * w).sum()), int((ranges["hi"] * w).sum()), hidden)


def empty_range(ranges: pd.DataFrame, beds: pd.Series, price: pd.Series) -> tuple[float, ...]:
    """Empty beds and their monthly cost in DKK as ranges: ``(beds_lo, beds_hi, dkk_lo,
    dkk_hi)``; a site's empty beds are its beds less its residents, never below 0."""
    b = beds.reindex(ranges.index, fill_value=0)
    p = price.reindex(ranges.index, fill_value=0.0)
    low, high = (b - ranges["hi"]).clip(lower=0), (b - ranges["lo"]).clip(lower=0)
    return (int(low.sum()), int(high.sum()), float((low * p).sum()), float((high * p).sum()))


def rounded(values: pd.Series, min_count: int) -> pd.Series:
    """A public series over time as the follow-up shows it, in its chart and its month table:
    each value rounded to ``reports.privacy.rounding_base``, so that a change from one month to
    the next is never known to better than that."""
    base = rounding_base(min_count)
    return pd.Series([round_count(v, base) for v in values], index=values.index, dtype=int)


def rounded_residents(months: pd.DataFrame, min_count: int) -> pd.Series:
    """Each month's residents as shown: the middle of its published range, ``rounded``."""
    return rounded((months["residents_lo"] + months["residents_hi"]) / 2, min_count)


def months_frame(t: Timeline, ends: list[pd.Timestamp], min_count: int) -> pd.DataFrame:
    """One row per month end: beds and homes by kind, residents, waiting, empty beds and cost.

    ``residents``, ``waiting_persons``, ``empty_beds`` and ``empty_dkk`` are exact (shown only
    through ``reports.privacy.suppress``); ``residents_lo``/``residents_hi``, ``empty_lo``/
    ``empty_hi`` and ``empty_dkk_lo``/``empty_dkk_hi`` are their published ranges, ``need`` the
    middle of residents and waiting persons as published, and ``shortage`` whether ``need``
    exceeds the beds.
    """
    rows = []
    for day in ends:
        units = t.standing(day)
        persons = site_persons(t, day)
        ranges = site_ranges(persons, min_count)
        beds = units.groupby("site_id")["beds"].sum()
        price = units.groupby("site_id")["bed_month_dkk"].first()
        exact = empty_range(pd.DataFrame({"lo": persons, "hi": persons}), beds, price)
        residents = published_total(persons, min_count)
        waiting = t.waiting(day)
        waiting_persons = int(waiting["persons"].sum())
        empty = empty_range(ranges, beds, price)
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
                "residents_lo": residents.lo,
                "residents_hi": residents.hi,
                "waiting": len(waiting),
                "waiting_persons": waiting_persons,
                "need": residents.estimate + published_total([waiting_persons], min_count).estimate,
                "empty_beds": exact[0],
                "empty_lo": empty[0],
                "empty_hi": empty[1],
                "empty_dkk": exact[2],
                "empty_dkk_lo": empty[2],
                "empty_dkk_hi": empty[3],
            }
        )
    out = pd.DataFrame(rows)
    out["shortage"] = out["need"] > out["beds"]
    return out
