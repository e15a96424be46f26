"""The council map's HTML: self-contained, deterministic, with every layer and the plan's proposal."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from capacity.errors import UserError
from capacity.io.layers import frame
from capacity.reports import council
from capacity.reports.assets import normalise_ids, strip_assets
from capacity.reports.maps import MAP_FILE, council_map, write_council_map
from capacity.reports.plan_output import read_plan
from capacity.reports.privacy import free_total_text
from capacity.reports.text import words


def test_map_is_self_contained(tiny_registry):
    html = council_map(tiny_registry)
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"url\((?![\"']?(?:data:|#))", html)  # fonts and images are data URIs
    assert "L.map(" in html and "jQuery" in html and "@font-face" in html
    assert 1_000_000 < len(html.encode()) < 3_000_000


def test_same_registry_same_bytes(tiny_registry):
    first = council_map(tiny_registry)
    assert council_map(tiny_registry) == first
    assert "map_00000000000000000000000000000001" in first


def test_normalise_ids_numbers_in_order_of_appearance():
    a, b = "a" * 32, "0123456789abcdef" * 2
    assert normalise_ids(f"map_{b} x_{a} {b}") == f"map_{1:032x} x_{2:032x} {1:032x}"


def test_layers_and_panels_in_danish(tiny_registry):
    html = strip_assets(council_map(tiny_registry))
    t = words("da")
    for key in ("boundary", "districts", "sites", "schools", "stations", "key_numbers", "legend"):
        assert _has(html, t[key]), key
    assert not _has(html, t["proposal"])  # no plan given
    assert "Skoler" in html and "(modtageklasser)" in html


def _has(html: str, text: str) -> bool:
    """``text`` appears as is or JSON-escaped (layer names sit in JavaScript objects)."""
    return text in html or json.dumps(text)[1:-1] in html


def test_english(tiny_registry):
    html = strip_assets(council_map(tiny_registry, lang="en"))
    assert "Key numbers" in html and "Temporary homes" in html and "Nøgletal" not in html
    with pytest.raises(UserError, match="--lang da"):
        council_map(tiny_registry, lang="de")


def test_plan_proposal_is_shown(tiny_registry, plan_dir):
    plan = read_plan(plan_dir, tiny_registry)
    html = strip_assets(council_map(tiny_registry, plan=plan))
    assert _has(html, words("da")["plan_layer"])
    assert "2027-03: +2 bestilt (516.000 kr.)" in html
    assert "2028-06: −1 ned (84.000 kr.)" in html
    assert "632.000 kr." in html  # the proposal's total cost in the key numbers
    assert 'proposal-badge\\"\\u003e+1\\u003c' in html  # net +1 module, in the icon's JSON


def test_a_plan_with_branches_is_priced_at_its_expected_cost(tiny_registry, plan_dir):
    # plan.csv holds the likeliest branch's path (632,000 kr.); the plan's summary its cost
    # expected over the branches (before: the one branch's path was the proposal's price)
    summary = json.loads((plan_dir / "summary.json").read_text())
    summary["cost_by_kind"] = {
        "setup": 500_000,
        "month": 290_000,
        "emergency": 9e6,
        "horizon_end": -1e5,
    }
    (plan_dir / "summary.json").write_text(json.dumps(summary))
    plan = read_plan(plan_dir, tiny_registry)
    assert "632.000 kr." in strip_assets(council_map(tiny_registry, plan=plan))
    (plan_dir / "branches.csv").write_text("branch,waves,site_id,month\n")
    plan = read_plan(plan_dir, tiny_registry)
    html = strip_assets(council_map(tiny_registry, plan=plan))
    assert "Kapacitetsplanens forventede udgift til pavilloner" in html and "790.000 kr." in html
    assert "632.000 kr." not in html
    # `report --plan` shows a capacity plan, not the proposal (make demo's map once said
    # "Forslagets pris" of the wave plan while the proposal recommended another option)
    assert "Forslag" not in html and "Kapacitetsplan: pavilloner bestilt/ned" in html
    plan.attrs["proposal"] = True  # as the proposal's own map has it (proposal_figures.map_plan)
    html = strip_assets(council_map(tiny_registry, plan=plan))
    assert (
        "Forslagets forventede udgift til pavilloner" in html
        and "Forslag: pavilloner bestilt/ned" in html
    )


def test_tiles_are_an_option(tiny_registry):
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = council_map(tiny_registry, tiles=url)
    assert "tiles.example.org/{z}/{x}/{y}.png" in html
    assert "tiles.example.org" not in council_map(tiny_registry)


def test_writer_is_atomic(tiny_registry, tmp_path):
    path = write_council_map(tiny_registry, tmp_path / "out")
    assert path == tmp_path / "out" / MAP_FILE
    assert path.read_text(encoding="utf-8") == council_map(tiny_registry)
    assert [p.name for p in path.parent.iterdir()] == [MAP_FILE]  # no temporary file left


def test_read_plan_errors_name_file_line_and_column(tiny_registry, plan_dir, tmp_path):
    with pytest.raises(UserError, match="plan.csv: filen findes ikke"):
        read_plan(tmp_path, tiny_registry)
    (plan_dir / "summary.json").write_text('{"start": "2027-03"}', encoding="utf-8")
    with pytest.raises(UserError, match="'horizon_months' \\(None\\).*kør `capacity plan` igen"):
        read_plan(plan_dir, tiny_registry)
    (plan_dir / "summary.json").write_text('{"status": "optimal"}', encoding="utf-8")
    with pytest.raises(UserError, match="skrevet af en ældre version.*kør `capacity plan` igen"):
        read_plan(plan_dir, tiny_registry)
    (plan_dir / "summary.json").unlink()
    with pytest.raises(UserError, match="summary.json: filen findes ikke"):
        read_plan(plan_dir, tiny_registry)
    (plan_dir / "plan.csv").write_text(
        "site_id,month,modules_up,modules_standing,modules_down,"
        "beds,cost,binding\nP1,2027-03,two,4,0,16,1,True\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"linje 2, kolonne 'modules_up'"):
        read_plan(plan_dir, tiny_registry)
    (plan_dir / "plan.csv").write_text("site_id,month\nP1,2027-03\n", encoding="utf-8")
    with pytest.raises(UserError, match="mangler kolonne"):
        read_plan(plan_dir, tiny_registry)


# --- plan.csv's rows are those of a plan of the registry: summed, never counted twice or lost


def _edit_plan(plan_dir, edit) -> None:
    """Rewrite ``plan_dir``'s plan.csv with ``edit`` applied to its lines after the header."""
    head, *rows = (plan_dir / "plan.csv").read_text(encoding="utf-8").splitlines()
    (plan_dir / "plan.csv").write_text("\n".join([head, *edit(rows)]) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda rows: rows + rows, "mere end én række for P1 2027-03, P1 2027-04, P1 2027-05"),
        (
            lambda rows: [r.replace("P1,", "Q9,", 1) for r in rows],
            "lokalitet(er) Q9 findes ikke i ",
        ),
        (
            lambda rows: [r for r in rows if ",2027-05," not in r and ",2027-06," not in r],
            "ingen rækker for måned(er) 2027-05, 2027-06 mellem 2027-03",
        ),
        (
            lambda rows: [r for r in rows if not r.startswith("B1,2027-03,")],
            "lokalitet(er) B1 (2027-03) mangler måneder, som planen giver andre lokaliteter",
        ),
        (lambda rows: [], "ingen rækker"),
        # before: exit 0, the site or the last month priced at nothing
        (
            lambda rows: [r for r in rows if not r.startswith("B1,")],
            "lokalitet(er) B1 i registret har ingen rækker",
        ),
        (
            lambda rows: [r for r in rows if ",2028-06," not in r],
            "filen har månederne 2027-03 til 2028-05, planen i summary.json 2027-03 til "
            "2028-06 (16)",
        ),
    ],
)
def test_plan_rows_twice_of_an_unknown_site_or_months_missing_are_refused(
    tiny_registry, plan_dir, edit, message
):
    # before: rows pasted twice doubled the proposal's price and the map's badges, and a site
    # the registry does not know was priced but left off the map, with exit 0
    _edit_plan(plan_dir, edit)
    with pytest.raises(UserError, match=re.escape(message)) as err:
        read_plan(plan_dir, tiny_registry)
    assert str(plan_dir / "plan.csv") in str(err.value)


