"""Danish explanations of a plan: why each action, which months it covers, the cheapest alternative."""

from __future__ import annotations

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from capacity.io.values import amount
from capacity.numbers import number
from capacity.planning import terms
from capacity.planning.model import DAYS, PlanModel, closed_from
from capacity.planning.plan import PlanResult
from capacity.planning.supply import Supply
from capacity.policy import Policy
from capacity.reports.escape import md_text
from capacity.reports.text import MONTHS, money, percent, status_words

# the cost terms that price a module standing or taken down (``module_prices``)
PRICED = (terms.month, terms.teardown, terms.early_termination, terms.horizon_end)
TERM_LABELS = {
    "setup": "Opsætning af moduler (kr.)",
    "month": "Leje/drift af moduler (kr.)",
    "teardown": "Nedtagning af moduler (kr.)",
    "early_termination": "Opsigelse af leje før udløb (kr.)",
    "purchase": "Køb af lejede moduler (kr.)",
    "site_opening": "Grunde taget i brug (kr.)",
    "site_closing": "Grunde ryddet og lukket (kr.)",
    "moves": "Flytning af beboere (kr.)",
    "horizon_end": "Ved horisontens slutning: nedtagning, resterende leje, minus restværdi (kr.)",
    "emergency": "Nødindkvartering ved mangel (kr.)",
    "transport": "Transport: sengemåneder × minutter til stationen (vægt)",
    "buildings_first": "Bygninger før pavilloner: pavillonsengemåneder (vægt)",
    "spread": "Spredning: senge over bydelens andel (vægt)",
}


def pct(value: float, digits: int = 2) -> str:
    """A share as a Danish percentage: ``0,47 %`` (``reports.text.percent``)."""
    return percent(value, digits)


def month_name(label: str) -> str:
    """``2027-04`` as ``april 2027``."""
    y, m = label.split("-")
    return f"{MONTHS['da'][int(m) - 1]} {y}"


def kr(value: float) -> str:
    """An amount in Danish style: ``1.234.567 kr.`` (``reports.text.money``)."""
    return money(value)


def explanation_md(res: PlanResult, price_per_day: int) -> str:
    """The plan's explanation in Danish Markdown: summary, actions with reasons, shortage, terms;
    names and ids from the registry and the scenario through ``md_text`` (shown as written)."""
    s = res.summary
    lines = [
        f"# Kapacitetsplan: {md_text(s['scenario'])}",
        "",
        f"Status: {status_words(s['status'])} · forventet samlet omkostning "
        f"{kr(s['objective'])} · afstand til nedre grænse {pct(s['gap'])} · frø {s['seed']} · "
        + (
            f"risikoniveau {pct(s['risk'], 0)} af efterspørgslen"
            if s["risk"] is not None
            else f"{s['samples']} prøver af efterspørgslen i "
            f"{amount(s['groups'], 'gruppe', 'grupper')}"
        ),
        "",
        f"De første {s['shared_months']} måneders beslutninger er bindende (det der skal "
        "bestilles nu); senere beslutninger vises for den midterste efterspørgsel og kan "
        "tilpasses, når man ved mere.",
        "",
        "## Handlinger",
        "",
    ]
    actions = action_lines(res, price_per_day)
    lines += actions or ["Ingen moduler sættes op eller tages ned: de eksisterende senge rækker."]
    lines += ["", "## Mangel på boliger", ""] + shortage_lines(res, price_per_day)
    lines += branch_lines(s)
    lines += round_trip_lines(s)
    lines += value_lines(s)
    lines += ["", "## Målfunktionens led", "", "| led | i alt |", "|---|---:|"]
    lines += [f"| {TERM_LABELS.get(k, k)} | {number(v, 0)} |" for k, v in s["terms"].items()]
    lines += [f"| **I alt (= målfunktionen)** | {number(s['objective'], 0)} |", ""]
    return "\n".join(lines)


