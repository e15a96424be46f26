"""``capacity bench``: the benchmark suites, with a progress bar, a table and files."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from capacity.bench.runner import seeds_of
from capacity.cli.app import clean, make_console
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
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            help="Kun disse instanser: navne og intervaller adskilt af komma, fx p20-p57 "
            "eller p1,p5,30-200-1.",
        ),
    ] = None,
    seed: Annotated[
        list[int] | None,
        typer.Option(
            "--seed",
            min=0,
            help="Løsernes tilfældige frø på de offentlige instanser (place, CP-SAT og HiGHS); "
            "standard 0. "
            "Med --suite general kan det gives flere gange (fx --seed 0 --seed 1 --seed 2): "
            "hver instans køres da med hvert frø efter hinanden, og målene vurderes også på "
            "medianerne over frøene.",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Fortsæt en stoppet kørsel: behold rækkerne i --out/bench.json og kør kun "
            "de tilfælde, der mangler.",
        ),
    ] = False,
) -> None:
    """Benchmarks: offentlige instanser med kendt optimum og skalering, side om side.

    Hvert færdigt tilfælde skrives straks til bench.json og bench.md, så en stoppet kørsel
    beholder sine rækker (og kan fortsættes med --resume)."""
    from capacity.bench import report, sscflp
    from capacity.bench.suites import all_cases, select

    if suite not in ("quick", "full", "general"):
        raise UserError(f"--suite {suite!r}: vælg quick, full eller general.")
    if family is not None and family not in ("delmaire", "yang"):
        raise UserError(f"--family {family!r}: vælg delmaire eller yang.")
    root = instances or sscflp.DEFAULT_ROOT
    if not (root / "holmberg" / "optima.csv").exists():
        raise UserError(
            f"{root}: ingen SSCFLP-instanser her; giv --instances DIR "
            "(mappen med holmberg/, orlib/ og optima.csv-filerne)."
        )
    seeds = sorted(set(seed or [0]))
    cases = list(all_cases(root, suite, time_limit, family, seeds))
    if only is not None:
        cases = select(cases, only)
    done = report.read(out) if resume else []
    _same_seeds(seeds_of(done), seeds, out)
    finished = {(r.instance, r.solver, r.seed) for r in done}
    cases = [c for c in cases if (c.row.instance, c.row.solver, c.row.seed) not in finished]
    title = f"capacity bench — {suite} suite" + _seeds_title(seeds)
    console = make_console()
    rows = _run(cases, out, title, done, console)
    paths = report.write(rows, out, title)
    console.print(_table(rows, suite))
    console.print(f"Skrev {clean(paths[0])} og {clean(paths[1])}.", soft_wrap=True, markup=False)


def _same_seeds(kept: list[int], seeds: list[int], out: Path) -> None:
    """Refuse to resume rows run with a seed this run does not have (``kept``: the seeds of the
    rows on disk). A seed the rows on disk lack is run now, in another session than theirs."""
    if not set(kept) <= set(seeds):
        shown, asked = ", ".join(map(str, kept)), ", ".join(map(str, seeds))
        raise UserError(
            f"--resume: rækkerne i {out / 'bench.json'} blev kørt med --seed {shown}, ikke "
            f"{asked}; fortsæt med samme --seed, eller giv en anden --out."
        )


def _seeds_title(seeds: list[int]) -> str:
    if seeds == [0]:
        return ""
    return f", seed {seeds[0]}" if len(seeds) == 1 else f", seeds {', '.join(map(str, seeds))}"


def _run(cases, out: Path, title: str, done, console):
    """Run the cases with a progress bar, writing the rows after each; a ``kill`` (SIGTERM)
    stops the run as Ctrl-C does, ending the running case's processes too."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from capacity.bench import report

    before = signal.signal(signal.SIGTERM, _stop)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            return report.run_cases(cases, progress, out, title, done)
    finally:
        signal.signal(signal.SIGTERM, before)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


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