def test_a_plan_of_every_site_over_the_same_months_is_read(tiny_registry, plan_dir):
    _edit_plan(plan_dir, lambda rows: rows[::-1])  # in any order
    assert read_plan(plan_dir / "plan.csv", tiny_registry).equals(
        read_plan(plan_dir, tiny_registry)
    )
    plan = read_plan(plan_dir, tiny_registry)
    assert len(plan) == 2 * 16 and set(plan["site_id"]) == {"B1", "P1"}


def _opening_later(reg, site_id: str, opens: dt.date):
    """``reg`` with ``site_id`` available only from ``opens``."""
    sites = reg.sites.copy()
    sites.loc[sites["id"] == site_id, "available_from"] = pd.Timestamp(opens)
    return reg.with_layers(sites=frame("sites", sites.to_dict("records")))


def test_a_site_not_yet_in_use_has_no_beds_or_free_beds_on_the_date(tiny_registry):
    """A site that opens after the date: its beds are neither beds nor free beds in the key
    numbers for the date (they are counted apart, as beds taken into use later), and its popup
    says when it opens instead of showing free beds."""
    day = dt.date(2026, 6, 1)
    before = council.key_numbers(tiny_registry, date=day)
    reg = _opening_later(tiny_registry, "P1", dt.date(2027, 2, 1))
    p1 = council.sites_figures(reg, day).set_index("site_id").loc["P1"]
    keys = council.key_numbers(reg, date=day)
    assert keys.beds == before.beds - p1["beds"] > 0
    assert keys.later_beds == p1["beds"] > 0
    assert keys.free_beds == before.free_beds - p1["free"]
    assert keys.published == before.published  # residents count every site's
    html = strip_assets(council_map(reg, date=day))
    popup = re.search(r"<b>Site P1</b>.*?</div>", html)[0]
    assert "Tages i brug 1. februar 2027" in popup and "Ledige" not in popup
    panel = re.search(r'<div id="key-numbers".*?</div></div>', html, re.S)[0]
    assert f'class="capacity">{keys.beds}<' in panel
    assert "Senge, der tages i brug senere" in panel and "på steder i brug pr. datoen" in panel
    free = re.search(r'class="count-free">([^<]*)<', panel)[1]
    used = keys.published_in_use  # P1 (not in use) widens no range of the free beds
    low, high = keys.beds - used.hi, keys.beds - used.lo
    assert free == (f"{low}–{high}" if low != high else str(low))


