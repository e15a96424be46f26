"""``capacity proposal``: the council paper with options A-D and a recommendation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from capacity.cli.app import LiveProgress, add_rows, clean, literal, make_console
from capacity.cli.options import PolicyOpt, RegistryArg, SeedOpt
from capacity.cli.plan import HistoryOpt, ScenarioOpt
from capacity.files import outside_registry


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
            help="Sekunder (vægur) for hele kommandoen: planerne deler dem (status quo, A og C "
            "først, egne muligheder, så B's ekstra planer), og der holdes tid til kørsler, "
            "følsomhed og filer. Hvad der ikke når frem, udelades, og indstillingen siger "
            "hvilket. Mindst 10.",
        ),
    ] = 60.0,
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
    started = time.perf_counter()  # the limit counts the imports below (pandas, OR-Tools, ...)
    from capacity.planning.deadline import finite
    from capacity.planning.proposal import load_options, make_proposal
    from capacity.planning.scenario import load_inputs
    from capacity.reports.proposal_figures import proposal_figures
    from capacity.reports.proposal_output import share, write_proposal
    from capacity.reports.text import money

    finite(time_limit)  # before the registry is read
    outside_registry(out, registry)
    err = Console(stderr=True)
    live = LiveProgress("da", started, time_limit)
    live.at("Læser registret")
    with err.status(live):
        reg, sc = load_inputs(registry, scenario, policy=policy, from_history=from_history)
        own = load_options(options, reg.sites["id"].astype(str).tolist()) if options else ()
        paper = make_proposal(
            reg,
            sc,
            risk=risk,
            samples=samples,
            runs=runs,
            seed=seed,
            time_limit=time_limit,
            own=own,
            started=started,
            stage=live.at,
            progress=live.show if err.is_terminal else None,
        )
        live.at("Skriver indstilling, kort og figurer")
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
    for note in paper.stopped.notes() if paper.stopped else ():
        console.print(clean(note), soft_wrap=True, markup=False)
    console.print(
        clean(
            f"Anbefaling: mulighed {paper.recommended} · skrev {out / 'proposal.html'} "
            f"og {out / figures.map_file}"
        ),
        soft_wrap=True,
        markup=False,
    )
