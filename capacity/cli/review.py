"""``capacity review``: Jobberiet's capacity review as HTML and Excel, and a summary in the terminal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from capacity.cli.app import add_rows, clean, make_console, wrote
from capacity.cli.options import LangOpt, PolicyOpt, RegistryArg, as_date, date_option
from capacity.reports.text import percent


def review(
    registry: RegistryArg,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mappe som gennemgangen skrives til.")
    ] = Path("review"),
    date: Annotated[str | None, date_option("Opgørelsesdato (standard: i dag).")] = None,
    horizon: Annotated[
        int,
        typer.Option(
            "--horizon", min=1, max=24, help="Måneder frem for fraflytninger og ankomster."
        ),
    ] = 3,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            help="Mappe fra `capacity scenarios` (months.csv og summary.json fra samme kørsel): "
            "mangelprognose pr. "
            "måned og scenariekørslernes 10–90 %-bånd i belægningsgrafen.",
        ),
    ] = None,
    lang: LangOpt = "da",
    policy: PolicyOpt = None,
) -> None:
    """Kapacitetsgennemgang: belægning, ledige senge, lange ophold, fraflytninger, ankomster."""
    from capacity.io.registry import load_registry
    from capacity.reports.documents import build_review, write_review
    from capacity.reports.forecast import read_forecast
    from capacity.reports.text import words

    words(lang)  # an unknown language fails before the registry is read
    forecast = read_forecast(scenarios) if scenarios is not None else None  # fail before work
    day = as_date(date) or dt.date.today()
    reg = load_registry(registry, policy=policy)
    result = build_review(reg, day, lang, horizon, forecast=forecast)
    paths = write_review(result, out)
    console = make_console()
    console.print(_summary(result.tables, day, lang))
    if forecast is not None:
        console.print(_risk_line(forecast, lang), soft_wrap=True)
    for path in paths:
        console.print(f"{wrote(lang)} {clean(path)}", soft_wrap=True, markup=False)


def _summary(tables: dict, day: dt.date, lang: str) -> Table:
    """Free beds by kind and the number of rows of each follow-up table."""
    from capacity.reports.text import TABLE_WORDS, VALUE_WORDS

    cols, values = TABLE_WORDS[lang], VALUE_WORDS[lang]
    sites = tables["sites"]
    table = Table(title=f"{cols['t_sites']} {day:%d.%m.%Y}", show_footer=True)
    table.add_column(cols["site_id"], footer="I alt" if lang == "da" else "Total")
    for col in ("beds", "occupied", "free"):
        table.add_column(cols[col], justify="right", footer=str(int(sites[col].sum())))
    rows = [
        (f"{row.name} ({row.site_id})", str(row.beds), str(row.occupied), str(row.free))
        for row in sites.itertuples()
    ]
    add_rows(table, rows, more="review.xlsx", lang=lang)
    free = ", ".join(f"{values[r.kind]} {r.free_beds}" for r in tables["free_beds"].itertuples())
    table.caption = (
        f"{cols['free_beds']}: {free} · {cols['t_long_stays'].split(' (')[0]}: "
        f"{len(tables['long_stays'])} · {cols['t_move_outs'].split(' (')[0]}: "
        f"{len(tables['move_outs'])} · {cols['t_arrivals'].split(' (')[0]}: "
        f"{len(tables['arrivals'])}"
    )
    return table


def _risk_line(forecast, lang: str) -> str:
    """The month with the highest probability of a shortage, in one line."""
    from capacity.reports.forecast import peak_risk

    month, p = peak_risk(forecast)
    pct = percent(p, 0, lang)
    if lang == "da":
        return f"Scenariekørsler: største risiko for mangel {pct} i {month}."
    return f"Scenario runs: highest risk of a shortage {pct} in {month}."
