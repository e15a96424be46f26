"""The proposal to the council (``capacity proposal``): ``proposal.md`` and ``proposal.html``
rendered from the jinja2 templates in ``templates/``, ``plan_A.csv``.., ``summary.json`` and the
figures, written atomically (a temporary folder, then renamed)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from capacity.files import atomic_folder
from capacity.io.cells import csv_text
from capacity.numbers import number
from capacity.planning.explain import month_name, pct
from capacity.planning.model import DAYS
from capacity.planning.plan import GAP, PLAN_COLUMNS
from capacity.planning.proposal import (
    Option,
    Proposal,
    plan_kinds,
    spending_terms,
    status_quo_text,
)
from capacity.planning.simulate import AT_RISK
from capacity.reports.escape import md_markup
from capacity.reports.privacy import suppress
from capacity.reports.proposal_figures import COST_SVG, OCCUPANCY_SVG, PROPOSAL_MAP, TORNADO_SVG
from capacity.reports.text import million, money, percent

if TYPE_CHECKING:
    from capacity.reports.proposal_figures import ProposalFigures

DESCRIPTIONS = {
    "A": "Den plan, der giver den laveste forventede omkostning over mange mulige forløb af "
    "ankomsterne: pavilloner vejes mod nødindkvartering.",
    "B": "Den billigste plan, hvis risiko for mangel er højst det accepterede niveau: planlagt for "
    "stigende efterspørgsel, indtil kørslerne holder risikoen (eller den mindst risikable).",
    "C": "Ingen nye pavilloner: kun eksisterende bygninger og moduler (moduler kan tages ned). "
    "Viser hvilken mangel man accepterer.",
}
DECISIONS = {
    "open": "Tag grunden i brug",
    "buy": "Køb",
    "op": "Bestil",
    "move": "Flyt beboere",
    "ned": "Tag ned",
    "close": "Ryd og luk grunden",
}


share = percent  # a share as a whole Danish percentage: "38 %"


def overview(p: Proposal, years: list[str]) -> list[tuple[str, list[str]]]:
    """The overview table, one (label, cells per option) a row: the same rows in both formats."""
    opts = p.options
    months = p.scenario.month_labels()
    since = f" fra {month_name(months[p.risk_from])}" if p.risk_from else ""
    # a plan per branch of the scenario: its cost is expected over them (``plan_costs``)
    expected = " (forventet)" if any(o.plan.branches is not None for o in opts) else ""
    rows = [
        (f"Pavilloner i alt{expected}", [money(o.plan_cost) for o in opts]),
        ("Forventet nødindkvartering", [money(o.emergency_cost) for o in opts]),
        ("I alt", [money(o.total) for o in opts]),
        (
            "I alt, 95 %-interval",
            [f"{money(o.total_ci[0])} – {money(o.total_ci[1])}" for o in opts],
        ),
    ]
    rows += [
        (f"Pavilloner {y}{expected}", [money(o.yearly.get(y, 0)) for o in opts]) for y in years
    ]
    # households no module type's home fits are left out of the risk (``Option.risk``)
    apart = any(o.set_apart for o in opts)
    whose = "; husstande, som en modultype passer til" if apart else ""
    counted = "; ".join(
        ([f"fra {month_name(months[p.risk_from])}"] if p.risk_from else [])
        + (["husstande, som en modultype passer til"] if apart else [])
    )
    counted = f" ({counted})" if counted else ""
    rows += [
        (f"Risiko for mangel (mindst én måned{since}{whose})", [share(o.risk) for o in opts]),
        (
            "Risiko, 95 %-interval",
            [f"{share(o.risk_ci[0])} – {share(o.risk_ci[1])}" for o in opts],
        ),
    ]
    if apart:
        rows.append(
            (
                f"Risiko for mangel, alle husstande (mindst én måned{since})",
                [share(o.risk_all) for o in opts],
            )
        )
    rows += [
        (
            "Forventet mangel (personmåneder, alle husstande)"
            if apart
            else "Forventet mangel (personmåneder)",
            [number(o.runs.summary["expected_shortage_person_months"]) for o in opts],
        ),
        (
            "Boliger med beboere flyttet efter planen",
            [suppress(int(o.plan.modules["units_moved"].sum()), p.min_count) for o in opts],
        ),
        (
            "Genhusede husstande i kørslerne (forventet)",
            [number(o.runs.summary.get("expected_relocations", 0.0)) for o in opts],
        ),
        (
            f"Første måned med risiko > {share(AT_RISK)}{counted}",
            [
                "ingen"
                if o.first_month_at_risk is None
                else month_name(months[o.first_month_at_risk])
                for o in opts
            ],
        ),
    ]
    if any(unproven(o) for o in opts):  # beside the figures of a plan that may be beaten
        rows.append(("Planen bevist bedst", [proven_cell(o) for o in opts]))
    return rows


def proven_cell(o: Option) -> str:
    """ "ja", or "nej (70 % fra grænsen)" for a plan not proven optimal (``unproven``)."""
    return f"nej ({gap_share(o)} fra grænsen)" if unproven(o) else "ja"


def gap_share(o: Option) -> str:
    """The plan's gap to the model's bound as a Danish percentage (a decimal below 1 %)."""
    gap = float(o.plan.summary["gap"])
    return pct(gap, 0 if gap >= 0.01 else 1)


def action_rows(o: Option) -> list[list[str]]:
    """One row per site and decision: site, decision, modules (empty for a move, whose homes the
    months name, and for opening and closing a site), months, binding now or by when."""
    return [
        [
            f"{a.name} ({a.site_id})",
            DECISIONS[a.decision],
            str(a.modules) if a.decision in ("op", "ned", "buy") else "",
            a.when,
            "ja" if a.binding else f"nej, senest {month_name(a.latest)}",
        ]
        for a in o.actions.itertuples()
    ]


def unproven(o: Option) -> bool:
    """The option's plan is not proven optimal: the solver stopped (at its time limit) before the
    plan was within ``plan.GAP`` of the model's bound."""
    summary = o.plan.summary
    return summary.get("status") not in ("optimal", "within_gap") or summary.get("gap", 0) > GAP


