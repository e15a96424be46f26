"""The follow-up's words for the reader: Danish by default, English with ``lang="en"``."""

from __future__ import annotations

from collections.abc import Iterable

from capacity.errors import LANG_ERROR, UserError
from capacity.reports.text import MONTHS

MONTH_NAMES = MONTHS  # the one list of month names (``reports.text``)

GOAL_TITLES = {
    "da": {
        "capacity": "Kapacitet efter behov",
        "stays": "Korte ophold",
        "families": "Børnefamilier i samme område",
        "spread": "Jævn fordeling",
        "transport": "Central placering: transport",
    },
    "en": {
        "capacity": "Capacity matching the need",
        "stays": "Short stays",
        "families": "Families with children in one area",
        "spread": "Even spread",
        "transport": "Central homes: transport",
    },
}

MEASURES = {
    "da": {
        "beds": "Senge ved årets udgang",
        "homes_single": "Boliger til enlige (værelser)",
        "homes_family": "Familieboliger",
        "homes_accessible": "Handicapvenlige boliger",
        "residents": "Beboere (personer)",
        "resident_households": "Husstande i midlertidig bolig",
        "waiting": "Husstande der venter på bolig",
        "waiting_persons": "Personer der venter på bolig",
        "months_measured": "Måneder opgjort (årets summer er over dem)",
        "shortage_months": "Måneder med mangel på senge",
        "housed": "Husstande der fik bolig i året",
        "wait_median_days": "Ventetid efter ankomst, median (dage)",
        "wait_p90_days": "Ventetid efter ankomst, 90 %-fraktil (dage)",
        "waited_so_far_median_days": "Stadig ventende: ventet indtil nu, median (dage)",
        "empty_bed_months": "Tomme sengemåneder",
        "empty_bed_dkk": "Udgift til tomme pavillonsenge",
        "modules_up": "Pavillonmoduler sat op",
        "modules_down": "Pavillonmoduler taget ned",
        "moved_on": "Flyttet videre i året (husstande)",
        "moved_on_median_months": "Flyttet videre: opholdets længde, median (mdr.)",
        "moved_on_over": "Flyttet videre: andel over {k} mdr.",
        "staying": "Bor der ved årets udgang (husstande)",
        "staying_median_months": "Bor der: ophold indtil nu, median (mdr.)",
        "staying_over": "Bor der: andel over {k} mdr.",
        "families": "Børnefamilier i midlertidig bolig",
        "top_district_share": "Andel i distriktet med flest",
        "districts": "Distrikter med børnefamilier",
        "children_receiving": "Skolebørn i modtageklasse-alderen (nyankomne)",
        "receiving_minutes_avg": "Minutter til modtageklasser, gennemsnit pr. barn",
        "children_school": "Øvrige skolebørn",
        "school_minutes_avg": "Minutter til distriktets skole, gennemsnit pr. barn",
        "children_far": "Skolebørn over {m} min. fra skole",
        "average_rate": "Beboere pr. 1.000 indbyggere, kommunen",
        "max_ratio": "Største overandel (gange gennemsnittet)",
        "districts_over": "Distrikter over gennemsnit + {p} %",
        "person_minutes": "Personminutter til nærmeste station",
        "minutes_avg": "Minutter til station, gennemsnit pr. beboer",
        "worst_site_minutes": "Minutter til station, længst fra",
    },
    "en": {
        "beds": "Beds at the year's end",
        "homes_single": "Homes for single adults (rooms)",
        "homes_family": "Family homes",
        "homes_accessible": "Accessible homes",
        "residents": "Residents (persons)",
        "resident_households": "Households in temporary homes",
        "waiting": "Households waiting for a home",
        "waiting_persons": "Persons waiting for a home",
        "months_measured": "Months measured (the year's sums are over them)",
        "shortage_months": "Months short of beds",
        "housed": "Households housed in the year",
        "wait_median_days": "Days waited after arrival, median",
        "wait_p90_days": "Days waited after arrival, 90th percentile",
        "waited_so_far_median_days": "Still waiting: days so far, median",
        "empty_bed_months": "Empty bed-months",
        "empty_bed_dkk": "Cost of empty pavilion beds",
        "modules_up": "Pavilion modules put up",
        "modules_down": "Pavilion modules taken down",
        "moved_on": "Moved on in the year (households)",
        "moved_on_median_months": "Moved on: length of stay, median (months)",
        "moved_on_over": "Moved on: share over {k} months",
        "staying": "Living there at the year's end (households)",
        "staying_median_months": "Living there: stay so far, median (months)",
        "staying_over": "Living there: share over {k} months",
        "families": "Families with children in temporary homes",
        "top_district_share": "Share in the district holding most",
        "districts": "Districts holding families with children",
        "children_receiving": "School-age children new to the country",
        "receiving_minutes_avg": "Minutes to receiving classes, average per child",
        "children_school": "Other school-age children",
        "school_minutes_avg": "Minutes to the district's school, average per child",
        "children_far": "School children over {m} min. from school",
        "average_rate": "Residents per 1,000 inhabitants, municipality",
        "max_ratio": "Largest over-share (times the average)",
        "districts_over": "Districts over the average + {p} %",
        "person_minutes": "Person-minutes to the nearest station",
        "minutes_avg": "Minutes to the station, average per resident",
        "worst_site_minutes": "Minutes to the station, furthest site",
    },
}

