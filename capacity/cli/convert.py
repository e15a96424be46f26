"""``capacity convert``: between GeoPackage, a folder of CSV/GeoJSON and Excel. The registry (its
layers, extra columns and policy) is carried without loss of a value; an extra column's type
(whole numbers, decimals, true/false, dates, times) too where the destination holds it, and a
warning names each column written as text or read back as a narrower type instead. What the
user stored beside the registry (own tables, sheets and files) is not carried, so the source is
never its own destination, and ``--force`` never writes over a workbook or GeoPackage that holds
such things (``registry.beside_registry``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capacity.cli.app import clean, esc, make_console
from capacity.cli.options import RegistryArg
from capacity.errors import UserError
from capacity.files import target_of

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
    from capacity.io.registry import refuse_overwrite, type_notes

    if target_of(src) == target_of(dst):
        raise UserError(
            f"{dst} er det register, der konverteres; skrives det oven i sig selv, går alt det "
            "tabt, der er gemt ved siden af registret (egne tabeller, ark, filer). Vælg et andet "
            "mål"
        )
    refuse_overwrite(dst, force)

    reg = convert_registry(src, dst)
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in reg.layers().items())
    console = make_console()
    console.print(f"Skrev {clean(dst)} ({counts}).", soft_wrap=True, markup=False)
    for note in type_notes(reg, dst):
        console.print(f"[yellow]advarsel[/] {esc(note)}", soft_wrap=True)
