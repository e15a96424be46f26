"""The greedy baseline: the same rules and terms, households placed one at a time.

Largest households first (ties by id), each to the allowed unit with room left whose
household-level cost (``soft.pair_cost``, plus the setup cost of a module not yet put up) is
lowest (ties by unit id). Movable residents stay where they are. The placement is then evaluated
by the model itself with every household fixed (``placement.build_model(fixed=...)``), so its
objective and explanation compare one to one with CP-SAT's; it also serves as CP-SAT's hint.
"""

from __future__ import annotations

from capacity.model.domain import Domain, Household, Unit
from capacity.model.soft import pair_cost


def greedy_assignment(dom: Domain) -> dict[str, str | None]:
    """Household id -> unit class id (``None`` when no allowed unit has room left).

    Parameters
    ----------
    dom : the domain with its allowed pairs.

    Returns
    -------
    dict
        An assignment that respects every hard rule.
    """
    load: dict[str, list[Household]] = {uid: [] for uid in dom.units}
    out: dict[str, str | None] = {}
    for h in dom.movable:
        out[h.id] = h.current_unit
        load[h.current_unit].append(h)
    opened: set[str] = set()
    order = sorted(dom.arriving, key=lambda h: (-h.persons, h.id))
    for h in order:
        best: tuple[int, str] | None = None
        for uid in dom.pairs[h.id]:
            u = dom.units[uid]
            if not room_left(h, u, load[uid]) or not _next_module(u, opened, dom):
                continue
            cost = pair_cost(h, u, dom)
            if u.new_module and uid not in opened:
                cost += dom.weights["new_modules"] * dom.sites[u.site_id].setup_kdkk
            if best is None or (cost, uid) < best:
                best = (cost, uid)
        out[h.id] = best[1] if best else None
        if best:
            load[best[1]].append(h)
            if dom.units[best[1]].new_module:
                opened.add(best[1])
    return out


def room_left(h: Household, u: Unit, here: list[Household]) -> bool:
    """Whether ``h`` still fits in ``u`` next to the households already put there."""
    if not u.shareable:
        return len(here) < u.size
    if here and (h.has_children or any(o.has_children for o in here)):
        return False
    return h.persons + sum(o.persons for o in here) <= u.free_beds


def _next_module(u: Unit, opened: set[str], dom: Domain) -> bool:
    """New modules of a site go up in order: only an open one or the first closed one qualifies."""
    if not u.new_module or u.id in opened:
        return True
    same = [k for k, v in dom.units.items() if v.new_module and v.site_id == u.site_id]
    return next(k for k in same if k not in opened) == u.id
