"""Build the follow-up: every goal measured for every year, protected, with its verdicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from capacity.errors import UserError
from capacity.followup import measures
from capacity.followup.figures import Figure, protect
from capacity.followup.timeline import Timeline, build_timeline, month_ends
from capacity.followup.verdicts import verdicts
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
    months: pd.DataFrame  # exact; shown through ``reports.privacy.suppress``
    verdicts: dict[str, str]  # goal -> one line, for the last year
    timeline: Timeline

    @property
    def year(self) -> int:
        return self.years[-1]

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
    from_year: int = STRATEGY_START,
    as_of: dt.date | None = None,
    lang: str = "da",
) -> Followup:
    """Measure the strategy's housing goals in ``reg`` for each year ``from_year``..``year``.

    Parameters
    ----------
    reg : the registry, with its history (closed occupancy rows, arrivals).
    year : the report's year; the change is shown against the year before.
    from_year : the first year (the strategy's start, 2023).
    as_of : the day the registry was last brought up to date (default 31 December of ``year``):
        months after it are not measured, and the last year ends on it.
    lang : "da" or "en" (the verdicts).

    Raises
    ------
    UserError
        When the years are in the wrong order or the report's year starts after ``as_of``.
    """
    as_of = as_of or dt.date(year, 12, 31)
    if from_year > year:
        raise UserError(f"--from {from_year} is after --year {year}; give --from <= --year")
    if dt.date(year, 1, 1) > as_of:
        raise UserError(
            f"--year {year} begins after --date {as_of:%Y-%m-%d}; give a year up to {as_of.year}"
        )
    if as_of > dt.date(year, 12, 31):
        as_of = dt.date(year, 12, 31)
    limits = reg.policy.limits
    t = build_timeline(reg, as_of)
    months = measures.months_frame(t, month_ends(from_year, year, t.as_of))
    figures: list[Figure] = []
    years = tuple(range(from_year, year + 1))
    for y in years:
        day = min(pd.Timestamp(y, 12, 31), t.as_of)
        people = measures.school_people(reg, t, day, limits)
        detail = y == year
        figures += measures.capacity(t, y, months)
        figures += measures.stays(t, y, day, limits.long_stay_months)
        figures += measures.families(t, y, day, limits, people)
        figures += measures.spread(t, y, day, limits, detail)
        figures += measures.transport(t, y, day, detail)
    shown = protect(figures, limits.min_count, lang)
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
        verdicts(index, year, limits, lang),
        t,
    )
