"""The placement's output files moved to ``capacity.reports.placement_output`` (issue 16, item 7).

Kept as an import path for ``tests/io/test_cells.py`` only; import from the reports module.
"""

from __future__ import annotations

from capacity.reports.placement_output import (
    DETERMINISTIC_EXCEPT,
    FILES,
    summary_dict,
    write_outputs,
)

__all__ = ["DETERMINISTIC_EXCEPT", "FILES", "summary_dict", "write_outputs"]
