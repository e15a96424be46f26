"""The registry with a plan's placements moved in (``with_placements``): what ``place --apply``
writes (``capacity.solver.apply``) and what the plan is checked on (``capacity.solver.verify``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from capacity.io.layers import Registry, canonical
from capacity.model.new_modules import new_module_offers
from capacity.overview import open_on


def with_placements(
    reg: Registry, placements: pd.DataFrame, modules: pd.DataFrame, day: dt.date
) -> tuple[Registry, int]:
    """The registry with the placements moved in on ``day`` (and movers' old rows closed).

    New pavilion modules (units not yet in ``units``) are added as units of the kind their site
    offers (``capacity.model.new_modules``; with ``module_type_id`` at a site with module types)
    and counted in ``modules_now`` (the type's, else the site's). Returns the registry and the
    number of occupancy rows closed.
    """
    stamp = pd.Timestamp(day)
    occ = reg.occupancy.copy()
    open_rows = open_on(occ, stamp).to_numpy(dtype=bool)
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
    fresh = placements[~placements["unit_id"].isin(set(reg.units["id"]))]
    put_up = _put_up(reg, fresh.drop_duplicates("unit_id"), modules) if len(fresh) else {}
    return reg.with_layers(occupancy=occupancy, **put_up), int(leaving.sum())


def _put_up(reg: Registry, fresh: pd.DataFrame, modules: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``units``, ``sites`` and (when the registry has it) ``module_types`` layers with the
    new modules ``fresh`` uses added as units and ``modules.csv``'s counts added to
    ``modules_now``: the type's at a site with module types (its unit names the type), else the
    site's (``capacity.model.new_modules`` says which kind of module a site offers)."""
    offers = new_module_offers(reg)
    rows = []
    for r in fresh.itertuples():
        offer = offers[r.site_id]
        row = dict(
            id=r.unit_id,
            site_id=r.site_id,
            beds=offer.beds,
            rooms=1,
            family_ok=offer.family_ok,
            accessible=offer.accessible,
            shareable=offer.shareable,
            in_service=True,
        )
        rows.append(row if offer.type_id is None else {**row, "module_type_id": offer.type_id})
    out = {
        "units": canonical("units", pd.concat([reg.units, pd.DataFrame(rows)], ignore_index=True))
    }
    sites, types = reg.sites.copy(), None if reg.module_types is None else reg.module_types.copy()
    for site_id, n in zip(modules["site_id"], modules["modules_to_put_up"], strict=True):
        tid = offers[site_id].type_id if site_id in offers else None
        layer, row = (sites, sites["id"] == site_id) if tid is None else (types, types["id"] == tid)
        layer.loc[row, "modules_now"] = layer.loc[row, "modules_now"].fillna(0) + int(n)
    out["sites"] = sites
    if types is not None:
        out["module_types"] = types
    return out
