"""Small-count suppression for council and public reports: counts below ``min_count`` read "<N"."""

from __future__ import annotations


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
    return f"{value:,}".replace(",", ".")


def is_suppressed(n: int | float | None, min_count: int = 3) -> bool:
    """True when ``suppress`` hides the count."""
    return suppress(n, min_count).startswith("<")


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


def _num(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")