def action_lines(res: PlanResult, price_per_day: int) -> list[str]:
    """One bullet per order, take-down, purchase and move of a module type, and per site opened
    or closed, with its reason and (for orders) the cheapest alternative."""
    sup, plan, mod = res.supply, res.plan, res.supply.mod
    need = res.demand[res.summary["representative_sample"]] + sup.resident_persons.sum(axis=0)
    beds = plan.groupby("month", sort=True)["beds"].sum().reindex(sup.months).to_numpy()
    out = []
    for q in range(mod.types):
        rows = res.modules[res.modules["module_type_id"] == mod.ids[q]].reset_index(drop=True)
        for t in rows.index[rows["modules_up"] > 0]:
            out.append(_order_line(res, q, int(t), rows, need, beds, price_per_day))
        for t in rows.index[rows["modules_down"] > 0]:
            out.append(_down_line(res, q, int(t), rows))
        for t in rows.index[rows["modules_bought"] > 0]:
            n = int(rows.loc[t, "modules_bought"])
            out.append(
                f"- **{_name(sup, q)}**: køb {n} lejet(e) modul(er) i "
                f"{month_name(sup.months[t])} for {kr(n * int(mod.price[q]))}: "
                f"billigere end at leje videre ({kr(int(mod.month[q]))} om måneden pr. modul)."
            )
        for t in rows.index[rows["units_moved"] > 0]:
            n = int(rows.loc[t, "units_moved"])
            out.append(
                f"- **{_name(sup, q)}**: flyt beboerne i {n} bolig(er) til en anden lokalitet i "
                f"{month_name(sup.months[t])}, så grunden kan lukkes."
            )
    out += _site_lines(res)
    return out


def _name(sup, q: int) -> str:
    """``site name (site id), type name`` (the type's name only where it differs)."""
    j, mod = int(sup.mod.site[q]), sup.mod
    head = f"{md_text(sup.names[j])} ({md_text(sup.ids[j])})"
    return head if mod.ids[q] == sup.ids[j] else f"{head}, {md_text(mod.names[q])}"


def _site_lines(res: PlanResult) -> list[str]:
    """A bullet per pavilion site opened or closed on the plan's path."""
    sup, plan, out = res.supply, res.plan, []
    for j in np.flatnonzero(sup.pavilion):
        standing = plan.loc[plan["site_id"] == sup.ids[j], "modules_standing"].to_numpy()
        before = np.concatenate([[int(sup.open_now[j])], standing[:-1] > 0])
        for t in np.flatnonzero((standing > 0) & ~before.astype(bool)):
            out.append(
                f"- **{md_text(sup.names[j])} ({md_text(sup.ids[j])})**: grunden tages i brug i "
                f"{month_name(sup.months[t])} (engangsudgift {kr(int(sup.open_cost[j]))})."
            )
        for t in np.flatnonzero((standing == 0) & before.astype(bool)):
            out.append(
                f"- **{md_text(sup.names[j])} ({md_text(sup.ids[j])})**: grunden lukkes i "
                f"{month_name(sup.months[t])}, når det sidste modul er væk "
                f"(engangsudgift {kr(int(sup.close_cost[j]))})."
            )
    return out


def _order_line(
    res: PlanResult,
    q: int,
    t: int,
    rows: pd.DataFrame,
    need: np.ndarray,
    beds: np.ndarray,
    price: int,
) -> str:
    sup, mod = res.supply, res.supply.mod
    n, b, lead = int(rows.loc[t, "modules_up"]), int(mod.beds[q]), int(mod.lead[q])
    ready = t + lead
    after = rows["modules_down"].to_numpy()[ready:]
    end = ready + (int(np.flatnonzero(after)[0]) if after.any() else len(after))
    covered = range(ready, max(end, ready + 1))
    lack = np.array(
        [max(0, min(n * b, need[u] - (beds[u] - n * b))) for u in covered if u < len(need)]
    )
    months = [sup.months[u] for u in covered if u < len(need)]
    own = n * (int(mod.setup[q]) + int(mod.month[q]) * len(months) + int(mod.teardown[q]))
    alt = _alternative(res, q, n, len(months), int(lack.sum()) * price * DAYS)
    span = f"{month_name(months[0])}–{month_name(months[-1])}" if months else "horisontens slutning"
    peak = (
        f"uden dem mangler op til {int(lack.max())} senge (i {month_name(months[int(lack.argmax())])})"
        if len(lack) and lack.max() > 0
        else "de giver en buffer mod usikkerheden i ankomsterne"
    )
    return (
        f"- **{_name(sup, q)}**: bestil {n} modul(er) i "
        f"{month_name(sup.months[t])}, klar i "
        f"{month_name(sup.months[ready]) if ready < len(sup.months) else 'efter horisonten'} "
        f"({n * b} senge). De dækker {span}; {peak}. Pris ca. {kr(own)}. "
        f"Billigste alternativ: {alt}."
    )


