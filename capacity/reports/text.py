"""User-facing words of the reports: Danish by default, English with ``lang="en"``."""

from __future__ import annotations

import pandas as pd

from capacity.errors import LANG_ERROR, UserError
from capacity.numbers import number

DA: dict[str, str] = {
    "title": "Midlertidige boliger til flygtninge",
    "boundary": "Kommunegrænse",
    "districts": "Distrikter: beboere pr. 1.000 indbyggere",
    "towns": "Byer",
    "sites": "Midlertidige boliger",
    "proposal": "Forslag: pavilloner bestilt/ned",
    "schools": "Skoler",
    "daycare": "Dagtilbud",
    "stations": "Stationer",
    "jobcentre": "Jobberiet",
    "key_numbers": "Nøgletal",
    "residents": "Beboere",
    "beds": "Senge",
    "free_beds": "Ledige senge",
    "later_beds": "Senge, der tages i brug senere",
    "beds_note": "Senge og ledige senge: på steder i brug pr. datoen; ledige senge er senge "
    "fratrukket beboere.",
    "opens_on": "Tages i brug {date}",
    "closed_on": "Ikke i brug efter {date}",
    "arrivals": "Ventende og forventede ankomster (personer)",
    "proposal_cost": "Forslagets udgift til pavilloner",
    "proposal_cost_expected": "Forslagets forventede udgift til pavilloner",
    "plan_layer": "Kapacitetsplan: pavilloner bestilt/ned",
    "plan_cost": "Kapacitetsplanens udgift til pavilloner",
    "plan_cost_expected": "Kapacitetsplanens forventede udgift til pavilloner",
    "no_plan": "ingen plan",
    "occupied": "Optaget",
    "free": "Ledige",
    "modules": "Moduler nu/maks.",
    "building": "kommunal bygning",
    "pavilion_site": "pavillongrund",
    "receiving": "modtageklasser",
    "legend": "Signaturforklaring",
    "occupancy_pct": "Belægning",
    "rate": "pr. 1.000 indb.",
    "vs_average": "i forhold til kommunens gennemsnit",
    "few": "færre end {n} beboere",
    "none": "ingen beboere",
    "well_below": "under halvdelen",
    "below": "under",
    "near": "omkring gennemsnittet",
    "above": "over",
    "well_above": "over halvanden gang",
    "average": "Kommunens gennemsnit",
    "size_note": "Størrelse: antal beboere",
    "privacy_note": 'Tal under {n} vises som "<{n}".',
    "up": "bestilt",
    "down": "ned",
    "opens": "grunden tages i brug",
    "closes": "grunden lukkes",
    "kind_single": "enkeltværelser/delbare",
    "kind_family": "familieboliger",
    "kind_accessible": "handicapvenlige",
    "month": "måned",
    "cost": "pris",
    "dkk": "kr.",
    "as_of": "Opgjort pr.",
    "open_rows": "aktuelle ophold",
    "municipality": "Kommune",
    "target": "Mål ved jævn fordeling",
    "review_title": "Kapacitetsgennemgang",
    "occupancy_chart": "Belægning og kapacitet pr. måned",
    "district_chart": "Beboere pr. distrikt mod jævn fordeling",
    "internal": "Intern: pseudonyme husstands-id'er, ingen navne.",
    "free_note": "Ledige: senge, som en ny husstand kan få på datoen. En bolig, hvor der bor en "
    "familie, eller som har beboere og ikke kan deles, har ingen; det har en lokalitet, der ikke "
    "er tilgængelig på datoen, heller ikke.",
    "empty": "Ingen.",
    "band": "Scenariekørsler: 10–90 %",
    "band_beds": "Senge i scenariet",
    "cost_setup": "Opsætning og nedtagning",
    "cost_running": "Drift (leje)",
    "cost_emergency": "Nødindkvartering (forventet)",
    "cost_axis": "Mio. kr.",
    "cost_chart": "Omkostninger pr. mulighed",
    "proposal_occupancy": "Belægning og kapacitet: anbefalet mulighed",
    "proposal_map": "Kort over forslaget",
    "risk_axis": "Risiko for mangel",
    "tornado": "Følsomhed: mulighed",
}

