"""Options shared by the commands. Keep this module light: ``capacity --help`` imports it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
