"""One line per goal, in plain Danish (or English), computed from the year's figures.

A verdict says only what its figures show: whether the goal is met by the rule written beside it,
the figure that decides it as the reader sees it (a hidden figure is never written out, only "<3"
or nothing) and the year before's figure in parentheses. The rules:

- capacity: met when no month of the year had more persons in need (residents and waiting) than beds
  and no household waits for a home at the year's end (or on the report's date, when it ends the
  year early); with beds enough every month but households still waiting then, only partly met,
  with their number (as shown) and how long they have waited so far: the goal is homes for those
  who need them, and enough beds in total do not house a family that waits for a home of its
  size; a year measured only in part (``months_measured`` labelled with
  its months: it begins with the registry's first record or ends on the report's date) says over
  which months, its own and the year before's, so that a part of a year is never read as a whole
  one;
- short stays: met when nobody living in a temporary home at the year's end had lived there over
  the policy's ``long_stay_months``;
- families together: met when every family with children lives in one district (the policy's
  ``cluster_district_kind``), named only when the families' number is shown;
- even spread: met when no district has more residents per 1,000 inhabitants than the municipal
  average plus the policy's ``spread_tolerance_pct``;
- transport: the strategy sets no limit, so the verdict says whether the average minutes to the
  station went down, up or stayed the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from capacity.followup.figures import Figure
from capacity.policy import Limits
from capacity.reports.text import MONTHS

Index = dict[tuple[int, str, str], Figure]

TEXT = {
    "da": {
        "capacity_met": "Målet om kapacitet efter behov er nået: ingen måneder med mangel på senge",
        "capacity_not": "Målet om kapacitet efter behov er ikke nået: {n} med mangel på senge",
        "months": ("måned", "måneder"),
        "wait": "; halvdelen ventede højst {d} dage på en bolig",
        "capacity_partly": "Målet om kapacitet efter behov er kun delvist nået: der var senge nok "
        "hver måned{months}, men {n} på bolig {end}",
        "waiting": ("husstand venter", "husstande venter"),
        "waiting_some": "nogle husstande venter",
        "capacity_few": "Målet om kapacitet efter behov er nået eller næsten nået: der var senge "
        "nok hver måned{months}, og færre end {m} husstande venter på bolig {end}",
        "waited": "; de har ventet {d} dage indtil nu (median)",
        "stays_none": "Ingen boede i midlertidige boliger {end}",
        "stays_met": "Målet om korte ophold er nået: ingen har boet der over {k} måneder",
        "stays_not": "Målet om korte ophold er ikke nået: {s} har boet der over {k} måneder",
        "stays_some": "Målet om korte ophold er ikke nået: nogle har boet der over {k} måneder",
        "stays_few": "Målet om korte ophold er nået eller næsten nået: færre end {m} husstande "
        "har boet der over {k} måneder",
        "stays_few_living": "Færre end {m} husstande boede i midlertidige boliger {end}",
        "families_none": "Ingen børnefamilier boede i midlertidige boliger {end}",
        "families_few": "Færre end {m} børnefamilier boede i midlertidige boliger {end}",
        "families_met": "Målet om børnefamilier i samme område er nået: alle bor i {name}",
        "families_met_hidden": "Målet om børnefamilier i samme område er nået: alle bor i samme "
        "distrikt",
        "families_not": "Målet om børnefamilier i samme område er ikke nået: børnefamilierne bor "
        "i {n} distrikter",
        "families_top": ", {s} i {name}",
        "spread_none": "Ingen beboere i distrikterne {end}",
        "spread_met": "Målet om jævn fordeling er nået: intet distrikt har over {p} % af "
        "kommunens gennemsnit pr. 1.000 indbyggere",
        "spread_max": " (højest {name}: {r} gange gennemsnittet)",
        "spread_not": "Målet om jævn fordeling er ikke nået: {name} har {r} gange kommunens "
        "gennemsnit pr. 1.000 indbyggere",
        "spread_not_hidden": "Målet om jævn fordeling er ikke nået: {n} over {p} % af "
        "kommunens gennemsnit pr. 1.000 indbyggere",
        "districts": ("distrikt ligger", "distrikter ligger"),
        "n_districts": ("distrikt", "distrikter"),
        "transport_none": "Ingen beboere {end}",
        "transport_first": "Beboerne har i gennemsnit {m} minutter til nærmeste station",
        "transport_better": "Transporten er blevet bedre: i gennemsnit {m} minutter til "
        "nærmeste station",
        "transport_worse": "Transporten er blevet dårligere: i gennemsnit {m} minutter til "
        "nærmeste station",
        "transport_same": "Transporten er uændret: i gennemsnit {m} minutter til nærmeste station",
        "worst": "; længst: {name}, {m} minutter",
        "before": " ({year}: {value})",
        "before_span": " ({year}, {span}: {value})",
        "in_span": " i {span}",
    },
    "en": {
        "capacity_met": "The goal of capacity matching the need is met: no month short of beds",
        "capacity_not": "The goal of capacity matching the need is not met: {n} short of beds",
        "months": ("month", "months"),
        "wait": "; half waited at most {d} days for a home",
        "capacity_partly": "The goal of capacity matching the need is only partly met: beds were "
        "enough every month{months}, but {n} for a home {end}",
        "waiting": ("household waits", "households wait"),
        "waiting_some": "some households wait",
        "capacity_few": "The goal of capacity matching the need is met or nearly met: beds were "
        "enough every month{months}, and fewer than {m} households wait for a home {end}",
        "waited": "; they have waited {d} days so far (median)",
        "stays_none": "Nobody lived in a temporary home {end}",
        "stays_met": "The goal of short stays is met: nobody has lived there over {k} months",
        "stays_not": "The goal of short stays is not met: {s} have lived there over {k} months",
        "stays_some": "The goal of short stays is not met: some have lived there over {k} months",
        "stays_few": "The goal of short stays is met or nearly met: fewer than {m} households "
        "have lived there over {k} months",
        "stays_few_living": "Fewer than {m} households lived in a temporary home {end}",
        "families_none": "No family with children lived in a temporary home {end}",
        "families_few": "Fewer than {m} families with children lived in a temporary home {end}",
        "families_met": "The goal of families with children in one area is met: all live in {name}",
        "families_met_hidden": "The goal of families with children in one area is met: all live "
        "in one district",
        "families_not": "The goal of families with children in one area is not met: they live "
        "in {n} districts",
        "families_top": ", {s} in {name}",
        "spread_none": "No residents in the districts {end}",
        "spread_met": "The goal of an even spread is met: no district has over {p} % of the "
        "municipal average per 1,000 inhabitants",
        "spread_max": " (highest {name}: {r} times the average)",
        "spread_not": "The goal of an even spread is not met: {name} has {r} times the municipal "
        "average per 1,000 inhabitants",
        "spread_not_hidden": "The goal of an even spread is not met: {n} over {p} % of the "
        "municipal average per 1,000 inhabitants",
        "districts": ("district is", "districts are"),
        "n_districts": ("district", "districts"),
        "transport_none": "No residents {end}",
        "transport_first": "Residents have {m} minutes to the nearest station on average",
        "transport_better": "Transport has improved: {m} minutes to the nearest station on average",
        "transport_worse": "Transport has got worse: {m} minutes to the nearest station on average",
        "transport_same": "Transport is unchanged: {m} minutes to the nearest station on average",
        "worst": "; furthest: {name}, {m} minutes",
        "before": " ({year}: {value})",
        "before_span": " ({year}, {span}: {value})",
        "in_span": " in {span}",
    },
}


def verdicts(
    index: Index, year: int, limits: Limits, lang: str, as_of: dt.date | None = None
) -> dict[str, str]:
    """Goal -> the verdict for ``year`` (a sentence ending in a full stop). The figures "at the
    year's end" are those of ``as_of`` when it lies before 31 December (the registry was last
    brought up to date then), and the sentences say that day instead."""
    end = at_end(year, as_of, lang)
    w = {k: v.replace("{end}", end) if isinstance(v, str) else v for k, v in TEXT[lang].items()}
    rules: dict[str, Callable[[Index, int, Limits, dict], str]] = {
        "capacity": capacity,
        "stays": stays,
        "families": families,
        "spread": spread,
        "transport": transport,
    }
    return {goal: rule(index, year, limits, w) + "." for goal, rule in rules.items()}


def at_end(year: int, as_of: dt.date | None, lang: str) -> str:
    """ "ved årets udgang", or "pr. 1. december 2026" where ``as_of`` ends ``year`` early."""
    if as_of is None or as_of >= dt.date(year, 12, 31):
        return "ved årets udgang" if lang == "da" else "at the year's end"
    month = MONTHS[lang][as_of.month - 1]
    if lang == "da":
        return f"pr. {as_of.day}. {month} {as_of.year}"
    return f"on {as_of.day} {month} {as_of.year}"


def _before(
    index: Index, year: int, goal: str, measure: str, w: dict, unit=None, span: str = ""
) -> str:
    """The year before's figure in parentheses; ``span``: the months it is over, when only some."""
    f = index.get((year - 1, goal, measure))
    if f is None or f.hidden:
        return ""
    value = f.shown if unit is None else _plural(int(f.value), unit)
    if span:
        return w["before_span"].format(year=year - 1, span=span, value=value)
    return w["before"].format(year=year - 1, value=value)


