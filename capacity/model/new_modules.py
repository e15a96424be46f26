"""Which pavilion modules placement may still put up at each site, and of what kind.

The one source for placement (``domain.build_domain`` makes the new-module units from it), for the
plan check (``solver.verify``: how many modules fit) and for the apply (``solver.apply``: the
units written and the ``modules_now`` raised), so that a plan, its check and the registry it writes
agree.

- A pavilion site **without** rows in ``module_types``: from the site's own columns,
  ``modules_max - modules_now`` modules of one unit each, ``beds_per_module`` beds, the flags of
  ``planning.types.MODULE_FLAGS``, ``cost_setup_per_module``. The apply raises ``sites.modules_now``.
- A pavilion site **with** rows in ``module_types``: modules of one type only, the first type in
  the layer's order whose module is one unit (``units_per_module`` 1) and that has room
  (``modules_max > modules_now``); its ``modules_max - modules_now`` modules of
  ``beds_per_unit`` beds with the type's flags and setup cost. The apply writes the unit with
  ``module_type_id`` and raises the type's ``modules_now`` (the site's own columns, which the plan
  ignores at such a site, are left as they are). Types with several units per module are not
  offered (placement works with modules of one unit: each new module is one unit), nor a second
  one-unit type at the same site (a site's new modules are identical and go up in order).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from capacity.io.layers import Registry
from capacity.planning.types import module_types


@dataclass(frozen=True)
class NewModules:
    """The modules that may still be put up at one pavilion site, all alike."""

    site_id: str
    type_id: str | None  # the module type; None: the site's own columns (no module_types rows)
    count: int  # modules that may still be put up
    beds: int
    family_ok: bool = True
    accessible: bool = False
    shareable: bool = True
    setup: int = 0  # DKK per module


def new_module_ids(site_id: str, count: int, existing: Iterable[str]) -> list[str]:
    """The unit ids of ``count`` modules not yet put up at ``site_id``: ``<site>-NY<k>``,
    numbered on from the highest such id among ``existing`` (the registry's units; an earlier
    apply wrote its new modules under these names), so that none names a unit that exists."""
    pattern = re.compile(rf"{re.escape(site_id)}-NY(\d+)")
    top = max((int(m[1]) for u in existing if (m := pattern.fullmatch(str(u)))), default=0)
    return [f"{site_id}-NY{top + k}" for k in range(1, count + 1)]


def _int(value: object) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def typed_sites(reg: Registry) -> set[str]:
    """Ids of the sites with rows in ``module_types`` (none without the layer)."""
    layer = reg.module_types
    if layer is None or not len(layer):
        return set()
    return set(layer["site_id"].dropna().astype(str))


def new_module_offers(reg: Registry) -> dict[str, NewModules]:
    """Site id -> the modules placement may put up there, for every pavilion site.

    Parameters
    ----------
    reg : a validated registry.

    Returns
    -------
    dict[str, NewModules]
        In the order of ``reg.sites``; a site with module types but none offered (see the module
        docstring) has ``count`` 0 and ``type_id`` None.
    """
    typed = typed_sites(reg)
    types = _one_unit_types(reg) if typed else {}
    out = {}
    for r in reg.sites.itertuples():
        sid = str(r.id)
        if r.kind != "pavilion_site":
            continue
        if sid not in typed:
            out[sid] = NewModules(
                sid,
                None,
                max(0, _int(r.modules_max) - _int(r.modules_now)),
                _int(r.beds_per_module),
                setup=_int(r.cost_setup_per_module),
            )
        else:
            out[sid] = types.get(sid, NewModules(sid, None, 0, _int(r.beds_per_module)))
    return out


def _one_unit_types(reg: Registry) -> dict[str, NewModules]:
    """Per typed site, its first one-unit type with room (``capacity.planning.types``)."""
    out: dict[str, NewModules] = {}
    for t in module_types(reg).itertuples():
        room = t.modules_max - t.modules_now
        if t.site_id in out or t.units_per_module != 1 or room <= 0:
            continue
        out[t.site_id] = NewModules(
            t.site_id,
            t.type_id,
            int(room),
            int(t.beds_per_unit),
            bool(t.family_ok),
            bool(t.accessible),
            bool(t.shareable),
            int(t.cost_setup),
        )
    return out
