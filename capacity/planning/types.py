"""Module types and site terms as the capacity plan reads them: the one place that turns the
registry's ``module_types`` layer, the sites' pavilion columns and ``units.module_type_id`` into
plain frames with every default filled in.

A pavilion site without rows in ``module_types`` has exactly one type made from its own columns
(id and name of the site, one unit of ``beds_per_module`` beds per module, the flags placement
gives a new module, owned), so a registry without module types means what its site columns
say. A site with rows is planned by them alone; its own per-module columns are ignored here.

The registry is validated (``capacity.io``) before it gets here; the plan may rely on:
type ids unique (and no type id is another site's id); every type at a pavilion site;
``modules_now <= modules_max``; lease end, purchase price, early-termination cost and upkeep after
purchase only on rented types; every unit of a site with several types names its type, which is at
the unit's site; a type's units have its ``beds_per_unit`` beds and number at most
``modules_max x units_per_module``; units lived in fit ``modules_now x units_per_module``.
"""

from __future__ import annotations

import pandas as pd

from capacity.io.layers import Registry

# A pavilion module of a site without module types: the flags placement gives a new module
# (``capacity.model.domain._units``: family_ok, shareable, not accessible).
MODULE_FLAGS = dict(family_ok=True, shareable=True, accessible=False)

TYPE_COLUMNS = (
    "type_id",
    "site_id",
    "name",
    "units_per_module",
    "beds_per_unit",
    "family_ok",
    "shareable",
    "accessible",
    "modules_now",
    "modules_max",
    "cost_setup",
    "cost_month",
    "cost_teardown",
    "lead_months",
    "min_lifetime_months",
    "tenure",
    "lease_end",
    "notice_months",
    "cost_early_termination",
    "purchase_price",
    "cost_month_owned",
    "residual_value",
)
INT_COLUMNS = (
    "units_per_module",
    "beds_per_unit",
    "modules_now",
    "modules_max",
    "cost_setup",
    "cost_month",
    "cost_teardown",
    "lead_months",
    "min_lifetime_months",
    "notice_months",
    "cost_early_termination",
    "purchase_price",
    "cost_month_owned",
    "residual_value",
)
BOOL_COLUMNS = ("family_ok", "shareable", "accessible")
TERM_COLUMNS = ("cost_open", "cost_close", "close_notice_months", "reopen_allowed")
# layer column -> interface column, for the columns that are renamed
_RENAMED = {
    "id": "type_id",
    "cost_setup_per_module": "cost_setup",
    "cost_month_per_module": "cost_month",
    "cost_teardown_per_module": "cost_teardown",
    "lead_time_months": "lead_months",
    "cost_early_termination_per_module": "cost_early_termination",
    "purchase_price_per_module": "purchase_price",
    "cost_month_owned_per_module": "cost_month_owned",
    "residual_value_per_module": "residual_value",
}


def module_types(reg: Registry) -> pd.DataFrame:
    """One row per module type of every pavilion site, defaults filled in.

    Parameters
    ----------
    reg : a validated registry.

    Returns
    -------
    pandas.DataFrame
        Columns ``TYPE_COLUMNS``, index 0..n-1, ordered by the site's row in ``reg.sites`` and
        then the layer's order. Integers are int64 (DKK, months, counts; a missing optional value
        is 0), the flags bool, ``tenure`` ``"owned"`` or ``"rented"``, ``lease_end``
        datetime64 (NaT: no lease end). ``purchase_price`` 0 means the type cannot be bought
        (owned, or rented without a price; a given price is at least 1). ``cost_month_owned`` is
        the monthly cost once owned: ``cost_month`` for an owned type, the upkeep after purchase
        for a rented one. A site without rows in ``module_types`` gives one owned type with
        ``type_id`` = the site's id (see the module docstring).
    """
    layer = reg.module_types
    by_site: dict[str, list[dict]] = {}
    if layer is not None and len(layer):
        for row in layer.to_dict("records"):
            by_site.setdefault(row["site_id"], []).append(row)
    rows: list[dict] = []
    for site in reg.sites.to_dict("records"):
        if site["kind"] != "pavilion_site":
            continue
        if site["id"] in by_site:
            rows += [_from_layer(r) for r in by_site[site["id"]]]
        else:
            rows.append(_from_site(site))
    return _typed(pd.DataFrame(rows, columns=list(TYPE_COLUMNS)))


