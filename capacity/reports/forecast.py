"""The scenario runs' forecast for the reports: ``months.csv`` of ``capacity scenarios``.

``read_forecast`` reads and checks the file; ``forecast_table`` is the review's "shortfall forecast
by month"; ``forecast_band`` is the 10-90 % occupancy band (and the beds) for the occupancy chart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from capacity.errors import UserError
from capacity.io.cells import read_output_csv

FORECAST_FILE = "months.csv"
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
        month, naming the file, the line and the column.
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
    return out


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