def _span(index: Index, year: int) -> str:
    """The months measured in ``year`` ("marts–december"), or "" when all twelve are."""
    f = index.get((year, "capacity", "months_measured"))
    return f.label if f is not None else ""


def _plural(n: int, words: tuple[str, str]) -> str:
    return f"{n} {words[0] if n == 1 else words[1]}"


def capacity(index: Index, year: int, limits: Limits, w: dict) -> str:
    short = index[(year, "capacity", "shortage_months")]
    span = _span(index, year)
    within = w["in_span"].format(span=span) if span else ""
    before = _before(
        index, year, "capacity", "shortage_months", w, w["months"], _span(index, year - 1)
    )
    if short.value:
        n = _plural(int(short.value), w["months"])
        return w["capacity_not"].format(n=n) + within + before
    waiting = index.get((year, "capacity", "waiting"))
    wait = index[(year, "capacity", "wait_median_days")]
    tail = "" if wait.hidden else w["wait"].format(d=wait.shown)
    if waiting is not None and _few(waiting, limits.min_count):
        return w["capacity_few"].format(months=within + before, m=limits.min_count) + tail
    if waiting is not None and waiting.n:
        return _partly(index, year, limits, w, waiting, within + before)
    return w["capacity_met"] + within + before + tail


def _few(f: Figure, min_count: int) -> bool:
    """A count shown as "<N" (a share of one as "–"): none and a few read alike, so a verdict
    may not tell them apart (``privacy.suppress``); "x" (hidden for another's sake) is not, nor
    is "<1" (with ``min_count`` 1 it says 0)."""
    return f.hidden and f.shown != "x" and min_count > 1