def proof_text(o: Option) -> str:
    """A Danish sentence when the option's plan is not proven optimal (``unproven``), with its
    gap: the best plan may cost up to that share less in the model's own terms; else empty."""
    if not unproven(o):
        return ""
    gap = gap_share(o)
    return (
        f"Planen for mulighed {o.key} er ikke bevist den bedste: løseren stoppede {gap} fra "
        f"modellens nedre grænse, så en plan, der i modellen er op til {gap} billigere, er ikke "
        "udelukket. Sammenlign den med forbehold; en længere tidsgrænse (--time-limit) kan give "
        "en bedre plan."
    )


KINDS = {"single": "Enkeltværelser", "family": "Familieboliger", "accessible": "Handicapvenlige"}


def homes_head(o: Option) -> list[str]:
    """Column heads of ``homes_rows``: the months shown."""
    m = o.homes.attrs.get("months", {})
    return [
        "Slags bolig",
        *(f"Ledige {month_name(m[k])}" for k in ("first", "peak", "last") if k in m),
        "Forventet mangel (husstandsmåneder)",
    ]


def homes_rows(o: Option) -> list[list[str]]:
    """Homes without a current resident per kind, and the expected shortage of that kind."""
    return [
        [KINDS[r.kind], str(r.first), str(r.peak), str(r.last), number(r.short_household_months)]
        for r in o.homes.itertuples()
    ]


def spread_rows(o: Option) -> list[list[str]]:
    """Beds per district at the peak month against the population share."""
    return [
        [str(s.district), str(s.beds), share(s.share_beds), share(s.share_population)]
        for s in o.spread.itertuples()
    ]


