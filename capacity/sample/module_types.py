"""Several module types per pavilion site for synthetic registries (``generate --module-types``).

``add_module_types(reg, k, seed)`` gives every pavilion site ``k`` types in turn from ``TEMPLATES``
(family homes first: the modules standing today are of that type, with the site's own beds and
costs; then single rooms, accessible homes, and again), about a third of the family types rented
with a lease, and site terms (opening and closing costs, notice). The accessible modules standing at
a site get an accessible copy of the first type, ``<site>-TA`` (``pavilions.split_accessible``). It
draws from its own generator, so the registry it is given is unchanged otherwise; ``k = 1`` returns
it as it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity.io.layers import Registry, canonical, frame
from capacity.sample.pavilions import split_accessible
from capacity.sample.residents import REFERENCE_DATE

RENTED_SHARE = 1 / 3
RESIDUAL_SHARE = 0.3


# name, units per module, beds per unit (None: the site's beds_per_module), family_ok, shareable,
# accessible, cost factor against the site's setup and monthly cost
TEMPLATES: tuple[tuple[str, int, int | None, bool, bool, bool, float], ...] = (
    ("familiemodul", 1, None, True, True, False, 1.0),
    ("enkeltværelsesmodul", 2, 1, False, False, False, 0.8),
    ("handicapvenligt modul", 1, 2, True, False, True, 1.2),
)


def add_module_types(reg: Registry, k: int, seed: int) -> Registry:
    """``reg`` with ``k`` module types per pavilion site, site terms and units' module_type_id.

    Parameters
    ----------
    reg : a synthetic registry (``synthetic_registry``).
    k : module types per pavilion site, at least 1; 1 returns ``reg`` unchanged.
    seed : the seed of the registry; the types draw from ``default_rng([seed, k])``.

    Returns
    -------
    Registry
        With a ``module_types`` layer: the first type of a site and its accessible copy hold its
        standing modules (``modules_now``, ``modules_max``, beds and costs of the site), the others
        start empty.
    """
    if k < 1:
        raise ValueError("add_module_types needs k >= 1")
    if k == 1:
        return reg
    rng = np.random.default_rng([seed, k])
    sites = reg.sites.copy()
    pav = sites["kind"] == "pavilion_site"
    n = int(pav.sum())
    sites.loc[pav, "cost_open"] = rng.integers(20, 61, n) * 10_000
    sites.loc[pav, "cost_close"] = rng.integers(8, 26, n) * 10_000
    sites.loc[pav, "close_notice_months"] = rng.integers(1, 4, n)
    sites.loc[pav, "reopen_allowed"] = rng.random(n) >= 0.1
    units = reg.units.copy()
    step_free = units["accessible"].fillna(False).astype(bool)
    accessible = units[step_free].groupby("site_id").size()
    rows = []
    for site in sites[pav].to_dict("records"):
        types = [_type_row(rng, site, j) for j in range(k)]
        n = int(accessible.get(site["id"], 0))
        rows += split_accessible(types[0], n, f"{site['id']}-TA") + types[1:]
    first = {s: f"{s}-T1" for s in sites.loc[pav, "id"]}
    units["module_type_id"] = units["site_id"].map(first).astype("object")
    units.loc[step_free & units["site_id"].isin(first), "module_type_id"] = units["site_id"] + "-TA"
    return reg.with_layers(
        sites=canonical("sites", sites),
        units=canonical("units", units),
        module_types=frame("module_types", rows),
    )


def _type_row(rng: np.random.Generator, site: dict, j: int) -> dict:
    name, units, beds, family_ok, shareable, accessible, factor = TEMPLATES[j % len(TEMPLATES)]
    first = j == 0
    row = dict(
        id=f"{site['id']}-T{j + 1}",
        site_id=site["id"],
        name=name if j < len(TEMPLATES) else f"{name} {j // len(TEMPLATES) + 1}",
        units_per_module=units,
        beds_per_unit=int(site["beds_per_module"]) if beds is None else beds,
        family_ok=family_ok,
        shareable=shareable,
        accessible=accessible,
        modules_now=int(site["modules_now"]) if first else 0,
        modules_max=int(site["modules_max"]) if first else int(rng.integers(2, 9)),
        cost_setup_per_module=_round(site["cost_setup_per_module"] * factor, 10_000),
        cost_month_per_module=_round(site["cost_month_per_module"] * factor, 500),
        cost_teardown_per_module=int(site["cost_teardown_per_module"]),
        lead_time_months=int(site["lead_time_months"]),
        min_lifetime_months=int(site["min_lifetime_months"]),
        tenure="owned",
    )
    if first and rng.random() < RENTED_SHARE:
        end = pd.Timestamp(REFERENCE_DATE) + pd.DateOffset(months=int(rng.integers(6, 37)))
        row.update(
            tenure="rented",
            lease_end=(end + pd.offsets.MonthEnd(0)).date(),
            notice_months=int(rng.integers(1, 4)),
            cost_early_termination_per_module=int(rng.integers(2, 7)) * 10_000,
            purchase_price_per_module=_round(row["cost_setup_per_module"] * 0.6, 10_000),
            cost_month_owned_per_module=int(rng.integers(4, 9)) * 500,
        )
    else:
        row["residual_value_per_module"] = _round(
            row["cost_setup_per_module"] * RESIDUAL_SHARE, 1_000
        )
    return row


def _round(value: float, step: int) -> int:
    return int(round(float(value) / step)) * step
