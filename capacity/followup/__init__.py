"""The council's yearly follow-up on the refugee strategy's housing goals (``capacity followup``).

>>> from capacity.followup import build_followup, write_followup
>>> f = build_followup(reg, 2026)            # doctest: +SKIP
>>> write_followup(reg, f, Path("followup"))  # doctest: +SKIP

``timeline`` reads the registry's history, ``measures`` measures each goal per year as exact
``figures.Figure``s, ``figures.protect`` suppresses small counts (and differences that would
reveal them), ``verdicts`` writes one line per goal, ``render`` writes HTML, Excel and kpi.csv.
"""

from __future__ import annotations

from capacity.followup.build import STRATEGY_START, Followup, build_followup
from capacity.followup.render import write_followup

__all__ = ["STRATEGY_START", "Followup", "build_followup", "write_followup"]
