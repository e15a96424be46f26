"""Read the capacity plan's output (``plan.csv``) for the reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from capacity.errors import UserError
from capacity.io.cells import read_output_csv

PLAN_FILE = "plan.csv"
PLAN_COLUMNS = (
    "site_id",
    "month",
    "modules_up",
    "modules_standing",
    "modules_down",
    "beds",
    "cost",
)
_INTS = ("modules_up", "modules_standing", "modules_down", "beds")


def read_plan(directory: Path) -> pd.DataFrame:
    """Read ``plan.csv`` from the plan command's output folder.

    Parameters
    ----------
    directory : the folder given as ``--plan``; it must hold ``plan.csv``.

    Returns
    -------
    DataFrame
        The columns of ``PLAN_COLUMNS``; ``month`` as the first day of the month (datetime64[s]),
        counts as int64 and ``cost`` as float (DKK).

    Raises
    ------
    UserError
        When the file is missing or a column is missing or not a number/month, naming file, row
        (line) and column.
    """
    path = Path(directory) / PLAN_FILE
    if not path.is_file():
        raise UserError(f"{path}: file not found; run `capacity plan` first or fix --plan.")
    df = read_output_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in PLAN_COLUMNS if c not in df.columns]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"plan.csv needs {', '.join(PLAN_COLUMNS)}."
        )
    out = pd.DataFrame({"site_id": df["site_id"].astype(str)})
    out["month"] = _column(
        path,
        df,
        "month",
        lambda s: (
            pd.to_datetime(s, format="%Y-%m-%d")
            if len(s) > 7
            else pd.to_datetime(s, format="%Y-%m")
        ),
    )
    for col in _INTS:
        out[col] = _column(path, df, col, int)
    out["cost"] = _column(path, df, "cost", float)
    out["month"] = out["month"].astype("datetime64[s]")
    return out


def _column(path: Path, df: pd.DataFrame, col: str, parse) -> list:
    values = []
    for i, text in enumerate(df[col]):
        try:
            values.append(parse(text.strip()))
        except (ValueError, TypeError):
            raise UserError(
                f"{path}, line {i + 2}, column '{col}': {text!r} is not valid; "
                "give a number (a month as YYYY-MM or YYYY-MM-DD)."
            ) from None
    return values
