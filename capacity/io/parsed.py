"""A layer after the cell checks (``Parsed``): what ``capacity.io.validate`` makes of a raw layer
and what the checks across rows and layers (``capacity.io.checks``, ``capacity.io.typechecks``) see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from capacity.errors import Problem


@dataclass(frozen=True)
class Parsed:
    """A layer after the cell checks: the canonical frame, a label per row for messages and
    the kinds of its extra columns (``Registry.extra_kinds``)."""

    name: str
    source: str
    frame: pd.DataFrame
    labels: tuple[str, ...]
    extra_kinds: dict[str, str] = field(default_factory=dict)

    @cached_property
    def records(self) -> list[dict]:
        """The rows as dicts of plain values (NA for missing), computed once."""
        names = [c for c in self.frame.columns if c != "geometry"]
        columns = [self.frame[c].tolist() for c in names]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    def problem(self, i: int, column: str, message: str, severity: str = "error") -> Problem:
        """A problem located at row ``i`` (position in ``frame``) and ``column``."""
        return Problem(severity, self.source, self.labels[i], column, message)
