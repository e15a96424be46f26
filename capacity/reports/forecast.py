"""The scenario runs' forecast for the reports: ``months.csv`` of ``capacity scenarios``.

``read_forecast`` reads and checks the file (and its months against the run's ``summary.json``
beside it); ``forecast_table`` is the review's "shortfall forecast
by month"; ``forecast_band`` is the 10-90 % occupancy band (and the beds) for the occupancy chart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from capacity.errors import UserError
from capacity.io.cells import read_output_csv

FORECAST_FILE = "months.csv"
SUMMARY_FILE = "summary.json"  # written beside months.csv by the same run
FORECAST_COLUMNS = (
    "month",
    "p_shortage",
    "expected_short",
    "expected_occupied",
    "p10_occupied",
    "p90_occupied",
    "beds",
)
TABLE_COLUMNS = (
    "month",
    "shortage_pct",
    "expected_short",
    "expected_occupied",
    "p90_occupied",
    "beds",
)


def read_forecast(path: Path) -> pd.DataFrame:
    """Read ``months.csv`` from the output folder of ``capacity scenarios``.

    Parameters
    ----------
    path : the folder given as ``--scenarios`` (or the ``months.csv`` file itself).

    Returns
    -------
    DataFrame
        The columns of ``FORECAST_COLUMNS`` (extra columns are kept): ``month`` as "YYYY-MM",
        the others as float.

    Raises
    ------
    UserError
        When the file is missing or empty, a column is missing, or a value is not a number or a
        month, naming the file, the line and the column; when a month is given twice, missing or
        out of order, or the months are not those of the run's ``summary.json`` (its ``start`` and
        ``horizon_months``, and its ``months_at_risk``), naming the months. A months.csv with
        a month missing, or two runs pasted together, would put the forecast table's rows and
        the largest risk in the wrong months. Also when ``summary.json`` is not beside the
        file.
    """
    path = Path(path)
    file = path if path.is_file() else path / FORECAST_FILE
    if not file.is_file():
        raise UserError(
            f"{file}: file not found; run `capacity scenarios --out {path}` first "
            "or fix --scenarios."
        )
    try:
        df = read_output_csv(file, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{file}: cannot read the file ({exc}); give the months.csv written "
            "by `capacity scenarios`."
        ) from None
    missing = [c for c in FORECAST_COLUMNS if c not in df.columns]
    if missing:
        raise UserError(
            f"{file}: missing column(s) {', '.join(missing)}; run "
            "`capacity scenarios` again (months.csv needs "
            f"{', '.join(FORECAST_COLUMNS)})."
        )
    if df.empty:
        raise UserError(f"{file}: no months; run `capacity scenarios` again.")
    out = df.copy()
    out["month"] = [_month(file, i, text) for i, text in enumerate(df["month"])]
    for col in FORECAST_COLUMNS[1:]:
        out[col] = [_number(file, i, col, text) for i, text in enumerate(df[col])]
    months = out["month"].tolist()
    _months_in_order(file, months)
    _months_of_the_run(file, months, file.parent / SUMMARY_FILE)
    return out


def _months_in_order(file: Path, months: list[str]) -> None:
    """Every month once, in order, with none left out."""
    rows = pd.Series(months)
    twice = sorted(set(rows[rows.duplicated()]))
    if twice:
        raise UserError(
            f"{file}: month(s) {listed(twice)} given more than once ({len(months)} rows); give "
            "the months.csv of one run of `capacity scenarios`, one row per month."
        )
    for i in range(1, len(months)):
        step = _index(months[i]) - _index(months[i - 1])
        if step < 0:
            raise UserError(
                f"{file}, line {i + 2}: {months[i]} comes after {months[i - 1]}; give the months "
                "in order, as `capacity scenarios` writes them."
            )
        if step > 1:
            first, last = _label(_index(months[i - 1]) + 1), _label(_index(months[i]) - 1)
            gap = first if step == 2 else f"{first} to {last} ({step - 1} months)"
            raise UserError(
                f"{file}, line {i + 2}: month(s) {gap} missing between {months[i - 1]} and "
                f"{months[i]}; run `capacity scenarios` again."
            )


def _months_of_the_run(file: Path, months: list[str], summary: Path) -> None:
    """The months (once each, in order) are those of the run's ``summary.json``, which must lie
    beside the file: ``horizon_months`` of them from its ``start``, and its ``months_at_risk``
    among them. Without it a file cut at either end could not be told from a shorter run."""
    if not summary.is_file():
        raise UserError(
            f"{summary}: file not found; months.csv is read with the summary.json the same run "
            "of `capacity scenarios` wrote beside it (its months are checked against the run's)."
            " Give the folder that run wrote."
        )
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(
            f"{summary}: cannot read the file ({exc}); give the summary.json written with "
            "months.csv by `capacity scenarios`."
        ) from None
    at_risk = data.get("months_at_risk", []) if isinstance(data, dict) else None
    if not isinstance(at_risk, list):
        raise UserError(f"{summary}: not a summary of `capacity scenarios`; run it again.")
    run = _run_span(summary, data)
    if run != (months[0], months[-1], len(months)):
        raise UserError(
            f"{file}: the file has the months {months[0]} to {months[-1]} ({len(months)}), the "
            f"run in {summary} {run[0]} to {run[1]} ({run[2]}); give months.csv and summary.json "
            "of the same run."
        )
    absent = [str(m) for m in at_risk if str(m) not in months]
    if absent:
        raise UserError(
            f"{file}: month(s) at risk {listed(absent)} of the run in {summary} are not in the "
            "file; give months.csv and summary.json of the same run."
        )


def _run_span(summary: Path, data: dict) -> tuple[str, str, int]:
    """The first and last month of the run and their number, from its summary's ``start`` and
    ``horizon_months`` (a summary without them, from an older version, cannot say whether the
    file was cut: it is refused)."""
    start, horizon = data.get("start"), data.get("horizon_months")
    whole = isinstance(horizon, int) and not isinstance(horizon, bool) and horizon >= 1
    if not (isinstance(start, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start) and whole):
        raise UserError(
            f"{summary}: 'start' ({start!r}) and 'horizon_months' ({horizon!r}) must be a month "
            "YYYY-MM and a whole number >= 1; run `capacity scenarios` again."
        )
    return start, _label(_index(start) + horizon - 1), horizon


def _index(month: str) -> int:
    """A "YYYY-MM" month as a count of months (for steps between months)."""
    return 12 * int(month[:4]) + int(month[5:7]) - 1


def _label(index: int) -> str:
    """The "YYYY-MM" of a count of months (``_index``)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def listed(items: list[str], k: int = 5) -> str:
    """The first ``k`` items, and how many more."""
    more = f" and {len(items) - k} more" if len(items) > k else ""
    return ", ".join(items[:k]) + more


