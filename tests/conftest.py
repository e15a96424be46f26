"""Shared fixtures: a tiny registry built in code, the bundled sample, the shared benchmark folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests import helpers

# CI runs the same examples every time (a red run must be reproducible); locally hypothesis
# explores new ones. Timing is not a property: no deadlines on a shared 2-core machine.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CAPACITY_SHARED", ROOT.parent / "shared"))
SAMPLE_GPKG = ROOT / "data" / "alleroed.gpkg"
SAMPLE_FOLDER = ROOT / "data" / "alleroed"


def _need(path: Path, what: str) -> Path:
    """Skip with the reason when ``path`` is absent, or fail where CI requires it."""
    if path.exists():
        return path
    if os.environ.get("REQUIRE_SHARED") == "1":
        pytest.fail(f"{what} not found at {path} (REQUIRE_SHARED=1)")
    pytest.skip(f"{what} not found at {path}")


@pytest.fixture
def shared_dir() -> Path:
    """The team's shared folder (benchmarks, facts); skips where it is absent."""
    return _need(SHARED, "the shared folder")


def _bundled(path: Path, what: str) -> Path:
    """``path``, part of the repository: its absence fails the test, never skips it (a clone
    without the bundled sample is broken, and its tests must not pass quietly)."""
    if not path.exists():
        pytest.fail(f"{what} is missing at {path}; it is part of the repository (git checkout)")
    return path


@pytest.fixture
def tiny_registry():
    """Two sites (a building and a pavilion site), five units, three residents, four arrivals."""
    return helpers.tiny_registry()


@pytest.fixture
def sample_gpkg() -> Path:
    """The bundled Allerød sample as a GeoPackage."""
    return _bundled(SAMPLE_GPKG, "the bundled sample")


@pytest.fixture
def sample_folder() -> Path:
    """The bundled Allerød sample in folder form (CSV/GeoJSON)."""
    return _bundled(SAMPLE_FOLDER, "the bundled sample folder")


BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = shutil.which("chromium")
    reason = ""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if path is None:
        reason = "Debian's chromium is not installed (apt-get install -y chromium)"
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, one for the whole session (a second sync
    Playwright in the same thread fails); skipped (or failed under ``REQUIRE_BROWSER=1``) when
    Chromium or Playwright is missing."""
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        yield chromium
        chromium.close()
