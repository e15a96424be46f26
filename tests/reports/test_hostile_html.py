"""Script payloads in every text field reach every HTML output as inert text.

A registry whose every name, note, source and id carries payloads (a ``<script>``, an ``<img>``
with ``onerror``, an ``<svg onload>``, a ``${...}`` and a backtick for the JavaScript template
literals folium writes, quotes to break out of attributes), a scenario whose name, description and
household types carry them too, go through the real commands (``plan``, ``scenarios``,
``proposal``, ``review``, ``report``). Each HTML output is opened in Chromium, every tooltip and
popup of every map layer is opened, and no payload runs: no dialog, no ``window.__pwned``, no
injected element, no script error; the payload text is shown as text.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from capacity.followup.fmap import followup_map
from capacity.io.registry import write_registry
from capacity.reports.assets import strip_assets
from capacity.reports.escape import html_text, md_text
from capacity.reports.maps import council_map
from tests import helpers
from tests.reports.test_browser import open_offline

runner = CliRunner()
ID_LAYERS = ("districts", "pois", "sites", "units", "households")


def payload(tag: str) -> str:
    """Text that runs ``window.__pwned = tag`` (or an alert) wherever it is not escaped; short
    enough for every text field's limit (200 characters)."""
    return (
        f"{tag}<img src=x onerror=\"__pwned='{tag}'\">${{__pwned='{tag}'}}`);alert(1);(`"
        f"\\\"'><script>__pwned='{tag}'</script><b id=inj>x</b>"
    )


def hostile_id(layer: str, old: str) -> str:
    """An id that stays unique and referable but carries an attribute break-out and a template."""
    return f'{old}"><svg onload="window.__pwned=\'{layer}\'">${{alert(1)}}`'


def hostile_registry(text=payload):
    """``tiny_registry`` with towns, daycare and a job centre added (so every map layer exists),
    every text field ``text(tag)`` (a script payload) and every id hostile, references kept."""
    from shapely.geometry import Point

    from capacity.io.layers import frame

    reg = helpers.tiny_registry()
    x, y = helpers.ORIGIN
    districts = reg.districts.drop(columns="geometry").assign(geometry=reg.districts.geometry)
    town = helpers.square_district("T", "town", x - 1500, y - 800, 2500, 9000)
    districts = frame("districts", [*districts.to_dict("records"), town])
    pois = frame(
        "pois",
        [
            *reg.pois.to_dict("records"),
            dict(id="TC", name="Town", kind="town_centre", geometry=Point(x - 300, y + 100)),
            dict(id="DC", name="Daycare", kind="daycare", geometry=Point(x + 300, y - 200)),
            dict(id="JC", name="Jobcentre", kind="jobcentre", geometry=Point(x + 200, y + 300)),
        ],
    )
    layers = {**reg.layers(), "districts": districts, "pois": pois}
    ids = {name: {i: hostile_id(name, i) for i in layers[name]["id"]} for name in ID_LAYERS}
    out = {}
    for name, df in layers.items():
        df = df.copy()
        for column in ("name", "note", "source"):
            if column in df.columns:
                df[column] = [text(f"{name}.{column}.{i}") for i in range(len(df))]
        if name in ids:
            df["id"] = df["id"].map(ids[name])
        out[name] = df
    out["units"]["site_id"] = out["units"]["site_id"].map(ids["sites"])
    out["occupancy"]["household_id"] = out["occupancy"]["household_id"].map(ids["households"])
    out["occupancy"]["unit_id"] = out["occupancy"]["unit_id"].map(ids["units"])
    return reg.with_layers(**{k: v for k, v in out.items() if k in layers})


def hostile_scenario(path: Path) -> Path:
    """A short wave scenario whose texts are payloads (TOML basic strings are JSON strings)."""
    text = f"""
name = {json.dumps(payload("scenario.name"))}
description = {json.dumps(payload("scenario.description"))}
start = "2026-12"
horizon_months = 8

[arrivals]
level = 0.5
unit = "households"

[[arrivals.waves]]
start = 3
months = 2
persons = 12

[[household_types]]
name = {json.dumps(payload("scenario.type.single"))}
adults = 1
share = 0.5

[[household_types]]
name = {json.dumps(payload("scenario.type.family"))}
adults = 2
children_ages = [7]
share = 0.5

[stay]
kind = "geometric"
mean_months = 6
max_months = 24
"""
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str) -> None:
    from capacity.cli import app

    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory) -> dict[str, Path]:
    """Every HTML output of the commands, written from the hostile registry and scenario."""
    tmp = tmp_path_factory.mktemp("hostile")
    reg_path = tmp / "hostile.gpkg"
    write_registry(hostile_registry(), reg_path)
    scenario = hostile_scenario(tmp / "wave.toml")
    date = "2026-11-15"
    fast = ("--samples", "3", "--time-limit", "5")
    _run("plan", reg_path, "--scenario", scenario, "--out", tmp / "plan", *fast)
    _run(
        "scenarios", reg_path, "--scenario", scenario, "--plan", tmp / "plan" / "plan.csv",
        "--samples", "20", "--workers", "1", "--out", tmp / "scenarios",
    )  # fmt: skip
    _run(
        "proposal", reg_path, "--scenario", scenario, "--out", tmp / "proposal",
        "--runs", "20", "--samples", "3", "--time-limit", "10",
    )  # fmt: skip
    _run(
        "review", reg_path, "--date", date, "--scenarios", tmp / "scenarios",
        "--out", tmp / "review",
    )  # fmt: skip
    _run("review", reg_path, "--date", date, "--lang", "en", "--out", tmp / "review-en")
    _run("report", reg_path, "--date", date, "--plan", tmp / "plan", "--out", tmp / "maps")
    _run(
        "report", reg_path, "--plan", tmp / "plan", "--lang", "en", "--out", tmp / "maps-en",
        "--tiles", "https://x.invalid/`${window.__pwned='tiles'}`/{z}/{x}/{y}.png?<b id=inj>",
    )  # fmt: skip
    return {
        "map": tmp / "maps" / "map.html",
        "map_en": tmp / "maps-en" / "map.html",
        "proposal": tmp / "proposal" / "proposal.html",
        "proposal_map": tmp / "proposal" / "proposal_map.html",
        "review": tmp / "review" / "review.html",
        "review_en": tmp / "review-en" / "review.html",
    }


