"""The follow-up's figures and their protection against small counts.

Every number of the follow-up is a ``Figure``: a year, a goal, a measure and its value. A figure
that counts people (persons, households, children) also carries the ids of the households it counts
(``members``, never written anywhere) and a share carries those of its numerator. Protection then
works on the members, not on the layout of a table:

- primary: a count below ``min_count`` is shown as ``"<N"`` (``reports.privacy.suppress``), a share
  whose numerator is below it as that count (``"<N"``), and a statistic (median, average, percentile) over
  fewer than ``min_count`` households or children as ``"–"``;
- totals: a count that is the sum of parts shown beside it (the residents over the sites) is
  published as the range the shown parts allow
  (``reports.privacy.published_total``, the council map's rule): "182–184" when a part is hidden,
  so that the total less the shown parts gives back "each hidden part below N" and nothing more
  (``total``). A figure computed from such counts (person-minutes, empty beds) is published as
  the range it takes over the parts' published ranges (``bounded``: ``low``..``high``, its
  ``value`` the middle); a statistic of parts' households (how long those moved on had stayed)
  is taken over the shown parts' households only;
- secondary: whenever one shown count's households are among another's (same year, same unit;
  a range counts as its low end over the shown parts' households) and the difference is 1 to
  ``min_count - 1``, subtracting the two would give a hidden count, so one of them is hidden too
  (shown as ``"x"``): the smaller, or the larger when the smaller is a part of a total (``part``:
  its total counts it as shown), until no such pair is left.

A difference of 0 (all of a group in one part) recovers nobody and is allowed.

- identities: counts tied by an equation that holds in every registry (``Identity``: the
  households moved on in a year are those living there at its start, plus those housed in it,
  less those living there at its end; they are also the sum of the year's months) let a reader
  combine more than two shown figures. The caller hides counts chosen beforehand from what is
  shown (``hide``: the follow-up's ``measures.complement``); then what the report shows of
  each count (its value, its range, "<N" as 0..N-1, "x" as N or more) is carried through the
  equations (``identity_intervals``), and where that leaves a count shown as "<N" one value
  only, another count of the equation is hidden too ("x"), until none is given back. (That a
  hidden count is not 0 may still follow: living there at a year's end shown as 3 or more, with
  those living there at its start and those housed in it both "<3", says that neither is
  none.)

A figure of a month before the registry's first record is not measured (``unmeasured``): it is
shown as "ingen data" ("no data"), never as a count, and is no part of any total.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

from capacity.errors import UserError
from capacity.followup.words import WORDS
from capacity.numbers import number
from capacity.reports.privacy import (
    Total,
    is_suppressed,
    published_total,
    suppress,
    total_text,
)

HIDDEN = "x"  # hidden so that no small count can be had by subtracting two shown figures

Key = tuple[int, str, str]  # (year, goal, measure): ``Figure.key``
# an equation that holds in every registry: the sum of coefficient (+1 or -1) times count is 0
Identity = tuple[tuple[int, Key], ...]
INF = float("inf")
NO_VALUE = "–"
DECIMALS = {"share": 0, "days": 0, "number": 0, "dkk": 0, "ratio": 2}  # any other kind: 1


@dataclass(frozen=True)
class Figure:
    """One number of the follow-up, with what protection needs.

    ``kind`` is ``count``, ``share`` (a fraction 0-1), ``number`` (no people: beds, months,
    districts), or a statistic over a group: ``days``, ``months``, ``minutes``, ``ratio``,
    ``rate`` or ``dkk``. ``n`` is the number of people a count or a share's numerator counts and
    ``members`` their households' ids; ``unit`` is what they count (``persons``, ``households``,
    ``children``); ``group`` is the size of the group a statistic or share is taken over (for a
    figure computed from published ranges: the people the shown parts hold). A figure with
    ``low`` set is published as the range ``low``..``high`` (see the module docstring) and its
    ``value`` is the range's middle, never the exact value.
    """

    year: int
    goal: str
    measure: str
    value: float | None
    kind: str = "number"
    n: int | None = None
    members: frozenset[str] = field(default=frozenset(), repr=False)
    unit: str = ""
    group: int | None = None
    shown: str = ""  # set by ``protect``
    hidden: bool = False  # set by ``protect``
    label: str = ""  # a name that goes with the measure (a district, a site), user text
    low: float | None = None  # published as the range low..high
    high: float | None = None
    part: bool = False  # a part of a published total (a site, a month)
    measured: bool = True  # False: a month before the registry's first record, no data

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.year, self.goal, self.measure)

    @property
    def exact(self) -> bool:
        """True when the figure is published as one value (not a range)."""
        return self.low is None or self.low == self.high


def count(
    year: int, goal: str, measure: str, members: dict[str, int], unit: str, part: bool = False
) -> Figure:
    """A count of ``unit`` over the households in ``members`` (id -> persons/children/1);
    ``part``: a part of a total published beside it."""
    n = int(sum(members.values()))
    return Figure(year, goal, measure, n, "count", n, frozenset(members), unit, part=part)


def unmeasured(year: int, goal: str, measure: str, unit: str) -> Figure:
    """A count the registry holds no data for (a month before its first record): no value,
    shown as "ingen data"."""
    return Figure(year, goal, measure, None, "count", unit=unit, part=True, measured=False)


def total(
    year: int, goal: str, measure: str, parts: list[Figure], unit: str, min_count: int
) -> Figure:
    """A count that is the sum of ``parts`` (counts shown beside it: the sites, the months),
    published as the range the shown parts allow (``reports.privacy.published_total``).

    Its ``n`` and ``members`` are the range's low end and the households of the shown parts:
    what the range gives exactly, which the secondary suppression then checks like any count.
    """
    published = published_total([p.n for p in parts], min_count)
    shown = [p.members for p in parts if not is_suppressed(p.n, min_count)]
    return Figure(
        year,
        goal,
        measure,
        published.estimate,
        "count",
        published.lo,
        frozenset().union(*shown),
        unit,
        low=published.lo,
        high=published.hi,
    )


def bounded(
    year: int,
    goal: str,
    measure: str,
    low: float,
    high: float,
    kind: str,
    group: int | None = None,
) -> Figure:
    """A figure computed from counts some of which are hidden, published as the range
    ``low``..``high`` it takes over their published ranges; ``group``: when given, the people
    the shown counts hold (below ``min_count`` the figure is not shown)."""
    return Figure(year, goal, measure, (low + high) / 2, kind, group=group, low=low, high=high)


def share(
    year: int, goal: str, measure: str, part: dict[str, int], whole: int, unit: str
) -> Figure:
    """The share ``sum(part) / whole`` (``None`` when ``whole`` is 0)."""
    n = int(sum(part.values()))
    value = n / whole if whole else None
    return Figure(year, goal, measure, value, "share", n, frozenset(part), unit, whole)


def stat(year: int, goal: str, measure: str, value: float | None, kind: str, group: int) -> Figure:
    """A statistic (median, average, percentile, ratio) over a group of ``group``."""
    return Figure(year, goal, measure, value, kind, group=group)


def protect(
    figures: list[Figure],
    min_count: int,
    lang: str = "da",
    identities: tuple[Identity, ...] = (),
    known: dict[Key, int] | None = None,
    hide: frozenset[Key] = frozenset(),
    hideable: frozenset[Key] | None = None,
    last: frozenset[Key] = frozenset(),
) -> list[Figure]:
    """``figures`` with ``shown`` and ``hidden`` set (primary, then secondary suppression: the
    counts of ``hide`` chosen beforehand, by pairs and by ``identities``).

    A figure derived from a count (a share) carries the count's ``n`` and ``members``, so it is
    hidden with it. ``known``: counts of the identities that this report does not show but a
    reader may know exactly (the year before the first, from an earlier report). ``hideable``:
    the counts the identities' check may hide (default: any of theirs; a count an earlier report
    showed protects nothing hidden), ``last`` those it hides only when nothing else will do.
    """
    out = [_primary(f, min_count, lang) for f in figures]
    out = [
        replace(f, hidden=True, shown=HIDDEN) if f.key in hide and not f.hidden else f for f in out
    ]
    known = known or {}
    while True:
        hide_now = _violations(out, min_count) or _identity_hides(
            out, min_count, identities, known, hideable, last
        )
        if not hide_now:
            break
        for j in hide_now:
            out[j] = replace(out[j], hidden=True, shown=HIDDEN)
    return [replace(f, shown=format_value(f, min_count, lang)) if not f.hidden else f for f in out]


def _interval(f: Figure, min_count: int) -> tuple[float, float]:
    """What a reader knows of a count from the report: its value or published range; "<N" is
    0..N-1, and "x" is N or more (a count hidden for another's sake would be shown otherwise;
    a total that would be shown as a range may be less, so it is anything)."""
    if f.hidden and f.shown != HIDDEN:
        return 0.0, min_count - 1.0
    if f.hidden:
        return (0.0, INF) if f.low is not None else (float(min_count), INF)
    if f.low is not None:
        return float(f.low), float(f.high)
    return float(f.value), float(f.value)


def identity_intervals(
    figures: list[Figure], min_count: int, identities: tuple[Identity, ...], known: dict[Key, int]
) -> dict[Key, tuple[float, float]]:
    """Each count of ``identities`` as narrow as the report and the equations make it: every
    count's interval (``_interval``; a ``known`` one exact) narrowed by each equation solved for
    it, until nothing changes. The follow-up's equations share at most one count two by two and
    form no cycle, so this gives exactly what a reader can work out."""
    index = {f.key: f for f in figures}
    box = {k: (float(v), float(v)) for k, v in known.items()}
    for eq in identities:
        for _, k in eq:
            if k not in box:
                box[k] = _interval(index[k], min_count)
    for _ in range(4 * len(identities) + 1):
        changed = False
        for eq in identities:
            for c, k in eq:
                lo = hi = 0.0  # the other terms, sum of c*x, over their intervals
                for c2, k2 in eq:
                    if k2 != k:
                        a, b = box[k2]
                        lo, hi = (lo + a, hi + b) if c2 > 0 else (lo - b, hi - a)
                # c*x = -(others): x in -[lo, hi] / c
                new = (-hi, -lo) if c > 0 else (lo, hi)
                old = box[k]
                got = (max(old[0], new[0]), min(old[1], new[1]))
                if got != old:
                    box[k], changed = got, True
        if not changed:
            break
    return box


def _narrowed(
    figures: list[Figure], min_count: int, identities: tuple[Identity, ...], known: dict[Key, int]
) -> list[Key]:
    """The counts shown as "<N" that ``identity_intervals`` leaves one value only (none with
    ``min_count`` 1: "<1" is 0, which the report says itself)."""
    if min_count < 2:
        return []
    box = identity_intervals(figures, min_count, identities, known)
    index = {f.key: f for f in figures}
    return [
        k
        for k, (lo, hi) in box.items()
        if k in index and index[k].hidden and index[k].shown != HIDDEN and hi - lo < 1
    ]


def _identity_hides(
    figures: list[Figure],
    min_count: int,
    identities: tuple[Identity, ...],
    known: dict[Key, int],
    hideable: frozenset[Key] | None = None,
    last: frozenset[Key] = frozenset(),
) -> set[int]:
    """One figure to hide so that no count shown as "<N" is given back by the identities: of
    the counts shown in an equation with the first one given back (else in any equation), the
    first whose hiding gives it more than one value, else the largest (the most room). They are
    tried the smallest first among those of 2N-1 or more, which leave a hidden count all of
    0..N-1 whatever its value ("x" says N or more: N-1 of room), so that which one is hidden
    does not depend on a hidden value; then the smaller ones; counts of ``last`` (a stock shown
    twice: hidden only both together) after all others. Only counts of ``hideable`` (when
    given) are hidden.

    Raises
    ------
    UserError
        When every count of the equations is hidden and one is still given back (with
        ``min_count`` 2 a year's end of 2 or more and its start and arrivals both "<2" give
        both as 1): the report cannot be published without it.
    """
    narrowed = _narrowed(figures, min_count, identities, known)
    if not narrowed:
        return set()
    first = narrowed[0]
    pos = {f.key: i for i, f in enumerate(figures)}
    near = [k for eq in identities if any(k == first for _, k in eq) for _, k in eq]
    every = [k for eq in identities for _, k in eq]
    for keys in (near, every):
        shown = sorted(
            {
                k
                for k in keys
                if k in pos and not figures[pos[k]].hidden and (hideable is None or k in hideable)
            },
            key=lambda k: (
                k in last,
                figures[pos[k]].value < 2 * min_count - 1,
                figures[pos[k]].value,
                k,
            ),
        )
        if not shown:
            continue
        for k in shown:
            trial = list(figures)
            trial[pos[k]] = replace(figures[pos[k]], hidden=True, shown=HIDDEN)
            if first not in _narrowed(trial, min_count, identities, known):
                return {pos[k]}
        return {pos[shown[-1]]}
    year, goal, measure = first
    raise UserError(
        f"opfølgningen kan ikke vises uden at et skjult tal ({year}, {goal}: {measure}) kan "
        "regnes ud af de viste; vis færre år (--from) eller hæv min_count i politikken"
    )


def _violations(figures: list[Figure], min_count: int) -> set[int]:
    """Indexes of figures to hide: of two shown counts of the same year and unit (a range: its
    low end), one holding the other's households, with a difference of 1 to ``min_count - 1``,
    the smaller one, or the larger when the smaller is a part of a published total."""
    groups: dict[tuple[int, str], list[int]] = {}
    for i, f in enumerate(figures):
        if f.n is not None and f.members and not f.hidden:
            groups.setdefault((f.year, f.unit), []).append(i)
    found: set[int] = set()
    for idx in groups.values():
        idx.sort(key=lambda i: figures[i].n)
        ns = [figures[i].n for i in idx]
        for j in idx:
            b = figures[j]
            lo, hi = bisect_left(ns, b.n + 1), bisect_left(ns, b.n + min_count)
            over = [idx[k] for k in range(lo, hi) if b.members <= figures[idx[k]].members]
            if over and b.part and not any(figures[k].part for k in over):
                found.update(over)
            elif over:
                found.add(j)
    return found


def _primary(f: Figure, min_count: int, lang: str) -> Figure:
    """Hide a figure whose count (or numerator) is small or whose group is too small, and show
    one that is not measured as "no data"."""
    if not f.measured:
        return replace(f, hidden=True, shown=WORDS[lang]["no_data"])
    small = f.high < min_count if f.low is not None and f.kind == "count" else None
    if small is None:
        small = f.n is not None and f.n < min_count
    if small:
        # a share of a hidden count is "–" (not measured: too few), never "<3", which beside a
        # share reads as "under 3 %"
        text = suppress(f.n, min_count) if f.kind == "count" else NO_VALUE
        return replace(f, hidden=True, shown=text)
    if f.group is not None and f.group < min_count:
        return replace(f, hidden=True, shown=NO_VALUE)
    if f.value is None:
        return replace(f, hidden=True, shown=NO_VALUE)
    return f


def format_value(f: Figure, min_count: int = 3, lang: str = "da") -> str:
    """A figure as shown in the report (before protection: its value, or its range)."""
    if f.value is None:
        return NO_VALUE
    if f.kind == "count":
        if f.low is not None:
            return total_text(Total(int(f.low), int(f.high)), min_count)
        return suppress(f.value, min_count)
    scale = 100 if f.kind == "share" else 1
    decimals = DECIMALS.get(f.kind, 1)
    low, high = (f.value, f.value) if f.low is None else (f.low, f.high)
    first, last = number(scale * low, decimals, lang), number(scale * high, decimals, lang)
    text = first if first == last else f"{first}–{last}"
    if f.kind == "share":
        return f"{text} %"
    if f.kind == "dkk":
        return f"{text} kr." if lang == "da" else f"DKK {text}"
    return text