WORDS = {
    "da": {
        "title": "Opfølgning på flygtningestrategien: midlertidige boliger",
        "subtitle": "Byrådets årlige afrapportering {first}–{year}, opgjort pr. {as_of}",
        "verdicts": "Målene i {year}",
        "measure": "Mål",
        "change": "Ændring",
        "month": "Måned",
        "months_title": "Kapacitet og behov pr. måned, {year}",
        "beds": "Senge",
        "beds_family": "Senge i familieboliger",
        "homes_single": "Værelser",
        "homes_family": "Familieboliger",
        "homes_accessible": "Handicapvenlige",
        "residents": "Beboere",
        "residents_rounded": "Beboere (afrundet til {base})",
        "waiting": "Ventende husstande",
        "waiting_persons": "Ventende personer",
        "need": "Behov (beboere + ventende)",
        "shortage": "Mangel",
        "yes": "ja",
        "no": "nej",
        "moveouts": "Fraflytninger pr. måned (husstande), {year}",
        "moveouts_n": "Fraflytninger",
        "districts_title": "Beboere pr. distrikt, {year}",
        "district": "Distrikt",
        "population": "Indbyggere",
        "rate": "pr. 1.000 indb.",
        "ratio": "Gange gennemsnittet",
        "sites_title": "Beboere og minutter til station pr. bolig, {year}",
        "site": "Midlertidig bolig",
        "minutes": "Minutter til station",
        "map_title": "Kort: beboere pr. 1.000 indbyggere, {year}",
        "chart_capacity": "Senge, beboere og behov pr. måned",
        "chart_stays": "Andel der har boet der over {k} mdr. ved årets udgang",
        "chart_moveouts": "Fraflytninger pr. måned",
        "chart_spread": "Beboere pr. 1.000 indbyggere mod kommunens gennemsnit",
        "average": "Kommunens gennemsnit",
        "privacy": 'Tal under {n} vises som "<{n}", også 0; "x" er skjult, så et tal under {n} '
        "ikke kan regnes ud af de viste tal (som forskellen mellem to, eller af husstande ved "
        "årets start + husstande, der fik bolig − husstande ved årets udgang); "
        '"–" er ikke opgjort (for få). En '
        "sum over boliger eller måneder, hvor en del er skjult, vises som det interval de viste "
        'dele giver (fx "182–188": de viste dele plus højst {top} for hver skjult), og det samme '
        "gælder personminutter og tomme senge; gennemsnit, forhold og mangel regnes fra "
        "intervallernes midte, og opholdets længde for dem der flyttede videre over de viste "
        "måneder. Figurens beboere og behov er afrundet til nærmeste {base}.",
        "method": "Opgørelse: beholdninger den sidste dag i hver måned og året; et ophold løber "
        "fra første indflytning til sidste fraflytning, også når husstanden er flyttet mellem "
        "to midlertidige boliger; måneder à 30,44 dage. Mangel: flere beboere og ventende end "
        "senge. Udgift: pavillonernes månedlige leje pr. seng (kommunale bygninger har ingen "
        "månedlig udgift i registret).",
        "no_module_dates": "Registret har ingen datoer for hvornår moduler blev sat op eller "
        "taget ned (units.in_service_from/in_service_until): de vises som «–».",
        "no_module_up_dates": "Registret har ingen datoer for hvornår moduler blev sat op "
        "(units.in_service_from): «Pavillonmoduler sat op» vises som «–»; moduler taget ned "
        "tælles efter units.in_service_until.",
        "no_module_down_dates": "Registret har ingen datoer for hvornår moduler blev taget ned "
        "(units.in_service_until): «Pavillonmoduler taget ned» vises som «–»; moduler sat op "
        "tælles efter units.in_service_from.",
        "no_data": "ingen data",
        "first_record": "Registrets første registrering er {first}: månederne før {month} er "
        "ikke opgjort og vises som «ingen data». {year} er kun opgjort for {span} (kolonnen "
        "«{year} ({span})»): årets summer (måneder med mangel, tomme sengemåneder og deres "
        "udgift, husstande der fik bolig, fraflytninger) er kun over de opgjorte måneder, og "
        "deres ændring mod et år med andre måneder vises ikke.",
        "pp": "pct.-point",
        "internal": "Ingen personoplysninger: kun antal.",
    },
    "en": {
        "title": "Follow-up on the refugee strategy: temporary homes",
        "subtitle": "The council's yearly report {first}–{year}, as of {as_of}",
        "verdicts": "The goals in {year}",
        "measure": "Measure",
        "change": "Change",
        "month": "Month",
        "months_title": "Capacity and need by month, {year}",
        "beds": "Beds",
        "beds_family": "Beds in family homes",
        "homes_single": "Rooms",
        "homes_family": "Family homes",
        "homes_accessible": "Accessible",
        "residents": "Residents",
        "residents_rounded": "Residents (rounded to {base})",
        "waiting": "Waiting households",
        "waiting_persons": "Waiting persons",
        "need": "Need (residents + waiting)",
        "shortage": "Shortage",
        "yes": "yes",
        "no": "no",
        "moveouts": "Move-outs by month (households), {year}",
        "moveouts_n": "Move-outs",
        "districts_title": "Residents by district, {year}",
        "district": "District",
        "population": "Inhabitants",
        "rate": "per 1,000 inh.",
        "ratio": "Times the average",
        "sites_title": "Residents and minutes to the station by home, {year}",
        "site": "Temporary home",
        "minutes": "Minutes to the station",
        "map_title": "Map: residents per 1,000 inhabitants, {year}",
        "chart_capacity": "Beds, residents and need by month",
        "chart_stays": "Share living there over {k} months at the year's end",
        "chart_moveouts": "Move-outs by month",
        "chart_spread": "Residents per 1,000 inhabitants against the municipal average",
        "average": "Municipal average",
        "privacy": 'Counts below {n} are shown as "<{n}", 0 included; "x" is hidden so that no '
        "count below {n} can be had from the shown figures (as the difference of two, or as "
        "households at the year's start + households housed - households at its end); "
        '"–" is not measured (too few). A sum over homes or months with a hidden part is shown '
        "as the range the "
        'shown parts allow (e.g. "182–188": the shown parts plus at most {top} for each hidden '
        "one), and so are person-minutes and empty beds; averages, ratios and shortages are "
        "computed from the middle of the ranges, and the length of stay of those who moved on "
        "over the months shown. The chart's residents and need are rounded to the nearest "
        "{base}.",
        "method": "Stocks are taken on the last day of each month and of the year; a stay runs "
        "from the first move-in to the last move-out, also when the household moved between "
        "two temporary homes; months of 30.44 days. Shortage: more residents and waiting than "
        "beds. Cost: the pavilions' monthly rent per bed (municipal buildings have no monthly "
        "cost in the registry).",
        "no_module_dates": "The registry has no dates for when modules were put up or taken "
        'down (units.in_service_from/in_service_until): they are shown as "–".',
        "no_module_up_dates": "The registry has no dates for when modules were put up "
        '(units.in_service_from): "Pavilion modules put up" is shown as "–"; modules taken '
        "down are counted from units.in_service_until.",
        "no_module_down_dates": "The registry has no dates for when modules were taken down "
        '(units.in_service_until): "Pavilion modules taken down" is shown as "–"; modules put '
        "up are counted from units.in_service_from.",
        "no_data": "no data",
        "first_record": "The registry's first record is {first}: the months before {month} "
        'are not measured and are shown as "no data". {year} is measured only for {span} (the '
        'column "{year} ({span})"): its sums (months short of beds, empty bed-months and their '
        "cost, households housed, move-outs) are over the measured months only, and their "
        "change against a year of other months is not shown.",
        "pp": "points",
        "internal": "No personal data: counts only.",
    },
}


def check_lang(lang: str) -> str:
    """``lang`` when it is "da" or "en"; else a ``UserError``."""
    if lang not in WORDS:
        raise UserError(LANG_ERROR.format(lang=lang))
    return lang


def month_span(months: Iterable, lang: str) -> str:
    """The months measured in a year ("marts–december", one name for one month), or "" when they
    are all twelve; ``months``: the first day of each, in order."""
    months = list(months)
    if len(months) >= 12:
        return ""
    names = MONTH_NAMES[lang]
    first, last = names[months[0].month - 1], names[months[-1].month - 1]
    return first if first == last else f"{first}–{last}"


def measure_title(measure: str, lang: str, limits) -> str:
    """The row title of a measure (``staying_over_12`` -> "Bor der: andel over 12 mdr.")."""
    words = MEASURES[lang]
    for prefix in ("moved_on_over_", "staying_over_"):
        if measure.startswith(prefix):
            return words[prefix[:-1]].format(k=measure[len(prefix) :])
    return words[measure].format(m=limits.max_school_minutes, p=limits.spread_tolerance_pct)
