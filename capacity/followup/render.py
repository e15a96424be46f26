"""The follow-up on disk: ``followup.html`` (self-contained, offline), ``followup.xlsx`` (the same
tables) and ``kpi.csv`` (year, goal, measure, value), each written atomically.

Only protected figures are written (``Figure.shown``; ``kpi.csv`` holds the value of a figure shown
as one number, the range of one shown as a range, the shown text of a hidden one and nothing for
one not measured: a month before the registry's first record); household ids never are. A year
measured only in part is headed with its months ("2022 (marts–december)").
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from capacity.files import write_atomic
from capacity.followup import charts
from capacity.followup.build import Followup
from capacity.followup.figures import Figure, number
from capacity.followup.fmap import followup_map
from capacity.followup.measures import GOALS, YEAR_SUMS
from capacity.followup.published import rounded_residents
from capacity.followup.verdicts import at_end
from capacity.followup.words import GOAL_TITLES, MONTH_NAMES, WORDS, measure_title
from capacity.io.cells import csv_text, excel_text, text_cell
from capacity.io.layers import Registry
from capacity.reports.privacy import rounding_base, suppress
from capacity.reports.text import signed

HTML_FILE, XLSX_FILE, KPI_FILE = "followup.html", "followup.xlsx", "kpi.csv"


@dataclass(frozen=True)
class Table:
    """A table as the reader sees it: every cell text."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]]


def goal_table(f: Followup, goal: str, limits) -> Table:
    """The goal's yearly measures: one row per measure, one column per year (headed with its
    months when only some are measured), and the change."""
    w = WORDS[f.lang]
    measures = [m.measure for m in f.figures if m.year == f.year and m.goal == goal]
    measures = [m for m in measures if ":" not in m]
    rows = []
    for m in measures:
        cells = [_cell(f.get(y, goal, m)) for y in f.years]
        rows.append([measure_title(m, f.lang, limits), *cells, _change(f, goal, m)])
    headers = [w["measure"], *map(lambda y: year_heading(f, y), f.years), w["change"]]
    return Table(goal, GOAL_TITLES[f.lang][goal], headers, rows)


def year_heading(f: Followup, year: int) -> str:
    """``year``, with the months measured when they are not all twelve ("2022 (marts–december)")
    and the day the year's figures are of when the report's date ends it early ("2026 (pr. 1.
    december 2026)"): its "at the year's end" rows are of that day."""
    parts = [f.span(year)]
    if year == f.year and f.as_of < dt.date(year, 12, 31):
        parts.append(at_end(year, f.as_of, f.lang))
    shown = ", ".join(p for p in parts if p)
    return f"{year} ({shown})" if shown else str(year)


def _cell(fig: Figure | None) -> str:
    if fig is None:
        return "–"
    return f"{fig.shown} ({fig.label})" if fig.label and not fig.hidden else fig.shown


def _change(f: Followup, goal: str, measure: str) -> str:
    """The change from the year before, when both years are shown as one number (shares in
    points); between ranges it is not one number, and a sum over a year's months (``YEAR_SUMS``)
    has none when the two years are measured over different months."""
    now, before = f.get(f.year, goal, measure), f.get(f.year - 1, goal, measure)
    if now is None or before is None or now.hidden or before.hidden:
        return "–"
    if measure == "months_measured":
        return "–"
    if measure in YEAR_SUMS and f.span(f.year) != f.span(f.year - 1):
        return "–"
    if not (now.exact and before.exact):
        return "–"
    if now.value is None or before.value is None:
        return "–"
    if now.kind == "share":
        diff, text = 100 * (now.value - before.value), f" {WORDS[f.lang]['pp']}"
        decimals = 0
    else:
        diff, text = now.value - before.value, ""
        decimals = 0 if now.kind in ("count", "number", "days", "dkk") else 1
    return f"{signed(diff, decimals, f.lang)}{text}"


