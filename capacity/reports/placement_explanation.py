"""``explanation.md``: per household, where and why, in plain Danish (or English).

For each placed household: its unit and site, the terms that decided (its weighted amounts), and
the best other unit on another site (``Result.alternatives``): what moving the household there
would change in the whole objective, everyone else staying, in all and per term (district terms
such as spread included), and who holds the unit when it has no room (the change then leaves out
where they would go). For each unplaced household: the reason. Then the district-level terms
(spread, families together, daycare slots) and the modules to put up.
"""

from __future__ import annotations

from capacity.numbers import number
from capacity.reports.escape import md_text
from capacity.reports.text import signed, status_words
from capacity.solver.result import PLACEMENT_TERMS, TERM_NAMES, Result

LABELS = {
    "da": {
        "unplaced": "uden bolig",
        "transport": "transport",
        "school_daycare": "skole og dagtilbud",
        "family_cluster": "familier samlet",
        "spread": "spredning",
        "buildings_first": "bygninger før pavilloner",
        "new_modules": "nye moduler",
        "moves": "flytninger",
        "external_score": "ekstern score",
    },
    "en": {
        "unplaced": "unplaced",
        "transport": "transport",
        "school_daycare": "school and daycare",
        "family_cluster": "families together",
        "spread": "spread",
        "buildings_first": "buildings before pavilions",
        "new_modules": "new modules",
        "moves": "moves",
        "external_score": "external score",
    },
}
WORDS = {
    "da": dict(
        title="Placering",
        status="Status",
        objective="mål",
        placed="placeret",
        unplaced="ikke placeret",
        seed="frø",
        terms="Omkostning pr. led (point: vægt × mængde)",
        term="led",
        weight="vægt",
        total="i alt",
        households="Husstande",
        persons="personer",
        person="person",
        at="på",
        decided="Afgørende",
        nothing="ingen omkostning",
        alt="Bedste alternativ",
        more="ville have kostet {x} mere",
        less="ville have kostet {x} mindre",
        held="men den bruges af {who}",
        held_more="og den bruges af {who}",
        displaced="forskellen tager ikke højde for, hvor {who} så skulle bo",
        same="ville have kostet det samme",
        none="Intet alternativ på en anden lokalitet.",
        not_placed="ikke placeret",
        districts="Distrikter og lokaliteter",
        modules="Moduler der skal sættes op",
        module_row="{site}: {n} moduler",
    ),
    "en": dict(
        title="Placement",
        status="Status",
        objective="objective",
        placed="placed",
        unplaced="unplaced",
        seed="seed",
        terms="Cost per term (points: weight × amount)",
        term="term",
        weight="weight",
        total="total",
        households="Households",
        persons="persons",
        person="person",
        at="at",
        decided="Decided by",
        nothing="no cost",
        alt="Best other unit",
        more="would have cost {x} more",
        less="would have cost {x} less",
        held="but it is used by {who}",
        held_more="and it is used by {who}",
        displaced="the difference leaves out where {who} would then live",
        same="would have cost the same",
        none="No alternative on another site.",
        not_placed="not placed",
        districts="Districts and sites",
        modules="Modules to put up",
        module_row="{site}: {n} modules",
    ),
}


def explanation_markdown(result: Result) -> str:
    """The text of ``explanation.md`` for a result, in ``result.lang``; every amount in the
    report's one number format (``number``), every id and text from the registry through
    ``md_text`` (shown as written, never HTML or a link)."""
    lang = "en" if result.lang == "en" else "da"
    w, labels = WORDS[lang], LABELS[lang]
    lines = [
        f"# {w['title']} {result.date.isoformat()}",
        "",
        f"{w['status']}: {status_words(result.status, lang)} · "
        f"{w['objective']} {number(result.objective, 0, lang)} · "
        f"{len(result.placements)} {w['placed']} · {len(result.unplaced)} {w['unplaced']} · "
        f"{result.solver} · {w['seed']} {result.seed}",
        "",
        f"## {w['terms']}",
        "",
        f"| {w['term']} | {w['weight']} | {w['total']} |",
        "|---|---:|---:|",
    ]
    for name, total in result.by_term().items():
        weight = result.weights.get(name)
        shown = "–" if weight is None else number(weight, 0, lang)
        lines.append(f"| {labels[name]} | {shown} | {number(total, 0, lang)} |")
    lines += ["", f"## {w['households']}", ""]
    lines += _households(result, w, labels, lang)
    lines += _districts(result, w, labels, lang)
    return "\n".join(lines).rstrip() + "\n"


def _households(result: Result, w: dict, labels: dict, lang: str) -> list[str]:
    alts = result.alternatives.set_index("household_id") if len(result.alternatives) else None
    holders = result.placements.groupby("unit_id")["household_id"].agg(
        lambda s: ", ".join(sorted(s))
    )
    lines = []
    for row in result.placements.itertuples():
        lines.append(
            f"### {md_text(row.household_id)} ({_persons(row.persons, w, lang)}) → "
            f"{md_text(row.unit_id)} {w['at']} {md_text(row.site_id)}"
        )
        decided = [
            f"{labels[t]} {number(getattr(row, t), 0, lang)}"
            for t in PLACEMENT_TERMS
            if getattr(row, t)
        ]
        lines.append(f"{w['decided']}: {', '.join(decided) if decided else w['nothing']}.")
        if alts is None or row.household_id not in alts.index:
            lines += [w["none"], ""]
            continue
        alt = alts.loc[row.household_id]
        extra = int(alt["extra_cost"])
        verdict = (
            w["more"].format(x=number(extra, 0, lang))
            if extra > 0
            else w["less"].format(x=number(-extra, 0, lang))
            if extra < 0
            else w["same"]
        )
        text = (
            f"{w['alt']}: {md_text(alt['alt_unit_id'])} {w['at']} {md_text(alt['alt_site_id'])}, "
            f"{verdict}"
        )
        detail = [f"{labels[t]} {signed(int(alt[t]), 0, lang)}" for t in PLACEMENT_TERMS if alt[t]]
        if detail:
            text += f" ({', '.join(detail)})"
        if not alt["alt_free"]:
            who = md_text(holders[alt["alt_unit_id"]])
            held = w["held"] if extra <= 0 else w["held_more"]
            text += f", {held.format(who=who)}; {w['displaced'].format(who=who)}"
        lines += [text + ".", ""]
    for row in result.unplaced.itertuples():
        lines += [
            f"### {md_text(row.household_id)} ({_persons(row.persons, w, lang)}): "
            f"{w['not_placed']}",
            f"{md_text(row.reason)}.",
            "",
        ]
    return lines


def _districts(result: Result, w: dict, labels: dict, lang: str) -> list[str]:
    households = set(result.placements["household_id"]) | set(result.unplaced["household_id"])
    rows = result.explanation[~result.explanation["subject"].isin(households)]
    lines = [f"## {w['districts']}", ""] if len(rows) else []
    for name in TERM_NAMES:
        for r in rows[rows["term"] == name].itertuples():
            weighing = f"{w['weight']} {number(r.weight, 0, lang)}: {number(r.weighted, 0, lang)}"
            lines.append(f"- {labels[name]}: {md_text(r.text)} ({weighing})")
    if len(result.modules):
        lines += ["", f"## {w['modules']}", ""]
        lines += [
            "- "
            + w["module_row"].format(
                site=md_text(r.site_id), n=number(r.modules_to_put_up, 0, lang)
            )
            for r in result.modules.itertuples()
        ]
    return lines


def _persons(n: int, w: dict, lang: str) -> str:
    return f"{number(n, 0, lang)} {w['person'] if n == 1 else w['persons']}"