OPEN_EVERY_FEATURE = """() => {
    const name = Object.keys(window).find(k => k.startsWith('map_'));
    if (!name) return 0;
    const map = window[name];
    let opened = 0;
    const poke = (layer, parent) => {
        const at = layer.getLatLng ? layer.getLatLng()
                 : layer.getBounds ? layer.getBounds().getCenter() : map.getCenter();
        for (const type of ['mouseover', 'click']) {
            layer.fire(type, {latlng: at, originalEvent: new MouseEvent(type)}, true);
        }
        opened += 1;
    };
    map.eachLayer(layer => {
        if (layer.eachLayer && !(layer instanceof L.Marker)) {
            layer.eachLayer(child => { if (!child.eachLayer) poke(child, layer); });
        } else if (layer.getLatLng) {
            poke(layer, null);
        }
    });
    return opened;
}"""

INJECTED = """() => ({
    pwned: window.__pwned === undefined ? [] : [window.__pwned],
    elements: document.querySelectorAll('#inj, img[src="x"], svg[onload], [onerror]').length,
    scripts: [...document.querySelectorAll('script')]
        .filter(s => s.textContent.includes("__pwned='")).length,
})"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "which", ["map", "map_en", "proposal", "proposal_map", "review", "review_en"]
)
def test_no_payload_runs_in_any_html_output(browser, hostile_outputs, which):
    page, _requests, errors = open_offline(browser, hostile_outputs[which], viewport=(1100, 900))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_timeout(300)
    for frame in page.frames:
        opened = frame.evaluate(OPEN_EVERY_FEATURE)
        if which.startswith("map"):
            assert opened > 10  # sites, pois, districts, towns, proposal: all were opened
    page.wait_for_timeout(300)
    for frame in page.frames:  # file:// frames are cross-origin: each is asked on its own
        found = frame.evaluate(INJECTED)
        assert found == {"pwned": [], "elements": 0, "scripts": 0}, (frame.url, found)
    assert dialogs == []
    assert errors == []
    text = page.locator("body").inner_text()
    if which.startswith("map"):
        popups = page.locator(".leaflet-popup-content, .leaflet-tooltip").all_inner_texts()
        shown = "\n".join(popups) + text
        assert "<img src=x" in shown and "${__pwned" in shown  # shown as text
    elif which != "proposal_map":
        assert "<script>__pwned=" in text
    page.close()


def template(tag: str) -> str:
    """Jinja2 syntax that folium's second rendering would evaluate (``49``) or fail on."""
    return f"{tag} {{{{ 7*7 }}}} {{% if x %}} {{# c #}}"


def test_template_syntax_in_names_is_text_on_every_map():
    reg = hostile_registry(template)
    names = ("pois.name.0", "pois.name.1", "districts.name.0", "districts.name.1")
    maps = {
        "council": (council_map(reg), (*names, "sites.name.0", "sites.name.1", "pois.name.2")),
        "followup": (followup_map(reg, {}, 2026, "da"), names),
    }
    for which, (out, tags) in maps.items():
        unjson = re.sub(r"\\u00([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), strip_assets(out))
        shown = html.unescape(unjson)  # as the browser reads the JSON strings and the HTML
        for tag in tags:
            assert template(tag) in shown, (which, tag)
        assert " 49 " not in shown


MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("*_~`[]|\\<&!#")))
def test_md_text_renders_as_the_text_itself(value):
    # after a word, as the documents put names mid-line: no emphasis, link, code or tag from it
    out = MARKDOWN.render("x " + md_text(value))
    assert out.startswith("<p>") and out.endswith("</p>\n")
    inner = out[3:-5]
    assert "<" not in inner
    assert html.unescape(inner).strip() == ("x " + value).strip()


@given(st.text())
def test_html_text_round_trips_and_leaves_no_markup(value):
    out = html_text(value)
    assert html.unescape(out) == value
    assert not set(out) & set("<>\"'`$\\{}")
