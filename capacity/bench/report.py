"""Run the cases with a progress bar, and write ``bench.json`` and ``bench.md`` atomically."""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Iterable
from pathlib import Path

from capacity.bench.runner import ROW_FIELDS, Row, run_isolated, seeds_of
from capacity.bench.suites import Case
from capacity.bench.targets import PLACE, PLAIN, above, at_optimum, complete, median_objective
from capacity.bench.targets import table as targets_table
from capacity.errors import UserError
from capacity.files import write_atomic

COLUMNS = {
    "instance": "instance",
    "solver": "solver",
    "size": "households × units × sites",
    "model": "variables / constraints",
    "status": "status",
    "objective": "objective",
    "best_bound": "bound",
    "gap": "gap %",
    "build_seconds": "build s",
    "solve_seconds": "solve s",
    "seconds_to_1pct": "to 1 % s",
    "peak_rss_mb": "peak MB",
    "known_optimum": "optimum",
    "gap_to_optimum": "to optimum %",
}


def run_cases(
    cases: Iterable[Case],
    progress=None,
    out: Path | None = None,
    title: str = "capacity bench",
    done: Iterable[Row] = (),
) -> list[Row]:
    """Run every case isolated; ``progress`` is a rich Progress (or None) advanced per case.

    With ``out``, the rows so far (``done`` first: the rows of an earlier run being resumed) are
    written to ``out`` after every case (``write``, atomically), so a run that is stopped keeps
    the rows of the cases it finished; until the last case the title says how many are in.
    """
    cases = list(cases)
    rows = list(done)
    total = len(rows) + len(cases)
    task = progress.add_task("bench", total=len(cases)) if progress else None
    for case in cases:
        if progress:
            progress.update(task, description=f"{case.row.instance} · {case.row.solver}")
        rows.append(run_isolated(case.row, case.task, case.args, case.hard_limit))
        if out is not None:
            partial = "" if len(rows) == total else f" (partial: {len(rows)} of {total} cases)"
            write(rows, out, title + partial)
        if progress:
            progress.advance(task)
    return rows


def read(out: Path) -> list[Row]:
    """The rows of ``out/bench.json`` (an earlier, possibly stopped run); none if it is absent."""
    path = out / "bench.json"
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Row(**{k: d.get(k) for k in ROW_FIELDS}, extra=d.get("extra") or {}) for d in data]
    except (ValueError, TypeError, AttributeError) as exc:
        raise UserError(
            f"{path}: ikke en bench.json ({exc}); fjern den, eller vælg en anden --out."
        ) from None


