"""Sample registries: the bundled Allerød sample and synthetic registries of any size.

>>> from capacity.sample import alleroed_registry, synthetic_registry
>>> reg = alleroed_registry(seed=2023)
>>> big = synthetic_registry(households=20_000, sites=2_000, seed=1)

``write_sample(Path("data"))`` (or ``python -m capacity.sample data``) regenerates the committed
``data/alleroed/`` and ``data/alleroed.gpkg``.
"""

from __future__ import annotations

from capacity.sample.alleroed import REFERENCE_DATE, alleroed_registry
from capacity.sample.files import DEFAULT_SEED, policy_toml_text, write_alleroed, write_sample
from capacity.sample.synthetic import synthetic_registry

__all__ = [
    "DEFAULT_SEED",
    "REFERENCE_DATE",
    "alleroed_registry",
    "policy_toml_text",
    "synthetic_registry",
    "write_alleroed",
    "write_sample",
]
