"""The capacity plan's files: ``plan.csv``, ``modules.csv``, ``terms.csv``, ``summary.json`` and
``explanation.md`` of ``capacity plan``, ``months.csv`` and ``summary.json`` of ``capacity
scenarios``, each folder written atomically (a temporary folder, then renamed), and ``plan.csv``
read back for the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from capacity.errors import UserError
from capacity.files import atomic_folder
from capacity.io.cells import csv_text, read_output_csv
from capacity.io.layers import Registry
from capacity.planning.explain import explanation_md
from capacity.planning.plan import (
    BRANCH_COLUMNS,
    MODULE_COLUMNS,
    PLAN_COLUMNS,
    PlanResult,
    expected_spending,
)
from capacity.planning.simulate import ScenarioResult
from capacity.reports.forecast import (
    FORECAST_FILE,
    SUMMARY_FILE,
    listed,
    read_summary,
    run_span,
)

PLAN_FILE = "plan.csv"
BRANCHES_FILE = "branches.csv"
_INTS = ("modules_up", "modules_standing", "modules_down", "beds")


def read_plan(directory: Path, reg: Registry) -> pd.DataFrame:
    """Read ``plan.csv`` from the plan command's output folder and check it against ``reg``.

    Parameters
    ----------
    directory : the folder given as ``--plan``; it must hold ``plan.csv`` (its ``plan.csv`` may be
        given instead).
    reg : the registry the plan is shown on: every site of the plan must be one of its sites.

    Returns
    -------
    DataFrame
        The columns of ``PLAN_COLUMNS`` (the planner's one list); ``month`` as the first day of
        the month (datetime64[s]), counts as int64, ``cost`` as float (DKK), ``binding`` as bool.

    Raises
    ------
    UserError
        When the file is missing or a column is missing or not a number/month, naming file, row
        (line) and column; when the rows are not those of a plan of ``reg`` (``_plan_rows``),
        naming the sites and months.
    """
    if Path(directory).name == PLAN_FILE and Path(directory).is_file():  # as `scenarios` takes it
        directory = Path(directory).parent
    path = Path(directory) / PLAN_FILE
    if not path.is_file():
        raise UserError(f"{path}: filen findes ikke; kør først `capacity plan`, eller ret --plan.")
    df = read_output_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in PLAN_COLUMNS if c not in df.columns]
    if missing:
        raise UserError(
            f"{path}: mangler kolonne(r) {', '.join(missing)}; "
            f"plan.csv skal have {', '.join(PLAN_COLUMNS)}."
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
    out["binding"] = _column(path, df, "binding", _flag)
    out["month"] = out["month"].astype("datetime64[s]")
    summary = read_summary(Path(directory) / SUMMARY_FILE, "plan", PLAN_FILE)
    _plan_rows(path, out, reg, run_span(Path(directory) / SUMMARY_FILE, summary, "plan"))
    if (Path(directory) / BRANCHES_FILE).is_file():  # plan.csv is the likeliest branch's path
        out.attrs["expected_cost"] = expected_spending(summary)
    return out


def _plan_rows(path: Path, plan: pd.DataFrame, reg: Registry, span: tuple[str, str, int]) -> None:
    """The rows are those of a plan of ``reg``: every site of the registry and no other, one row
    per site and month, every site over the plan's months ``span`` (first, last, number).

    The proposal's price and the map's badges are sums over the rows: a row given twice would
    count twice, a site the registry does not know would be priced but not drawn, and a site or
    a month left out would be priced at nothing.
    """
    if plan.empty:
        raise UserError(f"{path}: ingen rækker; kør `capacity plan` igen, eller ret --plan.")
    unknown = sorted(set(plan["site_id"]) - set(reg.sites["id"].astype(str)))
    if unknown:
        raise UserError(
            f"{path}: lokalitet(er) {listed(unknown)} findes ikke i registret; lav "
            "planen ud fra det samme register, eller ret site_id."
        )
    absent = sorted(set(reg.sites["id"].astype(str)) - set(plan["site_id"]))
    if absent:
        raise UserError(
            f"{path}: lokalitet(er) {listed(absent)} i registret har ingen rækker; lav planen "
            "igen ud fra det samme register (`capacity plan` giver hver lokalitet alle måneder)."
        )
    month = plan["month"].dt.strftime("%Y-%m")
    if (month.min(), month.max()) != span[:2]:
        raise UserError(
            f"{path}: filen har månederne {month.min()} til {month.max()}, planen i "
            f"summary.json {span[0]} til {span[1]} ({span[2]}); giv plan.csv og summary.json "
            "fra samme kørsel af `capacity plan`."
        )
    rows = pd.DataFrame({"site_id": plan["site_id"], "month": month})
    twice = rows[rows.duplicated(keep=False)].drop_duplicates()
    if len(twice):
        pairs = [f"{r.site_id} {r.month}" for r in twice.itertuples()]
        raise UserError(
            f"{path}: mere end én række for {listed(pairs)}; giv én række pr. lokalitet og måned "
            "(rækkerne lægges sammen: en række to gange tæller to gange)."
        )
    first, last = pd.Period(month.min(), freq="M"), pd.Period(month.max(), freq="M")
    whole = list(pd.period_range(first, last, freq="M").strftime("%Y-%m"))
    given = set(month)
    gaps = [m for m in whole if m not in given]
    if gaps:
        raise UserError(
            f"{path}: ingen rækker for måned(er) {listed(gaps)} mellem {whole[0]} og {whole[-1]}; "
            "giv alle planens måneder, sådan som `capacity plan` skriver dem."
        )
    short = [
        f"{site} ({listed(sorted(set(whole) - set(m)), 3)})"
        for site, m in month.groupby(plan["site_id"], sort=True)
        if len(m) < len(whole)
    ]
    if short:
        raise UserError(
            f"{path}: lokalitet(er) {listed(short)} mangler måneder, som planen giver andre "
            f"lokaliteter ({whole[0]} til {whole[-1]}); giv hver af planens lokaliteter alle "
            "måneder."
        )


def _flag(text: str) -> bool:
    """A written boolean ("True"/"False", as ``csv_text`` writes them; also 1/0)."""
    value = {"true": True, "1": True, "false": False, "0": False}.get(text.lower())
    if value is None:
        raise ValueError(text)
    return value


def _column(path: Path, df: pd.DataFrame, col: str, parse) -> list:
    values = []
    for i, text in enumerate(df[col]):
        try:
            values.append(parse(text.strip()))
        except (ValueError, TypeError):
            raise UserError(
                f"{path}, linje {i + 2}, kolonne '{col}': {text!r} er ugyldig; "
                "giv et tal (en måned som YYYY-MM eller YYYY-MM-DD)."
            ) from None
    return values


VOLATILE = ("wall_seconds",)  # left out of files: same input and seed, same bytes


def plan_json(res: PlanResult) -> str:
    """The plan's summary as stable JSON (sorted keys, no wall-clock times)."""
    data = {k: v for k, v in res.summary.items() if k not in VOLATILE}
    data["shortage_by_month"] = res.shortage.to_dict(orient="records")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=float) + "\n"