def _int(value: object, default: int = 0) -> int:
    return default if value is None or pd.isna(value) else int(value)


def _from_site(site: dict) -> dict:
    now = _int(site["modules_now"])
    month = _int(site["cost_month_per_module"])
    return dict(
        type_id=site["id"],
        site_id=site["id"],
        name=site["name"],
        units_per_module=1,
        beds_per_unit=_int(site["beds_per_module"]),
        **MODULE_FLAGS,
        modules_now=now,
        modules_max=max(now, _int(site["modules_max"])),
        cost_setup=_int(site["cost_setup_per_module"]),
        cost_month=month,
        cost_teardown=_int(site["cost_teardown_per_module"]),
        lead_months=_int(site["lead_time_months"]),
        min_lifetime_months=_int(site["min_lifetime_months"]),
        tenure="owned",
        lease_end=pd.NaT,
        notice_months=0,
        cost_early_termination=0,
        purchase_price=0,
        cost_month_owned=month,
        residual_value=0,
    )


def _from_layer(row: dict) -> dict:
    out = {new: row[old] for old, new in _RENAMED.items()}
    for name in TYPE_COLUMNS:
        if name not in out:
            out[name] = row[name]
    for name in INT_COLUMNS:
        out[name] = _int(out[name])
    out["modules_max"] = max(out["modules_now"], out["modules_max"])
    if out["tenure"] == "owned":
        out["cost_month_owned"] = out["cost_month"]
        out["purchase_price"] = 0
    out["lease_end"] = pd.NaT if pd.isna(row["lease_end"]) else pd.Timestamp(row["lease_end"])
    return out


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for name in INT_COLUMNS:
        df[name] = df[name].astype("int64")
    for name in BOOL_COLUMNS:
        df[name] = df[name].astype(bool)
    for name in ("type_id", "site_id", "name", "tenure"):
        df[name] = df[name].astype(object).map(str)
    df["lease_end"] = pd.to_datetime(df["lease_end"]).astype("datetime64[ns]")
    return df.reset_index(drop=True)


def site_terms(reg: Registry) -> pd.DataFrame:
    """Opening and closing terms of every site (buildings too), defaults filled in.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``site_id`` in the order of ``reg.sites``; ``cost_open``, ``cost_close`` (DKK)
        and ``close_notice_months`` int64 (missing: 0), ``reopen_allowed`` bool (missing: True).
    """
    sites = reg.sites
    out = pd.DataFrame(index=pd.Index(sites["id"].astype(object).map(str), name="site_id"))
    for name in ("cost_open", "cost_close", "close_notice_months"):
        values = sites[name] if name in sites.columns else pd.Series([None] * len(sites))
        out[name] = [_int(v) for v in values]
        out[name] = out[name].astype("int64")
    allowed = sites["reopen_allowed"] if "reopen_allowed" in sites.columns else [None] * len(sites)
    out["reopen_allowed"] = [True if v is None or pd.isna(v) else bool(v) for v in allowed]
    out["reopen_allowed"] = out["reopen_allowed"].astype(bool)
    return out


def unit_types(reg: Registry) -> dict[str, str]:
    """Unit id -> module type id, for every unit at a pavilion site.

    A unit's ``module_type_id`` when given, else its site's only type (the site's id when the
    site has no rows in ``module_types``). Validation guarantees that a unit of a site with
    several types names its type.
    """
    types = module_types(reg)
    only = {
        sid: group["type_id"].iloc[0]
        for sid, group in types.groupby("site_id", sort=False)
        if len(group) == 1
    }
    pavilion = set(types["site_id"])
    given = (
        reg.units["module_type_id"]
        if "module_type_id" in reg.units.columns
        else pd.Series([None] * len(reg.units))
    )
    out = {}
    for uid, sid, tid in zip(reg.units["id"], reg.units["site_id"], given, strict=True):
        if sid not in pavilion:
            continue
        out[str(uid)] = str(tid) if tid is not None and not pd.isna(tid) else only.get(sid, "")
    return out
