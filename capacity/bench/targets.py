"""The general suite's targets, judged run by run and over seeds.

The general suite has two targets (issue 16) for ``place`` (the ``place-cpsat`` rows) against
the two plain solvers (``direct-cpsat``, ``direct-highs``) on each family, at the same wall
limit:

- at least as many optima as the better of the two plain solvers (the one with more);
- on no instance more than ``TARGET_BEHIND`` per cent above the better plain objective.

One run at one seed measures the machine's state as much as the solvers (a 60 s result moves
from one session to the next; ``docs/benchmarks.md``). So where a bench ran several
seeds (``capacity bench --seed 0 --seed 1 --seed 2``: each instance with every seed and solver
one after the other, so that all of them meet the same state of the machine), the targets are
also judged on each solver's median per instance, and the optima are counted over all runs.
This module judges them; ``capacity.bench.report`` writes its tables into ``bench.md``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from capacity.bench.runner import Row, seeds_of

PLACE = "place-cpsat"
PLAIN = ("direct-cpsat", "direct-highs")
TARGET_BEHIND = 0.1  # per cent above the better plain objective that the second target allows


def above(value: float, of: float) -> float:
    """``value`` above ``of`` in per cent of ``of``; HiGHS's float noise (1e-12) reads 0."""
    out = (value - of) / max(abs(of), 1e-9) * 100.0
    return 0.0 if abs(out) < 1e-6 else out


def family_of(r: Row) -> str:
    return r.instance.split("/")[0]


def median_objective(values: Iterable[float | None]) -> float:
    """The median of a solver's objectives over the seeds: with an even number the upper (worse)
    of the two middle ones, so that the median is a value one run reached and one good run
    cannot hide a bad one; a run without an answer counts as worse than any answer (``inf``)."""
    return statistics.median_high([math.inf if v is None else v for v in values])


def at_optimum(value: float | None, known: float) -> bool:
    """Whether an objective is the known optimum (float noise aside, ``above``)."""
    return value is not None and math.isfinite(value) and above(value, known) == 0.0


def complete(rows: Iterable[Row], seeds: list[int]) -> dict[tuple[str, str], list[Row]]:
    """The rows per (solver, instance) that ran at every seed of ``seeds``: the runs a median
    is taken over (an instance a stopped bench has not run at every seed has no median yet)."""
    by: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        if r.known_optimum is not None:
            by.setdefault((r.solver, r.instance), []).append(r)
    return {k: v for k, v in by.items() if sorted(r.seed for r in v) == seeds}


def judge(objectives: dict[str, dict[str, float]], optima: dict[str, float]) -> dict:
    """The two targets on one run of a family (or its medians): ``objectives[solver][instance]``
    (``inf``: no answer) and each instance's known optimum. The instances counted are those
    ``place`` and both plain solvers ran. Returns the optima per solver, the better plain solver
    (the one with more optima), and the instances where ``place`` is more than ``TARGET_BEHIND``
    per cent above the better plain objective, each with its per cent (``inf``: no answer)."""
    names = [n for n in optima if all(n in objectives.get(s, {}) for s in (PLACE, *PLAIN))]
    reached = {
        s: sum(at_optimum(objectives[s][n], optima[n]) for n in names) for s in (PLACE, *PLAIN)
    }
    better = max(PLAIN, key=lambda s: reached[s])
    behind = []
    for n in names:
        plain = min(objectives[s][n] for s in PLAIN)
        mine = objectives[PLACE][n]
        if not math.isfinite(plain):
            continue
        by = math.inf if not math.isfinite(mine) else above(mine, plain)
        if by > TARGET_BEHIND:
            behind.append((n, by))
    return {"instances": len(names), "reached": reached, "better": better, "behind": behind}


def runs(rows: list[Row]) -> dict[tuple[str, int], dict]:
    """Per family and seed, the targets judged on that run (``judge``); families without an
    instance that ``place`` and both plain solvers ran (the quick suite's) are left out."""
    out = {}
    for family in sorted({family_of(r) for r in rows if r.known_optimum is not None}):
        for seed in seeds_of(rows):
            judged = judge(
                *_objectives([r for r in rows if (family_of(r), r.seed) == (family, seed)])
            )
            if judged["instances"]:
                out[(family, seed)] = judged
    return out