def fmt(value, digits: int = 2) -> str:
    if value is None or value != value:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(rows: list[Row], title: str) -> str:
    """The table of rows as Markdown, with the machine it ran on; with rows of several seeds,
    a column for the seed."""
    several = len(seeds_of(rows)) > 1
    head = list(COLUMNS.values())
    if several:
        head.insert(2, "seed")
    lines = [
        f"# {title}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.",
        "",
        "gap % = (objective − bound) / objective; to optimum % = (objective − known optimum) /"
        " known optimum: how far above it.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in rows:
        cells = [
            r.instance,
            r.solver,
            f"{fmt(r.households)} × {fmt(r.units)} × {fmt(r.sites)}",
            f"{fmt(r.variables)} / {fmt(r.constraints)}",
            r.status,
            fmt(r.objective),
            fmt(r.best_bound),
            fmt(r.gap, 3),
            fmt(r.build_seconds),
            fmt(r.solve_seconds),
            fmt(r.seconds_to_1pct),
            fmt(r.peak_rss_mb, 0),
            fmt(r.known_optimum),
            fmt(r.gap_to_optimum, 3),
        ]
        if several:
            cells.insert(2, str(r.seed))
        lines.append("| " + " | ".join(cells) + " |")
    notes = [
        f"- {r.instance} · {r.solver}" + (f" · seed {r.seed}" if several else "") + f": {r.note}"
        for r in rows
        if r.note
    ]
    tail = ratios(rows) + families(rows) + versus_plain(rows) + targets_table(rows)
    return "\n".join(lines + ([""] + notes if notes else []) + tail) + "\n"


def families(rows: list[Row]) -> list[str]:
    """Per family (the instance's folder) and solver: optima reached, proven, the worst gap
    to the optimum and the worst wall time (build + solve), as Markdown lines; with rows of
    several seeds, a line per seed and one over all of them."""
    several = len(seeds_of(rows)) > 1
    groups: dict[tuple[str, str, float], list[Row]] = {}  # seed ``inf``: every seed
    for r in rows:
        if r.known_optimum is not None and "/" in r.instance:
            family = r.instance.split("/")[0]
            groups.setdefault((family, r.solver, math.inf), []).append(r)
            if several:
                groups.setdefault((family, r.solver, r.seed), []).append(r)
    if not groups:
        return []
    head = "| family | solver | instances | optima reached | proven | worst to optimum % "
    head += "| worst wall s |"
    rule = "|---|---|---|---|---|---|---|"
    if several:
        head, rule = head.replace("| solver |", "| solver | seed |", 1), rule + "---|"
    lines = ["", "## Per family", "", head, rule]
    for (family, solver, seed), group in sorted(groups.items()):
        gaps = [r.gap_to_optimum for r in group if r.gap_to_optimum is not None]
        walls = [w for w in (_wall(r) for r in group) if w is not None]
        reached = sum(1 for r in group if at_optimum(r.objective, r.known_optimum))
        proven = sum(1 for r in group if r.status == "OPTIMAL")
        worst = fmt(max(gaps), 3) if len(gaps) == len(group) else "no answer on some"
        which = f" {'all' if math.isinf(seed) else seed} |" if several else ""
        count = str(len(group))
        if several and math.isinf(seed):  # every seed: instances × seeds
            count = f"{len({r.instance for r in group})} × {len({r.seed for r in group})}"
        lines.append(
            f"| {family} | {solver} |{which} {count} | {reached} | {proven} | {worst} "
            f"| {fmt(max(walls) if walls else None)} |"
        )
    return lines


def versus_plain(rows: list[Row]) -> list[str]:
    """Per instance with a known optimum: ``place-cpsat`` beside the plain solvers (objective,
    above the optimum %, wall s; bold: proven), and how far place is above (+) or below (-) the
    better plain objective, in per cent of it; a table per seed, and with several seeds one of
    the medians (``versus_medians``)."""
    seeds = seeds_of(rows)
    out: list[str] = []
    for seed in seeds:
        lines = _versus_lines([r for r in rows if r.seed == seed])
        if lines:
            name = f", seed {seed}" if len(seeds) > 1 else ""
            out += [
                "",
                f"## place beside the plain solvers{name}",
                "",
                "Objective (above the optimum %, wall s of the call; bold: proven).",
                "",
                "| instance | optimum | place-cpsat | direct-cpsat | direct-highs "
                "| place vs better plain % |",
                "|---|---|---|---|---|---|",
                *lines,
            ]
    return out + (versus_medians(rows) if len(seeds) > 1 else [])


def _versus_lines(rows: list[Row]) -> list[str]:
    by = {(r.instance, r.solver): r for r in rows}
    names = [r.instance for r in rows if r.solver == PLACE and r.known_optimum]
    lines = []
    for name in dict.fromkeys(names):
        place = by[(name, PLACE)]
        plain = [by[(name, s)].objective for s in PLAIN if (name, s) in by]
        best = min((p for p in plain if p is not None), default=None)
        versus = (
            "–"
            if best is None or place.objective is None
            else f"{above(place.objective, best):+.3f}"
        )
        cells = [_cell(by.get((name, s))) for s in (PLACE, *PLAIN)]
        lines.append(
            f"| {name} | {place.known_optimum:,.0f} | " + " | ".join(cells) + f" | {versus} |"
        )
    return lines


def versus_medians(rows: list[Row]) -> list[str]:
    """Per instance, each solver's median objective over the seeds (``median_objective``), with
    how many seeds reached the optimum and how many proved it, and place's median above (+) or
    below (-) the better plain median, in per cent of it; a solver that has not run the
    instance at every seed yet has no median (``complete``), as in ``targets.medians``."""
    seeds = seeds_of(rows)
    runs_of = complete(rows, seeds)
    ran: dict[tuple[str, str], int] = {}
    for r in rows:
        if r.known_optimum:
            ran[(r.solver, r.instance)] = ran.get((r.solver, r.instance), 0) + 1
    lines = []
    for name in dict.fromkeys(r.instance for r in rows if r.solver == PLACE and r.known_optimum):
        known = next(r.known_optimum for r in rows if r.instance == name and r.known_optimum)
        mid = {
            s: median_objective(r.objective for r in runs_of[(s, name)])
            for s in (PLACE, *PLAIN)
            if (s, name) in runs_of
        }
        versus = "–"
        if len(mid) == 1 + len(PLAIN) and math.isfinite(mid[PLACE]):
            best = min(mid[s] for s in PLAIN)
            versus = f"{above(mid[PLACE], best):+.3f}" if math.isfinite(best) else "–"
        cells = [
            _median_cell(runs_of[(s, name)], known, len(seeds))
            if (s, name) in runs_of
            else f"– ({ran.get((s, name), 0)} of {len(seeds)} seeds run)"
            for s in (PLACE, *PLAIN)
        ]
        lines.append(f"| {name} | {known:,.0f} | " + " | ".join(cells) + f" | {versus} |")
    return [
        "",
        f"## place beside the plain solvers, medians of seeds {', '.join(map(str, seeds))}",
        "",
        "Median objective (above the optimum %; seeds at the optimum, seeds proven; bold: the "
        "median is the optimum). With an even number of seeds the median is the worse of the "
        "two middle runs.",
        "",
        "| instance | optimum | place-cpsat | direct-cpsat | direct-highs | place vs better plain % |",
        "|---|---|---|---|---|---|",
        *lines,
    ]


def _cell(r: Row | None) -> str:
    if r is None:
        return "not run"
    wall = _wall(r) if _wall(r) is not None else r.solve_seconds  # a killed case: its wait
    seconds = "–" if wall is None else f"{wall:.0f} s"
    if r.objective is None:
        return f"– ({r.status}, {seconds})"
    value = f"{r.objective:,.0f}"
    value = f"**{value}**" if r.status == "OPTIMAL" else value
    over = "–" if r.gap_to_optimum is None else f"{above(r.objective, r.known_optimum):.2f} %"
    return f"{value} ({over}, {seconds})"


def _median_cell(runs: list[Row], known: float, seeds: int) -> str:
    mid = median_objective(r.objective for r in runs)
    reached = sum(1 for r in runs if at_optimum(r.objective, known))
    proven = sum(1 for r in runs if r.status == "OPTIMAL")
    counts = f"{reached}/{seeds}, {proven}/{seeds}"
    if not math.isfinite(mid):
        return f"– ({counts})"
    value = f"{mid:,.0f}"
    value = f"**{value}**" if above(mid, known) == 0.0 else value
    return f"{value} ({above(mid, known):.2f} %; {counts})"


def _wall(r: Row) -> float | None:
    if r.build_seconds is None or r.solve_seconds is None:
        return None
    return r.build_seconds + r.solve_seconds


def ratios(rows: list[Row]) -> list[str]:
    """CP-SAT against HiGHS on the same instance in the same run: wall time (build + solve)
    ratio, and which one ended nearer the optimum (or the better objective)."""
    by = {(r.instance, r.solver): r for r in rows}
    out = []
    for (instance, solver), cp in by.items():
        hi = by.get((instance, "place-highs"))
        if solver != "place-cpsat" or hi is None:
            continue
        a, b = _wall(cp), _wall(hi)
        ratio = f"{a / b:.2f}" if a and b else "–"
        c, d = cp.seconds_to_1pct, hi.seconds_to_1pct
        gap_ratio = f"{c / d:.2f}" if c and d else "–"
        out.append(
            f"| {instance} | {cp.status} | {hi.status} | {fmt(cp.objective)} | "
            f"{fmt(hi.objective)} | {fmt(a)} | {fmt(b)} | {ratio} | {fmt(c)} | {fmt(d)} | "
            f"{gap_ratio} |"
        )
    if not out:
        return []
    head = [
        "",
        "## CP-SAT / HiGHS, same run",
        "",
        "Wall time = build + solve seconds of the place path; to 1 % = seconds from the start"
        " until the gap to a valid bound was first at most 1 %; ratio > 1: HiGHS was faster.",
        "",
        "| instance | CP-SAT status | HiGHS status | CP-SAT objective | HiGHS objective |"
        " CP-SAT s | HiGHS s | ratio CP-SAT/HiGHS | CP-SAT to 1 % s | HiGHS to 1 % s |"
        " ratio to 1 % |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    return head + out


def write(rows: list[Row], out: Path, title: str) -> tuple[Path, Path]:
    """Write ``bench.json`` (every field) and ``bench.md`` (the table) to ``out``."""
    data = [{k: r.as_dict()[k] for k in (*ROW_FIELDS, "extra")} for r in rows]
    write_atomic(out / "bench.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out / "bench.md", markdown(rows, title))
    return out / "bench.json", out / "bench.md"