def _month(file: Path, i: int, text: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text.strip()):
            raise ValueError(text)
        return pd.Period(text.strip()[:7], freq="M").strftime("%Y-%m")
    except (ValueError, TypeError):
        raise UserError(
            f"{file}, line {i + 2}, column 'month': {text!r} is not a month; give YYYY-MM."
        ) from None


def _number(file: Path, i: int, col: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if value != value:
        raise UserError(
            f"{file}, line {i + 2}, column '{col}': {text!r} is not a number; "
            "run `capacity scenarios` again."
        )
    return value


def forecast_table(months: pd.DataFrame) -> pd.DataFrame:
    """The review's shortfall forecast by month.

    Parameters
    ----------
    months : the frame of ``read_forecast`` (or ``ScenarioResult.months``).

    Returns
    -------
    DataFrame
        ``month`` ("YYYY-MM"), ``shortage_pct`` (probability of a shortage in per cent, one
        decimal), ``expected_short`` (persons, one decimal), ``expected_occupied`` (persons, one
        decimal), ``p90_occupied`` and ``beds`` (whole numbers), one row per month.
    """
    return pd.DataFrame(
        {
            "month": months["month"].astype(str).to_numpy(),
            "shortage_pct": (100 * months["p_shortage"].astype(float)).round(1).to_numpy(),
            "expected_short": months["expected_short"].astype(float).round(1).to_numpy(),
            "expected_occupied": months["expected_occupied"].astype(float).round(1).to_numpy(),
            "p90_occupied": months["p90_occupied"].round().astype("int64").to_numpy(),
            "beds": months["beds"].round().astype("int64").to_numpy(),
        }
    )


def forecast_band(months: pd.DataFrame) -> pd.DataFrame:
    """The 10-90 % band of occupancy and the beds per month, for ``charts.occupancy_chart``.

    Returns
    -------
    DataFrame
        ``month`` (first day of the month, Timestamp), ``p10``, ``p90`` (persons housed) and
        ``beds`` (the beds the runs assumed: today's or the plan's).
    """
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex(months["month"].astype(str), freq="M").to_timestamp(),
            "p10": months["p10_occupied"].astype(float).to_numpy(),
            "p90": months["p90_occupied"].astype(float).to_numpy(),
            "beds": months["beds"].astype(float).to_numpy(),
        }
    )


def peak_risk(months: pd.DataFrame) -> tuple[str, float]:
    """The month with the highest probability of a shortage (the first of equals) and that
    probability."""
    i = int(months["p_shortage"].astype(float).to_numpy().argmax())
    return str(months["month"].iloc[i]), float(months["p_shortage"].iloc[i])