def _partly(index: Index, year: int, limits: Limits, w: dict, waiting: Figure, months: str) -> str:
    """Beds enough every month (``months``: over which, and the year before's months short), but
    households waiting at the year's end: how many (as shown, "nogle" where it is withheld; a
    count shown as "<N" gets ``capacity_few``), the year before's, and the median days waited so
    far."""
    n = w["waiting_some"] if waiting.shown == "x" else _plural(int(waiting.value), w["waiting"])
    before = _before(index, year, "capacity", "waiting", w)
    waited = index.get((year, "capacity", "waited_so_far_median_days"))
    tail = "" if waited is None or waited.hidden else w["waited"].format(d=waited.shown)
    return w["capacity_partly"].format(months=months, n=n) + before + tail


def stays(index: Index, year: int, limits: Limits, w: dict) -> str:
    k = limits.long_stay_months
    living = index[(year, "stays", "staying")]
    over = index[(year, "stays", f"staying_over_{k}")]
    before = _before(index, year, "stays", f"staying_over_{k}", w)
    if _few(living, limits.min_count):
        return w["stays_few_living"].format(m=limits.min_count)
    if not living.value:
        return w["stays_none"]
    if _few(over, limits.min_count):
        return w["stays_few"].format(m=limits.min_count, k=k) + before
    if not over.n:
        return w["stays_met"].format(k=k) + before
    if over.shown == "x":
        return w["stays_some"].format(k=k) + before
    return w["stays_not"].format(s=over.shown, k=k) + before


def families(index: Index, year: int, limits: Limits, w: dict) -> str:
    fam = index[(year, "families", "families")]
    n = index[(year, "families", "districts")]
    top = index[(year, "families", "top_district_share")]
    if _few(fam, limits.min_count):
        return w["families_few"].format(m=limits.min_count)
    if not fam.value:
        return w["families_none"]
    before = _before(index, year, "families", "districts", w, w["n_districts"])
    if n.value == 1 and top.value == 1 and top.hidden:
        return w["families_met_hidden"] + before  # the name would place a hidden count
    if n.value == 1 and top.value == 1:
        return w["families_met"].format(name=top.label) + before
    tail = "" if top.hidden else w["families_top"].format(s=top.shown, name=top.label)
    return w["families_not"].format(n=int(n.value)) + tail + before


def spread(index: Index, year: int, limits: Limits, w: dict) -> str:
    worst = index[(year, "spread", "max_ratio")]
    over = index[(year, "spread", "districts_over")]
    pct = 100 + limits.spread_tolerance_pct
    if worst.value is None:
        return w["spread_none"]
    before = _before(index, year, "spread", "max_ratio", w)
    if not over.value:
        tail = "" if worst.hidden else w["spread_max"].format(name=worst.label, r=worst.shown)
        return w["spread_met"].format(p=pct) + tail
    if worst.hidden:
        return w["spread_not_hidden"].format(n=_plural(int(over.value), w["districts"]), p=pct)
    return w["spread_not"].format(name=worst.label, r=worst.shown) + before


def transport(index: Index, year: int, limits: Limits, w: dict) -> str:
    avg = index[(year, "transport", "minutes_avg")]
    worst = index[(year, "transport", "worst_site_minutes")]
    if avg.value is None:
        return w["transport_none"]
    if avg.hidden:
        return w["transport_none"]
    prev = index.get((year - 1, "transport", "minutes_avg"))
    tail = "" if worst.hidden else w["worst"].format(name=worst.label, m=worst.shown)
    m = avg.shown
    if prev is None or prev.hidden or prev.value is None:
        return w["transport_first"].format(m=m) + tail
    now, then = round(avg.value, 1), round(prev.value, 1)
    key = (
        "transport_better" if now < then else "transport_worse" if now > then else "transport_same"
    )
    return w[key].format(m=m) + w["before"].format(year=year - 1, value=prev.shown) + tail
