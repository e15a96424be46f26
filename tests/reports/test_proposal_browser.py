"""The council proposal in headless Chromium from ``file://``: every section renders (the options,
the costs by year, the sensitivity with its tornado chart, the map frame) with no script error and
no request leaving the machine."""

from __future__ import annotations

from tests.reports.test_browser import open_offline


def test_proposal_sections_render_offline(browser, proposal_paper, proposal_dir):
    from playwright.sync_api import expect  # the browser fixture has skipped if it is missing

    _, paper = proposal_paper
    page, requests, errors = open_offline(
        browser, proposal_dir / "proposal.html", viewport=(1100, 900)
    )
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    heads = page.locator("h2").all_inner_texts()
    for o in paper.options:
        assert f"Mulighed {o.key}: {o.title}" in heads
    assert "Følsomhed" in heads
    section = page.locator("#sensitivity")
    expect(section).to_be_visible()
    expect(page.locator("p.sentence")).to_have_text(paper.sensitivity.sentence())
    tornado = page.locator("#tornado-chart svg")
    expect(tornado).to_be_visible()
    box = tornado.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    swings = paper.sensitivity.swings(paper.recommended)
    assert page.locator("#tornado-chart g[id^='tornado-cost-']").count() == len(swings) + 1
    rows = page.locator("#sensitivity ~ table").first.locator("tr")
    assert rows.count() == 2 + len(paper.sensitivity.cases)  # head, base, one per variation
    body = page.locator("body").inner_text()
    assert "afrundet til 5" in body and "Nødindkvartering (forventet)" in body
    frame = page.frame_locator("iframe.map")
    frame.locator("#key-numbers").wait_for()
    assert frame.locator(".leaflet-marker-pane > *").count() > 0
    page.locator("#sensitivity").screenshot(path=str(proposal_dir.parent / "sensitivity.png"))
    page.close()
