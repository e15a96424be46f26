"""The follow-up's figures and their protection against small counts.

Every number of the follow-up is a ``Figure``: a year, a goal, a measure and its exact value. A figure
that counts people (persons, households, children) also carries the ids of the households it counts
(``members``, never written anywhere) and a share carries those of its numerator. Protection then
works on the members, not on the layout of a table:

- primary: a count below ``min_count`` is shown as ``"<N"`` (``reports.privacy.suppress``), a share
  whose numerator is below it as that count (``"<N"``), and a statistic (median, average, percentile) over
  fewer than ``min_count`` households or children as ``"–"``;
- secondary: whenever one shown count's households are among another's (same year, same unit) and
  the difference is 1 to ``min_count - 1``, subtracting the two would give a hidden count, so the
  smaller one is hidden too (shown as ``"x"``), until no such pair is left.

A difference of 0 (all of a group in one part) recovers nobody and is allowed.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

from capacity.reports.privacy import suppress
from capacity.reports.text import number

HIDDEN = "x"  # hidden so that no small count can be had by subtracting two shown figures
NO_VALUE = "–"


@dataclass(frozen=True)
class Figure:
    """One number of the follow-up, exact, with what protection needs.

    ``kind`` is ``count``, ``share`` (a fraction 0-1), ``number`` (no people: beds, months,
    districts), or a statistic over a group: ``days``, ``months``, ``minutes``, ``ratio``,
    ``rate`` or ``dkk``. ``n`` is the number of people a count or a share's numerator counts and
    ``members`` their households' ids; ``unit`` is what they count (``persons``, ``households``,
    ``children``); ``group`` is the size of the group a statistic or share is taken over.
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

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.year, self.goal, self.measure)


def count(year: int, goal: str, measure: str, members: dict[str, int], unit: str) -> Figure:
    """A count of ``unit`` over the households in ``members`` (id -> persons/children/1)."""
    n = int(sum(members.values()))
    return Figure(year, goal, measure, n, "count", n, frozenset(members), unit)


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


def protect(figures: list[Figure], min_count: int, lang: str = "da") -> list[Figure]:
    """``figures`` with ``shown`` and ``hidden`` set (primary, then secondary suppression).

    A figure derived from a count (a share, a rate) carries the count's ``n`` and ``members``,
    so it is hidden with it.
    """
    out = [_primary(f, min_count, lang) for f in figures]
    changed = True
    while changed:
        changed = False
        for j in _violations(out, min_count):
            out[j] = replace(out[j], hidden=True, shown=HIDDEN)
            changed = True
    return [replace(f, shown=format_value(f, min_count, lang)) if not f.hidden else f for f in out]


def _violations(figures: list[Figure], min_count: int) -> set[int]:
    """Indexes of shown figures that, subtracted from another shown figure of the same year and
    unit whose households include theirs, leave 1 to ``min_count - 1``."""
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
            if any(b.members <= figures[idx[k]].members for k in range(lo, hi)):
                found.add(j)
    return found


def _primary(f: Figure, min_count: int, lang: str) -> Figure:
    """Hide a figure whose count (or numerator) is small or whose group is too small."""
    if f.n is not None and f.n < min_count:
        text = suppress(f.n, min_count) if f.kind in ("count", "share") else NO_VALUE
        return replace(f, hidden=True, shown=text)
    if f.group is not None and f.group < min_count:
        return replace(f, hidden=True, shown=NO_VALUE)
    if f.value is None:
        return replace(f, hidden=True, shown=NO_VALUE)
    return f


def format_value(f: Figure, min_count: int = 3, lang: str = "da") -> str:
    """A figure as shown in the report (before protection: its exact value)."""
    if f.value is None:
        return NO_VALUE
    if f.kind == "count":
        return suppress(f.value, min_count)
    if f.kind == "share":
        return f"{number(100 * f.value, 0, lang)} %"
    if f.kind in ("days", "number"):
        return number(f.value, 0, lang)
    if f.kind in ("months", "minutes", "rate"):
        return number(f.value, 1, lang)
    if f.kind == "ratio":
        return number(f.value, 2, lang)
    if f.kind == "dkk":
        return (
            f"{number(f.value, 0, lang)} kr." if lang == "da" else f"DKK {number(f.value, 0, lang)}"
        )
    return number(f.value, 1, lang)
