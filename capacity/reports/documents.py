"""Jobberiet's capacity review as documents: HTML (jinja2, charts inline) and Excel (one sheet per
table). Internal: pseudonymous household ids may appear, names never (the registry has none)."""

from __future__ import annotations

import datetime as dt
import io
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.files import write_atomic
from capacity.io.cells import excel_text, text_cell
from capacity.io.layers import Registry
from capacity.numbers import number
from capacity.reports import charts
from capacity.reports.forecast import forecast_band, forecast_table
from capacity.reports.tables import TABLES, review_tables
from capacity.reports.text import TABLE_WORDS, VALUE_WORDS, words

REVIEW_HTML = "review.html"
REVIEW_XLSX = "review.xlsx"


@dataclass(frozen=True)
class Review:
    """The review's tables and its rendered documents."""

    date: dt.date
    tables: dict[str, pd.DataFrame]
    html: str
    xlsx: bytes


def build_review(
    reg: Registry,
    date: dt.date,
    lang: str = "da",
    horizon_months: int = 3,
    band: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
) -> Review:
    """Compute the review tables on ``date`` and render them as HTML and Excel.

    Parameters
    ----------
    reg, date : the registry and the review date.
    lang : "da" (default) or "en".
    horizon_months : look-ahead for move-outs and arrivals.
    band : optional scenario band for the occupancy chart (see ``charts.occupancy_chart``).
    forecast : optional ``months.csv`` of the scenario runs (``forecast.read_forecast``): adds
        the table ``forecast`` (shortfall forecast by month) and, unless ``band`` is given, the
        runs' 10-90 % band and beds to the occupancy chart.
    """
    tables = review_tables(reg, date, horizon_months)
    if forecast is not None:
        tables["forecast"] = forecast_table(forecast)
        band = forecast_band(forecast) if band is None else band
    titles = table_titles(reg, date, lang, horizon_months)
    return Review(
        date,
        tables,
        review_html(reg, tables, titles, date, lang, band),
        review_xlsx(tables, titles, lang),
    )


def write_review(review: Review, out_dir: Path) -> tuple[Path, Path]:
    """Write ``review.html`` and ``review.xlsx`` atomically into ``out_dir``; return both paths."""
    out = Path(out_dir)
    return write_atomic(out / REVIEW_HTML, review.html), write_atomic(
        out / REVIEW_XLSX, review.xlsx
    )


def table_titles(reg: Registry, date: dt.date, lang: str, horizon_months: int) -> dict[str, str]:
    """The title of each table in ``lang``, with the policy's limits filled in."""
    cols = TABLE_WORDS[lang]
    until = pd.Timestamp(date) + pd.DateOffset(months=horizon_months)
    return {
        key: cols[f"t_{key}"].format(
            months=reg.policy.limits.long_stay_months,
            horizon=horizon_months,
            until=_date(until, lang),
        )
        for key in (*TABLES, "forecast")
    }


def review_html(
    reg: Registry,
    tables: dict[str, pd.DataFrame],
    titles: dict[str, str],
    date: dt.date,
    lang: str,
    band: pd.DataFrame | None = None,
) -> str:
    """The review as one HTML page: the two charts (inline SVG), then one section per table."""
    import jinja2

    t = words(lang)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("capacity.reports", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    chart_list = [
        {"title": t["occupancy_chart"], "svg": charts.occupancy_chart(reg, date, band, lang)},
        {"title": t["district_chart"], "svg": charts.district_chart(reg, date, lang)},
    ]
    sections = [_section(key, titles[key], table, lang) for key, table in tables.items()]
    return env.get_template("review.html.j2").render(
        lang=lang,
        title=f"{t['review_title']} {_date(date, lang)}",
        subtitle=t["internal"],
        charts=chart_list,
        tables=sections,
        empty=t["empty"],
    )


def _section(key: str, title: str, table: pd.DataFrame, lang: str) -> dict:
    cols = TABLE_WORDS[lang]
    # a float column of fractions keeps one decimal in every row ("100,0" beside "91,1"), one of
    # whole numbers none; in other columns each number is written as it is
    places = [
        (0 if _whole(table[c]) else 1) if pd.api.types.is_float_dtype(table[c]) else None
        for c in table.columns
    ]
    rows = [
        [_cell(v, lang, k) for v, k in zip(row, places, strict=True)]
        for row in table.itertuples(index=False)
    ]
    return {
        "key": key,
        "title": title,
        "note": words(lang)["free_note"] if "free" in table.columns or key == "free_beds" else "",
        "headers": [cols.get(c, c) for c in table.columns],
        "rows": rows,
    }


def _whole(column: pd.Series) -> bool:
    values = column.dropna().to_numpy(dtype=float)
    return bool((values == np.round(values)).all())


def _cell(value, lang: str, places: int | None = None) -> dict:
    values = VALUE_WORDS[lang]
    if value is None or (not isinstance(value, str | tuple) and pd.isna(value)):
        return {"text": "", "num": False}
    if isinstance(value, bool | np.bool_):
        return {
            "text": ("ja" if value else "nej") if lang == "da" else ("yes" if value else "no"),
            "num": False,
        }
    if isinstance(value, pd.Timestamp | dt.date):
        return {"text": _date(value, lang), "num": False}
    if isinstance(value, numbers.Number):
        if places is None:
            places = 0 if not isinstance(value, float | np.floating) or value.is_integer() else 1
        return {"text": number(float(value), places, lang), "num": True}
    return {"text": values.get(str(value), str(value)), "num": False}


def _date(value, lang: str) -> str:
    return f"{pd.Timestamp(value):%d.%m.%Y}" if lang == "da" else f"{pd.Timestamp(value):%Y-%m-%d}"


def review_xlsx(tables: dict[str, pd.DataFrame], titles: dict[str, str], lang: str) -> bytes:
    """The review as an Excel workbook, one sheet per table (headers and kinds in ``lang``).

    Every text cell is a text cell (``capacity.io.cells``): an id or name beginning with ``=`` is
    never a formula, and control characters Excel cannot store are replaced. Numbers stay numbers;
    a float column of fractions shows one decimal in every row, as in the HTML (``_section``).
    """
    cols, values = TABLE_WORDS[lang], VALUE_WORDS[lang]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for key, table in tables.items():
            table = table.replace({"kind": values}).rename(columns=lambda c: cols.get(c, c))
            for col in table.columns:
                if table[col].dtype == "datetime64[s]":
                    table[col] = table[col].dt.date
                elif not pd.api.types.is_numeric_dtype(table[col]):
                    table[col] = [excel_text(v) if isinstance(v, str) else v for v in table[col]]
            table.to_excel(writer, sheet_name=_sheet_name(titles[key]), index=False)
            sheet = writer.sheets[_sheet_name(titles[key])]
            for j, col in enumerate(table.columns, start=1):
                if pd.api.types.is_float_dtype(table[col]) and not _whole(table[col]):
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                        cell.number_format = "0.0"
        for sheet in writer.book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    text_cell(cell)
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title.split(" (")[0])
    return clean[:31]
