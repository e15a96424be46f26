"""``capacity place``: place arriving households (CP-SAT or greedy), explain, and optionally apply."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from capacity.cli.app import LiveProgress, add_rows, clean, make_console, see, wrote
from capacity.cli.options import LangOpt, PolicyOpt, RegistryArg, SeedOpt, as_date, date_option
from capacity.files import outside_registry, target_of
from capacity.numbers import number


def place(
    registry: RegistryArg,
    date: Annotated[
        str | None,
        date_option("Placeringsdato: husstande ankommet senest da (standard: i dag)."),
    ] = None,
    policy: PolicyOpt = None,
    solver: Annotated[
        str,
        typer.Option(
            "--solver",
            help="auto (cpsat for par, highs for aggregeret), cpsat, highs (samme model som MIP) "
            "eller greedy (grådig basislinje).",
        ),
    ] = "auto",
    formulation: Annotated[
        str,
        typer.Option(
            "--formulation",
            help="auto (efter størrelse; par med et scores-lag), pairs (én variabel pr. husstand og bolig) eller "
            "aggregate (antal husstandstyper pr. lokalitet, pakket eksakt bagefter).",
        ),
    ] = "auto",
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Sekunder: kørslen slutter senest da (vægur; med det bedste svar og en "
            "nedre grænse), og CP-SAT's deterministiske arbejde er højst så mange enheder.",
        ),
    ] = 10.0,
    seed: SeedOpt = 0,
    allow_moves: Annotated[
        bool, typer.Option("--allow-moves", help="Beboere må flytte (koster vægten 'moves').")
    ] = False,
    allow_new_modules: Annotated[
        bool,
        typer.Option(
            "--allow-new-modules", help="Nye pavillonmoduler må sættes op (koster opsætningen)."
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Mappe som planen skrives til.")
    ] = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply", help="Skriv planen i --out ind i registret (kræver uændret register)."
        ),
    ] = False,
    allow_date: Annotated[
        bool,
        typer.Option(
            "--allow-date",
            help="Med --apply: godkend en plandato uden for registrets datoer (før første ankomst "
            "eller mere end 3 måneder efter seneste dato eller i dag).",
        ),
    ] = False,
    lang: LangOpt = "da",
) -> None:
    """Placér ankomne husstande i midlertidige boliger, med begrundelse for hver husstand.

    Uden --apply: beregn en plan og skriv den til --out. Med --apply: skriv den gennemsete plan i
    --out ind i registrets beboelse: planen kontrolleres mod alle faste regler, registret låses, en
    sikkerhedskopi bevares, og intet skrives hvis registret er ændret eller planen bryder en regel.
    """
    console = make_console()
    if apply:
        _apply(registry, out, policy, lang, console, allow_date=allow_date)
        return
    started = time.perf_counter()
    if out is not None:
        outside_registry(out, registry)
    day = as_date(date) or dt.date.today()  # a date written wrong fails before any work
    from capacity.io.registry import load_registry
    from capacity.reports.placement_output import write_outputs
    from capacity.solver.clock import Clock
    from capacity.solver.solve import place as place_households

    err = Console(stderr=True)
    live = LiveProgress(lang, started, time_limit)
    with err.status(live):
        clock = Clock(time_limit, started=started, progress=live.show if err.is_terminal else None)
        reg = load_registry(registry, policy=policy)
        result = place_households(
            reg,
            day,
            solver=solver,
            time_limit=time_limit,
            seed=seed,
            allow_moves=allow_moves,
            allow_new_modules=allow_new_modules,
            lang=lang,
            formulation=formulation,
            clock=clock,
        )
    # apply compares it (the file itself, however it is named then) and names it
    made_with = None if policy is None else str(target_of(policy))
    result = replace(result, input_parts={**result.input_parts, "policy_file": made_with})
    if out is not None:
        write_outputs(result, out)
    console.print(_table(result, out))
    console.print(_terms(result))
    for line in _ending(reg, result):
        console.print(clean(line), style="yellow", soft_wrap=True, markup=False)
    console.print(
        f"{result.summary()} · {number(result.build_seconds, 2, lang)} s + "
        f"{number(result.solve_seconds, 2, lang)} s",
        soft_wrap=True,
        markup=False,
    )
    if out is not None:
        console.print(f"{wrote(lang)} {clean(out)}", soft_wrap=True, markup=False)


def _apply(
    registry: Path,
    out: Path | None,
    policy: Path | None,
    lang: str,
    console: Console,
    *,
    allow_date: bool = False,
) -> None:
    from capacity.errors import UserError
    from capacity.solver.apply import apply_plan

    if out is None:
        raise UserError("--apply kræver --out DIR: mappen med planen, der skal skrives i registret")
    done = apply_plan(registry, out, policy=policy, allow_date=allow_date)
    console.print(clean(_applied_text(done, registry, lang)), soft_wrap=True, markup=False)


def _ending(reg, result) -> list[str]:
    """A line per site of the plan whose availability ends: the households placed there must
    move again by then, which the objective does not count; and a line naming the households
    arrived and waiting for a home booked from a later day, which are not placed now."""
    from capacity.io.values import amount
    from capacity.overview import ending_sites, waiting_for_booking

    ending = ending_sites(reg, result.placements["site_id"], result.date)
    en = result.lang == "en"
    booked = waiting_for_booking(reg, result.date)
    which = ", ".join(
        f"{b.household_id} ({b.unit_id}, {'from' if en else 'fra'} {b.move_in:%Y-%m-%d})"
        for b in booked.itertuples()
    )
    waits = []
    if len(booked):
        n = len(booked)
        waits = [
            f"Note: {amount(n, 'household', 'households')} arrived and waiting for a home booked "
            f"from a later day, not placed now: {which}."
            if en
            else f"Bemærk: {amount(n, 'husstand', 'husstande')} er ankommet og venter på en "
            f"bolig, der er booket fra en senere dato, og placeres ikke nu: {which}."
        ]
    return waits + [
        (
            f"Note: {amount(r.households, 'household', 'households')} placed at {r.site_id}, "
            "available only until "
            f"{r.available_until.isoformat()} ({number(r.days, 0, 'en')} days after the date); "
            "they must move again by then."
            if en
            else f"Bemærk: {amount(r.households, 'husstand', 'husstande')} placeres på "
            f"{r.site_id}, som kun er til "
            f"rådighed til og med {r.available_until.isoformat()} "
            f"({number(r.days, 0, 'da')} dage efter plandatoen); de skal flytte igen senest da."
        )
        for r in ending.itertuples(index=False)
    ]


HEAD = {
    "da": ("Husstand", "Personer", "Enhed", "Lokalitet", "Point", "Ikke placeret: årsag"),
    "en": ("Household", "Persons", "Unit", "Site", "Points", "Unplaced: reason"),
}


def _table(result, out: Path | None) -> Table:
    """The placements and the unplaced households (first, with their reasons), as literal text;
    a long list is cut to its first rows, and the rest are in the files of ``out``."""
    from rich.text import Text

    from capacity.solver.result import PLACEMENT_TERMS

    lang = "en" if result.lang == "en" else "da"
    head = HEAD[lang]
    title = ("Placement " if lang == "en" else "Placering ") + result.date.isoformat()
    table = Table(title=title)
    for i, name in enumerate(head[:5]):
        table.add_column(name, justify="right" if i in (1, 4) else "left")
    unplaced = [
        (r.household_id, str(r.persons), "–", "–", Text(clean(r.reason), style="yellow"))
        for r in result.unplaced.itertuples(index=False)
    ]
    placed = [
        (
            r.household_id,
            str(r.persons),
            r.unit_id,
            r.site_id,
            number(sum(getattr(r, t) for t in PLACEMENT_TERMS), 0, lang),
        )
        for r in result.placements.itertuples(index=False)
    ]
    where = see(None if out is None else Path(out) / "placements.csv", lang)
    add_rows(table, unplaced + placed, more=where, lang=lang)
    return table


def _terms(result) -> Table:
    from capacity.reports.placement_explanation import LABELS

    labels = LABELS.get(result.lang, LABELS["da"])
    table = Table(
        title="Omkostning pr. led (point)" if result.lang != "en" else "Cost per term (points)",
        show_footer=True,
    )
    table.add_column(
        "led" if result.lang != "en" else "term", footer="I alt" if result.lang != "en" else "Total"
    )
    table.add_column("vægt" if result.lang != "en" else "weight", justify="right")
    lang = result.lang
    table.add_column(
        "i alt" if lang != "en" else "total",
        justify="right",
        footer=number(result.objective, 0, lang),
    )
    for name, total in result.by_term().items():
        weight = result.weights.get(name)
        table.add_row(
            f"{labels.get(name, name)} ({name})",
            "" if weight is None else number(weight, 0, lang),
            number(total, 0, lang),
        )
    return table


def _applied_text(done, registry: Path, lang: str) -> str:
    if lang == "en":
        return (
            f"Applied to {registry}: {done.moved_in} moved in on {done.date}, {done.moved_out} "
            f"moved out, {done.modules} new modules. Backup: {done.backup}"
        )
    return (
        f"Skrevet i {registry}: {done.moved_in} flytter ind d. {done.date}, {done.moved_out} "
        f"flytter ud, {done.modules} nye moduler. Sikkerhedskopi: {done.backup}"
    )
