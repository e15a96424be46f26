"""The sample's module types and site terms: all invented, listed in data/README.md.

Nothing here draws from the random generator, so the rest of the sample does not depend on it:
the module types only add rows and values, and change none of the others. P01 (Sportsvej) is
rented; P02-P04 keep one owned type each, made from the site's own columns; the accessible module
standing at P01 and at P03 has a type of its own; P05 (Nymølle, no module yet) gets two types,
single rooms and family homes.
"""

from __future__ import annotations

import datetime as dt

RESIDUAL_SHARE = 0.3  # an owned module is worth about 30 % of its setup cost at the horizon's end

# Site terms: (cost_open, cost_close, close_notice_months, reopen_allowed), DKK and months.
SITE_TERMS: dict[str, tuple[int, int, int, bool]] = {
    "P01": (350_000, 150_000, 3, False),
    "P02": (400_000, 200_000, 2, True),
    "P03": (300_000, 120_000, 2, True),
    "P04": (450_000, 180_000, 3, True),
    "P05": (500_000, 250_000, 3, True),
}

# The rented type of P01: lease end, notice, early termination, purchase price and upkeep after it.
SPORTSVEJ_LEASE = dict(
    tenure="rented",
    lease_end=dt.date(2028, 6, 30),
    notice_months=3,
    cost_early_termination_per_module=40_000,
    purchase_price_per_module=220_000,
    cost_month_owned_per_module=3_000,
)

# P05's two types: (id suffix, name, units per module, beds per unit, family_ok, modules_max,
# setup, month, teardown, lead, lifetime), all owned.
NYMOELLE_TYPES = (
    ("E", "enkeltværelsesmodul", 2, 1, False, 6, 280_000, 6_500, 60_000, 3, 12),
    ("F", "familiemodul", 1, 5, True, 4, 360_000, 8_000, 75_000, 4, 18),
)


def site_terms(site_id: str) -> dict:
    """The site columns cost_open, cost_close, close_notice_months and reopen_allowed of a
    pavilion site of the sample."""
    cost_open, cost_close, notice, reopen = SITE_TERMS[site_id]
    return dict(
        cost_open=cost_open,
        cost_close=cost_close,
        close_notice_months=notice,
        reopen_allowed=reopen,
    )


def type_id(site_id: str, accessible: bool = False) -> str:
    """The id of a module type of P01-P04: T1 for the site's modules, T2 for its accessible ones."""
    return f"{site_id}-T2" if accessible else f"{site_id}-T1"


def module_type_rows(site: dict, accessible: int = 0) -> list[dict]:
    """The module types of one pavilion site row of the sample (with its drawn costs).

    P01-P04 get one type made from the site's own columns; ``accessible`` of the site's modules
    standing today are accessible and get a type of their own (same terms, not to be added to),
    so that the plan counts them as the accessible homes the placement sees.
    """
    if site["id"] == "P05":
        return [_nymoelle(site, *spec) for spec in NYMOELLE_TYPES]
    row = dict(
        id=type_id(site["id"]),
        site_id=site["id"],
        name="pavillonmodul",
        units_per_module=1,
        beds_per_unit=site["beds_per_module"],
        family_ok=True,
        shareable=True,
        accessible=False,
        modules_now=site["modules_now"],
        modules_max=site["modules_max"],
        cost_setup_per_module=site["cost_setup_per_module"],
        cost_month_per_module=site["cost_month_per_module"],
        cost_teardown_per_module=site["cost_teardown_per_module"],
        lead_time_months=site["lead_time_months"],
        min_lifetime_months=site["min_lifetime_months"],
    )
    if site["id"] == "P01":
        row.update(name="lejet pavillonmodul", **SPORTSVEJ_LEASE)
    else:
        row.update(tenure="owned", residual_value_per_module=_residual(row))
    return split_accessible(row, accessible, type_id(site["id"], accessible=True))


def split_accessible(row: dict, accessible: int, new_id: str) -> list[dict]:
    """A module type row whose ``accessible`` standing modules are accessible, as two types: the
    row less those modules, and an accessible copy ``new_id`` that holds them (not to be added to).

    A type is one kind of home; the placement reads each unit's own columns and the capacity plan
    its type's, so accessible modules of a type that is not would count differently in each.
    """
    if not accessible:
        return [row]
    rest = dict(
        row,
        modules_now=row["modules_now"] - accessible,
        modules_max=row["modules_max"] - accessible,
    )
    step_free = dict(
        row,
        id=new_id,
        name=f"{row['name']}, handicapvenligt",
        accessible=True,
        modules_now=accessible,
        modules_max=accessible,
    )
    return [rest, step_free]


def _nymoelle(site: dict, suffix: str, name: str, *spec: int | bool) -> dict:
    units, beds, family_ok, most, setup, month, teardown, lead, lifetime = spec
    row = dict(
        id=f"{site['id']}-{suffix}",
        site_id=site["id"],
        name=name,
        units_per_module=units,
        beds_per_unit=beds,
        family_ok=family_ok,
        shareable=False,
        accessible=False,
        modules_now=0,
        modules_max=most,
        cost_setup_per_module=setup,
        cost_month_per_module=month,
        cost_teardown_per_module=teardown,
        lead_time_months=lead,
        min_lifetime_months=lifetime,
        tenure="owned",
    )
    row["residual_value_per_module"] = _residual(row)
    return row


def _residual(row: dict) -> int:
    return int(round(RESIDUAL_SHARE * row["cost_setup_per_module"], -3))