COST_KINDS = {
    "setup": "Opsætning",
    "month": "Leje og drift",
    "teardown": "Nedtagning",
    "resale": "Restværdi af nedtagne moduler (antaget salg)",
    "early_termination": "Opsigelse før lejens udløb",
    "purchase": "Køb af moduler",
    "site_opening": "Åbning af grund",
    "site_closing": "Lukning af grund",
    "moves": "Flytning af beboere",
}


def cost_table(o: Option, price_per_day: int) -> pd.DataFrame:
    """The option's cost per calendar year (columns) and kind (rows, DKK): the plan's cost terms
    by month (expected over the plan's branches, as ``Option.yearly`` is with several), the
    teardown as the money paid and the assumed resale value of owned modules taken down as
    ``resale`` (``spending_terms``), ``other`` for what of the plan's cost per year
    (``Option.yearly``) no term explains (only when there is such), and ``emergency``, the runs'
    expected emergency housing. The columns sum to the plan cost per year and the expected
    emergency cost."""
    kinds = plan_kinds(o.plan)
    if "teardown" in kinds:
        kinds.insert(kinds.index("teardown") + 1, "resale")
    terms = spending_terms(o.plan)
    table = terms.groupby([terms["term"], terms["month"].astype(str).str[:4]])["weighted"].sum()
    runs = o.runs.months
    years = sorted({str(m)[:4] for m in runs["month"]})
    table = table.unstack(fill_value=0.0).reindex(index=kinds, columns=years, fill_value=0.0)
    table = table.fillna(0.0)
    other = pd.Series({y: o.yearly.get(y, 0.0) for y in years}) - table.sum(axis=0)
    if (other.abs() >= 1).any():
        table.loc["other"] = other
    table = table.loc[(table != 0).any(axis=1) | table.index.isin(("setup", "month"))]
    emergency = (runs["expected_short"] * price_per_day * DAYS).groupby(runs["month"].str[:4])
    table.loc["emergency"] = emergency.sum().reindex(years, fill_value=0.0)
    return table


def end_text(o: Option) -> str:
    """The Danish sentence beside the cost table on what it leaves out: the plan's valuation of
    what stands at the horizon's end (``terms.horizon_end``, in ``plan.NOT_PLAN_COST``) is not in
    the option's cost, while a module taken down before is costed with its teardown and resale
    value; with the number of modules standing in the last month of the plan's path
    (``plan.modules``: with branches, the most probable branch's)."""
    m = o.plan.modules
    last = m["month"].max()
    n = int(m.loc[m["month"] == last, "modules_standing"].sum())
    where = " i det mest sandsynlige forløb" if o.plan.branches is not None else ""
    when = f"ved periodens slutning ({month_name(last)}){where}"
    if not n:
        return (
            f"Ingen moduler står {when}, så tabellen mangler intet for moduler, der står tilbage."
        )
    them = "det ene modul, der står" if n == 1 else f"de {n} moduler, der står"
    its = "dets" if n == 1 else "deres"
    return (
        f"Ikke medregnet: {them} {when}. Tabellen har ikke {its} nedtagning, resterende leje, "
        f"restværdi eller lukningen af {its} grunde, mens et modul, der tages ned før, er regnet "
        "med sin nedtagning og restværdi. Mulighederne er derfor ikke prissat helt ens på dette "
        "punkt."
    )


def cost_rows(o: Option, price_per_day: int) -> tuple[list[str], list[list[str]]]:
    """``cost_table`` as heads and rows of text, with a total per row and a total row."""
    table = cost_table(o, price_per_day)
    years = [str(y) for y in table.columns]
    words = {**COST_KINDS, "other": "Øvrige", "emergency": "Nødindkvartering (forventet)"}
    rows = [
        [words.get(k, k), *(money(v) for v in row), money(sum(row))]
        for k, row in zip(table.index, table.to_numpy().tolist(), strict=True)
    ]
    totals = table.sum(axis=0).tolist()
    rows.append(["I alt", *(money(v) for v in totals), money(sum(totals))])
    return ["Slags", *years, "I alt"], rows


