"""``capacity plan``: pavilions up and down over the horizon, for a scenario (CP-SAT)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from capacity.cli.app import make_console
from capacity.cli.options import PolicyOpt, RegistryArg, SeedOpt

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
    ] = 5,
    from_history: HistoryOpt = False,
    seed: SeedOpt = 0,
    policy: PolicyOpt = None,
) -> None:
    """Kapacitetsplan: hvornår og hvor pavillonmoduler skal sættes op eller tages ned."""
    from capacity.planning.explain import STATUS, kr, pct
    from capacity.planning.output import write_plan
    from capacity.planning.plan import make_plan
    from capacity.planning.scenario import load_inputs

    reg, sc = load_inputs(registry, scenario, policy=policy, from_history=from_history)
    res = make_plan(
        reg,
        sc,
        samples=samples,
        risk=risk,
        seed=seed,
        time_limit=time_limit,
        groups=groups,
    )
    write_plan(res, out, reg.policy.limits.emergency_dkk_per_person_day)
    console = make_console()
    console.print(actions_table(res.plan, res.supply.pavilion, res.supply.ids))
    s = res.summary
    shortage = f"{s['shortage_person_months']:.1f}".replace(".", ",")
    console.print(
        f"Forventet omkostning {kr(s['objective'])} · mangel {shortage} personmåneder · "
        f"{STATUS.get(s['status'], s['status'])} (afstand til grænsen {pct(s['gap'])}) · "
        f"skrev {out}",
        soft_wrap=True,
        markup=False,
    )


def actions_table(plan, pavilion, ids) -> Table:
    """A rich table of the months in which something is ordered or taken down."""
    table = Table(title="Kapacitetsplan: handlinger")
    for head in (
        "Lokalitet",
        "Måned",
        "Bestil",
        "Står",
        "Ned",
        "Senge",
        "Omkostning (kr.)",
        "Bindende",
    ):
        table.add_column(head, justify="left" if head in ("Lokalitet", "Måned") else "right")
    pav = {i for i, p in zip(ids, pavilion, strict=True) if p}
    rows = plan[plan["site_id"].isin(pav) & ((plan["modules_up"] > 0) | (plan["modules_down"] > 0))]
    for r in rows.itertuples():
        table.add_row(
            r.site_id,
            r.month,
            str(r.modules_up),
            str(r.modules_standing),
            str(r.modules_down),
            str(r.beds),
            f"{r.cost:,}".replace(",", "."),
            "ja" if r.binding else "nej",
        )
    return table
