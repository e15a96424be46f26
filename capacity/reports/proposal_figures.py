"""The council proposal's figures: the options' costs, occupancy against capacity with the runs'
band, the recommended option's sensitivity (a tornado chart) and the council map of its plan.

The proposal is a public document: the charts and the map carry counts only, and the residents
line of the occupancy chart leaves out months with fewer residents than the policy's
``min_count`` (the map suppresses small counts itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capacity.io.layers import Registry
from capacity.reports import charts
from capacity.reports.forecast import forecast_band
from capacity.reports.maps import council_map
from capacity.reports.plan_output import PLAN_COLUMNS
from capacity.reports.privacy import rounding_base
from capacity.reports.text import words

if TYPE_CHECKING:
    from capacity.planning.proposal import Option, Proposal

PROPOSAL_MAP = "proposal_map.html"
COST_SVG = "proposal_costs.svg"
OCCUPANCY_SVG = "proposal_occupancy.svg"
TORNADO_SVG = "proposal_tornado.svg"


@dataclass(frozen=True)
class ProposalFigures:
    """What the proposal embeds and the files written beside it.

    Attributes
    ----------
    cost_svg : the options' costs (``charts.cost_chart``), inline SVG.
    occupancy_svg : occupancy against capacity with the recommended option's 10-90 % band.
    map_html : the council map with the recommended option's plan, one self-contained page.
    titles : captions, keyed ``cost``, ``occupancy``, ``map`` and ``tornado``.
    min_count : the policy's ``min_count`` (months with fewer residents are not drawn).
    rounding : the base the public counts are rounded to (``privacy.rounding_base``).
    tornado_svg : the recommended option's cost and risk under the sensitivity's variations
        (``charts.tornado_chart``); empty without a sensitivity.
    map_file, cost_file, occupancy_file, tornado_file : names of the files beside the proposal.
    """

    cost_svg: str
    occupancy_svg: str
    map_html: str
    titles: dict[str, str]
    min_count: int = 3
    rounding: int = 5
    tornado_svg: str = ""
    map_file: str = PROPOSAL_MAP
    cost_file: str = COST_SVG
    occupancy_file: str = OCCUPANCY_SVG
    tornado_file: str = TORNADO_SVG


def proposal_figures(reg: Registry, paper: Proposal, lang: str = "da") -> ProposalFigures:
    """The figures of a proposal, on the situation at the scenario's start month.

    Parameters
    ----------
    reg : the registry the proposal was made from.
    paper : the proposal (``capacity.planning.proposal.make_proposal``).
    lang : "da" (default) or "en": the words in the charts and the map.

    Returns
    -------
    ProposalFigures
    """
    t = words(lang)
    option = recommended_option(paper)
    date = paper.scenario.start_date
    min_count = reg.policy.limits.min_count
    band = forecast_band(option.runs.months)
    sens = paper.sensitivity
    tornado = charts.tornado_chart(sens.swings(option.key), lang) if sens and sens.cases else ""
    return ProposalFigures(
        cost_svg=charts.cost_chart(paper.options, lang),
        occupancy_svg=charts.occupancy_chart(reg, date, band, lang, min_count=min_count),
        map_html=council_map(reg, map_plan(option.plan.plan), lang, date=date),
        titles={
            "cost": t["cost_chart"],
            "occupancy": f"{t['proposal_occupancy']} {option.key}",
            "map": f"{t['proposal_map']}: {option.key}",
            "tornado": f"{t['tornado']} {option.key}",
        },
        min_count=min_count,
        rounding=rounding_base(min_count),
        tornado_svg=tornado,
    )


def recommended_option(paper: Proposal) -> Option:
    """The option the proposal recommends."""
    return next(o for o in paper.options if o.key == paper.recommended)


def map_plan(plan: pd.DataFrame) -> pd.DataFrame:
    """A plan frame of the planner (months "YYYY-MM") as ``plan_output.read_plan`` returns it:
    the columns of ``PLAN_COLUMNS``, ``month`` as the first day of the month."""
    out = plan[list(PLAN_COLUMNS)].copy()
    out["month"] = (
        pd.PeriodIndex(out["month"].astype(str), freq="M").to_timestamp().astype("datetime64[s]")
    )
    return out.reset_index(drop=True)
