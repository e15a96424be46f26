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
from capacity.planning.plan import PLAN_COLUMNS, expected_spending
from capacity.reports import charts
from capacity.reports.forecast import forecast_band
from capacity.reports.maps import council_map
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
        map_html=council_map(reg, map_plan(option.plan.plan, option.plan), lang, date=date),
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


def map_plan(plan: pd.DataFrame, res=None) -> pd.DataFrame:
    """A plan frame of the planner (months "YYYY-MM") as ``plan_output.read_plan`` returns it:
    the columns of ``PLAN_COLUMNS``, ``month`` as the first day of the month.

    With the solved plan ``res`` (``PlanResult``), two more columns for the council map:
    ``site_event`` ("opens" when a site's first module goes up, "closes" when its last is gone)
    and ``by_kind`` (homes put up and taken down per kind of home, e.g.
    ``{"family": +2, "single": -4}``). Counts of modules and homes only, never residents. When
    the plan has a version per branch of the scenario, ``attrs["expected_cost"]`` is its cost
    expected over them (``plan.expected_spending``), as ``read_plan`` gives it;
    ``attrs["proposal"]`` labels it the proposal's on the map."""
    out = plan[list(PLAN_COLUMNS)].copy()
    if res is not None:
        out["site_event"] = _site_events(out, res.supply)
        out["by_kind"] = _homes_by_kind(out, res)
    out["month"] = (
        pd.PeriodIndex(out["month"].astype(str), freq="M").to_timestamp().astype("datetime64[s]")
    )
    out = out.reset_index(drop=True)
    if res is not None and res.branches is not None:  # ``plan`` is the likeliest branch's path
        out.attrs["expected_cost"] = expected_spending(res.summary)
    out.attrs["proposal"] = True  # the map says "Forslag", not "Kapacitetsplan"
    return out


def _site_events(plan: pd.DataFrame, sup) -> list[str]:
    """Per row: "opens", "closes" or "" (a pavilion site's modules go from none to some, or back)."""
    open_now = dict(zip(sup.ids, sup.open_now, strict=True))
    pavilion = dict(zip(sup.ids, sup.pavilion, strict=True))
    out, before = [], {}
    for r in plan.itertuples():
        was = before.get(r.site_id, bool(open_now[r.site_id]))
        now = r.modules_standing > 0
        before[r.site_id] = now
        event = "" if not pavilion[r.site_id] or now == was else ("opens" if now else "closes")
        out.append(event)
    return out


def _homes_by_kind(plan: pd.DataFrame, res) -> list[dict]:
    """Per row: homes put up minus homes taken down, per kind of home (only kinds that change)."""
    sup, mods = res.supply, res.modules
    kind = {q: sup.classes[int(sup.mod.home[i])].category for i, q in enumerate(sup.mod.ids)}
    units = dict(zip(sup.mod.ids, sup.mod.units, strict=True))
    change: dict[tuple, dict] = {}
    for r in mods.itertuples():
        net = (int(r.modules_up) - int(r.modules_down)) * int(units[r.module_type_id])
        if net:
            cell = change.setdefault((r.site_id, r.month), {})
            cat = kind[r.module_type_id]
            cell[cat] = cell.get(cat, 0) + net
    return [change.get((r.site_id, r.month), {}) for r in plan.itertuples()]
