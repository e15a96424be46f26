"""``capacity generate``: the Allerød sample, or a synthetic registry of any size (seeded)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capacity.cli.app import clean, make_console
from capacity.cli.convert import ForceOpt
from capacity.cli.options import SeedOpt
from capacity.errors import UserError

MAX_MODULE_TYPES = 12


def generate(
    out: Annotated[
        Path, typer.Argument(help="Destination: .gpkg, .xlsx eller en mappe.", show_default=False)
    ],
    households: Annotated[
        int | None, typer.Option("--households", min=1, help="Syntetisk register: antal husstande.")
    ] = None,
    sites: Annotated[
        int | None, typer.Option("--sites", min=1, help="Syntetisk register: antal lokaliteter.")
    ] = None,
    module_types: Annotated[
        int,
        typer.Option(
            "--module-types",
            min=1,
            max=MAX_MODULE_TYPES,
            help="Syntetisk register: modultyper pr. pavillonplads (enkeltværelser, "
            "familieboliger, handicapvenlige; nogle lejede). 1 = som hidtil.",
        ),
    ] = 1,
    seed: SeedOpt = 2023,
    force: ForceOpt = False,
) -> None:
    """Lav Allerød-eksemplet (uden --households/--sites) eller et syntetisk register."""
    if (households is None) != (sites is None):
        raise UserError(
            "Giv både --households og --sites for et syntetisk register, "
            "eller ingen af dem for Allerød-eksemplet."
        )
    if households is None and module_types != 1:
        raise UserError(
            "--module-types er til et syntetisk register: giv også --households og --sites "
            "(Allerød-eksemplet har sine egne modultyper)."
        )
    from capacity.io.registry import refuse_overwrite, write_registry
    from capacity.sample import alleroed_registry, synthetic_registry, write_alleroed

    refuse_overwrite(out, force)
    if households is None:
        reg = alleroed_registry(seed=seed)
        write_alleroed(out, seed=seed)  # the folder form keeps the commented policy.toml
    else:
        reg = synthetic_registry(
            households=households, sites=sites, seed=seed, module_types=module_types
        )
        write_registry(reg, out)
    make_console().print(
        f"Skrev {clean(out)}: {len(reg.sites)} lokaliteter, {len(reg.units)} boliger, "
        f"{len(reg.households)} husstande (frø {seed}).",
        soft_wrap=True,
        markup=False,
    )
