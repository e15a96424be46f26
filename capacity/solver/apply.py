"""``place --apply``: write a reviewed plan (an ``--out`` folder) into the registry's occupancy.

The plan is applied only to the registry it was made from: the registry's content hash must equal
``input_hash`` in the plan's ``summary.json``, else nothing is written. The previous registry is
copied to a backup beside it (named after its own hash), then the new registry is written with
``write_registry``, which writes a temporary file and renames it: a crash mid-apply leaves the
registry as it was. Applying twice is refused, since the first apply changes the hash.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.errors import UserError
from capacity.io.layers import Registry, canonical
from capacity.policy import Policy
from capacity.solver.fingerprint import input_hash


@dataclass(frozen=True)
class Applied:
    """What ``apply_plan`` did."""

    moved_in: int
    moved_out: int
    modules: int
    backup: Path
    date: dt.date


def apply_plan(registry: Path, plan: Path, *, policy: Path | None = None) -> Applied:
    """Write the placements of ``plan`` into ``registry`` (move_in = the plan's date).

    Parameters
    ----------
    registry : the registry the plan was made from (any form ``load_registry`` reads).
    plan : the ``--out`` folder of ``capacity place`` (summary.json, placements.csv, modules.csv).
    policy : the ``--policy`` file the plan was made with, if any (it is part of the hash; the
        registry's own policy is written back unchanged).

    Raises
    ------
    UserError
        When the plan is missing or the registry changed since the plan was made.
    """
    from capacity.io.registry import load_registry, write_registry

    registry, plan = Path(registry), Path(plan)
    summary = _summary(plan)
    reg = load_registry(registry)
    planned = reg if policy is None else reg.with_layers(policy=Policy.load(policy))
    now = input_hash(planned)
    if now != summary["input_hash"]:
        raise UserError(
            f"{registry} has changed since the plan in {plan} was made (hash {now[:12]} ≠ "
            f"{summary['input_hash'][:12]}); run capacity place again and review the new plan"
        )
    placements = pd.read_csv(plan / "placements.csv", dtype=str, keep_default_na=False)
    modules = pd.read_csv(plan / "modules.csv", dtype={"site_id": str})
    day = dt.date.fromisoformat(summary["date"])
    updated, moved_out = with_placements(reg, placements, modules, day)
    backup = _backup(registry, now)
    write_registry(updated, registry)
    return Applied(
        len(placements) - _stayed(reg, placements, day),
        moved_out,
        int(modules["modules_to_put_up"].sum()),
        backup,
        day,
    )


def with_placements(
    reg: Registry, placements: pd.DataFrame, modules: pd.DataFrame, day: dt.date
) -> tuple[Registry, int]:
    """The registry with the placements moved in on ``day`` (and movers' old rows closed).

    New pavilion modules (units not yet in ``units``) are added as units and counted in
    ``modules_now``. Returns the registry and the number of occupancy rows closed.
    """
    stamp = pd.Timestamp(day)
    occ = reg.occupancy.copy()
    open_rows = (occ["move_out"].isna() | (occ["move_out"] > stamp)).to_numpy(dtype=bool)
    target = dict(zip(placements["household_id"], placements["unit_id"], strict=True))
    moving = [
        h in target and target[h] != u
        for h, u in zip(occ["household_id"], occ["unit_id"], strict=True)
    ]
    leaving = pd.Series(open_rows & np.array(moving, dtype=bool), index=occ.index)
    occ.loc[leaving, "move_out"] = stamp
    staying = set(occ.loc[open_rows & ~leaving, "household_id"])
    new = pd.DataFrame(
        [
            dict(household_id=h, unit_id=u, move_in=stamp)
            for h, u in target.items()
            if h not in staying
        ]
    )
    occupancy = canonical("occupancy", pd.concat([occ, new], ignore_index=True))
    units, sites = reg.units, reg.sites
    fresh = placements[~placements["unit_id"].isin(set(units["id"]))].drop_duplicates("unit_id")
    if len(fresh):
        beds = sites.set_index("id")["beds_per_module"]
        rows = [
            dict(
                id=r.unit_id,
                site_id=r.site_id,
                beds=int(beds[r.site_id]),
                rooms=1,
                family_ok=True,
                accessible=False,
                shareable=True,
                in_service=True,
            )
            for r in fresh.itertuples()
        ]
        units = canonical("units", pd.concat([units, pd.DataFrame(rows)], ignore_index=True))
        sites = sites.copy()
        for site_id, n in zip(modules["site_id"], modules["modules_to_put_up"], strict=True):
            row = sites["id"] == site_id
            sites.loc[row, "modules_now"] = sites.loc[row, "modules_now"].fillna(0) + int(n)
    return reg.with_layers(occupancy=occupancy, units=units, sites=sites), int(leaving.sum())


def _stayed(reg: Registry, placements: pd.DataFrame, day: dt.date) -> int:
    occ = reg.occupancy
    open_rows = occ[occ["move_out"].isna() | (occ["move_out"] > pd.Timestamp(day))]
    home = set(zip(open_rows["household_id"], open_rows["unit_id"], strict=True))
    return sum(
        (h, u) in home
        for h, u in zip(placements["household_id"], placements["unit_id"], strict=True)
    )


def _summary(plan: Path) -> dict:
    try:
        summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"no plan in {plan}: run capacity place REGISTRY --out {plan} first, "
            "review it, then add --apply"
        ) from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{plan / 'summary.json'} is not valid JSON ({exc}); make the plan again"
        ) from None
    if not {"input_hash", "date"} <= set(summary):
        raise UserError(f"{plan / 'summary.json'} lacks input_hash or date; make the plan again")
    return summary


def _backup(registry: Path, digest: str) -> Path:
    """Copy the registry beside itself as ``<name>.backup-<hash>``; return the copy's path."""
    backup = registry.with_name(f"{registry.stem}.backup-{digest[:12]}{registry.suffix}")
    if not backup.exists():
        tmp = registry.with_name(f".{backup.name}.tmp")
        if registry.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(registry, tmp)
        else:
            shutil.copy2(registry, tmp)
        tmp.rename(backup)
    return backup
