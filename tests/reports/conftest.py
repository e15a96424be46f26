"""Fixtures of the report tests: registries with known residents, a plan, headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from capacity.io.layers import frame
from tests import helpers

ROOT = Path(__file__).resolve().parents[2]


def few_residents_registry():
    """``tiny_registry`` with R3's family moved out: B1 holds 2 residents (below min_count 3)."""
    reg = helpers.tiny_registry()
    occ = reg.occupancy.copy()
    occ.loc[occ["household_id"] == "R3", "move_out"] = dt.datetime(2026, 2, 1)
    return reg.with_layers(occupancy=frame("occupancy", occ.to_dict("records")))


def sample_or_tiny():
    """The Allerød sample when ``capacity.sample.alleroed_registry`` exists, else the tiny one."""
    try:
        from capacity.sample import alleroed_registry
    except ImportError:
        return helpers.tiny_registry()
    with warnings.catch_warnings():  # the sample's own tests judge its warnings, not these
        warnings.simplefilter("ignore")
        return alleroed_registry()


@pytest.fixture
def few_registry():
    """A registry where one site holds 2 residents and the other none."""
    return few_residents_registry()


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    """A hand-made plan output folder for ``tiny_registry``: P1 gets 2 modules in 2027-03
    (516,000 kr.), pays 32,000 kr. in 2027-04 and has 1 taken down in 2028-06 (84,000 kr.); the
    building B1 keeps its 9 beds; a row for every site and month of the plan (2027-03 to
    2028-06) and the plan's months in ``summary.json``, as ``capacity plan`` writes them."""
    folder = tmp_path / "plan"
    folder.mkdir()
    rows = {"2027-03": "2,4,0,16,516000,True", "2027-04": "0,4,0,16,32000,True"}
    rows["2028-06"] = "0,3,1,12,84000,False"
    months = pd.period_range("2027-03", "2028-06", freq="M").strftime("%Y-%m")
    (folder / "plan.csv").write_text(
        "site_id,month,modules_up,modules_standing,modules_down,beds,cost,binding\n"
        + "".join(f"P1,{m},{rows.get(m, '0,4,0,16,0,False')}\n" for m in months)
        + "".join(f"B1,{m},0,0,0,9,0,False\n" for m in months),
        encoding="utf-8",
    )
    summary = {"start": "2027-03", "horizon_months": len(months)}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def proposal_paper():
    """A proposal on ``few_residents_registry`` for a wave of 14 persons in month 4: options A and
    B put a module up at P1, C (no new pavilions) relies on emergency housing."""
    from capacity.planning.proposal import make_proposal
    from tests.planning.conftest import scenario

    reg = few_residents_registry()
    sc = scenario([1, 1, 1, 14, 1, 1], stay=6, horizon=8)
    return reg, make_proposal(reg, sc, samples=3, runs=20, seed=2, time_limit=10)


@pytest.fixture(scope="session")
def proposal_dir(proposal_paper, tmp_path_factory) -> Path:
    """``proposal_paper`` written with its figures (charts and map) as ``capacity proposal`` does."""
    from capacity.reports.proposal_figures import proposal_figures
    from capacity.reports.proposal_output import write_proposal

    reg, paper = proposal_paper
    out = tmp_path_factory.mktemp("proposal") / "proposal"
    write_proposal(
        paper, out, reg.policy.limits.emergency_dkk_per_person_day, proposal_figures(reg, paper)
    )
    return out
