"""Numbers as the reader's language writes them: the one format of every number a user reads
(``reports.text`` builds percentages and amounts on it). It sits below ``io`` so that
validation messages can use it too."""

from __future__ import annotations


def number(x: float, decimals: int = 1, lang: str = "da") -> str:
    """``x`` with ``decimals`` decimals and a thousands separator: ``1.234,5`` in Danish,
    ``1,234.5`` in English. A negative value has a true minus sign (``−60``, as ``signed`` and
    the charts' axes print it); a value that rounds to zero has no sign ("0", never "−0").

    ``reports.text``'s ``signed``, ``percent``, ``money`` and ``million`` are built on it.
    """
    if round(x, decimals) == 0:
        x = 0.0
    text = f"{x:,.{decimals}f}"
    if lang == "da":
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text.replace("-", "\N{MINUS SIGN}", 1)


def decimal(x: float, lang: str = "da", most: int = 6) -> str:
    """``x`` with as few decimals as show it (at most ``most``), as ``number`` writes it:
    ``0,9`` and ``0,975`` in Danish for the quantiles 0.9 and 0.975, ``12`` for 12.0."""
    decimals = next(d for d in range(most + 1) if round(x, d) == round(x, most))
    return number(x, decimals, lang)
