"""The output contract of ``capacity place --out DIR``, written atomically.

Files: ``placements.csv``, ``modules.csv``, ``unplaced.csv``, ``summary.json``,
``explanation.md``. Everything is written into a temporary folder beside ``DIR`` and exchanged
with it in one step (``capacity.files.atomic_folder``), so a failed run leaves the previous files
whole. Files in ``DIR`` that are not part of the contract are kept; an ``--out`` that cannot be
written (read-only, a file) is an error naming the path.

Byte-identical output: every file is a function of the input, options and seed, except the two
timing fields of ``summary.json`` (``build_seconds``, ``solve_seconds``), which measure the
machine; compare outputs without them (``DETERMINISTIC_EXCEPT``). Where the wall-clock deadline
cut the search (``summary.json``: ``"stopped_by": "wall_clock"``), the answer depends on the
machine's speed too; with ``"optimal"`` or ``"deterministic"`` it does not.
"""

from __future__ import annotations

import json
from pathlib import Path

from capacity.files import atomic_folder
from capacity.io.cells import csv_text
from capacity.reports.placement_explanation import explanation_markdown
from capacity.solver.result import PLACEMENT_TERMS, Result

FILES = ("placements.csv", "modules.csv", "unplaced.csv", "summary.json", "explanation.md")
DETERMINISTIC_EXCEPT = ("build_seconds", "solve_seconds")  # keys of summary.json


def summary_dict(result: Result) -> dict:
    """The content of ``summary.json``: per-term totals sum to ``objective``."""
    terms = {k: int(v) for k, v in result.by_term().items()}
    return {
        "status": result.status,
        "solver": result.solver,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "stopped_by": result.stopped_by,
        "build_seconds": result.build_seconds,
        "solve_seconds": result.solve_seconds,
        "terms": terms,
        "weights": result.weights,
        "placed": len(result.placements),
        "unplaced": len(result.unplaced),
        "persons_placed": int(result.placements["persons"].sum()),
        "persons_unplaced": int(result.unplaced["persons"].sum()),
        "modules_to_put_up": int(result.modules["modules_to_put_up"].sum()),
        "date": result.date.isoformat(),
        "seed": result.seed,
        "options": result.options,
        "input_hash": result.input_hash,
        "input_hash_covers": result.input_parts,
    }


def write_outputs(result: Result, out: Path) -> None:
    """Write the five files of the output contract into ``out``, atomically.

    Parameters
    ----------
    result : the placement.
    out : the folder (created when missing; other files in it are kept).
    """
    atomic_folder(Path(out), lambda tmp: _write_all(result, tmp))


def _write_all(result: Result, folder: Path) -> None:
    cols = ["household_id", "unit_id", "site_id", "persons", *PLACEMENT_TERMS]
    _csv(result.placements[cols], folder / "placements.csv")
    _csv(result.modules, folder / "modules.csv")
    _csv(result.unplaced[["household_id", "reason"]], folder / "unplaced.csv")
    text = json.dumps(summary_dict(result), indent=2, ensure_ascii=False) + "\n"
    (folder / "summary.json").write_text(text, encoding="utf-8")
    (folder / "explanation.md").write_text(explanation_markdown(result), encoding="utf-8")


def _csv(frame, path: Path) -> None:
    path.write_text(csv_text(frame), encoding="utf-8")