def write_plan(res: PlanResult, out: Path, price_per_day: int) -> None:
    """Write ``plan.csv``, ``modules.csv``, ``summary.json``, ``terms.csv`` and
    ``explanation.md`` into ``out``, and ``branches.csv`` (the modules of every branch of the
    scenario, ``BRANCH_COLUMNS``) when the scenario has several; a ``branches.csv`` of an earlier
    plan in ``out`` is removed otherwise (``scenarios --plan`` would read it as this plan's)."""

    def write(tmp: Path) -> None:
        (tmp / "plan.csv").write_text(csv_text(res.plan[PLAN_COLUMNS]), encoding="utf-8")
        (tmp / "modules.csv").write_text(csv_text(res.modules[MODULE_COLUMNS]), encoding="utf-8")
        if res.branches is not None:
            (tmp / BRANCHES_FILE).write_text(
                csv_text(res.branches[BRANCH_COLUMNS]), encoding="utf-8"
            )
        (tmp / "terms.csv").write_text(csv_text(res.terms), encoding="utf-8")
        (tmp / "summary.json").write_text(plan_json(res), encoding="utf-8")
        (tmp / "explanation.md").write_text(explanation_md(res, price_per_day), encoding="utf-8")

    atomic_folder(Path(out), write, replaces=(BRANCHES_FILE,))


def write_runs(res: ScenarioResult, out: Path) -> None:
    """Write ``months.csv`` and ``summary.json`` of the scenario runs into ``out``.

    ``months.csv`` has the columns of ``ScenarioResult.months``, among them ``p10_occupied`` and
    ``p90_occupied``: the 10-90 % band of occupancy that ``capacity review --scenarios`` draws;
    ``summary.json`` gives the run's ``start`` and ``horizon_months``, against which the review
    checks the months of ``months.csv`` (``forecast.read_forecast``).
    """

    def write(tmp: Path) -> None:
        (tmp / FORECAST_FILE).write_text(csv_text(res.months), encoding="utf-8")
        (tmp / SUMMARY_FILE).write_text(
            json.dumps(res.summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )

    atomic_folder(Path(out), write)
