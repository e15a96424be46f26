"""Writing plan, scenario and proposal outputs atomically (a temporary folder, then renamed)."""

from __future__ import annotations

import json
from pathlib import Path

from capacity.io.writers import atomic_folder
from capacity.planning.explain import explanation_md
from capacity.planning.plan import PLAN_COLUMNS, PlanResult
from capacity.planning.simulate import ScenarioResult

VOLATILE = ("wall_seconds",)  # left out of files: same input and seed, same bytes


def plan_json(res: PlanResult) -> str:
    """The plan's summary as stable JSON (sorted keys, no wall-clock times)."""
    data = {k: v for k, v in res.summary.items() if k not in VOLATILE}
    data["shortage_by_month"] = res.shortage.to_dict(orient="records")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=float) + "\n"


def write_plan(res: PlanResult, out: Path, price_per_day: int) -> None:
    """Write ``plan.csv``, ``summary.json``, ``terms.csv`` and ``explanation.md`` into ``out``."""

    def write(tmp: Path) -> None:
        res.plan[PLAN_COLUMNS].to_csv(tmp / "plan.csv", index=False, lineterminator="\n")
        res.terms.to_csv(tmp / "terms.csv", index=False, lineterminator="\n")
        (tmp / "summary.json").write_text(plan_json(res), encoding="utf-8")
        (tmp / "explanation.md").write_text(explanation_md(res, price_per_day), encoding="utf-8")

    atomic_folder(Path(out), write)


def write_runs(res: ScenarioResult, out: Path) -> None:
    """Write ``months.csv`` and ``summary.json`` of the scenario runs into ``out``."""

    def write(tmp: Path) -> None:
        res.months.to_csv(tmp / "months.csv", index=False, lineterminator="\n")
        (tmp / "summary.json").write_text(
            json.dumps(res.summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8")

    atomic_folder(Path(out), write)
