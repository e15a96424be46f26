"""``capacity convert``: between GeoPackage, a folder of CSV/GeoJSON and Excel, without loss."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capacity.cli.app import clean, make_console
from capacity.cli.options import RegistryArg

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overskriv et eksisterende register eller en mappe.")
]


def convert(
    src: RegistryArg,
    dst: Annotated[
        Path, typer.Argument(help="Destination: .gpkg, .xlsx eller en mappe.", show_default=False)
    ],
    force: ForceOpt = False,
) -> None:
    """Konvertér et register mellem GeoPackage, mappe (CSV/GeoJSON) og Excel."""
    from capacity.io.registry import convert as convert_registry
    from capacity.io.registry import refuse_overwrite

    refuse_overwrite(dst, force)

    reg = convert_registry(src, dst)
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in reg.layers().items())
    make_console().print(f"Skrev {clean(dst)} ({counts}).", soft_wrap=True, markup=False)