def sensitivity_rows(p: Proposal) -> tuple[list[str], list[list[str]]]:
    """One row per variation (the base first): per option the expected total cost and the risk,
    and the option recommended under it."""
    s = p.sensitivity
    head = ["Forudsætning", *(f"{o.key}: i alt · risiko" for o in p.options), "Anbefaling"]
    rows = [
        [
            c.label,
            *(f"{million(c.total[o.key])} · {share(c.risk[o.key])}" for o in p.options),
            c.recommended,
        ]
        for c in (s.base, *s.cases)
    ]
    return head, rows


def description(o: Option) -> str:
    """The option's description: the fixed one of A, B and C, the status quo's from its plan
    (``status_quo_text``: what a site that must be cleared takes down), a user's conditions."""
    if o.key == "D":
        return (
            "Status quo: det, der står, bliver stående, så længe grunden er til rådighed; "
            f"{status_quo_text(o)}."
        )
    return DESCRIPTIONS.get(o.key) or o.note


def merged_text(o: Option) -> str:
    """ "Samme plan som mulighed B og D." or empty."""
    if not o.same_as:
        return ""
    keys = " og ".join(", ".join(o.same_as).rsplit(", ", 1))
    return f"Samme plan som mulighed {keys} (slået sammen)."


def render_proposal(
    p: Proposal, price_per_day: int, figures: ProposalFigures | None = None
) -> tuple[str, str]:
    """The proposal as Markdown and HTML (jinja2 templates in ``templates/``), in Danish.

    Both formats render the same rows (``overview``, ``action_rows``, ``spread_rows``), formatted
    once. ``figures`` (``capacity.reports.proposal_figures``), when given, adds the cost and
    occupancy charts (inline SVG in the HTML, files beside the Markdown) and the map.
    """
    months = p.scenario.month_labels()
    years = sorted({m[:4] for m in months})
    sections = [
        dict(
            o=o,
            description=description(o),
            merged=merged_text(o),
            proof=proof_text(o),
            actions=action_rows(o),
            spread=spread_rows(o),
            homes_head=homes_head(o) if not o.homes.empty else [],
            homes=homes_rows(o) if not o.homes.empty else [],
            costs=cost_rows(o, price_per_day),
            end=end_text(o),
        )
        for o in p.options
    ]
    ctx = dict(
        p=p,
        months=months,
        overview=overview(p, years),
        sections=sections,
        price=price_per_day,
        figures=figures,
        sens=sensitivity_rows(p) if p.sensitivity else None,
        **figure_texts(p, figures),
    )
    return (
        _environment(markdown=True).get_template("proposal.md.j2").render(**ctx),
        _environment(markdown=False).get_template("proposal.html.j2").render(**ctx),
    )