def months_table(f: Followup) -> Table:
    """Capacity and need by month of the report's year: residents as the chart draws them (a
    series over time: the middle of each month's published range rounded to the rounding base,
    ``reports.privacy``; the exact range beside the chart's rounding would undo it), waiting
    counts suppressed, the shortage as ``published.months_frame`` has it; a month before the
    registry's first record has "ingen data" in every column."""
    w, n = WORDS[f.lang], f.min_count
    months = f.months[f.months["month"].dt.year == f.year]
    keys = ("beds", "homes_single", "homes_family", "homes_accessible")
    people = ("residents", "waiting", "waiting_persons")
    before = pd.date_range(
        pd.Timestamp(f.year, 1, 1), f.timeline.since, freq="MS", inclusive="left"
    )
    blank = [w["no_data"]] * (len(keys) + len(people) + 1)
    rows = [[f"{m:%Y-%m}", *blank] for m in before]
    residents = rounded_residents(months, n)
    rows += [
        [
            f"{r.month:%Y-%m}",
            *(number(getattr(r, k), 0, f.lang) for k in keys),
            suppress(residents[r.Index], n),
            suppress(r.waiting, n),
            suppress(r.waiting_persons, n),
            w["yes"] if r.shortage else w["no"],
        ]
        for r in months.itertuples()
    ]
    heads = {**w, "residents": w["residents_rounded"].format(base=rounding_base(n))}
    headers = [w["month"], *(w[k] for k in keys), *(heads[k] for k in people), w["shortage"]]
    return Table("months", w["months_title"].format(year=f.year), headers, rows)


def detail_table(f: Followup, goal: str) -> Table:
    """Move-outs by month, residents by district, or residents and minutes by site."""
    w = WORDS[f.lang]
    figs = [x for x in f.figures if x.year == f.year and x.goal == goal and ":" in x.measure]
    if goal == "stays":
        rows = [[x.measure.split(":")[1], x.shown] for x in figs]
        return Table(
            "moveouts", w["moveouts"].format(year=f.year), [w["month"], w["moveouts_n"]], rows
        )
    by_key: dict[str, dict[str, Figure]] = {}
    for x in figs:
        kind_ident, what = x.measure.rsplit(":", 1)  # an id may hold ":" itself
        ident = kind_ident.split(":", 1)[1]
        by_key.setdefault(ident, {})[what] = x
    if goal == "spread":
        pops = dict(
            zip(
                f.timeline.domain.districts,
                (d.population for d in f.timeline.domain.districts.values()),
                strict=True,
            )
        )
        rows = [
            [
                v["residents"].label,
                number(pops[k], 0, f.lang),
                v["residents"].shown,
                v["rate"].shown,
                v["ratio"].shown,
            ]
            for k, v in by_key.items()
        ]
        heads = [w["district"], w["population"], w["residents"], w["rate"], w["ratio"]]
        return Table("districts", w["districts_title"].format(year=f.year), heads, rows)
    rows = [[v["minutes"].label, v["minutes"].shown, v["residents"].shown] for v in by_key.values()]
    heads = [w["site"], w["minutes"], w["residents"]]
    return Table("sites", w["sites_title"].format(year=f.year), heads, rows)


def tables(f: Followup, limits) -> list[Table]:
    """Every table of the report, in its order."""
    out = [goal_table(f, g, limits) for g in GOALS]
    return out + [
        months_table(f),
        detail_table(f, "stays"),
        detail_table(f, "spread"),
        detail_table(f, "transport"),
    ]


