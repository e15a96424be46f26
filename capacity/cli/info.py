"""``capacity info``: a table per site of units, beds, occupied and free beds, and the totals."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from rich.table import Table

from capacity.cli.app import add_rows, esc, literal, make_console
from capacity.cli.options import PolicyOpt, RegistryArg, as_date, date_option


def info(
    registry: RegistryArg,
    date: Annotated[str | None, date_option("Opgørelsesdato (standard: åbne ophold).")] = None,
    policy: PolicyOpt = None,
) -> None:
    """Kapacitet pr. lokalitet: boliger, senge, optaget, ledige, pavillonmoduler."""
    from capacity import overview
    from capacity.io.registry import load_registry
    from capacity.reports.tables import site_occupancy

    reg = load_registry(registry, policy=policy)
    day = as_date(date)
    on = day or dt.date.today()
    table = site_occupancy(reg, on) if day else overview.site_table(reg, None)
    if not day:  # open stays as they stand; the free beds of today
        table["free"] = site_occupancy(reg, on)["free"].to_numpy()
    waiting = overview.arriving(reg, day)
    console = make_console()
    console.print(_site_table(table, registry.name))
    console.print(
        f"Ledige: senge, som en ny husstand kan få d. {on:%d.%m.%Y}. En bolig, hvor der bor en "
        "familie, eller som har beboere og ikke kan deles, har ingen; det har en lokalitet, der "
        "ikke er tilgængelig på datoen, heller ikke."
    )
    minors = int(waiting["unaccompanied_minor"].fillna(False).sum())
    console.print(
        f"Husstande i midlertidig bolig: {len(overview.open_occupancy(reg, day))}  ·  "
        f"ventende på bolig: {len(waiting) - minors}  ·  uledsagede mindreårige: {minors} "
        "(Børn og Familier)"
    )
    for problem in reg.warnings:
        console.print(f"[yellow]advarsel[/] {esc(problem)}")


def _site_table(table, title: str) -> Table:
    out = Table(title=literal(f"Kapacitet: {title}"), show_footer=True)
    total = table[["units", "beds", "occupied", "free"]].sum()
    out.add_column("Id", footer="I alt", no_wrap=True)
    out.add_column("Lokalitet", ratio=1)
    out.add_column("Type", no_wrap=True)
    for col, head in (
        ("units", "Boliger"),
        ("beds", "Senge"),
        ("occupied", "Optaget"),
        ("free", "Ledige"),
    ):
        out.add_column(head, justify="right", footer=str(int(total[col])), no_wrap=True)
    out.add_column("Moduler nu/maks", justify="right", no_wrap=True)
    kinds = {"building": "bygning", "pavilion_site": "pavillon"}
    rows = [
        (
            row.site_id,
            row.name,
            kinds.get(row.kind, row.kind),
            str(row.units),
            str(row.beds),
            str(row.occupied),
            str(row.free),
            "" if row.kind != "pavilion_site" else f"{_n(row.modules_now)}/{_n(row.modules_max)}",
        )
        for row in table.itertuples()
    ]
    add_rows(out, rows, more="se capacity review")
    return out


def _n(value) -> str:
    return "–" if value is None or value != value else str(int(value))
