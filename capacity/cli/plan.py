"""``capacity plan``: pavilions up and down over the horizon, for a scenario (CP-SAT)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from capacity.cli.app import LiveProgress, add_rows, clean, literal, make_console, see
from capacity.cli.options import PolicyOpt, RegistryArg, SeedOpt
from capacity.files import outside_registry

HistoryOpt = Annotated[
    bool,
    typer.Option(
        "--from-history",
        help="Opholdslængder fra registrets afsluttede ophold i stedet for scenariets.",
    ),
]
ScenarioOpt = Annotated[
    Path,
    typer.Option(
        "--scenario",
        "-s",
        help="Scenariefil (TOML), fx data/scenarios/wave.toml.",
        show_default=False,
    ),
]


def plan(
    registry: RegistryArg,
    scenario: ScenarioOpt,
    samples: Annotated[
        int, typer.Option("--samples", min=1, max=2000, help="Antal prøver af efterspørgslen.")
    ] = 20,
    risk: Annotated[
        float | None,
        typer.Option(
            "--risk",
            min=0.01,
            max=0.99,
            help="Planlæg for denne kvantil af efterspørgslen i stedet for prøver.",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mappe til plan.csv, summary.json, explanation.md.")
    ] = Path("plan"),
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Tidsgrænse i sekunder (vægur); planen er færdig inden for den plus få sekunder.",
        ),
    ] = 60.0,
    groups: Annotated[
        int,
        typer.Option(
            "--groups",
            min=1,
            help="Grupper af prøver, hvis senere beslutninger må tilpasses (1: én plan for alle).",
        ),
    ] = 1,
    value: Annotated[
        bool,
        typer.Option(
            "--value-of-uncertainty/--no-value-of-uncertainty",
            help="Beregn også værdien af at planlægge for usikkerheden (planen efter det "
            "gennemsnitlige forløb og med fuld viden) inden for samme tidsgrænse: planen går "
            "først; dele, der ikke når at blive beregnet, springes over og nævnes i summary.json.",
        ),
    ] = True,
    from_history: HistoryOpt = False,
    seed: SeedOpt = 0,
    policy: PolicyOpt = None,
) -> None:
    """Kapacitetsplan: hvornår og hvor pavillongrunde og moduler sættes op, tages ned, købes,
    og hvem der flyttes, så en grund kan lukke."""
    started = time.perf_counter()  # the limit counts the imports below (pandas, OR-Tools, ...)
    from capacity.numbers import number
    from capacity.planning.deadline import finite, too_short
    from capacity.planning.explain import kr, pct
    from capacity.planning.plan import make_plan
    from capacity.planning.scenario import load_inputs
    from capacity.reports.plan_output import write_plan
    from capacity.reports.text import status_words

    if time.perf_counter() - started >= finite(time_limit):  # not even the registry in time
        raise too_short(time_limit, time.perf_counter() - started, built=False)
    outside_registry(out, registry)
    err = Console(stderr=True)
    live = LiveProgress("da", started, time_limit)
    with err.status(live):
        reg, sc = load_inputs(registry, scenario, policy=policy, from_history=from_history)
        res = make_plan(
            reg,
            sc,
            samples=samples,
            risk=risk,
            seed=seed,
            time_limit=time_limit,
            groups=groups,
            value=value,
            progress=live.show if err.is_terminal else None,
            started=started,
        )
    write_plan(res, out, reg.policy.limits.emergency_dkk_per_person_day)
    console = make_console()
    console.print(actions_table(res.modules, out))
    s = res.summary
    shortage = number(s["shortage_person_months"], 1)
    console.print(
        f"Forventet omkostning {kr(s['objective'])} · mangel {shortage} personmåneder · "
        f"{status_words(s['status'])} · afstand til grænsen {pct(s['gap'])} · "
        f"{stop_words(s)}skrev {clean(out)}",
        soft_wrap=True,
        markup=False,
    )


def stop_words(summary: dict) -> str:
    """What the time limit cut, for the final line (empty when it cut nothing): the plan's
    search, or the parts of the value of uncertainty it left out."""
    if summary.get("stopped_by") != "wall_clock":
        return ""
    skipped = (summary.get("value_of_uncertainty") or {}).get("skipped", {})
    if "time_limit" in skipped.values():
        return "stoppet af tidsgrænsen (værdien af usikkerheden kun delvis beregnet) · "
    return "stoppet af tidsgrænsen · "


def actions_table(modules, out: Path | None = None) -> Table:
    """A rich table of the months in which modules of a type are ordered, taken down, bought or
    their residents moved (``PlanResult.modules``)."""
    from capacity.numbers import number

    table = Table(title="Kapacitetsplan: handlinger")
    heads = ("Lokalitet", "Modultype", "Måned", "Bestil", "Står", "Ned", "Købt", "Flyttet")
    for head in (*heads, "Omkostning (kr.)", "Bindende"):
        table.add_column(head, justify="left" if head in heads[:3] else "right")
    acts = ("modules_up", "modules_down", "modules_bought", "units_moved")
    rows = modules[(modules[list(acts)] > 0).any(axis=1)]
    add_rows(
        table,
        [
            (
                literal(r.site_id),
                literal(r.module_type_id),
                r.month,
                str(r.modules_up),
                str(r.modules_standing),
                str(r.modules_down),
                str(r.modules_bought),
                str(r.units_moved),
                number(r.cost, 0),
                "ja" if r.binding else "nej",
            )
            for r in rows.itertuples()
        ],
        more=see(None if out is None else out / "modules.csv"),
    )
    return table
