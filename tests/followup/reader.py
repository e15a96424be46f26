"""A reader of the follow-up who combines its counts of households: what each count shown as
"<N" can be, given everything the report shows and two equations that hold in every registry.

Independent of ``capacity.followup.figures``' own check: a CP-SAT model whose variables are the
counts, each with the values its shown text allows ("<N": 0..N-1, "x": N or more, "a–b": a..b,
a number: itself), and whose constraints are, for each year, "the households moved on are the sum
of the months", "living there at the year's start + housed in it = moved on in it + living
there at its end" and "living there at its end = the households in a temporary home" (one count,
shown twice). The count at the start of the first year is what an earlier report showed.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

MOST = 100_000  # a bound for "x" (N or more)


def _domain(text: str, min_count: int) -> tuple[int, int]:
    """The values a count's shown text allows."""
    if text.startswith("<"):
        return 0, int(text[1:]) - 1
    if text == "x":
        return min_count, MOST
    ends = [int(x.replace(".", "")) for x in text.split("–")]
    return ends[0], ends[-1]


def hidden_bounds(report, before: str | None) -> dict[tuple[int, str, str], tuple[int, int]]:
    """For each count of the stays' equations shown as "<N": its least and greatest value given
    the whole report. ``before``: those living there at the end of the year before the report's
    first, as an earlier report showed it (None: no earlier report)."""
    n = report.min_count
    model = cp_model.CpModel()
    var = {}

    def count(year: int, goal: str, measure: str):
        key = (year, goal, measure)
        if key not in var:
            lo, hi = _domain(report.get(*key).shown, n)
            var[key] = model.new_int_var(lo, hi, f"{year}:{measure}")
        return var[key]

    start = None
    if before is not None:
        start = model.new_int_var(*_domain(before, n), "before")
    for y in report.years:
        months = [
            count(y, "stays", f.measure)
            for f in report.figures
            if f.year == y and f.measure.startswith("moveouts:") and f.measured
        ]
        moved = count(y, "stays", "moved_on")
        model.add(moved == sum(months))
        end = count(y, "stays", "staying")
        model.add(end == count(y, "capacity", "resident_households"))
        if start is not None:
            model.add(start + count(y, "capacity", "housed") == moved + end)
        start = end
    out = {}
    for key, v in var.items():
        if not report.get(*key).shown.startswith("<"):
            continue
        ends = []
        for sense in (model.minimize, model.maximize):
            sense(v)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            assert solver.solve(model) == cp_model.OPTIMAL
            ends.append(int(solver.value(v)))
        out[key] = (ends[0], ends[1])
    return out