def test_a_site_closed_before_the_date_says_so(tiny_registry):
    sites = tiny_registry.sites.copy()
    sites.loc[sites["id"] == "P1", "available_until"] = pd.Timestamp(2026, 3, 31)
    reg = tiny_registry.with_layers(sites=frame("sites", sites.to_dict("records")))
    html = strip_assets(council_map(reg, date=dt.date(2026, 6, 1)))
    popup = re.search(r"<b>Site P1</b>.*?</div>", html)[0]
    assert "Ikke i brug efter 31. marts 2026" in popup and "Ledige" not in popup
    assert council.key_numbers(reg, date=dt.date(2026, 6, 1)).later_beds == 0


def test_arrivals_in_the_key_numbers_are_persons(tiny_registry):
    """The key number counts persons of households waiting or to arrive (the minor left out):
    its label says so, and does not read as households waiting now."""
    html = strip_assets(council_map(tiny_registry, date=dt.date(2026, 12, 1)))
    panel = re.search(r'<div id="key-numbers".*?</div></div>', html, re.S)[0]
    label = "Ventende og forventede ankomster (personer)"
    assert f'<td>{label}</td><td class="v"><span class="count">7</span>' in panel  # 1 + 2 + 4
    assert council.key_numbers(tiny_registry, date=dt.date(2026, 12, 1)).arrivals == 7


def test_residents_at_a_site_no_longer_in_use_take_no_free_bed_elsewhere(tiny_registry):
    # The reviewer's case: residents still at a site whose availability has ended were taken
    # off the beds of the sites in use (B06 closed with 27 residents: 169-173 free, not 200).
    day = dt.date(2026, 6, 1)
    sites = tiny_registry.sites.copy()
    sites.loc[sites["id"] == "B1", "available_until"] = pd.Timestamp(2026, 3, 31)
    reg = tiny_registry.with_layers(sites=frame("sites", sites.to_dict("records")))
    figures = council.sites_figures(reg, day).set_index("site_id")
    assert figures.loc["B1", "residents"] > 0 and not figures.loc["B1", "in_use"]
    keys = council.key_numbers(reg, date=day)
    in_use = figures[figures["in_use"]]
    assert keys.beds == in_use["beds"].sum()
    assert keys.published_in_use.lo <= in_use["residents"].sum() <= keys.published_in_use.hi
    panel = re.search(r'<div id="key-numbers".*?</div></div>', council_map(reg, date=day), re.S)[0]
    free = re.search(r'class="count-free">([^<]*)<', panel)[1]
    assert free == free_total_text(keys.beds, keys.published_in_use, 3)
    assert int(free.split("–")[-1]) == keys.beds - keys.published_in_use.lo
