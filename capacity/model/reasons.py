"""Why a household was left unplaced, in words (Danish by default, English with ``lang="en"``).

The reason comes from the static rules: they are applied one after the other to every unit, and
the first rule that leaves no unit names the reason ("no free unit with 7 beds; largest free has
5"). A household that had suitable units but got none lost them to other households.
"""

from __future__ import annotations

from capacity.model import hard
from capacity.model.domain import Domain, Household

MESSAGES = {
    "da": {
        "minors_not_placed": "uledsaget mindreårig: overdraget til Børn og Familier",
        "unit_in_service": "ingen bolig i drift",
        "unit_not_booked_later": "alle boliger i drift er booket til andre husstande efter {date}",
        "site_available_on_date": "ingen bolig i drift og tilgængelig d. {date}",
        "required_district_respected": "ingen bolig i det krævede distrikt {district} d. {date}",
        "accessible_when_needed": "ingen handicapvenlig bolig ledig d. {date}",
        "family_ok_for_children": "ingen familieegnet bolig ledig d. {date}",
        "shares_only_when_shareable": "alle egnede boliger er optaget af beboere d. {date}",
        "room_for_household": "ingen ledig bolig med {persons} senge; den største ledige har {largest}",
        "taken": "de {n} egnede boliger gik til andre husstande (ledige senge rakte ikke)",
        "costly": "en egnet bolig var ledig, men placeringen ville koste mere end vægten for at "
        "stå uden bolig ({weight} pr. person)",
    },
    "en": {
        "minors_not_placed": "unaccompanied minor: handed to Børn og Familier",
        "unit_in_service": "no unit in service",
        "unit_not_booked_later": "every unit in service is booked for other households after "
        "{date}",
        "site_available_on_date": "no unit in service and available on {date}",
        "required_district_respected": "no unit in the required district {district} on {date}",
        "accessible_when_needed": "no accessible unit free on {date}",
        "family_ok_for_children": "no family unit free on {date}",
        "shares_only_when_shareable": "every suitable unit is taken by residents on {date}",
        "room_for_household": "no free unit with {persons} beds; largest free has {largest}",
        "taken": "the {n} suitable units went to other households (free beds ran out)",
        "costly": "a suitable unit was free, but placing would cost more than the unplaced "
        "weight ({weight} per person)",
    },
}


def unplaced_reason(
    h: Household,
    dom: Domain,
    lang: str = "da",
    room_left: bool = False,
    static: dict[tuple, str] | None = None,
) -> str:
    """The reason ``h`` has no unit in the solution, from the first static rule that excludes it.

    Parameters
    ----------
    h : an arriving household that the solution leaves unplaced.
    dom : its domain.
    lang : ``"da"`` or ``"en"``.
    room_left : an allowed unit still had room in the solution (so cost, not capacity, decided).
    static : reasons already found by the static rules for this ``dom`` and ``lang``, by
        ``hard.static_key``: the scan reads every unit, and households alike for the rules share
        its answer (a mass arrival without room leaves thousands unplaced).
    """
    text = MESSAGES["en" if lang == "en" else "da"]
    if h.unaccompanied_minor:
        return text["minors_not_placed"]
    allowed = dom.pairs.get(h.id, ())
    if allowed and room_left:
        return text["costly"].format(weight=dom.weights["unplaced"])
    if allowed:
        return text["taken"].format(n=sum(dom.units[u].size for u in allowed))
    if static is None:
        return _static_reason(h, dom, text)
    key = hard.static_key(h)
    if key not in static:
        static[key] = _static_reason(h, dom, text)
    return static[key]


def _static_reason(h: Household, dom: Domain, text: dict[str, str]) -> str:
    """The first static rule that leaves ``h`` no unit of ``dom``, in words."""
    survivors = list(dom.units.values())
    for rule in hard.STATIC_RULES[1:]:
        kept = [u for u in survivors if rule(h, u, dom)]
        if not kept:
            largest = max((u.free_beds for u in survivors), default=0)
            return text[rule.__name__].format(
                date=dom.date.isoformat(),
                persons=h.persons,
                largest=max(largest, 0),
                district=h.required_district,
            )
        survivors = kept
    return text["taken"].format(n=0)
