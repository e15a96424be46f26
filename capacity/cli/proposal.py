"""``capacity proposal``: the council paper with options A-D and a recommendation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from capacity.cli.app import add_rows, clean, literal, make_console
from capacity.cli.options import PolicyOpt, RegistryArg, SeedOpt
from capacity.cli.plan import HistoryOpt, ScenarioOpt


def proposal(
    registry: RegistryArg,
    scenario: ScenarioOpt,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mappe til proposal.md/.html og planerne.")
    ] = Path("proposal"),
    risk: Annotated[
        float,
        typer.Option(
            "--risk", min=0.5, max=0.99, help="Risikoniveau: B planlægger for denne kvantil."
        ),
    ] = 0.9,
    samples: Annotated[
        int, typer.Option("--samples", min=1, help="Prøver af efterspørgslen i planerne.")
    ] = 20,
    runs: Annotated[
        int, typer.Option("--runs", min=10, help="Scenariekørsler pr. mulighed.")
    ] = 500,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Sekunder (vægur) pr. plan: hver mulighed planlægges inden for dem.",
        ),
    ] = 30.0,
    options: Annotated[
        Path | None,
        typer.Option(
            "--options",
            help="TOML med egne muligheder (\\[\\[option]]: name, no_new_modules, no_new_sites, "
            "keep_at_least, keep_homes, close_from, buy), planlagt og prøvet som de andre.",
        ),
    ] = None,
    from_history: HistoryOpt = False,
    seed: SeedOpt = 0,
    policy: PolicyOpt = None,
) -> None:
    """Indstilling til Byrådet: A (billigst), B (robust), C (ingen nye pavilloner), D (status quo)."""
    from capacity.planning.proposal import load_options, make_proposal
    from capacity.planning.scenario import load_inputs
    from capacity.reports.proposal_figures import proposal_figures
    from capacity.reports.proposal_output import share, write_proposal
    from capacity.reports.text import money

    reg, sc = load_inputs(registry, scenario, policy=policy, from_history=from_history)
    own = load_options(options, reg.sites["id"].astype(str).tolist()) if options else ()
    paper = make_proposal(
        reg, sc, risk=risk, samples=samples, runs=runs, seed=seed, time_limit=time_limit, own=own
    )
    figures = proposal_figures(reg, paper)
    write_proposal(paper, out, reg.policy.limits.emergency_dkk_per_person_day, figures)
    table = Table(title=literal(f"Indstilling: {sc.name}"))
    for head in ("Mulighed", "Pavilloner", "Nødindkvartering", "I alt", "Risiko"):
        table.add_column(head, justify="left" if head == "Mulighed" else "right")
    rows = [
        (
            f"{o.key}: {o.title}" + (" ★" if o.key == paper.recommended else ""),
            money(o.plan_cost),
            money(o.emergency_cost),
            money(o.total),
            share(o.risk),
        )
        for o in paper.options
    ]
    add_rows(table, rows)
    console = make_console()
    console.print(table)
    console.print(
        clean(
            f"Anbefaling: mulighed {paper.recommended} · skrev {out / 'proposal.html'} "
            f"og {out / figures.map_file}"
        ),
        soft_wrap=True,
        markup=False,
    )