def _environment(*, markdown: bool) -> Environment:
    """The templates' environment, autoescaped for both formats: for Markdown, every value and
    every item ``join`` puts in a row also through ``md_text`` (``escape.md_markup``)."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        finalize=md_markup if markdown else None,
    )
    env.filters["kr"] = money
    env.filters["month"] = month_name
    env.filters["share"] = share
    if markdown:
        env.filters["join"] = lambda items, sep="": Markup(sep).join(map(md_markup, items))
    return env


def figure_texts(p: Proposal, figures: ProposalFigures | None) -> dict[str, str]:
    """The paragraphs under the occupancy and tornado charts and of the sensitivity section,
    the same in both formats."""
    key = p.recommended
    rounding = figures.rounding if figures else 5
    min_count = figures.min_count if figures else 3
    runs = p.sensitivity.runs if p.sensitivity else 0
    return dict(
        occupancy_text=(
            "Beboere pr. måned frem til periodens start, afrundet til "
            f"{rounding} (måneder med under {min_count} beboere vises ikke), sengene, der stod "
            "hver måned (fra grundene og modulerne fandtes), og i den anbefalede plan, og det "
            "bånd, som 80 % af scenariekørslerne ligger inden for, afrundet til "
            f"{rounding}."
        ),
        tornado_text=(
            f"Hver bjælke går fra den laveste til den højeste værdi for mulighed {key} under "
            "forudsætningens ændringer; den stiplede linje er mulighed "
            f"{key} som forudsat. Den bredeste bjælke i omkostning står øverst."
        ),
        sensitivity_text=(
            "Planerne er ikke lavet om: hver mulighed beholder sin plan og er prøvet igen på de "
            f"første {runs} af de samme scenariekørsler (samme frø, så forskellene er parvise), "
            "med opholdene 30 % kortere og længere og bølgen med sandsynlighed 0, 10, 30 og "
            "50 %. En anden leje ændrer kun modulernes månedlige udgift, ikke risikoen. "
            "Anbefalingen følger samme regel som ovenfor."
        ),
    )


def sensitivity_json(p: Proposal) -> dict | None:
    """The sensitivity for ``summary.json``: runs, the caveat and the sentence (as the paper
    has them) and every variation's figures."""
    s = p.sensitivity
    if s is None:
        return None
    cases = [dataclasses.asdict(c) for c in (s.base, *s.cases)]
    return dict(
        runs=s.runs,
        caveat=s.caveat(),
        sentence=s.sentence(),
        skipped=list(s.skipped),
        cases=cases,
    )


def write_proposal(
    p: Proposal, out: Path, price_per_day: int, figures: ProposalFigures | None = None
) -> None:
    """Write ``proposal.md``, ``proposal.html``, ``plan_A.csv``.. and ``summary.json`` into ``out``;
    with ``figures`` also ``proposal_map.html`` and the charts as SVG files (for the Markdown).
    An earlier proposal's plans and figures in ``out`` are removed, so that every plan and figure
    beside the paper is this proposal's."""
    md, html = render_proposal(p, price_per_day, figures)

    def write(tmp: Path) -> None:
        (tmp / "proposal.md").write_text(md, encoding="utf-8")
        (tmp / "proposal.html").write_text(html, encoding="utf-8")
        if figures is not None:
            (tmp / figures.map_file).write_text(figures.map_html, encoding="utf-8")
            (tmp / figures.cost_file).write_text(figures.cost_svg, encoding="utf-8")
            (tmp / figures.occupancy_file).write_text(figures.occupancy_svg, encoding="utf-8")
            if figures.tornado_svg:
                (tmp / figures.tornado_file).write_text(figures.tornado_svg, encoding="utf-8")
        summary = dict(
            recommended=p.recommended,
            reasons=list(p.reasons),
            notes=list(p.notes),
            risk=p.risk,
            seed=p.seed,
            options={},
            sensitivity=sensitivity_json(p),
            time=p.stopped.as_json() if p.stopped is not None else None,
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
                total_ci=list(o.total_ci),
                risk_any_shortage=o.risk,
                risk_ci=list(o.risk_ci),
                same_as=list(o.same_as),
                round_trips=list(o.round_trips),
                expected_shortage_person_months=o.runs.summary["expected_shortage_person_months"],
                # its share of runs only: its person- and household-months, with the paper's
                # other figures, could give the size of a household set apart
                beyond_modules_risk=o.runs.summary.get("beyond_modules", {}).get(
                    "risk_any_shortage", 0.0
                ),
                plan_status=o.plan.summary["status"],
                plan_gap=o.plan.summary["gap"],
            )
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )

    earlier = [f.name for f in Path(out).glob("plan_*.csv")] if Path(out).is_dir() else []
    figure_files = (PROPOSAL_MAP, COST_SVG, OCCUPANCY_SVG, TORNADO_SVG)
    atomic_folder(Path(out), write, replaces=(*earlier, *figure_files))
