"""``capacity report``: Byrådet's map report, one HTML file that works with no network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from capacity.cli.app import clean, make_console, wrote
from capacity.cli.options import LangOpt, PolicyOpt, RegistryArg, as_date, date_option
from capacity.numbers import number


def report(
    registry: RegistryArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Mappe som kortet skrives til.")] = Path(
        "maps"
    ),
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Mappe med kapacitetsplanens plan.csv og summary.json: planen vises på kortet.",
        ),
    ] = None,
    lang: LangOpt = "da",
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles", help="URL til baggrundskort, fx https://…/{z}/{x}/{y}.png (kræver net)."
        ),
    ] = None,
    date: Annotated[str | None, date_option("Opgørelsesdato (standard: aktuelle ophold).")] = None,
    policy: PolicyOpt = None,
) -> None:
    """Byrådets kortrapport: boliger, fordeling, forslag og nøgletal i én HTML-fil uden net."""
    from capacity.io.registry import load_registry
    from capacity.reports.maps import write_council_map
    from capacity.reports.plan_output import read_plan
    from capacity.reports.text import words

    words(lang)  # an unknown language fails before the registry is read
    day = as_date(date)
    reg = load_registry(registry, policy=policy)
    proposal = read_plan(plan, reg) if plan is not None else None
    path = write_council_map(reg, out, proposal, lang, tiles, day)
    make_console().print(_summary(reg, proposal, lang, day))
    make_console().print(
        clean(f"{wrote(lang)} {path} ({number(path.stat().st_size / 1e6, 1, lang)} MB)"),
        soft_wrap=True,
        markup=False,
    )


def _summary(reg, proposal, lang: str, day: dt.date | None) -> Table:
    """The key numbers as the map shows them (``map_panels.key_rows``: small counts hidden)."""
    from capacity.reports.council import key_numbers
    from capacity.reports.map_panels import key_rows
    from capacity.reports.text import words

    t, m = words(lang), reg.policy.limits.min_count
    table = Table(title=t["key_numbers"])
    table.add_column("")
    table.add_column("", justify="right")
    for label, value, _ in key_rows(key_numbers(reg, proposal, day), t, lang, m):
        table.add_row(label, value)
    return table
