"""Options shared by the commands. Keep this module light: ``capacity --help`` imports it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from capacity.errors import UserError

RegistryArg = Annotated[
    Path,
    typer.Argument(
        help="Registret: en GeoPackage (.gpkg), en Excel-fil (.xlsx) eller en mappe med CSV/GeoJSON.",
        show_default=False,
    ),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy", "-p", help="policy.toml med vægte og grænser (standard: registrets egen)."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Mappe som resultaterne skrives til.")]
SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        min=0,
        max=2**31 - 1,  # CP-SAT's random_seed is a 32-bit integer (2^63 raised a TypeError)
        help="Frø for tilfældighed: samme frø, samme resultat.",
    ),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Sprog i rapporter: da eller en.")]


def as_date(value: str | None) -> dt.date | None:
    """A ``--date`` written ``ÅÅÅÅ-MM-DD`` (ISO 8601), as the registry's dates are; None for
    none. Read in the command, not by the CLI framework, whose message would be English.

    Raises
    ------
    UserError
        Naming what was written and the form to write (exit 2).
    """
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError(value)  # fromisoformat reads 20261201 and 2026-W49-2 as well
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            f"--date {value!r} er ikke en dato; skriv den som ÅÅÅÅ-MM-DD, fx 2026-12-01"
        ) from None


def date_option(help: str) -> Any:
    """The ``--date`` option of a command, given as text and read by ``as_date``."""
    return typer.Option("--date", metavar="ÅÅÅÅ-MM-DD", help=help, show_default=False)
