"""The policy file: defaults, round trip, and errors that name the key."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.errors import RegistryError
from capacity.planning.model import SCALE
from capacity.policy import Policy, spread_limit


def test_round_trip_keeps_every_value():
    policy = Policy.from_toml_text("[weights]\ntransport = 7\n[limits]\nspeed_kmh = 12.5\n")
    assert Policy.from_toml_text(policy.to_toml_text()) == policy
    assert policy.weights.transport == 7 and policy.limits.speed_kmh == 12.5


def test_unknown_key_is_named():
    with pytest.raises(RegistryError) as err:
        Policy.from_toml_text("[weights]\ntransprt = 3\n")
    assert "nøgle 'weights.transprt'" in str(err.value)
    assert "ukendt nøgle" in str(err.value)


def test_negative_weight_is_refused():
    with pytest.raises(RegistryError, match="weights.spread"):
        Policy.from_toml_text("[weights]\nspread = -1\n")


def test_bad_toml_names_the_file():
    with pytest.raises(RegistryError, match="policy.toml: ikke gyldig TOML"):
        Policy.from_toml_text("[weights\n")


@pytest.mark.parametrize(
    "text, key",
    [
        ("[limits]\ndetour_factor = inf\n", "limits.detour_factor"),
        ("[limits]\ndetour_factor = nan\n", "limits.detour_factor"),
        ("[limits]\nspeed_kmh = -inf\n", "limits.speed_kmh"),
        ("[weights]\ntransport = 1e29\n", "weights.transport"),
        ("[weights]\ntransport = 9223372036854775808\n", "weights.transport"),
        ("[weights]\nunplaced = 9223372036854775807\n", "weights.unplaced"),
        ("[weights]\nmoves = -5\n", "weights.moves"),
        ("[limits]\nhorizon_months = 1000000000\n", "limits.horizon_months"),
        ("[limits]\nmin_count = 1e9\n", "limits.min_count"),
        ("[limits]\nmax_school_minutes = 99999999999\n", "limits.max_school_minutes"),
        ("[limits]\nemergency_dkk_per_person_day = 1e18\n", "limits.emergency_dkk_per_person_day"),
    ],
)
def test_numbers_out_of_range_name_the_key(text, key):
    with pytest.raises(RegistryError) as err:
        Policy.from_toml_text(text)
    assert f"policy.toml, nøgle '{key}'" in str(err.value)


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "{b = " * 3000 + "1" + "}" * 3000]
)
def test_deep_nesting_is_an_error(text):
    with pytest.raises(RegistryError, match="policy.toml: for dybt indlejret"):
        Policy.from_toml_text(text)


def test_the_message_of_a_huge_value_is_short():
    with pytest.raises(RegistryError) as err:
        Policy.from_toml_text("[weights]\ntransport = [" + "1, " * 100_000 + "]\n")
    assert len(str(err.value)) < 500


def test_only_a_regular_small_file_is_read(tmp_path):
    import os

    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)
    with pytest.raises(RegistryError, match="ikke en almindelig fil"):
        Policy.load(fifo)  # would block for ever on open()
    with pytest.raises(RegistryError, match="ikke en almindelig fil"):
        Policy.load(tmp_path)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 2_000_000 + "\n")
    with pytest.raises(RegistryError, match="højst"):
        Policy.load(big)


@given(
    st.integers(0, 100),
    st.integers(0, 10**6),
    st.integers(1, 10**6),
    st.integers(0, 10**5),
    st.floats(0, 1),
)
def test_the_spread_limit_is_exact_in_persons_and_in_scaled_beds(tol, pop, extra, total, share):
    """``spread_limit`` is exact: a cap in persons is the integer floor of the rational share (no
    float rounding), and the plan's scaled coefficient is the float of the same rational."""
    limit = spread_limit(tol)
    assert limit == 1 + Fraction(tol, 100) and spread_limit(20) == Fraction(6, 5)
    total_pop = pop + extra
    cap = math.floor(limit * pop * total / total_pop)
    assert cap == (100 + tol) * pop * total // (100 * total_pop)
    assert round(SCALE * limit * share) == round(SCALE * (100 + tol) / 100 * share)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "[weights]\ntransport = 2000000\n",
            "værdien skal være højst 1.000.000 (angivet: 2000000)",
        ),
        ("[limits]\ndetour_factor = 0.5\n", "værdien skal være mindst 1 (angivet: 0.5)"),
        ("[weights]\ntransport = 1.5\n", "værdien skal være et helt tal, ikke et decimaltal"),
        ("[limits]\nspread_district_kind = 'x'\n", "'town' eller 'parish' (angivet: 'x')"),
        ("weights = 5\n", "værdien skal være en tabel"),
    ],
)
def test_pydantic_errors_are_in_danish(text, message):
    with pytest.raises(RegistryError) as err:
        Policy.from_toml_text(text)
    assert message in str(err.value)
