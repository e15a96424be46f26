"""``capacity review``: Jobberiet's capacity review as HTML and Excel, and a summary in the terminal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from capacity.cli.options import LangOpt, PolicyOpt, RegistryArg


def review(
    registry: RegistryArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Mappe som gennemgangen skrives til.")] = Path("review"),
    date: Annotated[dt.datetime | None, typer.Option(
        "--date", formats=["%Y-%m-%d"], help="Opgørelsesdato (standard: i dag).")] = None,
    horizon: Annotated[int, typer.Option(
        "--horizon", min=1, max=24, help="Måneder frem for fraflytninger og ankomster.")] = 3,
    lang: LangOpt = "da",
    policy: PolicyOpt = None,
) -> None:
    """Kapacitetsgennemgang: belægning, ledige senge, lange ophold, fraflytninger, ankomster."""
    from capacity.io.registry import load_registry
    from capacity.reports.documents import build_review, write_review
    from capacity.reports.text import words

    words(lang)  # an unknown language fails before the registry is read
    reg = load_registry(registry, policy=policy)
    day = date.date() if date else dt.date.today()
    result = build_review(reg, day, lang, horizon)
    paths = write_review(result, out)
    console = Console()
    console.print(_summary(result.tables, day, lang))
    for path in paths:
        console.print(f"Skrev {path}", soft_wrap=True)


def _summary(tables: dict, day: dt.date, lang: str) -> Table:
    """Free beds by kind and the number of rows of each follow-up table."""
    from capacity.reports.text import TABLE_WORDS

    cols = TABLE_WORDS[lang]
    sites = tables["sites"]
    table = Table(title=f"{cols['t_sites']} {day:%d.%m.%Y}", show_footer=True)
    table.add_column(cols["site_id"], footer="I alt" if lang == "da" else "Total")
    for col in ("beds", "occupied", "free"):
        table.add_column(cols[col], justify="right", footer=str(int(sites[col].sum())))
    for row in sites.itertuples():
        table.add_row(f"{row.name} ({row.site_id})", str(row.beds), str(row.occupied), str(row.free))
    free = ", ".join(f"{cols[r.kind]} {r.free_beds}" for r in tables["free_beds"].itertuples())
    table.caption = (f"{cols['free_beds']}: {free} · {cols['t_long_stays'].split(' (')[0]}: "
                     f"{len(tables['long_stays'])} · {cols['t_move_outs'].split(' (')[0]}: "
                     f"{len(tables['move_outs'])} · {cols['t_arrivals'].split(' (')[0]}: "
                     f"{len(tables['arrivals'])}")
    return table
