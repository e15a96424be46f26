"""The policy file: defaults, round trip, and errors that name the key."""

from __future__ import annotations

import pytest

from capacity.errors import RegistryError
from capacity.policy import Policy


def test_round_trip_keeps_every_value():
    policy = Policy.from_toml_text("[weights]\ntransport = 7\n[limits]\nspeed_kmh = 12.5\n")
    assert Policy.from_toml_text(policy.to_toml_text()) == policy
    assert policy.weights.transport == 7 and policy.limits.speed_kmh == 12.5


def test_unknown_key_is_named():
    with pytest.raises(RegistryError) as err:
        Policy.from_toml_text("[weights]\ntransprt = 3\n")
    assert "key 'weights.transprt'" in str(err.value)
    assert "unknown key" in str(err.value)


def test_negative_weight_is_refused():
    with pytest.raises(RegistryError, match="weights.spread"):
        Policy.from_toml_text("[weights]\nspread = -1\n")


def test_bad_toml_names_the_file():
    with pytest.raises(RegistryError, match="policy.toml: not valid TOML"):
        Policy.from_toml_text("[weights\n")
