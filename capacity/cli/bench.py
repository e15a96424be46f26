"""``capacity bench``: the benchmark suites, with a progress bar, a table and files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capacity.cli.app import make_console
from capacity.errors import UserError


def bench(
    suite: Annotated[
        str,
        typer.Option(
            "--suite", help="quick (minutter), full (timer) eller general (Delmaire og Yang)."
        ),
    ] = "quick",
    family: Annotated[
        str | None,
        typer.Option("--family", help="Med --suite general: kun denne familie (delmaire, yang)."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mappe til bench.json og bench.md.")
    ] = Path("out/bench"),
    instances: Annotated[
        Path | None,
        typer.Option(
            "--instances",
            help="Mappen med SSCFLP-instanser (standard: ../shared/benchmarks/sscflp).",
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1, help="Sekunder pr. kørsel.")
    ] = 10.0,
) -> None:
    """Benchmarks: offentlige instanser med kendt optimum og skalering, side om side."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from capacity.bench import report, sscflp
    from capacity.bench.suites import all_cases

    if suite not in ("quick", "full", "general"):
        raise UserError(f"--suite {suite!r}: choose quick, full or general.")
    if family is not None and family not in ("delmaire", "yang"):
        raise UserError(f"--family {family!r}: choose delmaire or yang.")
    root = instances or sscflp.DEFAULT_ROOT
    if not (root / "holmberg" / "optima.csv").exists():
        raise UserError(
            f"{root}: no SSCFLP instances there; give --instances DIR "
            "(the folder with holmberg/, orlib/ and optima.csv files)."
        )
    cases = list(all_cases(root, suite, time_limit, family))
    console = make_console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        rows = report.run_cases(cases, progress)
    paths = report.write(rows, out, f"capacity bench — {suite} suite")
    console.print(_table(rows, suite))
    console.print(f"Skrev {paths[0]} og {paths[1]}.")


def _table(rows, suite: str):
    from rich.table import Table

    from capacity.bench.report import fmt

    table = Table(title=f"capacity bench — {suite}")
    for head in (
        "instance",
        "solver",
        "status",
        "objective",
        "optimum",
        "to optimum %",
        "gap %",
        "solve s",
        "to 1 % s",
        "peak MB",
    ):
        table.add_column(
            head, justify="left" if head in ("instance", "solver", "status") else "right"
        )
    for r in rows:
        table.add_row(
            r.instance,
            r.solver,
            r.status,
            fmt(r.objective),
            fmt(r.known_optimum),
            fmt(r.gap_to_optimum, 3),
            fmt(r.gap, 3),
            fmt(r.solve_seconds),
            fmt(r.seconds_to_1pct),
            fmt(r.peak_rss_mb, 0),
        )
    return table