def _alternative(res: PlanResult, q: int, n: int, months: int, emergency: int) -> str:
    """The cheaper of emergency housing and the same modules of the same kind of home on the
    cheapest other site."""
    sup, mod, best = res.supply, res.supply.mod, None
    for r in range(mod.types):
        if mod.site[r] == mod.site[q] or mod.home[r] != mod.home[q] or mod.most[r] < n:
            continue
        cost = n * (int(mod.setup[r]) + int(mod.month[r]) * months + int(mod.teardown[r]))
        if best is None or cost < best[0]:
            best = (cost, r)
    text = f"nødindkvartering for {kr(emergency)}"
    if best is not None and best[0] < emergency:
        text = f"samme antal moduler på {_name(sup, best[1])} for ca. {kr(best[0])}"
    return text


def _down_line(res: PlanResult, q: int, t: int, rows: pd.DataFrame) -> str:
    """A take-down with its reason and, where the site could still hold the modules, what keeping
    them costs against taking them down (``_keep_or_down``)."""
    sup, mod = res.supply, res.supply.mod
    j = int(mod.site[q])
    n = int(rows.loc[t, "modules_down"])
    head = f"- **{_name(sup, q)}**: tag {n} modul(er) ned i {month_name(sup.months[t])}: "
    if not sup.available[j, t]:
        return head + "grunden er ikke længere til rådighed (available_until)."
    if not site_holds(sup, j)[t]:
        return head + "grunden skal være lukket fra denne måned."
    notice = (
        f" Varslet {int(mod.notice[q])} måneder før (i {month_name(sup.months[t - int(mod.notice[q])])})."
        if mod.notice[q] and t >= mod.notice[q]
        else ""
    )
    return (
        head + "de øvrige boliger rækker til behovet, og minimumslevetiden på "
        f"{int(mod.life[q])} måneder er opfyldt (moduler, der står i dag, regnes som "
        f"fri). {_keep_or_down(sup, q, t, _down_split(res, q, t, rows))}{notice}"
    )


def _down_split(res: PlanResult, q: int, t: int, rows: pd.DataFrame) -> dict[str, int]:
    """Rented and owned modules of type q taken down in month t. The owned ones follow from the
    owned modules' balance (``model.module_balance``: owned = last month's + bought - owned taken
    down); every module of an owned type is owned."""
    n = int(rows.loc[t, "modules_down"])
    if not res.supply.mod.rented[q]:
        return {"rented": 0, "owned": n}
    owned = (rows["modules_standing"] - rows["modules_rented"]).to_numpy()
    before = int(owned[t - 1]) if t else 0
    own_down = before + int(rows.loc[t, "modules_bought"]) - int(owned[t])
    return {"rented": n - own_down, "owned": own_down}


