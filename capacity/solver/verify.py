"""Check a plan (the ``--out`` folder of ``capacity place``) before ``--apply`` writes it.

The plan is checked against the registry as it is at apply time, with the model's own rules: the
registry with the plan applied is built (``placements.with_placements``), its domain on the plan's
date is built with every resident movable (``build_domain(..., allow_moves=True)``), every household
that moves into a unit is checked against ``hard.STATIC_RULES``, and the model rules
(``hard.MODEL_RULES``: one unit per household, beds, one family per unit) are built as CP-SAT
constraints with each household fixed where the plan puts it, and each constraint is evaluated.
Before that come the checks the model cannot make: unknown household, unit and site ids, a
household placed twice, a household that has not arrived or has moved on, a household with a home
booked from a later day (``domain.bookings``), a resident moved by a plan made without
``--allow-moves``, new modules that do not add up or do not
fit (as many as ``capacity.model.new_modules`` offers: at a site with module types, of its
one-unit type, whose units the apply writes with the type's beds and flags), and the plan's date.

The date rule: the date must lie in the registry's span, from its first date (the earliest
arrival or move-in) to ``DATE_MARGIN_DAYS`` after the later of today and its last date (the latest
arrival, move-in or move-out). ``--allow-date`` accepts a date outside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from capacity.errors import UserError, os_reason
from capacity.io.cells import restore
from capacity.io.imports import read_csv
from capacity.io.layers import Registry
from capacity.io.raw import RawRegistry
from capacity.model import hard
from capacity.model.domain import bookings, build_domain, open_rows
from capacity.model.new_modules import NewModules, new_module_ids, new_module_offers
from capacity.model.placement import PlacementModel
from capacity.overview import moved_on
from capacity.solver.placements import with_placements

DATE_MARGIN_DAYS = 92  # a plan may be dated up to about three months ahead


@dataclass(frozen=True)
class Plan:
    """A plan as read from its folder: ``summary.json``, ``placements.csv``, ``modules.csv``."""

    folder: Path
    summary: dict
    placements: pd.DataFrame  # household_id, unit_id, site_id (text)
    modules: pd.DataFrame  # site_id, modules_to_put_up
    day: dt.date


def read_plan(folder: Path) -> Plan:
    """Read a plan folder; every missing or garbled file is a ``UserError`` naming it."""
    folder = Path(folder)
    summary = _summary(folder)
    try:
        day = dt.date.fromisoformat(str(summary["date"]))
    except ValueError:
        raise UserError(
            f"{folder / 'summary.json'}: datoen {summary['date']!r} er ikke en gyldig dato (YYYY-MM-DD); "
            "lav planen igen"
        ) from None
    placements = _csv(folder / "placements.csv", ("household_id", "unit_id"))
    if "site_id" not in placements:
        placements["site_id"] = ""
    modules = _csv(folder / "modules.csv", ("site_id", "modules_to_put_up"))
    counts = pd.to_numeric(modules["modules_to_put_up"], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts % 1 != 0).any():
        raise UserError(
            f"{folder / 'modules.csv'}: modules_to_put_up skal være hele tal, mindst 0; "
            "lav planen igen"
        )
    modules = modules.assign(modules_to_put_up=counts.astype(int))
    return Plan(folder, summary, placements, modules, day)


def _summary(folder: Path) -> dict:
    file = folder / "summary.json"
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"ingen plan i {folder}: kør først capacity place REGISTRY --out {folder}, "
            "gennemgå planen, og tilføj så --apply"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{file} er ikke gyldig JSON ({exc}); lav planen igen") from None
    except OSError as exc:
        raise UserError(f"{file}: kan ikke læses ({os_reason(exc)}); tjek stien") from None
    if not isinstance(summary, dict) or not {"input_hash", "date"} <= set(summary):
        raise UserError(f"{file} mangler input_hash eller date; lav planen igen")
    return summary


def _csv(file: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A plan's CSV file as text cells, read as the registry's CSV files are read
    (``imports.read_csv``: UTF-8 with or without BOM, or cp1252; ``,``, ``;`` or tab; any line
    end), so a plan reviewed and saved by a spreadsheet program (Danish Excel: ``;``, BOM,
    CRLF) reads as written; the apostrophe ``cells.csv_text`` puts before formula-like text is
    removed again (``cells.restore``)."""
    if not file.is_file() and not file.is_symlink():
        raise UserError(f"{file} mangler; lav planen igen")
    raw = RawRegistry("folder", file.parent)
    layer = read_csv(file, file.stem, raw)
    if layer is None or raw.problems:
        problems = "\n".join(
            f"  - {dataclasses.replace(p, source=str(file))}" for p in raw.problems
        )
        raise UserError(
            f"{file} kan ikke læses som CSV:\n{problems}\nRet filen, eller lav planen igen"
        )
    missing = [c for c in columns if c not in layer.data]
    if missing:
        raise UserError(f"{file} mangler kolonne(r) {', '.join(missing)}; lav planen igen")
    return layer.data.apply(lambda s: s.map(lambda v: restore(str(v)).strip())).astype(str)


