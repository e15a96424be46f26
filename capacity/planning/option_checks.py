"""Checks that the model can apply a user's own option (``capacity proposal --options``).

``load_options`` checks the file's form (keys, known site ids, months as ``YYYY-MM``); these
checks hold an option against what the plan model actually decides, so that a condition it
cannot apply is refused (exit 2) instead of being reported as met:

- ``close_from`` closes pavilion sites only: a building's beds are fixed in the registry (the
  model has no decision for them), and the month must be one of the scenario's months;
- ``keep_at_least`` keeps modules standing today: it orders none, so it may not ask for more than
  stand at the site today (nor for any at a building);
- ``keep_homes`` asks for homes of a kind in every month: no more than the buildings and the
  modules that can stand that month hold (``reachable_homes``), else no plan exists and the model
  could only say that it found none.

``standing_available`` holds the registry against the status quo (option D, which every
proposal has): modules stand only while their site is available, so a pavilion site with modules
standing today must be available in the plan's first month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from capacity.errors import UserError
from capacity.model.homes import CATEGORY_NAMES
from capacity.planning.supply import Supply

if TYPE_CHECKING:
    from capacity.planning.proposal import UserOption


def check_option(sup: Supply, u: UserOption) -> None:
    """Refuse an option whose conditions the plan model cannot apply.

    Raises
    ------
    UserError
        Naming the option, the key and the site, with the fix.
    """
    for site, month in sorted(u.close.items()):
        closable(sup, u.name, site, month)
    for site, n in sorted(u.keep.items()):
        keepable(sup, u.name, site, n)


def closable(sup: Supply, name: str, site: str, month: str) -> None:
    """A site an option closes is a pavilion site, closed from a month of the scenario."""
    where = f"Muligheden {name!r}, close_from"
    if not sup.pavilion[sup.ids.index(site)]:
        raise UserError(
            f"{where}: {site} er en bygning, ikke en pavillongrund; planen kan kun lukke "
            "pavillongrunde (bygningernes senge står fast i registret). Fjern "
            f"{site} fra 'close_from', eller sæt bygningens available_until i registret."
        )
    if month not in sup.months:
        raise UserError(
            f'{where}: {site} = "{month}" ligger uden for scenariets måneder '
            f"({sup.months[0]} til {sup.months[-1]}); vælg en af dem, eller fjern {site} "
            "fra 'close_from', hvis grunden ikke skal lukkes i perioden."
        )


def keepable(sup: Supply, name: str, site: str, n: int) -> None:
    """An option keeps at most the modules that stand at a pavilion site today."""
    where = f"Muligheden {name!r}, keep_at_least"
    j = sup.ids.index(site)
    if not sup.pavilion[j]:
        raise UserError(
            f"{where}: {site} er en bygning uden moduler; fjern {site} fra 'keep_at_least'."
        )
    types = sup.mod.at(j)
    now = int(sup.mod.now[types].sum())
    most = int(sup.mod.most[types].sum())
    if n > most:
        raise UserError(
            f"{where}: {site} kan højst have {most} moduler (modules_max), ikke {n}; "
            f"sæt højst {now}, de moduler der står i dag."
        )
    if n > now:
        raise UserError(
            f"{where}: der står {now} moduler på {site} i dag, ikke {n}; keep_at_least "
            f"beholder dagens moduler og bestiller ingen nye (dem bestiller planen selv, hvor "
            f"de betaler sig). Sæt højst {now}."
        )


def most_homes(sup: Supply, category: str) -> np.ndarray:
    """The most homes of a category (``HomeKind.category``) that can stand in each month, (T,):
    the buildings' units, and each module type of that kind at ``most`` while its site is
    available and not closed (``closed_from``), before its lead time only the modules standing
    today (an order arrives after ``lead`` months)."""
    mod, T = sup.mod, len(sup.months)
    cs = [c for c, k in enumerate(sup.classes) if k.category == category]
    out = sup.building_homes[:, cs, :].sum(axis=(0, 1)).astype(np.int64)
    closed = sup.closed_from if sup.closed_from is not None else np.full(sup.sites, T)
    months = np.arange(T)
    for q in range(mod.types):
        j = int(mod.site[q])
        if int(mod.home[q]) not in cs:
            continue
        up = np.where(months < int(mod.lead[q]), int(mod.now[q]), int(mod.most[q]))
        up = np.where(sup.available[j, :T] & (months < int(closed[j])), up, 0)
        out += up * int(mod.units[q])
    return out


def reachable_homes(sup: Supply, name: str) -> None:
    """Every ``keep_homes`` of an option (``Supply.min_homes``) is within ``most_homes`` in every
    month of the scenario.

    Raises
    ------
    UserError
        Naming the option, the kind, the first month it cannot be met, and the most there.
    """
    for category, least in sup.min_homes:
        most = most_homes(sup, category)
        short = np.flatnonzero(most < int(least))
        if len(short):
            t = int(short[0])
            raise UserError(
                f"Muligheden {name!r}, keep_homes: der kan højst stå {int(most[t])} "
                f"{CATEGORY_NAMES[category]} i {sup.months[t]} (bygningernes og de "
                f"moduler, der kan stå på de ledige grunde), ikke {int(least)}; sæt højst "
                f"{int(most.min())}, eller giv flere grunde eller moduler i registret."
            )


def standing_available(sup: Supply, sites: pd.DataFrame) -> None:
    """Every pavilion site with modules standing today (``modules_now``) is available in the
    plan's first month: the model lets modules stand only while their site is available, so the
    status quo (keep what stands) cannot keep them, and every other option would take them down.

    Raises
    ------
    UserError
        Naming each such site, its modules and ``available_from``, with the fix.
    """
    dates = sites.set_index(sites["id"].astype(str))[["available_from", "available_until"]]
    bad = []
    for j, site in enumerate(sup.ids):
        now = int(sup.mod.now[sup.mod.at(j)].sum())
        if sup.pavilion[j] and now > 0 and not sup.available[j, 0]:
            when = "".join(
                f", {col} {pd.Timestamp(day):%Y-%m-%d}"
                for col, day in dates.loc[site].items()
                if not pd.isna(day)
            )
            bad.append(f"{sup.names[j]} ({site}): {now} moduler i dag{when}")
    if bad:
        raise UserError(
            f"Moduler står i dag (modules_now) på grunde, der ikke er ledige i planens første "
            f"måned {sup.months[0]}: {'; '.join(bad)}. Moduler står kun, mens grunden er ledig, "
            "så status quo kan ikke beholde dem. Sæt modules_now til 0 og fjern modulerne fra "
            f"units, eller ret available_from/available_until i sites, så grunden er ledig hele "
            f"{sup.months[0]}."
        )