def module_prices(sup: Supply, q: int) -> dict[tuple[str, str, int], int]:
    """DKK per module of type q as the plan model's cost terms price it, keyed ``(term,
    variable, month)`` for every month: ``rented`` and ``owned`` a module standing,
    ``rented_down`` and ``owned_down`` one taken down.

    The terms (``PRICED``) are applied to a model of one node whose only variables are these
    (labels stand for them: a term only multiplies them by its coefficient), so every amount is
    the model's own (rent or upkeep, teardown less the residual value, early termination, the
    horizon-end valuation), never restated here.
    """
    T = len(sup.months)
    m = PlanModel(
        cp=cp_model.CpModel(),
        sup=sup,
        demand=np.zeros((1, T)),
        shared=0,
        policy=Policy(),
        node=np.zeros((1, T), np.int64),
        w=np.ones(1, np.int64),
        need=np.zeros((1, T, len(sup.kinds))),
    )
    held = [("owned", m.owned, m.own_down)]
    if sup.mod.rented[q]:
        held.append(("rented", m.rented, m.rent_down))
    for t in range(T):
        for kind, standing, down in held:
            standing[0, q, t] = (kind, t)
            down[0, q, t] = (f"{kind}_down", t)
    for term in PRICED:
        term(m)
    out: dict[tuple[str, str, int], int] = {}
    for e in m.entries:
        key = (e.term, *e.var)
        out[key] = out.get(key, 0) + e.coef
    return out


def _keep_or_down(sup: Supply, q: int, t: int, split: dict[str, int]) -> str:
    """What keeping the modules taken down in month t would cost against taking them down then,
    both priced by the plan model's cost terms (``module_prices``), so that they add up as the
    plan's costs in ``modules.csv`` do.

    Kept, they stand while the site may hold modules (``_held_until``) and come down in the first
    month it may not; still standing at the horizon's end, they are valued as the model values
    what stands then. Taking them down costs the teardown, less an owned module's residual value,
    and for a rented one before its lease end the early-termination cost.
    """
    price, T = module_prices(sup, q), len(sup.months)

    def cost(state: str, u: int, only: str | None = None) -> int:
        """DKK of the modules (``state`` "": standing, "_down": taken down) in month u, by every
        term or ``only`` the one named."""
        return sum(
            count * dkk
            for kind, count in split.items()
            for (term, var, month), dkk in price.items()
            if var == kind + state and month == u and only in (None, term)
        )

    end = _held_until(sup, int(sup.mod.site[q]), t)
    running = sum(cost("", u, "month") for u in range(t, end))
    paid = "leje" if not split["owned"] else "drift" if not split["rented"] else "leje og drift"
    kept = f"koster {kr(running)} i {paid} ({end - t} måneder) og"
    if end < T:
        after = cost("_down", end)
        when = f"At beholde dem, til grunden skal være ryddet i {month_name(sup.months[end])},"
        kept += f" derefter {kr(after)} for at tage dem ned"
    else:
        after = cost("", T - 1, "horizon_end")
        when = "At beholde dem horisonten ud"
        kept += f" {kr(after)} for dem ved horisontens slutning ({_end_words(split)})"
    early = cost("_down", t, "early_termination")
    parts = [f"heraf {kr(early)} i godtgørelse for at opsige lejen før udløbet"] if early else []
    if split["owned"] and sup.mod.residual[q]:
        parts.append(f"restværdien {kr(split['owned'] * int(sup.mod.residual[q]))} er trukket fra")
    return (
        f"{when} {kept}, i alt {kr(running + after)}, mod {kr(cost('_down', t))} for at tage dem "
        f"ned i {month_name(sup.months[t])}" + (f" ({'; '.join(parts)})." if parts else ".")
    )


def site_holds(sup: Supply, j: int) -> np.ndarray:
    """(T,) bool: site j may hold modules in the month, as ``model.module_vars`` bounds them
    (the site available, and not closed by an option's condition)."""
    T = len(sup.months)
    return sup.available[j] & (np.arange(T) < closed_from(sup, T)[j])


def _held_until(sup: Supply, j: int, t: int) -> int:
    """The first month from t on in which site j may hold no modules (``site_holds``), the
    number of months when it may hold them to the horizon's end."""
    holds = site_holds(sup, j)[t:]
    return len(sup.months) if holds.all() else t + int(np.argmin(holds))


def _end_words(split: dict[str, int]) -> str:
    """What the horizon-end valuation (``terms.horizon_end``) holds for these modules."""
    rented = "resterende leje eller godtgørelse for opsigelse, det laveste"
    if split["rented"] and split["owned"]:
        return f"nedtagning og for de lejede {rented}, minus de ejedes restværdi"
    return f"nedtagning og {rented}" if split["rented"] else "nedtagning minus restværdi"


