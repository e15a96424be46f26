"""Reach: the follow-up of a 20,000-household registry with five years of history (benchmark)."""

from __future__ import annotations

import datetime as dt

import pytest

from capacity.followup import build_followup
from capacity.sample import synthetic_registry
from capacity.sample.history import add_history


@pytest.mark.slow
def test_followup_20000_households_five_years(benchmark) -> None:
    reg = synthetic_registry(households=20_000, sites=2_000, seed=1)
    quotas = {2023: 6_000, 2024: 5_000, 2025: 4_000, 2026: 3_000}
    reg = add_history(reg, seed=1, tail=4_000, quotas=quotas)
    result = benchmark.pedantic(
        build_followup, args=(reg, 2026), kwargs={"as_of": dt.date(2026, 12, 1)}, rounds=1
    )
    assert result.years == (2023, 2024, 2025, 2026)