EN: dict[str, str] = {
    "title": "Temporary housing for refugees",
    "boundary": "Municipal boundary",
    "districts": "Districts: residents per 1,000 inhabitants",
    "towns": "Towns",
    "sites": "Temporary homes",
    "proposal": "Proposal: pavilions ordered/down",
    "schools": "Schools",
    "daycare": "Daycare",
    "stations": "Stations",
    "jobcentre": "Jobberiet",
    "key_numbers": "Key numbers",
    "residents": "Residents",
    "beds": "Beds",
    "free_beds": "Free beds",
    "later_beds": "Beds taken into use later",
    "beds_note": "Beds and free beds: at sites in use on the date; free beds are beds less "
    "residents.",
    "opens_on": "Taken into use {date}",
    "closed_on": "Not in use after {date}",
    "arrivals": "Arrivals waiting or expected (persons)",
    "proposal_cost": "Proposal's pavilion cost",
    "proposal_cost_expected": "Proposal's expected pavilion cost",
    "plan_layer": "Capacity plan: pavilions ordered/down",
    "plan_cost": "Capacity plan's pavilion cost",
    "plan_cost_expected": "Capacity plan's expected pavilion cost",
    "no_plan": "no plan",
    "occupied": "Occupied",
    "free": "Free",
    "modules": "Modules now/max",
    "building": "municipal building",
    "pavilion_site": "pavilion site",
    "receiving": "receiving classes",
    "legend": "Legend",
    "occupancy_pct": "Occupancy",
    "rate": "per 1,000 inhabitants",
    "vs_average": "against the municipal average",
    "few": "fewer than {n} residents",
    "none": "no residents",
    "well_below": "below half",
    "below": "below",
    "near": "around the average",
    "above": "above",
    "well_above": "above 1.5 times",
    "average": "Municipal average",
    "size_note": "Size: number of residents",
    "privacy_note": 'Numbers below {n} are shown as "<{n}".',
    "up": "ordered",
    "down": "down",
    "opens": "site opens",
    "closes": "site closes",
    "kind_single": "single/shared rooms",
    "kind_family": "family homes",
    "kind_accessible": "accessible homes",
    "month": "month",
    "cost": "cost",
    "dkk": "DKK",
    "as_of": "As of",
    "open_rows": "current stays",
    "municipality": "Municipality",
    "target": "Even-spread target",
    "review_title": "Capacity review",
    "occupancy_chart": "Occupancy and capacity by month",
    "district_chart": "Residents per district against an even spread",
    "internal": "Internal: pseudonymous household ids, no names.",
    "free_note": "Free: beds a new household could get on the date. A home where a family lives, "
    "or one with residents that cannot be shared, has none; nor has a site not available on the "
    "date.",
    "empty": "None.",
    "band": "Scenario runs: 10–90 %",
    "band_beds": "Beds in the scenario",
    "cost_setup": "Setup and teardown",
    "cost_running": "Running (rent)",
    "cost_emergency": "Emergency housing (expected)",
    "cost_axis": "Million DKK",
    "cost_chart": "Cost per option",
    "proposal_occupancy": "Occupancy and capacity: recommended option",
    "proposal_map": "Map of the proposal",
    "risk_axis": "Shortage risk",
    "tornado": "Sensitivity: option",
}

# The review's table titles and column headers.
TABLES_DA: dict[str, str] = {
    "t_sites": "Belægning pr. lokalitet",
    "t_units": "Belægning pr. bolig",
    "t_free_beds": "Ledige senge pr. type",
    "t_long_stays": "Lange ophold (over {months} mdr.)",
    "t_move_outs": "Forventede fraflytninger (næste {horizon} mdr.)",
    "t_arrivals": "Ventende på bolig nu (ankommet, uden bolig på datoen)",
    "t_coming": "Kommende ankomster (til og med {until})",
    "site_id": "Lokalitet",
    "name": "Navn",
    "kind": "Type",
    "beds": "Senge",
    "occupied": "Optaget",
    "free": "Ledige",
    "modules_now": "Moduler nu",
    "modules_max": "Moduler maks.",
    "occupancy_pct": "Belægning %",
    "unit_id": "Bolig",
    "rooms": "Rum",
    "accessible": "Handicapvenlig",
    "in_service": "I brug",
    "households": "Husstande",
    "persons": "Personer",
    "household_ids": "Husstands-id",
    "units": "Boliger",
    "units_with_free_beds": "Boliger med ledig seng",
    "free_beds": "Ledige senge",
    "household_id": "Husstand",
    "move_in": "Indflytning i boligen",
    "stay_start": "I midlertidig bolig siden",
    "months": "Måneder",
    "expected_move_out": "Forventet fraflytning",
    "arrival_date": "Ankomst",
    "adults": "Voksne",
    "children": "Børn",
    "needs_accessible": "Behov: handicapvenlig",
    "unaccompanied_minor": "Uledsaget mindreårig (Børn og Familier)",
    "t_forecast": "Mangelprognose pr. måned (scenariekørsler)",
    "month": "Måned",
    "shortage_pct": "Sandsynlighed for mangel %",
    "expected_short": "Forventet mangel (personer)",
    "expected_occupied": "Forventet belægning",
    "p90_occupied": "Belægning, 90 %-fraktil",
}
TABLES_EN: dict[str, str] = {
    "t_sites": "Occupancy per site",
    "t_units": "Occupancy per unit",
    "t_free_beds": "Free beds by kind",
    "t_long_stays": "Long stays (over {months} months)",
    "t_move_outs": "Expected move-outs (next {horizon} months)",
    "t_arrivals": "Waiting for a home now (arrived, no home on the date)",
    "t_coming": "Arrivals to come (up to {until})",
    "site_id": "Site",
    "name": "Name",
    "kind": "Kind",
    "beds": "Beds",
    "occupied": "Occupied",
    "free": "Free",
    "modules_now": "Modules now",
    "modules_max": "Modules max",
    "occupancy_pct": "Occupancy %",
    "unit_id": "Unit",
    "rooms": "Rooms",
    "accessible": "Accessible",
    "in_service": "In service",
    "households": "Households",
    "persons": "Persons",
    "household_ids": "Household ids",
    "units": "Units",
    "units_with_free_beds": "Units with a free bed",
    "free_beds": "Free beds",
    "household_id": "Household",
    "move_in": "Move-in to the unit",
    "stay_start": "In temporary housing since",
    "months": "Months",
    "expected_move_out": "Expected move-out",
    "arrival_date": "Arrival",
    "adults": "Adults",
    "children": "Children",
    "needs_accessible": "Needs accessible",
    "unaccompanied_minor": "Unaccompanied minor (Børn og Familier)",
    "t_forecast": "Shortfall forecast by month (scenario runs)",
    "month": "Month",
    "shortage_pct": "Probability of shortage %",
    "expected_short": "Expected shortage (persons)",
    "expected_occupied": "Expected occupancy",
    "p90_occupied": "Occupancy, 90th percentile",
}
TABLE_WORDS = {"da": TABLES_DA, "en": TABLES_EN}