def followup_html(reg: Registry, f: Followup) -> str:
    """The report as one self-contained HTML page (charts inline SVG, the map in an iframe)."""
    import jinja2

    limits = reg.policy.limits
    w = WORDS[f.lang]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("capacity.followup", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    index = {x.key: x for x in f.figures}
    all_tables = {t.key: t for t in tables(f, limits)}
    k = f.long_stay_months
    stays = [index[(y, "stays", f"staying_over_{k}")] for y in f.years]
    moveouts = [x for x in f.figures if x.year == f.year and x.measure.startswith("moveouts:")]
    rates = [x for x in f.figures if x.year == f.year and x.measure.endswith(":rate")]
    rate_residents = [
        index[(f.year, "spread", x.measure[: -len("rate")] + "residents")] for x in rates
    ]
    months = f.months
    sections = [
        {
            "key": g,
            "title": GOAL_TITLES[f.lang][g],
            "verdict": f.verdicts[g],
            "table": all_tables[g],
            "charts": [],
            "details": [],
        }
        for g in GOALS
    ]
    by = {s["key"]: s for s in sections}
    by["capacity"]["charts"].append(
        {
            "id": "chart-capacity",
            "title": w["chart_capacity"],
            "svg": charts.capacity_chart(months, f.min_count, f.lang),
        }
    )
    by["capacity"]["details"].append(all_tables["months"])
    by["stays"]["charts"].append(
        {
            "id": "chart-stays",
            "title": w["chart_stays"].format(k=k),
            "svg": charts.stays_chart(stays, k, f.lang),
        }
    )
    by["stays"]["charts"].append(
        {
            "id": "chart-moveouts",
            "title": w["chart_moveouts"],
            "svg": charts.moveouts_chart(moveouts, f.lang),
        }
    )
    by["stays"]["details"].append(all_tables["moveouts"])
    by["spread"]["charts"].append(
        {
            "id": "chart-spread",
            "title": w["chart_spread"],
            "svg": charts.spread_chart(
                rates, rate_residents, index[(f.year, "spread", "average_rate")], f.lang
            ),
        }
    )
    by["spread"]["details"].append(all_tables["districts"])
    by["transport"]["details"].append(all_tables["sites"])
    n = f.min_count
    notes = [w["privacy"].format(n=n, top=n - 1, base=rounding_base(n)), w["method"]]
    notes += _data_notes(f)
    as_of = f"{f.as_of:%d.%m.%Y}" if f.lang == "da" else f"{f.as_of:%Y-%m-%d}"
    return env.get_template("followup.html.j2").render(
        lang=f.lang,
        title=w["title"],
        subtitle=w["subtitle"].format(first=f.years[0], year=f.year, as_of=as_of),
        verdicts_title=w["verdicts"].format(year=f.year),
        sections=sections,
        map_title=w["map_title"].format(year=f.year),
        map_html=followup_map(reg, index, f.year, f.lang),
        notes=notes,
        internal=w["internal"],
    )


def _data_notes(f: Followup) -> list[str]:
    """What the registry does not hold: the months before its first record (when the first year
    is measured only from then) and the modules' dates it lacks (up, down or both)."""
    w, t, out = WORDS[f.lang], f.timeline, []
    first = f.years[0]
    if t.since > pd.Timestamp(first, 1, 1):
        day = f"{t.first:%d.%m.%Y}" if f.lang == "da" else f"{t.first:%Y-%m-%d}"
        month = f"{MONTH_NAMES[f.lang][t.since.month - 1]} {t.since.year}"
        out.append(w["first_record"].format(first=day, month=month, year=first, span=f.span(first)))
    if not (t.dated_up or t.dated_down):
        out.append(w["no_module_dates"])
    elif not t.dated_up:
        out.append(w["no_module_up_dates"])
    elif not t.dated_down:
        out.append(w["no_module_down_dates"])
    return out


def followup_xlsx(f: Followup, limits) -> bytes:
    """The report's tables as a workbook, one sheet per table; every cell is a text cell."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables(f, limits):
        sheet = book.create_sheet(_sheet_name(table.title))
        for row in ([table.title], table.headers, *table.rows):
            sheet.append([excel_text(c) if isinstance(c, str) else c for c in row])
        for row in sheet.iter_rows():
            for cell in row:
                text_cell(cell)
        sheet.column_dimensions["A"].width = 48
    book.properties.creator = "capacity"
    fixed = pd.Timestamp(f.as_of).to_pydatetime()
    book.properties.created = book.properties.modified = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title.split(",")[0])
    return clean[:31]


def kpi_frame(f: Followup) -> pd.DataFrame:
    """``kpi.csv``: year, goal, measure, value (the value when shown, "low–high" when shown as a
    range, nothing when not measured: a month before the registry's first record, else the shown
    text: "<3", "x" or "–")."""
    rows = [
        {
            "year": x.year,
            "goal": x.goal,
            "measure": x.measure,
            "value": "" if not x.measured else x.shown if x.hidden else _kpi_value(x),
        }
        for x in f.figures
    ]
    return pd.DataFrame(rows, columns=["year", "goal", "measure", "value"])


def _kpi_value(x: Figure) -> object:
    if x.exact:
        return _plain(x.value)
    return f"{_plain(x.low)}–{_plain(x.high)}"


def _plain(value: float | None) -> object:
    if value is None:
        return ""
    if float(value).is_integer():
        return int(value)
    return round(float(value), 4)


def write_followup(reg: Registry, f: Followup, out_dir: Path) -> list[Path]:
    """Write the three files into ``out_dir`` (each atomically); return their paths."""
    out_dir = Path(out_dir)
    limits = reg.policy.limits
    return [
        write_atomic(out_dir / HTML_FILE, followup_html(reg, f)),
        write_atomic(out_dir / XLSX_FILE, followup_xlsx(f, limits)),
        write_atomic(out_dir / KPI_FILE, csv_text(kpi_frame(f))),
    ]
