"""``capacity followup``: the council's yearly report on the strategy's housing goals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from capacity.cli.app import add_rows, clean, literal, make_console, wrote
from capacity.cli.options import LangOpt, PolicyOpt, RegistryArg, as_date, date_option
from capacity.errors import UserError


def followup(
    registry: RegistryArg,
    year: Annotated[
        int, typer.Option("--year", help="Rapportens år (med ændringen fra året før).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mappe som rapporten skrives til.")
    ] = Path("followup"),
    first: Annotated[
        int | None,
        typer.Option(
            "--from",
            help="Første år (standard: strategiens start, 2023, eller registrets første år med "
            "data, hvis det er senere). Månederne før registrets første registrering opgøres "
            "ikke; året vises med de måneder, det dækker.",
            show_default=False,
        ),
    ] = None,
    date: Annotated[
        str | None,
        date_option(
            "Registret er opdateret til denne dag (standard: 31.12. i --year, eller i dag "
            "hvis det er tidligere; aldrig en dag der ikke er kommet)."
        ),
    ] = None,
    lang: LangOpt = "da",
    policy: PolicyOpt = None,
) -> None:
    """Årlig opfølgning til Byrådet: strategiens mål for de midlertidige boliger, år for år."""
    from capacity.followup import build_followup, write_followup
    from capacity.followup.words import GOAL_TITLES, check_lang
    from capacity.io.registry import load_registry

    check_lang(lang)
    as_of = updated_on(year, as_date(date), dt.date.today())
    reg = load_registry(registry, policy=policy)
    result = build_followup(reg, year, from_year=first, as_of=as_of, lang=lang)
    paths = write_followup(reg, result, out)
    console = make_console()
    table = Table(title=literal(f"{year}"), show_header=False)
    table.add_column("")
    table.add_column("")
    add_rows(table, [(GOAL_TITLES[lang][g], v) for g, v in result.verdicts.items()], lang=lang)
    console.print(table)
    for path in paths:
        console.print(f"{wrote(lang)} {clean(path)}", soft_wrap=True, markup=False)


def updated_on(year: int, date: dt.date | None, today: dt.date) -> dt.date:
    """The day the registry is up to date on: ``--date``, else 31 December of ``--year`` or
    today when that is earlier. A registry cannot be up to date on a day still to come, so a
    year or a ``--date`` after ``today`` would report months nobody has recorded yet.

    Raises
    ------
    UserError
        For a ``--date`` after ``today``.
    """
    if date is not None and date > today:
        raise UserError(
            f"--date {date:%Y-%m-%d} er ikke kommet endnu; giv den dag, registret sidst blev "
            f"opdateret (senest {today:%Y-%m-%d})"
        )
    return date if date is not None else min(dt.date(year, 12, 31), today)