# The review's cell values: kinds of unit and site (``accessible`` is a kind of bed in the
# free-beds table, lower-case among the others, where the same key heads a column above).
VALUE_WORDS: dict[str, dict[str, str]] = {
    "da": {
        "single": "enkeltværelse",
        "shared": "delt bolig",
        "family": "familiebolig",
        "accessible": "handicapvenlig",
        "building": "bygning",
        "pavilion_site": "pavillongrund",
    },
    "en": {
        "single": "single",
        "shared": "shared",
        "family": "family",
        "accessible": "accessible",
        "building": "building",
        "pavilion_site": "pavilion site",
    },
}

LANGS = {"da": DA, "en": EN}

# A solve's status in Danish words (read through ``status_words``): a placement's statuses are
# the solver's own words (``OPTIMAL``), a plan's are lower-case (``capacity.planning.plan``).
STATUS_DA: dict[str, str] = {
    "OPTIMAL": "optimal (bevist)",
    "FEASIBLE": "gyldig, ikke bevist optimal",
    "UNKNOWN": "ingen løsning fra løseren",
    "GREEDY": "grådig placering",
    "INFEASIBLE": "ingen gyldig placering",
    "optimal": "optimal (bevist)",
    "within_gap": "inden for 0,5 % af den nedre grænse",
    "feasible": "gyldig plan, ikke bevist optimal",
}


MONTHS = {
    "da": (
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def long_date(day, lang: str = "da") -> str:
    """A date in words: "1. februar 2027" / "1 February 2027"."""
    day = pd.Timestamp(day)
    month = MONTHS["en" if lang == "en" else "da"][day.month - 1]
    return f"{day.day} {month} {day.year}" if lang == "en" else f"{day.day}. {month} {day.year}"


def words(lang: str) -> dict[str, str]:
    """The dictionary of report words for ``lang`` ("da" or "en").

    Raises
    ------
    UserError
        For any other language, naming the choices.
    """
    try:
        return LANGS[lang]
    except KeyError:
        raise UserError(LANG_ERROR.format(lang=lang)) from None


def status_words(status: str, lang: str = "da") -> str:
    """A placement's or a plan's ``status`` as the reader's language says it: the status itself
    in English, its Danish words (``STATUS_DA``) otherwise; a status without words as it is."""
    return status if lang == "en" else STATUS_DA.get(status, status)


def signed(x: float, decimals: int = 0, lang: str = "da") -> str:
    """``x`` as a change: ``+1.234``, ``−60`` (a true minus sign) or ``±0`` when it rounds to zero."""
    step = round(x, decimals)
    sign = "+" if step > 0 else "−" if step < 0 else "±"
    return f"{sign}{number(abs(x), decimals, lang)}"


def percent(share: float, decimals: int = 0, lang: str = "da") -> str:
    """A share as a percentage: ``38 %`` in Danish (a space before the sign), ``38%`` in English."""
    text = number(100 * share, decimals, lang)
    return f"{text} %" if lang == "da" else f"{text}%"


def money(dkk: float, lang: str = "da") -> str:
    """An amount in DKK with a thousands separator: "1.250.000 kr." / "DKK 1,250,000"."""
    if lang == "en":
        return f"DKK {number(dkk, 0, lang)}"
    return f"{number(dkk, 0, lang)} kr."


def million(dkk: float, decimals: int = 1, lang: str = "da") -> str:
    """An amount in million DKK: "1,0 mio. kr." / "1.0 M DKK"."""
    text = number(dkk / 1e6, decimals, lang)
    return f"{text} mio. kr." if lang == "da" else f"{text} M DKK"
