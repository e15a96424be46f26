"""Danish explanations of a plan: why each action, which months it covers, the cheapest alternative."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity.planning.model import DAYS
from capacity.planning.plan import PlanResult

MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
TERM_LABELS = {
    "setup": "Opsætning af moduler (kr.)",
    "month": "Leje/drift af moduler (kr.)",
    "teardown": "Nedtagning af moduler (kr.)",
    "emergency": "Nødindkvartering ved mangel (kr.)",
    "transport": "Transport: sengemåneder × minutter til stationen (vægt)",
    "buildings_first": "Bygninger før pavilloner: pavillonsengemåneder (vægt)",
    "spread": "Spredning: senge over bydelens andel (vægt)",
}


STATUS = {
    "optimal": "optimal (bevist)",
    "within_gap": "inden for 0,5 % af den nedre grænse",
    "feasible": "gyldig plan, ikke bevist optimal",
}


def pct(value: float, digits: int = 2) -> str:
    """A share as a Danish percentage: ``0,47 %``."""
    return f"{value * 100:.{digits}f} %".replace(".", ",")


def month_name(label: str) -> str:
    """``2027-04`` as ``april 2027``."""
    y, m = label.split("-")
    return f"{MONTHS[int(m) - 1]} {y}"


def kr(value: float) -> str:
    """An amount in Danish style: ``1.234.567 kr.``."""
    return f"{value:,.0f}".replace(",", ".") + " kr."


def explanation_md(res: PlanResult, price_per_day: int) -> str:
    """The plan's explanation in Danish Markdown: summary, actions with reasons, shortage, terms."""
    s = res.summary
    lines = [
        f"# Kapacitetsplan: {s['scenario']}",
        "",
        f"Status: {STATUS.get(s['status'], s['status'])} · forventet samlet omkostning "
        f"{kr(s['objective'])} · afstand til nedre grænse {pct(s['gap'])} · frø {s['seed']} · "
        + (
            f"risikoniveau {pct(s['risk'], 0)} af efterspørgslen"
            if s["risk"] is not None
            else f"{s['samples']} prøver af efterspørgslen i {s['groups']} grupper"
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
    lines += ["", "## Målfunktionens led", "", "| led | i alt |", "|---|---:|"]
    lines += [
        f"| {TERM_LABELS.get(k, k)} | {v:,.0f} |".replace(",", ".") for k, v in s["terms"].items()
    ]
    lines += [f"| **I alt (= målfunktionen)** | {s['objective']:,.0f} |".replace(",", "."), ""]
    return "\n".join(lines)


def action_lines(res: PlanResult, price_per_day: int) -> list[str]:
    """One bullet per order or take-down, with its reason and cheapest alternative."""
    sup, plan = res.supply, res.plan
    need = res.demand[res.summary["representative_sample"]] + sup.resident_persons.sum(axis=0)
    beds = plan.groupby("month", sort=True)["beds"].sum().reindex(sup.months).to_numpy()
    out = []
    for j in np.flatnonzero(sup.pavilion):
        rows = plan[plan["site_id"] == sup.ids[j]].reset_index(drop=True)
        for t in rows.index[rows["modules_up"] > 0]:
            out.append(_order_line(res, int(j), int(t), rows, need, beds, price_per_day))
        for t in rows.index[rows["modules_down"] > 0]:
            out.append(_down_line(res, int(j), int(t), rows))
    return out


def _order_line(
    res: PlanResult,
    j: int,
    t: int,
    rows: pd.DataFrame,
    need: np.ndarray,
    beds: np.ndarray,
    price: int,
) -> str:
    sup = res.supply
    n, b, lead = int(rows.loc[t, "modules_up"]), int(sup.beds_per_module[j]), int(sup.lead[j])
    ready = t + lead
    after = rows["modules_down"].to_numpy()[ready:]
    end = ready + (int(np.flatnonzero(after)[0]) if after.any() else len(after))
    covered = range(ready, max(end, ready + 1))
    lack = np.array(
        [max(0, min(n * b, need[u] - (beds[u] - n * b))) for u in covered if u < len(need)]
    )
    months = [sup.months[u] for u in covered if u < len(need)]
    own = n * (int(sup.setup[j]) + int(sup.month_cost[j]) * len(months) + int(sup.teardown[j]))
    alt = _alternative(res, j, n, len(months), int(lack.sum()) * price * DAYS)
    span = f"{month_name(months[0])}–{month_name(months[-1])}" if months else "horisontens slutning"
    peak = (
        f"uden dem mangler op til {int(lack.max())} senge (i {month_name(months[int(lack.argmax())])})"
        if len(lack) and lack.max() > 0
        else "de giver en buffer mod usikkerheden i ankomsterne"
    )
    return (
        f"- **{sup.names[j]} ({sup.ids[j]})**: bestil {n} modul(er) i "
        f"{month_name(sup.months[t])}, klar i "
        f"{month_name(sup.months[ready]) if ready < len(sup.months) else 'efter horisonten'} "
        f"({n * b} senge). De dækker {span}; {peak}. Pris ca. {kr(own)}. "
        f"Billigste alternativ: {alt}."
    )


def _alternative(res: PlanResult, j: int, n: int, months: int, emergency: int) -> str:
    """The cheaper of emergency housing and the same modules on the cheapest other site."""
    sup, best = res.supply, None
    for p in np.flatnonzero(sup.pavilion):
        if p == j or sup.modules_max[p] < n:
            continue
        cost = n * (int(sup.setup[p]) + int(sup.month_cost[p]) * months + int(sup.teardown[p]))
        if best is None or cost < best[0]:
            best = (cost, p)
    text = f"nødindkvartering for {kr(emergency)}"
    if best is not None and best[0] < emergency:
        text = f"samme antal moduler på {sup.names[best[1]]} ({sup.ids[best[1]]}) for ca. {kr(best[0])}"
    return text


def _down_line(res: PlanResult, j: int, t: int, rows: pd.DataFrame) -> str:
    sup = res.supply
    n = int(rows.loc[t, "modules_down"])
    head = f"- **{sup.names[j]} ({sup.ids[j]})**: tag {n} modul(er) ned i {month_name(sup.months[t])}: "
    if not sup.available[j, t]:
        return head + "grunden er ikke længere til rådighed (available_until)."
    keep = n * int(sup.month_cost[j]) * (len(sup.months) - t)
    return (
        head + "de øvrige senge rækker til behovet, og minimumslevetiden på "
        f"{int(sup.lifetime[j])} måneder er opfyldt (moduler, der står i dag, regnes som "
        f"fri). At beholde dem horisonten ud koster {kr(keep)} mod "
        f"{kr(n * int(sup.teardown[j]))} for nedtagning."
    )


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
        f"| {month_name(r.month)} | {r.expected:.1f} | {int(r.worst)} |".replace(".", ",")
        for r in short.itertuples()
    ]
    return out
