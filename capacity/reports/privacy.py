"""Disclosure control for council and public reports: no count below ``min_count`` can be read off
a public document, alone or by differences of the figures shown (see ``docs/security.md``).

The rules, one per kind of figure:

- **A site's residents** (the cell): shown exactly when at least ``min_count``, else "<N" — zero
  included, so "none" looks like "one or two". A hidden site's other figures (free beds, marker
  colour and size) are functions of its beds alone.
- **A total over sites** (a district, the municipality): never the exact sum. It is published as
  the range that the *shown* figures allow: the sum of the shown sites, up to that plus
  ``min_count - 1`` for each hidden site (``published_total``). So the published total is a
  function of what is shown anyway; a reader who subtracts the shown sites from it gets the range
  "each hidden site below N", whatever the hidden counts are. Rates, ratios, colour classes and
  the municipal average are computed from the range's middle (``Total.estimate``), the same
  public quantity.
- **A series over time** (the residents per month in the proposal's chart): each month's total as
  above, its middle rounded to ``rounding_base`` (a multiple of 5, at least ``min_count``). A
  change from one month to the next is then never known to better than ``rounding_base`` values.

Why ranges, not rounding, on the map: a rounded true total leaks at the edges (a district total
rounded to 5 with one hidden site of 2 can show 15 where the shown sites add up to 12, which
excludes 0 and pins the hidden site to 1 or 2; with two figures combined, to one value). A range
made from the shown figures carries no information about the hidden ones at all: changing a
hidden count (within 0..N-1) changes no byte of the map. The cost is a less exact total, by at
most ``N - 1`` per hidden site; the legend says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from capacity.numbers import number


def suppress(n: int | float | None, min_count: int = 3) -> str:
    """A count of people as shown in a public report.

    Parameters
    ----------
    n : the count (persons, households, residents); ``None`` or NA counts as 0.
    min_count : the policy's ``limits.min_count``; counts below it are hidden.

    Returns
    -------
    str
        ``"<3"`` (for ``min_count`` 3) for any count below ``min_count`` — zero included, so that a
        reader cannot tell "none" from "one or two" — else the count with a thousands separator.
    """
    value = 0 if n is None or n != n else int(n)
    if value < min_count:
        return f"<{min_count}"
    return _int(value)


def is_suppressed(n: int | float | None, min_count: int = 3) -> bool:
    """True when ``suppress`` hides the count."""
    return suppress(n, min_count).startswith("<")


@dataclass(frozen=True)
class Total:
    """A published total over sites: the true total lies in ``lo..hi``.

    ``lo`` is the sum of the sites shown exactly, ``hi`` adds ``min_count - 1`` per hidden site:
    both are functions of the published figures only.
    """

    lo: int
    hi: int
    hidden: int = 0  # sites below min_count in the total

    @property
    def estimate(self) -> float:
        """The middle of the range: what rates, ratios and colour classes are computed from."""
        return (self.lo + self.hi) / 2

    @property
    def exact(self) -> bool:
        return self.lo == self.hi


def published_total(counts: Iterable[int | float], min_count: int = 3) -> Total:
    """The published form of a sum of site counts (see the module docstring).

    Parameters
    ----------
    counts : each site's residents (exact).
    min_count : the policy's ``limits.min_count``.
    """
    shown, hidden = 0, 0
    for n in counts:
        value = 0 if n is None or n != n else int(n)
        if value < min_count:
            hidden += 1
        else:
            shown += value
    return Total(shown, shown + hidden * (min_count - 1), hidden)


def total_text(total: Total, min_count: int = 3) -> str:
    """A published total as text: "<N" when even its top is below N, the number when exact,
    else the range "lo–hi"."""
    if total.hi < min_count:
        return f"<{min_count}"
    if total.exact:
        return _int(total.lo)
    return f"{_int(total.lo)}–{_int(total.hi)}"


def free_total_text(beds: int, total: Total, min_count: int = 3) -> str:
    """Free beds beside a published total: ``beds`` less the range (never below 0), so that
    beds minus free gives back the published range and nothing more."""
    low, high = max(beds - total.hi, 0), max(beds - total.lo, 0)
    if low == high:
        return suppress(low, min_count) if total.exact else _int(low)
    return f"{_int(low)}–{_int(high)}"


def free_beds_text(beds: int, occupied: int, min_count: int = 3) -> str:
    """Free beds as shown beside a suppressed occupancy, so that beds minus free never reveals it.

    When ``occupied`` is shown, free beds are shown as ``suppress(beds - occupied)``. When it is
    hidden, free beds are shown only as a bound that holds for every hidden value: "> beds - N" when
    that bound is itself at least ``min_count``, else "<= beds" (which tells nothing new).
    """
    if not is_suppressed(occupied, min_count):
        return suppress(max(beds - occupied, 0), min_count)
    bound = beds - min_count
    if bound >= min_count:
        return f"&gt; {suppress(bound, min_count)}"
    return f"&le; {beds}"


def rate_text(residents: int, population: int, min_count: int = 3, decimals: int = 1) -> str:
    """Residents per 1,000 inhabitants; a bound ("< x") when the resident count is hidden."""
    if not population:
        return "–"
    if is_suppressed(residents, min_count):
        return f"&lt; {_num(min_count * 1000 / population, decimals)}"
    return _num(residents * 1000 / population, decimals)


def total_rate_text(total: Total, population: int, min_count: int = 3, decimals: int = 1) -> str:
    """Residents per 1,000 inhabitants of a published total: a bound when its top is below
    ``min_count``, the rate when exact, else the range of rates."""
    if not population:
        return "–"
    if total.hi < min_count:
        return f"&lt; {_num(min_count * 1000 / population, decimals)}"
    low = _num(total.lo * 1000 / population, decimals)
    if total.exact:
        return low
    return f"{low}–{_num(total.hi * 1000 / population, decimals)}"


def rounding_base(min_count: int = 3) -> int:
    """The base public series are rounded to: the least multiple of 5 that is at least
    ``min_count`` (5 for the default 3)."""
    return 5 * max(1, math.ceil(min_count / 5))


def round_count(value: float, base: int) -> int:
    """``value`` rounded to the nearest multiple of ``base`` (halves up)."""
    return int(math.floor(value / base + 0.5)) * base


def _int(value: int) -> str:
    return number(value, 0)


def _num(x: float, decimals: int) -> str:
    return number(x, decimals)
