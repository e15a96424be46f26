"""The follow-up's HTML in headless Chromium: charts and map present, nothing leaves the machine."""

from __future__ import annotations

from pathlib import Path

from capacity.followup import build_followup, write_followup
from capacity.sample import alleroed_registry
from capacity.sample.history import add_history
from tests.reports.test_browser import open_offline


def test_followup_opens_offline_with_charts_and_map(browser, tmp_path: Path) -> None:
    reg = add_history(alleroed_registry(), seed=11)
    write_followup(reg, build_followup(reg, 2026), tmp_path)
    page, requests, errors = open_offline(browser, tmp_path / "followup.html")
    try:
        assert errors == []
        assert all(r.startswith(("file:", "data:", "about:")) for r in requests), requests
        for gid in ("chart-capacity", "chart-stays", "chart-moveouts", "chart-spread"):
            assert page.locator(f"#{gid} svg").count() == 1, gid
        assert page.locator("#chart-capacity svg #beds").count() == 1
        assert page.locator("#verdicts li").count() == 5
        frame = page.frame_locator("#map")
        frame.locator(".leaflet-container").wait_for(state="visible")
        assert frame.locator(".leaflet-overlay-pane path").count() >= 6
        assert frame.locator("#legend").count() == 1
    finally:
        page.close()
