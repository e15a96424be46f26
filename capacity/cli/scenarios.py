"""``capacity scenarios``: Monte Carlo runs of a scenario through a plan (local cores or Dask)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from capacity.cli.app import clean, literal, make_console
from capacity.cli.options import PolicyOpt, RegistryArg, SeedOpt
from capacity.cli.plan import HistoryOpt, ScenarioOpt
from capacity.files import outside_registry
from capacity.io.values import amount
from capacity.numbers import number
from capacity.reports.text import percent


def scenarios(
    registry: RegistryArg,
    scenario: ScenarioOpt,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="plan.csv fra 'capacity plan', eller dens mappe (modules.csv og branches.csv ved "
            "siden af læses med); skal dække alle scenariets måneder (standard: dagens bygninger "
            "og moduler).",
        ),
    ] = None,
    samples: Annotated[
        int, typer.Option("--samples", min=1, max=100_000, help="Antal kørsler.")
    ] = 1000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Lokale processer (standard: 1; flere betaler sig først ved mange tusinde kørsler).",
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask", help="Dask-scheduler, fx tcp://host:8786, i stedet for lokale processer."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Mappe til months.csv og summary.json.")
    ] = None,
    from_history: HistoryOpt = False,
    seed: SeedOpt = 0,
    policy: PolicyOpt = None,
) -> None:
    """Scenariekørsler: sandsynlighed for mangel pr. måned, belægning og ledige senge."""
    from capacity.errors import UserError

    if workers is not None and dask is not None:
        raise UserError("Giv enten --workers eller --dask, ikke begge.")
    from capacity.planning.plan_input import read_branches, read_modules, read_plan
    from capacity.planning.scenario import load_inputs
    from capacity.planning.simulate import run_scenarios
    from capacity.reports.plan_output import PLAN_FILE, write_runs

    if out is not None:
        outside_registry(out, registry)
    reg, sc = load_inputs(registry, scenario, policy=policy, from_history=from_history)
    if plan is not None and plan.is_dir():  # the plan's folder, as report --plan takes it
        plan = plan / PLAN_FILE
    frame = read_plan(plan) if plan is not None else None
    mods = read_modules(plan.parent / "modules.csv") if plan is not None else None
    branches = read_branches(plan.parent / "branches.csv") if plan is not None else None
    res = run_scenarios(
        reg,
        sc,
        plan=frame,
        modules=mods,
        branches=branches,
        samples=samples,
        seed=seed,
        workers=workers,
        dask=dask,
        progress=True,
    )
    if out is not None:
        write_runs(res, out)
    console = make_console()
    console.print(months_table(res.months, sc.name))
    s = res.summary
    console.print(
        f"Risiko for mangel i mindst én måned: {percent(s['risk_any_shortage'], 1)} · forventet "
        f"mangel {number(s['expected_shortage_person_months'], 1)} personmåneder · "
        f"{number(s['samples'], 0)} kørsler, "
        f"frø {s['seed']}" + (f" · skrev {clean(out)}" if out else ""),
        soft_wrap=True,
        markup=False,
    )
    for line in plan_lines(s, mods):
        console.print(line, soft_wrap=True, markup=False)


def plan_lines(summary: dict, modules) -> list[str]:
    """What the runs did with the plan: whether it differs by branch, and the households moved
    because their home went beside the resident units the plan moves (Danish)."""
    out = []
    per = summary.get("plan_per_branch")
    if per is True:
        out.append(
            "Hver gren af scenariet kører med planens egen plan for den gren (branches.csv)."
        )
    elif per is False:
        out.append(
            "Scenariet har flere grene, men planen har ingen branches.csv: den samme plan gælder "
            "i alle grene."
        )
    known = modules is not None and "units_moved" in modules  # a hand-made modules.csv may lack it
    moved = int(modules["units_moved"].sum()) if known else None
    planned = (
        ""
        if moved is None
        else "; planen flytter ingen beboere"
        if moved == 0
        else f"; planen flytter beboerne i {amount(moved, 'bolig', 'boliger')}"
    )
    out.append(
        "Genhusede (deres bolig forsvinder: en bygning lukker, moduler tages ned): forventet "
        f"{number(summary['expected_relocations'], 1)} husstande{planned}."
    )
    beyond = summary.get("beyond_modules", {})
    if beyond.get("risk_any_shortage", 0) > 0:
        out.append(
            "Heraf husstande, som ingen modultypes bolig passer til (ingen bestilling af moduler "
            f"kan huse dem): mangel i mindst én måned i {percent(beyond['risk_any_shortage'], 1)}"
            f" af kørslerne, forventet {number(beyond['household_months'], 1)} "
            "husstandsmåneder."
        )
    return out


def months_table(months, name: str) -> Table:
    """A rich table: per month the shortage probability, occupancy and free beds."""
    table = Table(title=literal(f"Scenariekørsler: {name}"))
    heads = (
        "Måned",
        "P(mangel)",
        "Mangel (gns.)",
        "Belægning (gns.)",
        "Belægning (90 %)",
        "Senge",
        "Ledige (gns.)",
    )
    for h in heads:
        table.add_column(h, justify="left" if h == "Måned" else "right")
    for r in months.itertuples():
        table.add_row(
            r.month,
            percent(r.p_shortage, 1),
            number(r.expected_short, 1),
            number(r.expected_occupied, 0),
            number(r.p90_occupied, 0),
            number(r.beds, 0),
            number(r.expected_free, 0),
        )
    return table