def branch_lines(s: dict) -> list[str]:
    """The scenario's branches and their probabilities (none when the scenario has one)."""
    branches = s.get("branches", [])
    if len(branches) < 2:
        return []
    out = [
        "",
        "## Forløb",
        "",
        "Planen vejer forløbene efter deres sandsynlighed; beslutninger "
        "før man ved, hvilket forløb man er i, er fælles for dem.",
        "",
    ]
    out += [
        f"- {md_text(b['name'])}: {pct(b['probability'], 0)} ({b['samples']} prøver)"
        for b in branches
    ]
    return out


def round_trip_lines(s: dict) -> list[str]:
    """Modules taken down and ordered again later (round trips), with their cost."""
    trips = s.get("round_trips", [])
    if not trips:
        return []
    out = ["", "## Ned og op igen", ""]
    out += [
        f"- {md_text(r['type_id'])} ({md_text(r['site_id'])}): {r['modules']} modul(er) tages ned "
        f"{month_name(r['down'])}, bestilles igen {month_name(r['up'])}: {kr(r['cost'])} "
        f"(i {pct(r['probability'], 0)} af forløbene)"
        for r in trips
    ]
    return out


def value_lines(s: dict) -> list[str]:
    """The value of planning for uncertainty, when it was computed."""
    v = s.get("value_of_uncertainty")
    if not v:
        return []
    out = ["", "## Værdien af at planlægge for usikkerheden", ""]
    skipped = v.get("skipped", {})
    if v.get("average_path") is None:
        why = skipped.get("average_path", "time_limit")
        out.append(
            "- Planen efter det gennemsnitlige forløb blev ikke løst inden for tidsgrænsen."
            if why == "time_limit"
            else f"- Planen efter det gennemsnitlige forløb blev ikke løst (løserens status: {why})."
        )
    elif v["same_binding_decisions"]:
        out.append(
            "- En plan lagt efter det gennemsnitlige forløb træffer de samme bindende "
            "beslutninger nu: usikkerheden ændrer ikke, hvad der skal besluttes i dag."
        )
    else:
        low, high = v["value_of_stochastic_solution_low"], v["value_of_stochastic_solution_high"]
        out.append(
            "- En plan lagt efter det gennemsnitlige forløb (dens bindende beslutninger holdt, "
            f"resten tilpasset) koster forventet {kr(v['average_path'])}: denne plan sparer "
            + (f"{kr(low)}–{kr(high)}" if high - low >= 1 else kr(high))
            + " (spændet er løsningernes nøjagtighed)."
        )
    if v.get("wait_and_see_bound") is not None:
        out.append(
            f"- Selv med fuld viden om fremtiden (hvert forløb planlagt for sig) koster det "
            f"mindst {kr(v['wait_and_see_bound'])}, så usikkerheden koster denne plan højst "
            f"{kr(v['value_of_perfect_information_at_most'])} i forventet omkostning"
        )
    elif "wait_and_see_bound" in skipped:
        out.append(
            "- Grænsen med fuld viden om fremtiden (hvert forløb planlagt for sig) blev ikke "
            + (
                "beregnet inden for tidsgrænsen."
                if skipped["wait_and_see_bound"] == "time_limit"
                else f"fundet (løserens status: {skipped['wait_and_see_bound']})."
            )
        )
    return out


def shortage_lines(res: PlanResult, price: int) -> list[str]:
    """The months with a shortage and its size (expected and worst sample)."""
    short = res.shortage[res.shortage["worst"] > 0]
    if short.empty:
        return ["Ingen mangel i nogen prøve: alle får en midlertidig bolig."]
    out = [
        f"Nødindkvartering koster {kr(price)} pr. person pr. døgn.",
        "",
        "| måned | mangler i gennemsnit | mangler højst |",
        "|---|---:|---:|",
    ]
    out += [
        f"| {month_name(r.month)} | {number(r.expected, 1)} | {int(r.worst)} |"
        for r in short.itertuples()
    ]
    return out
