"""Build the follow-up: every goal measured for every year, protected, with its verdicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from capacity.errors import UserError
from capacity.followup import measures, published
from capacity.followup.figures import Figure, protect
from capacity.followup.timeline import Timeline, build_timeline, first_record, month_ends
from capacity.followup.verdicts import verdicts
from capacity.followup.words import month_span
from capacity.io.layers import Registry

STRATEGY_START = 2023  # Flygtningestrategi 2023


@dataclass(frozen=True)
class Followup:
    """The yearly follow-up: protected figures by year, the month table and the verdicts."""

    years: tuple[int, ...]
    as_of: dt.date
    lang: str
    min_count: int
    long_stay_months: int
    spread_tolerance_pct: int
    figures: tuple[Figure, ...]  # protected: ``shown`` is what the reader sees
    months: pd.DataFrame  # ``published.months_frame``: exact counts and their published ranges
    verdicts: dict[str, str]  # goal -> one line, for the last year
    timeline: Timeline

    @property
    def year(self) -> int:
        return self.years[-1]

    def span(self, year: int) -> str:
        """The months measured in ``year`` as the reader reads them ("marts–december"), or ""
        when all twelve are: a year that starts with the registry's first record or ends on
        ``as_of`` before December is measured only in part, and its sums are over these months."""
        f = self.get(year, "capacity", "months_measured")
        return f.label if f is not None else ""

    def get(self, year: int, goal: str, measure: str) -> Figure | None:
        """The figure of ``(year, goal, measure)``, or ``None``."""
        return self._index.get((year, goal, measure))

    @cached_property
    def _index(self) -> dict[tuple[int, str, str], Figure]:
        return {f.key: f for f in self.figures}


def build_followup(
    reg: Registry,
    year: int,
    *,
    from_year: int | None = None,
    as_of: dt.date | None = None,
    lang: str = "da",
) -> Followup:
    """Measure the strategy's housing goals in ``reg`` for each year ``from_year``..``year``.

    The months before the month of the registry's first record are not measured: the registry
    holds nothing about them. So the first year's sums over its months (months short of beds,
    empty bed-months and their cost, households housed and moved on) cover only the months from
    that record's month on, which its ``months_measured`` figure counts (labelled with their
    span, as is a last year that ends on ``as_of`` before December), and its months before it
    have no figures but "no data".

    Parameters
    ----------
    reg : the registry, with its history (closed occupancy rows, arrivals).
    year : the report's year; the change is shown against the year before.
    from_year : the first year; by default the strategy's start (2023), or the year of the
        registry's first record when that is later (never after ``year``).
    as_of : the day the registry was last brought up to date (default 31 December of ``year``):
        months after it are not measured, and the last year ends on it.
    lang : "da" or "en" (the verdicts and the months' names).

    Raises
    ------
    UserError
        When the years are in the wrong order, the report's year starts after ``as_of``, or a
        year or ``as_of`` lies before the registry's first record (an arrival or a move-in): the
        registry holds nothing about it, and its beds, empty beds and costs would be made up.
    """
    as_of = as_of or dt.date(year, 12, 31)
    first = first_record(reg)
    if first is None:
        raise UserError(
            "registret har ingen ankomst- eller indflytningsdatoer, så intet år har data at "
            "følge op på; tilføj husstandenes arrival_date og rækkerne i occupancy"
        )
    if year < first.year:
        raise UserError(
            f"--year {year} ligger før registrets første registrering ({first:%Y-%m-%d}): "
            f"registret har ingen data for {year}; giv --year {first.year} eller senere"
        )
    if from_year is None:
        from_year = min(max(STRATEGY_START, first.year), year)
    if from_year > year:
        raise UserError(f"--from {from_year} ligger efter --year {year}; giv --from <= --year")
    if from_year < first.year:
        raise UserError(
            f"--from {from_year} ligger før registrets første registrering ({first:%Y-%m-%d}): "
            f"registret har ingen data for {from_year}; giv --from {first.year} eller senere"
        )
    if dt.date(year, 1, 1) > as_of:
        raise UserError(
            f"--year {year} begynder efter --date {as_of:%Y-%m-%d}; giv et år til og med {as_of.year}"
        )
    if as_of < first:
        raise UserError(
            f"--date {as_of:%Y-%m-%d} ligger før registrets første registrering ({first:%Y-%m-%d}): "
            f"registret har ingen data at opgøre; giv --date {first:%Y-%m-%d} eller senere"
        )
    if as_of > dt.date(year, 12, 31):
        as_of = dt.date(year, 12, 31)
    limits = reg.policy.limits
    t = build_timeline(reg, as_of, first)
    ends = month_ends(from_year, year, t.as_of, t.since)
    months = published.months_frame(t, ends, limits.min_count)
    figures: list[Figure] = []
    years = tuple(range(from_year, year + 1))
    for y in years:
        day = min(pd.Timestamp(y, 12, 31), t.as_of)
        people = measures.school_people(reg, t, day, limits)
        detail = y == year
        sites = published.site_figures(t, y, day)
        span = month_span(months.loc[months["month"].dt.year == y, "month"], lang)
        figures += measures.capacity(t, y, months, sites, limits.min_count, span)
        figures += measures.stays(t, y, day, limits.long_stay_months, limits.min_count)
        figures += measures.families(t, y, day, limits, people)
        figures += measures.spread(t, y, limits, detail, sites)
        figures += measures.transport(t, y, detail, sites, limits.min_count)
    # the report's year only: the earlier years' counts are as earlier reports showed them
    identities, known = measures.flow_identities(t, (year,), figures)
    hide = measures.complement(figures, year, identities, known, limits.min_count)
    keys = {k for eq in identities for _, k in eq}
    hideable = frozenset(k for k in keys if k[0] == year)  # the year before: an earlier report's
    stocks = frozenset(k for k in hideable if k[2] in ("staying", "resident_households"))
    shown = protect(
        figures, limits.min_count, lang, identities, known, frozenset(hide), hideable, stocks
    )
    index = {f.key: f for f in shown}
    return Followup(
        years,
        as_of,
        lang,
        limits.min_count,
        limits.long_stay_months,
        limits.spread_tolerance_pct,
        tuple(shown),
        months,
        verdicts(index, year, limits, lang, as_of),
        t,
    )
