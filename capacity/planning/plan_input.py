"""A plan as the scenario runs take it: ``plan.csv``, ``modules.csv`` and ``branches.csv`` of
``capacity plan`` read and checked, and the homes per site, kind and month they give.

Nothing is filled in silently: a plan that misses a site or a month, or names one twice, is
refused with what is wrong (Danish, as the runs' other messages).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from capacity.errors import UserError
from capacity.io.cells import read_output_csv
from capacity.io.values import listed
from capacity.planning.scenario import Scenario
from capacity.planning.supply import Supply

# The columns of plan.csv (``planning.plan.PLAN_COLUMNS``) the scenario runs read: a plan made by
# hand needs only these.
PLAN_BEDS_COLUMNS = ("site_id", "month", "beds")


def plan_homes(plan: pd.DataFrame, sup: Supply, modules: pd.DataFrame | None = None) -> np.ndarray:
    """Homes per site, kind and month of a plan frame, shape (J, C, T).

    Module types stand as ``modules`` says (``modules.csv``: ``module_type_id, month,
    modules_standing``); without it, a site's only type holds the site's ``modules_standing`` (or,
    without that column, ``beds`` divided by the beds per module). A site with several module
    types needs ``modules``. A building's homes count in the months the plan gives it beds. The
    plan's beds must be the beds these homes give (``beds_agree``).
    """
    beds = plan_beds(plan, sup)
    standing, source = _standing(plan, sup, beds, modules)
    beds_agree(beds, sup, standing, source)
    return _homes(sup, beds, standing)


def _standing(
    plan: pd.DataFrame, sup: Supply, beds: np.ndarray, modules: pd.DataFrame | None
) -> tuple[np.ndarray, str]:
    """Modules standing per type and month (Q, T) at the pavilion sites, and what gave them
    (for ``beds_agree``'s message, Danish)."""
    mod = sup.mod
    if modules is not None:
        return _pavilions(_type_table(modules, sup), sup), "modules.csv"
    several = sorted({sup.ids[j] for j in mod.site if len(mod.at(int(j))) > 1})
    if several:
        raise UserError(
            f"Lokalitet(er) {listed(several)} har flere modultyper; giv planens modules.csv "
            "ved siden af plan.csv (skrevet af 'capacity plan')."
        )
    if "modules_standing" in plan.columns:
        table = plan.assign(site_id=plan["site_id"].astype(str), month=plan["month"].astype(str))
        table = table.set_index(["site_id", "month"])["modules_standing"].unstack("month")
        site = table.reindex(index=sup.ids, columns=sup.months).fillna(0).to_numpy(np.int64)
        source = "kolonnen modules_standing"
    else:
        per = np.zeros(sup.sites, np.int64)
        per[mod.site] = mod.beds
        site = beds // np.maximum(per, 1)[:, None]
        source = "modulernes senge (hele moduler)"
    return _pavilions(site[mod.site], sup), source


def _pavilions(standing: np.ndarray, sup: Supply) -> np.ndarray:
    """Modules standing per type and month (Q, T), kept at pavilion sites only."""
    return np.where(sup.pavilion[sup.mod.site][:, None], standing, 0)


def _homes(sup: Supply, beds: np.ndarray, standing: np.ndarray) -> np.ndarray:
    """Homes per site, kind and month (J, C, T): the modules standing, and a building's homes in
    the months the plan gives it beds (0 beds: closed)."""
    keep = (beds > 0) | sup.pavilion[:, None]
    return sup.homes(standing) * keep[:, None, :]


def _agreeing(
    beds: np.ndarray, sup: Supply, standing: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Where the plan's beds are those ``beds_agree`` asks for (J, T), and those beds."""
    none = np.zeros((sup.mod.types, len(sup.months)), np.int64)
    given = sup.beds(none if standing is None else standing)
    building_ok = (beds == given) | (beds == 0)
    pavilion_ok = True if standing is None else beds == given
    return np.where(sup.pavilion[:, None], pavilion_ok, building_ok), given


def beds_agree(beds: np.ndarray, sup: Supply, standing: np.ndarray | None, source: str) -> None:
    """The plan's beds per site and month are the beds the runs give it: a pavilion site's its
    modules standing (``standing``, from ``source``; None: not checked), a building's the
    registry's beds in service, or 0 where the plan closes it.

    plan.csv of one plan beside modules.csv of another, or beds edited by hand, would otherwise
    be run with other beds than the plan shows.

    Raises
    ------
    UserError
        Naming the first (site, month) that differ, with both numbers (Danish).
    """
    ok, given = _agreeing(beds, sup, standing)
    if ok.all():
        return
    wrong = [
        f"{sup.ids[j]} {sup.months[t]}: {beds[j, t]} i plan.csv mod {given[j, t]} ifølge "
        + (source if sup.pavilion[j] else "registret")
        for t, j in np.argwhere(~ok.T)
    ]
    raise UserError(
        f"Planens senge passer ikke med dens moduler og registrets bygninger: {listed(wrong, 3)}. "
        "Giv plan.csv og modules.csv fra samme kørsel af 'capacity plan'; en bygnings senge er "
        "registrets (0: lukket den måned)."
    )


def branch_homes(
    plan: pd.DataFrame,
    sup: Supply,
    branches: pd.DataFrame,
    sc: Scenario,
    modules: pd.DataFrame | None = None,
) -> np.ndarray:
    """Homes per branch of ``sc``, site, kind and month, shape (B, J, C, T): each branch of the
    scenario (``Scenario.branches``, in order; one when it has one) runs through the plan's
    branch in which the same waves come (``branches.csv``: ``branch, waves`` and the module
    columns). A branch of the scenario that the plan has no plan for is refused, naming it.

    plan.csv shows the plan of one branch, ``modules`` (``modules.csv``); its beds must be the
    beds of those modules (``beds_agree``), and those modules one branch's of ``branches``;
    without ``modules``, plan.csv's beds must be one branch's.
    """
    missing = {"branch", "waves"} - set(branches.columns)
    if missing:
        raise UserError(
            f"branches.csv mangler kolonne(r) {', '.join(sorted(missing))}; giv den branches.csv, "
            "som 'capacity plan' skrev."
        )
    beds = plan_beds(plan, sup)
    own = _pavilions(_type_table(modules, sup), sup) if modules is not None else None
    beds_agree(beds, sup, own, "modules.csv")
    keys = branches["waves"].fillna("").astype(str).str.strip()
    tables = {
        key: _pavilions(
            _type_table(branches[keys == key].drop(columns=["branch", "waves"]), sup), sup
        )
        for key in sorted(set(keys))
    }
    out = []
    for b in sc.branches():
        if b.key not in tables:
            have = sorted(set(branches["branch"].astype(str)))
            raise UserError(
                f"Planen har ingen plan for scenariets gren '{b.name or 'alle bølger'}' (bølge(r) "
                f"{b.key or 'ingen'} kommer); planens grene er {', '.join(have)}. Lav planen med "
                "samme scenarie, eller fjern branches.csv for at bruge planens ene plan i alle "
                "grene."
            )
        out.append(_homes(sup, beds, tables[b.key]))
    if own is not None and not any(np.array_equal(own, t) for t in tables.values()):
        raise UserError(
            "modules.csv er ikke planen for nogen af grenene i branches.csv; giv plan.csv, "
            "modules.csv og branches.csv fra samme kørsel af 'capacity plan'."
        )
    if own is None and not any(_agreeing(beds, sup, t)[0].all() for t in tables.values()):
        raise UserError(
            "plan.csv's senge er ikke nogen af grenenes i branches.csv; giv plan.csv og "
            "branches.csv fra samme kørsel af 'capacity plan'."
        )
    return np.stack(out)


def _type_table(modules: pd.DataFrame, sup: Supply) -> np.ndarray:
    """Modules standing per module type and month (Q, T) from a ``modules.csv`` frame; every
    type and month of the scenario must be there once."""
    missing = {"module_type_id", "month", "modules_standing"} - set(modules.columns)
    if missing:
        raise UserError(
            f"modules.csv mangler kolonne(r) {', '.join(sorted(missing))}; giv den modules.csv, "
            "som 'capacity plan' skrev."
        )
    df = modules.assign(
        module_type_id=modules["module_type_id"].astype(str), month=modules["month"].astype(str)
    )
    unknown = sorted(set(df["module_type_id"]) - set(sup.mod.ids))
    if unknown:
        raise UserError(
            f"modules.csv nævner ukendt(e) modultype(r) {listed(unknown)}; lav planen ud fra det "
            "samme register."
        )
    if df.duplicated(["module_type_id", "month"]).any():
        raise UserError("modules.csv har flere rækker for samme modultype og måned.")
    table = df.set_index(["module_type_id", "month"])["modules_standing"].unstack("month")
    table = table.reindex(index=sup.mod.ids, columns=sup.months)
    if table.isna().to_numpy().any():
        gaps = [q for q, gap in zip(sup.mod.ids, table.isna().any(axis=1), strict=True) if gap]
        raise UserError(
            f"modules.csv dækker ikke alle scenariets måneder for modultype(r) {listed(gaps)}; "
            "lav planen med samme register, scenarie og horisont."
        )
    return table.to_numpy(dtype=np.int64)


def plan_beds(plan: pd.DataFrame, sup: Supply) -> np.ndarray:
    """Beds per site and month of a plan frame (``site_id, month, beds``), shape (J, T).

    The plan must give beds for every site and every month of the scenario, once: nothing is
    filled in silently.

    Raises
    ------
    UserError
        A column is missing, a site is unknown, a (site, month) is given twice or has no beds,
        or a site or month of the scenario is missing; the message names them (Danish).
    """
    missing = set(PLAN_BEDS_COLUMNS) - set(plan.columns)
    if missing:
        raise UserError(
            f"Planen mangler kolonne(r) {', '.join(sorted(missing))}; "
            "giv en plan.csv skrevet af 'capacity plan'."
        )
    plan = plan.assign(site_id=plan["site_id"].astype(str), month=plan["month"].astype(str))
    _plan_rows_known(plan, sup)
    table = plan.set_index(["site_id", "month"])["beds"].unstack("month")
    table = table.reindex(index=sup.ids, columns=sup.months)
    _plan_covers(table, sup)
    return table.to_numpy(dtype=np.int64)


def _plan_rows_known(plan: pd.DataFrame, sup: Supply) -> None:
    """Every row of the plan names a known site, once per month, with its beds."""
    unknown = sorted(set(plan["site_id"]) - set(sup.ids))
    if unknown:
        raise UserError(
            f"Planen nævner ukendt(e) lokalitet(er) {listed(unknown)}, som ikke er i registret; "
            "lav planen ud fra det samme register."
        )
    twice = plan[plan.duplicated(["site_id", "month"], keep=False)]
    if len(twice):
        pairs = sorted({f"{r.site_id} {r.month}" for r in twice.itertuples()})
        raise UserError(
            f"Planen har flere rækker for {listed(pairs)}; giv én række pr. lokalitet og måned."
        )
    empty = plan[pd.to_numeric(plan["beds"], errors="coerce").isna()]
    if len(empty):
        pairs = sorted(f"{r.site_id} {r.month}" for r in empty.itertuples())
        raise UserError(f"Planen har ingen senge (kolonne beds) for {listed(pairs)}; udfyld dem.")


def _plan_covers(table: pd.DataFrame, sup: Supply) -> None:
    """Every site and every month of the scenario is in the plan (never filled in silently)."""
    gaps = table.isna().to_numpy()
    if not gaps.any():
        return
    months = [m for m, gap in zip(sup.months, gaps.all(axis=0), strict=True) if gap]
    if months:
        raise UserError(
            f"Planen dækker ikke scenariets måned(er) {_span(months)} ({len(months)} af "
            f"{len(sup.months)}); lav planen med samme scenarie og horisont, eller afkort "
            "scenariets horizon_months, så den passer til planen."
        )
    sites = [s for s, gap in zip(sup.ids, gaps.any(axis=1), strict=True) if gap]
    raise UserError(
        f"Planen mangler lokalitet(er) {listed(sites)} i nogle eller alle scenariets måneder; "
        "lav planen igen ud fra det samme register og scenarie."
    )


def _span(months: list[str]) -> str:
    """Months as runs, e.g. ``2028-01–2028-12, 2029-03``."""
    runs: list[list[str]] = []
    for m in months:
        if runs and _next(runs[-1][-1]) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _next(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + m // 12}-{m % 12 + 1:02d}"


def read_modules(path: Path) -> pd.DataFrame | None:
    """Read the ``modules.csv`` beside a plan.csv, or None when there is none."""
    if not path.exists():
        return None
    try:
        return read_output_csv(path, dtype={"site_id": str, "module_type_id": str, "month": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(
            f"{path}: kan ikke læses ({exc}); giv modules.csv fra 'capacity plan'."
        ) from None


def read_branches(path: Path) -> pd.DataFrame | None:
    """Read the ``branches.csv`` beside a plan.csv (the modules of every branch of the
    scenario), or None when there is none: then the plan's one plan holds in every branch."""
    if not path.exists():
        return None
    try:
        return read_output_csv(
            path,
            dtype={"site_id": str, "module_type_id": str, "month": str, "waves": str},
            keep_default_na=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(
            f"{path}: kan ikke læses ({exc}); giv branches.csv fra 'capacity plan'."
        ) from None


def read_plan(path: Path) -> pd.DataFrame:
    """Read a plan.csv; a missing or unreadable file is a user error naming the path."""
    try:
        return read_output_csv(path, dtype={"site_id": str, "month": str})
    except (FileNotFoundError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(
            f"{path}: planen kan ikke læses ({exc}); giv en plan.csv fra 'capacity plan'."
        ) from None