def medians(rows: list[Row]) -> dict[str, dict]:
    """Per family, the targets judged on each solver's median objective per instance over the
    seeds (``median_objective``); only instances every solver ran at every seed of the bench
    (``complete``), and only families with such an instance."""
    runs_of = complete(rows, seeds_of(rows))
    out = {}
    for family in sorted({family_of(r) for r in rows if r.known_optimum is not None}):
        objectives: dict[str, dict[str, float]] = {}
        optima: dict[str, float] = {}
        for (solver, name), runs in runs_of.items():
            if family_of(runs[0]) == family:
                objectives.setdefault(solver, {})[name] = median_objective(
                    r.objective for r in runs
                )
                optima[name] = runs[0].known_optimum
        judged = judge(objectives, optima)
        if judged["instances"]:
            out[family] = judged
    return out


def _objectives(rows: list[Row]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    objectives: dict[str, dict[str, float]] = {}
    optima: dict[str, float] = {}
    for r in rows:
        if r.known_optimum is None:
            continue
        value = math.inf if r.objective is None else r.objective
        objectives.setdefault(r.solver, {})[r.instance] = value
        optima[r.instance] = r.known_optimum
    return objectives, optima


def table(rows: list[Row]) -> list[str]:
    """The targets as Markdown lines: a line per family and seed, and with several seeds one on
    the medians and one with the optima summed over every run."""
    if not any(r.solver == PLACE for r in rows):
        return []
    per_run = runs(rows)
    if not per_run:
        return []
    seeds = seeds_of(rows)
    lines = [
        "",
        "## The targets",
        "",
        "At least as many optima as the better plain solver; on no instance more than "
        f"{TARGET_BEHIND} % above the better plain objective.",
        "",
        "| family | judged on | instances | place optima | plain optima (CP-SAT / HiGHS) "
        "| optima target | over the margin | margin target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (family, seed), judged in per_run.items():
        lines.append(_line(family, f"seed {seed}", judged))
    if len(seeds) > 1:
        for family, judged in medians(rows).items():
            lines.append(_line(family, "medians over the seeds", judged))
        for family in sorted({f for f, _ in per_run}):
            total = {
                s: sum(per_run[(family, k)]["reached"][s] for k in seeds)
                for s in (PLACE, *PLAIN)
                if all((family, k) in per_run for k in seeds)
            }
            if total:
                lines.append(_sum_line(family, seeds, per_run, total))
    return lines


def _line(family: str, on: str, judged: dict) -> str:
    got = judged["reached"]
    better = got[judged["better"]]
    behind = ", ".join(
        f"{n.rsplit('/', 1)[-1]} ({'no answer' if math.isinf(by) else f'+{by:.3f} %'})"
        for n, by in judged["behind"]
    )
    return (
        f"| {family} | {on} | {judged['instances']} | {got[PLACE]} "
        f"| {got[PLAIN[0]]} / {got[PLAIN[1]]} | {_verdict(got[PLACE] >= better)} "
        f"| {behind or 'none'} | {_verdict(not judged['behind'])} |"
    )


def _sum_line(family: str, seeds: list[int], per_run: dict, total: dict) -> str:
    counts = sorted({per_run[(family, k)]["instances"] for k in seeds})
    runs_in = f"{counts[0]} × {len(seeds)}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    runs_in += " runs" if len(counts) == 1 else f" instances × {len(seeds)} seeds"
    better = max(total[s] for s in PLAIN)
    return (
        f"| {family} | all runs of seeds {', '.join(map(str, seeds))} | {runs_in} "
        f"| {total[PLACE]} | {total[PLAIN[0]]} / {total[PLAIN[1]]} "
        f"| {_verdict(total[PLACE] >= better)} | – | – |"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"
