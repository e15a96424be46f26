"""Writing plan, scenario and proposal outputs atomically (a temporary folder, then renamed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from capacity.files import atomic_folder
from capacity.io.cells import csv_text
from capacity.planning.explain import explanation_md, kr, month_name
from capacity.planning.plan import PLAN_COLUMNS, PlanResult
from capacity.planning.proposal import Proposal
from capacity.planning.simulate import ScenarioResult

if TYPE_CHECKING:
    from capacity.reports.proposal_figures import ProposalFigures

VOLATILE = ("wall_seconds",)  # left out of files: same input and seed, same bytes


def plan_json(res: PlanResult) -> str:
    """The plan's summary as stable JSON (sorted keys, no wall-clock times)."""
    data = {k: v for k, v in res.summary.items() if k not in VOLATILE}
    data["shortage_by_month"] = res.shortage.to_dict(orient="records")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=float) + "\n"


def write_plan(res: PlanResult, out: Path, price_per_day: int) -> None:
    """Write ``plan.csv``, ``summary.json``, ``terms.csv`` and ``explanation.md`` into ``out``."""

    def write(tmp: Path) -> None:
        (tmp / "plan.csv").write_text(csv_text(res.plan[PLAN_COLUMNS]), encoding="utf-8")
        (tmp / "terms.csv").write_text(csv_text(res.terms), encoding="utf-8")
        (tmp / "summary.json").write_text(plan_json(res), encoding="utf-8")
        (tmp / "explanation.md").write_text(explanation_md(res, price_per_day), encoding="utf-8")

    atomic_folder(Path(out), write)


def write_runs(res: ScenarioResult, out: Path) -> None:
    """Write ``months.csv`` and ``summary.json`` of the scenario runs into ``out``.

    ``months.csv`` has the columns of ``ScenarioResult.months``, among them ``p10_occupied`` and
    ``p90_occupied``: the 10-90 % band of occupancy that ``capacity review --scenarios`` draws.
    """

    def write(tmp: Path) -> None:
        (tmp / "months.csv").write_text(csv_text(res.months), encoding="utf-8")
        (tmp / "summary.json").write_text(
            json.dumps(res.summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )

    atomic_folder(Path(out), write)


DESCRIPTIONS = {
    "A": "Den plan, der giver den laveste forventede omkostning over mange mulige forløb af "
    "ankomsterne: pavilloner vejes mod nødindkvartering.",
    "B": "Planlægger for en høj efterspørgsel (risikoniveauets kvantil hver måned), så mangel "
    "bliver sjælden; koster mere i pavilloner.",
    "C": "Ingen nye pavilloner: kun eksisterende bygninger og moduler (moduler kan tages ned). "
    "Viser hvilken mangel man accepterer.",
}


def render_proposal(
    p: Proposal, price_per_day: int, figures: ProposalFigures | None = None
) -> tuple[str, str]:
    """The proposal as Markdown and HTML (jinja2 templates in ``templates/``), in Danish.

    ``figures`` (``capacity.reports.proposal_figures``), when given, adds the cost and occupancy
    charts (inline SVG in the HTML, files beside the Markdown) and the map (a link and a frame).
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["kr"] = kr
    env.filters["month"] = month_name
    months = p.scenario.month_labels()
    ctx = dict(
        p=p,
        months=months,
        years=sorted({m[:4] for m in months}),
        descriptions=DESCRIPTIONS,
        price=price_per_day,
        figures=figures,
    )
    return (
        env.get_template("proposal.md.j2").render(**ctx),
        env.get_template("proposal.html.j2").render(**ctx),
    )


def write_proposal(
    p: Proposal, out: Path, price_per_day: int, figures: ProposalFigures | None = None
) -> None:
    """Write ``proposal.md``, ``proposal.html``, ``plan_A.csv``.. and ``summary.json`` into ``out``;
    with ``figures`` also ``proposal_map.html`` and the charts as SVG files (for the Markdown)."""
    md, html = render_proposal(p, price_per_day, figures)

    def write(tmp: Path) -> None:
        (tmp / "proposal.md").write_text(md, encoding="utf-8")
        (tmp / "proposal.html").write_text(html, encoding="utf-8")
        if figures is not None:
            (tmp / figures.map_file).write_text(figures.map_html, encoding="utf-8")
            (tmp / figures.cost_file).write_text(figures.cost_svg, encoding="utf-8")
            (tmp / figures.occupancy_file).write_text(figures.occupancy_svg, encoding="utf-8")
        summary = dict(
            recommended=p.recommended, reasons=list(p.reasons), risk=p.risk, seed=p.seed, options={}
        )
        for o in p.options:
            (tmp / f"plan_{o.key}.csv").write_text(
                csv_text(o.plan.plan[PLAN_COLUMNS]), encoding="utf-8"
            )
            summary["options"][o.key] = dict(
                title=o.title,
                plan_cost=o.plan_cost,
                emergency_cost=o.emergency_cost,
                total=o.total,
                yearly=o.yearly,
                risk_any_shortage=o.risk,
                expected_shortage_person_months=o.runs.summary["expected_shortage_person_months"],
                plan_status=o.plan.summary["status"],
                plan_gap=o.plan.summary["gap"],
            )
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )

    atomic_folder(Path(out), write)
