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
from capacity.io.values import listed

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
            f"{file}: filen findes ikke; kør først `capacity scenarios --out {path}`, "
            "eller ret --scenarios."
        )
    try:
        df = read_output_csv(file, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{file}: filen kan ikke læses ({exc}); giv den months.csv, som "
            "`capacity scenarios` skrev."
        ) from None
    missing = [c for c in FORECAST_COLUMNS if c not in df.columns]
    if missing:
        raise UserError(
            f"{file}: mangler kolonne(r) {', '.join(missing)}; kør "
            "`capacity scenarios` igen (months.csv skal have "
            f"{', '.join(FORECAST_COLUMNS)})."
        )
    if df.empty:
        raise UserError(f"{file}: ingen måneder; kør `capacity scenarios` igen.")
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
            f"{file}: måned(er) {listed(twice)} givet mere end én gang ({len(months)} rækker); "
            "giv months.csv fra én kørsel af `capacity scenarios`, én række pr. måned."
        )
    for i in range(1, len(months)):
        step = _index(months[i]) - _index(months[i - 1])
        if step < 0:
            raise UserError(
                f"{file}, linje {i + 2}: {months[i]} kommer efter {months[i - 1]}; giv månederne "
                "i rækkefølge, sådan som `capacity scenarios` skriver dem."
            )
        if step > 1:
            first, last = _label(_index(months[i - 1]) + 1), _label(_index(months[i]) - 1)
            gap = first if step == 2 else f"{first} til {last} ({step - 1} måneder)"
            raise UserError(
                f"{file}, linje {i + 2}: måned(er) {gap} mangler mellem {months[i - 1]} og "
                f"{months[i]}; kør `capacity scenarios` igen."
            )


def _months_of_the_run(file: Path, months: list[str], summary: Path) -> None:
    """The months (once each, in order) are those of the run's ``summary.json``, which must lie
    beside the file: ``horizon_months`` of them from its ``start``, and its ``months_at_risk``
    among them. Without it a file cut at either end could not be told from a shorter run."""
    data = read_summary(summary, "scenarios", "months.csv")
    at_risk = data.get("months_at_risk", [])
    if not isinstance(at_risk, list):
        raise UserError(f"{summary}: ikke et resumé fra `capacity scenarios`; kør den igen.")
    run = run_span(summary, data)
    if run != (months[0], months[-1], len(months)):
        raise UserError(
            f"{file}: filen har månederne {months[0]} til {months[-1]} ({len(months)}), "
            f"kørslen i {summary} {run[0]} til {run[1]} ({run[2]}); giv months.csv og "
            "summary.json fra samme kørsel."
        )
    absent = [str(m) for m in at_risk if str(m) not in months]
    if absent:
        raise UserError(
            f"{file}: kørslen i {summary} har måned(er) med risiko {listed(absent)}, som ikke er "
            "i filen; giv months.csv og summary.json fra samme kørsel."
        )


def read_summary(summary: Path, command: str, beside: str) -> dict:
    """The ``summary.json`` that the run of ``capacity COMMAND`` wrote beside its file
    ``beside``, which is read with it (its months are checked against the run's)."""
    if not summary.is_file():
        raise UserError(
            f"{summary}: filen findes ikke; {beside} læses sammen med den summary.json, som "
            f"samme kørsel af `capacity {command}` skrev ved siden af den (dens måneder tjekkes "
            "mod kørslens). Giv den mappe, kørslen skrev."
        )
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(
            f"{summary}: filen kan ikke læses ({exc}); giv den summary.json, som "
            f"`capacity {command}` skrev sammen med {beside}."
        ) from None
    if not isinstance(data, dict):
        raise UserError(f"{summary}: ikke et resumé fra `capacity {command}`; kør den igen.")
    return data


def run_span(summary: Path, data: dict, command: str = "scenarios") -> tuple[str, str, int]:
    """The first and last month of a run of ``capacity COMMAND`` and their number, from its
    summary's ``start`` and ``horizon_months`` (a summary without them, from an older version,
    cannot say whether the file beside it was cut: it is refused)."""
    start, horizon = data.get("start"), data.get("horizon_months")
    if start is None and horizon is None:
        raise UserError(
            f"{summary}: ingen 'start' og 'horizon_months' (skrevet af en ældre version, som ikke "
            f"gemte kørslens måneder); kør `capacity {command}` igen."
        )
    whole = isinstance(horizon, int) and not isinstance(horizon, bool) and horizon >= 1
    if not (isinstance(start, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start) and whole):
        raise UserError(
            f"{summary}: 'start' ({start!r}) og 'horizon_months' ({horizon!r}) skal være en "
            f"måned YYYY-MM og et helt tal >= 1; kør `capacity {command}` igen."
        )
    return start, _label(_index(start) + horizon - 1), horizon


def _index(month: str) -> int:
    """A "YYYY-MM" month as a count of months (for steps between months)."""
    return 12 * int(month[:4]) + int(month[5:7]) - 1


def _label(index: int) -> str:
    """The "YYYY-MM" of a count of months (``_index``)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month(file: Path, i: int, text: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text.strip()):
            raise ValueError(text)
        return pd.Period(text.strip()[:7], freq="M").strftime("%Y-%m")
    except (ValueError, TypeError):
        raise UserError(
            f"{file}, linje {i + 2}, kolonne 'month': {text!r} er ikke en måned; giv YYYY-MM."
        ) from None


def _number(file: Path, i: int, col: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if value != value:
        raise UserError(
            f"{file}, linje {i + 2}, kolonne '{col}': {text!r} er ikke et tal; "
            "kør `capacity scenarios` igen."
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