def date_span(reg: Registry, today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a plan may carry without ``--allow-date`` (see the module docstring)."""
    occ = reg.occupancy
    firsts = [reg.households["arrival_date"].min(), occ["move_in"].min()]
    lasts = [reg.households["arrival_date"].max(), occ["move_in"].max(), occ["move_out"].max()]
    first = min((d.date() for d in firsts if not pd.isna(d)), default=today)
    last = max([today, *(d.date() for d in lasts if not pd.isna(d))])
    return first, last + dt.timedelta(days=DATE_MARGIN_DAYS)


def check_plan(
    reg: Registry, plan: Plan, *, allow_date: bool = False, today: dt.date | None = None
) -> list[str]:
    """Every reason why ``plan`` cannot be applied to ``reg``; empty when it can.

    Parameters
    ----------
    reg : the registry as it is now.
    plan : the plan read with ``read_plan``.
    allow_date : accept a date outside ``date_span``.
    today : the date the span is measured from (default: today).
    """
    reasons: list[str] = []
    first, last = date_span(reg, today or dt.date.today())
    if not allow_date and not first <= plan.day <= last:
        reasons.append(
            f"planens dato {plan.day} ligger uden for registrets datoer ({first} til {last}); "
            "ret datoen i summary.json, eller bekræft den med --allow-date"
        )
    wrong_ids = _id_problems(reg, plan)
    if wrong_ids:  # the registry with the plan cannot even be built
        return reasons + wrong_ids
    return reasons + _rule_problems(reg, plan)


def _id_problems(reg: Registry, plan: Plan) -> list[str]:
    out = []
    pl, households = plan.placements, set(reg.households["id"])
    units = dict(zip(reg.units["id"], reg.units["site_id"], strict=True))
    sites = reg.sites.set_index("id")
    offers = new_module_offers(reg)
    for hid, n in pl["household_id"].value_counts().sort_index().items():
        if n > 1:
            out.append(f"husstand {hid} er placeret {n} gange; en husstand skal i én bolig")
    for row in pl.itertuples():
        if row.household_id not in households:
            out.append(f"ukendt husstand {row.household_id!r}; den er ikke i registret")
        if row.unit_id in units:
            if row.site_id and row.site_id != units[row.unit_id]:
                out.append(
                    f"bolig {row.unit_id} ligger på lokalitet {units[row.unit_id]}, ikke {row.site_id}"
                )
        elif not _new_module(row.unit_id, row.site_id, offers, list(units)):
            out.append(f"ukendt bolig {row.unit_id!r}; den er ikke i registret")
    fresh = pl[~pl["unit_id"].isin(set(units))].drop_duplicates("unit_id")
    used = fresh["site_id"].value_counts()
    for row in plan.modules.itertuples():
        if row.site_id not in sites.index:
            out.append(f"ukendt lokalitet {row.site_id!r} i modules.csv")
            continue
        offer = offers.get(row.site_id)
        room = offer.count if offer is not None else 0
        if row.modules_to_put_up > room:
            of = f" af modultype {offer.type_id}" if offer and offer.type_id else ""
            out.append(
                f"lokalitet {row.site_id}: {row.modules_to_put_up} nye moduler, men der er kun plads til "
                f"{room}{of}"
            )
        if row.modules_to_put_up != int(used.get(row.site_id, 0)):
            out.append(
                f"lokalitet {row.site_id}: modules.csv sætter {row.modules_to_put_up} moduler op, "
                f"men placements.csv bruger {int(used.get(row.site_id, 0))} nye"
            )
    for site_id in sorted(set(used.index) - set(plan.modules["site_id"])):
        out.append(
            f"lokalitet {site_id}: placements.csv bruger nye moduler, som modules.csv ikke har"
        )
    return out


def _new_module(
    unit_id: str, site_id: str, offers: dict[str, NewModules], existing: list[str]
) -> bool:
    """Whether ``unit_id`` names a module that may still be put up on ``site_id`` (as many as
    ``new_modules.new_module_offers`` gives: at a site with module types, of its one-unit type;
    named as ``new_modules.new_module_ids`` names them after the registry's units
    ``existing``)."""
    if not site_id or site_id not in offers:
        return False
    return unit_id in new_module_ids(site_id, offers[site_id].count, existing)


def _rule_problems(reg: Registry, plan: Plan) -> list[str]:
    after, _ = with_placements(reg, plan.placements, plan.modules, plan.day)
    dom = build_domain(after, plan.day, allow_moves=True, with_pairs=False)
    before = dict(
        zip(*(open_rows(reg, plan.day)[c] for c in ("household_id", "unit_id")), strict=True)
    )
    arrivals = dict(zip(reg.households["id"], reg.households["arrival_date"], strict=True))
    moves = bool((plan.summary.get("options") or {}).get("allow_moves", False))
    left = moved_on(reg, plan.day)
    later = bookings(reg, plan.day).drop_duplicates("household_id").set_index("household_id")
    out = []
    for hid, uid in zip(plan.placements["household_id"], plan.placements["unit_id"], strict=True):
        if before.get(hid) == uid:
            continue  # a resident who stays: placed by these rules before
        if hid in later.index:
            row = later.loc[hid]
            out.append(
                f"husstand {hid} har allerede bolig {row['unit_id']} booket fra "
                f"{row['move_in'].date()} (efter planens dato {plan.day}); tag den ud af planen, "
                "eller ret bookingen i registrets occupancy først"
            )
            continue
        if hid in before and not moves:
            out.append(
                f"husstand {hid} bor i {before[hid]}, og planen er lavet uden --allow-moves, så "
                "beboerne bliver boende; flyt den ikke, eller lav planen med --allow-moves"
            )
        if hid in left:
            out.append(
                f"husstand {hid} er flyttet videre (alle dens ophold er afsluttet d. {plan.day}) "
                "og venter ikke på en midlertidig bolig"
            )
        if arrivals[hid].date() > plan.day:
            out.append(f"husstand {hid} ankommer {arrivals[hid].date()}, efter {plan.day}")
        h, unit = dom.household(hid), dom.units[uid]
        for rule in hard.STATIC_RULES:
            if not rule(h, unit, dom):
                out.append(f"{rule.__name__}[{hid}->{uid}]: {rule_text(rule)}")
    return out + _model_rule_problems(dom)


def _model_rule_problems(dom) -> list[str]:
    """Build ``hard.MODEL_RULES`` with each household fixed in its unit and evaluate them."""

    pairs = {h.id: (h.current_unit,) if h.current_unit else () for h in dom.households}
    m = PlacementModel(replace(dom, pairs=pairs))
    for uid in dom.units:
        m.by_unit[uid] = {}
    for h in dom.households:
        m.by_household[h.id] = {}
        for uid in pairs[h.id]:
            var = m.cp.new_bool_var(f"assign[{h.id}->{uid}]")
            m.x[(h.id, uid)] = m.by_household[h.id][uid] = m.by_unit[uid][h.id] = var
    rules = {rule.__name__: rule for rule in hard.MODEL_RULES}
    for rule in rules.values():
        rule(m)
    value = _values(m.cp.proto, {var.index for var in m.x.values()})
    out = []
    for ct in m.cp.proto.constraints:
        name = ct.name.split("[")[0]
        if name not in rules:
            continue
        if not _holds(ct, value):
            uid = ct.name[len(name) + 1 : -1].split(",")[0]
            who = ", ".join(sorted(m.by_unit.get(uid, {}))) or uid
            out.append(f"{ct.name} ({who}): {rule_text(rules[name])}")
    return out


def _holds(ct, value) -> bool:
    """Whether a rule's constraint holds, ``value(ref)`` giving each literal's value."""
    if ct.has_linear():
        total = sum(c * value(v) for v, c in zip(ct.linear.vars, ct.linear.coeffs, strict=True))
        bounds = list(ct.linear.domain)
        return any(lo <= total <= hi for lo, hi in zip(bounds[::2], bounds[1::2], strict=True))
    if ct.has_bool_or():  # what CP-SAT makes of a rule that is constant (an empty sum)
        return any(value(v) for v in ct.bool_or.literals)
    if ct.has_bool_and():
        return all(value(v) for v in ct.bool_and.literals)
    raise RuntimeError(f"cannot evaluate constraint {ct.name}")


def _values(proto, chosen: set[int]):
    """``value(ref)``: 1 for the chosen variables, a fixed variable's value, else 0."""
    fixed = {
        i: v.domain[0]
        for i, v in enumerate(proto.variables)
        if len(v.domain) == 2 and v.domain[0] == v.domain[1]
    }

    def value(ref: int) -> int:
        i = ref if ref >= 0 else -ref - 1
        x = 1 if i in chosen else fixed.get(i, 0)
        return x if ref >= 0 else 1 - x

    return value


# The hard rules as the user reads them when a plan breaks one (the docstrings say the same).
RULE_TEXTS = {
    "minors_not_placed": "En uledsaget mindreårig placeres aldrig som en almindelig husstand "
    "(Børn og Familier beslutter).",
    "unit_in_service": "En husstand placeres kun i en bolig, der er i drift.",
    "unit_not_booked_later": "En husstand placeres ikke i en bolig, der er booket til en anden "
    "husstand fra en senere dag (den skulle flytte igen før indflytningen).",
    "site_available_on_date": "En husstand placeres kun på en lokalitet, der er tilgængelig på "
    "placeringsdatoen.",
    "required_district_respected": "En husstand, der skal bo i et bestemt distrikt, placeres kun "
    "på en lokalitet i det distrikt.",
    "accessible_when_needed": "En husstand, der har brug for en handicapvenlig bolig, placeres "
    "kun i en handicapvenlig bolig.",
    "family_ok_for_children": "En husstand med børn placeres kun i en bolig markeret family_ok.",
    "shares_only_when_shareable": "En bolig med beboere tager kun en ny husstand, hvis den kan "
    "deles, og alle dens husstande kun består af voksne.",
    "room_for_household": "En husstand skal kunne være i de senge i boligen, som beboerne "
    "lader stå ledige.",
    "one_unit_per_household": "En husstand kommer samlet i højst én bolig; en beboer, der kan "
    "flyttes, i præcis én.",
    "beds_fit": "En bolig rummer aldrig flere personer, end den har senge (beboere, der bliver, "
    "medregnet).",
    "one_family_per_unit": "En bolig huser én husstand, eller flere husstande af kun voksne, "
    "hvor boligen kan deles.",
    "new_module_put_up": "Et nyt pavillonmodul huser først husstande, når det er sat op, og "
    "modulerne sættes op i rækkefølge.",
}


def rule_text(rule) -> str:
    """Hard rule ``rule`` in Danish (``RULE_TEXTS``)."""
    return RULE_TEXTS[rule.__name__]
