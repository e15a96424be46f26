"""No count below ``min_count`` can be recovered from a public output by differences of the figures
shown (issue 17): the council map (sites, districts, key numbers, rates, colours) and the
proposal's occupancy chart.

Two kinds of check, on registries built to tempt a reader (one site of 1, two of 2, a district
with one hidden site beside a shown one, everything hidden) and on random small registries:

- **The reader's differences**: every figure is parsed off the page as the interval it states, and
  every difference a reader can form — a district minus its shown sites, the total minus the shown
  sites, the total minus the districts, beds minus free beds (per site and in total), rate times
  population, month minus month — must leave each group of hidden sites *every* value it could
  have (each hidden site anywhere in 0..N-1).
- **Nothing depends on a hidden count**: with the hidden sites' counts changed to any other
  values below N, the map and the public chart are the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from capacity.policy import Limits, Policy
from capacity.reports import charts, council
from capacity.reports.assets import strip_assets
from capacity.reports.maps import council_map
from capacity.reports.privacy import rounding_base
from tests import helpers

X, Y = helpers.ORIGIN
DAY = dt.date(2026, 6, 1)
INF = math.inf
# District W is x-2000..x, E is x..x+2000 (both y-1000..y+1000); None puts a site outside both.
OFFSET = {"W": -1000.0, "E": 1000.0, None: 5000.0}


def tempting(sites: list[tuple[str | None, int, int]], min_count: int = 3):
    """A registry of sites given as (district, residents, beds): one unit per site, one household
    per occupied site (all moved in on 2026-01-01), no one waiting."""
    districts = [
        helpers.square_district("W", "school", X - 2000, Y - 1000, 2000, 6000),
        helpers.square_district("E", "school", X, Y - 1000, 2000, 4000),
    ]
    rows, units, households, occupancy = [], [], [], []
    for i, (district, residents, beds) in enumerate(sites):
        sid = f"S{i}"
        rows.append(helpers.make_site(sid, dx=OFFSET[district], dy=100.0 * i - 300))
        units.append(helpers.make_unit(f"{sid}-1", sid, beds=beds))
        if residents:
            households.append(
                helpers.make_household(f"H{i}", adults=residents, arrival_date=dt.date(2025, 12, 1))
            )
            occupancy.append(
                helpers.make_occupancy(f"H{i}", f"{sid}-1", move_in=dt.date(2026, 1, 1))
            )
    pois = [dict(id="ST", name="Station", kind="station", geometry=Point(X, Y))]
    return helpers.make_registry(
        districts=districts,
        pois=pois,
        sites=rows,
        units=units,
        households=households,
        occupancy=occupancy,
        policy=Policy(limits=Limits(min_count=min_count)),
    )


# --- the reader ------------------------------------------------------------------------------


def interval(text: str) -> tuple[float, float]:
    """The values a published figure allows."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&le;", "≤").strip()
    number = r"[\d.]+(?:,\d+)?"

    def num(s: str) -> float:
        return float(s.replace(".", "").replace(",", "."))

    if m := re.fullmatch(rf"< ?({number})", text):
        bound = num(m[1])
        return (0, bound - 1) if float(bound).is_integer() and "," not in m[1] else (0, bound)
    if m := re.fullmatch(rf"> ?({number})", text):
        return (num(m[1]) + 1, INF)
    if m := re.fullmatch(rf"≤ ?({number})", text):
        return (0, num(m[1]))
    if m := re.fullmatch(rf"({number})–({number})", text):
        return (num(m[1]), num(m[2]))
    if re.fullmatch(number, text):
        return (num(text), num(text))
    raise AssertionError(f"cannot read {text!r}")


def read_map(html: str) -> dict:
    """Everything the council map states, as a reader sees it."""
    ours = strip_assets(html)
    sites = {}
    for name, beds, count, free in re.findall(
        r"<b>([^<]*)</b>[^<]*<br>[^<]*<span class=\"capacity\">(\d+)</span><br>[^<]*"
        r"<span class=\"count\">([^<]*)</span><br>[^<]*<span class=\"count-free\">([^<]*)</span>",
        ours,
    ):
        sites[name.removeprefix("Site ")] = {
            "beds": int(beds),
            "count": interval(count),
            "free": interval(free),
        }
    districts = {}
    for props in re.findall(r'"properties": (\{[^{}]*\})', ours):
        p = json.loads(props)
        if "residents" in p:
            districts[p["name"].removeprefix("District ")] = {
                "count": interval(p["residents"]),
                "rate": interval(p["rate"]),
                "colour": p["colour"],
            }
    panel = re.search(r'<div id="key-numbers".*?</table>', ours, re.S)[0]
    counts = re.findall(r'class="count">([^<]*)<', panel)
    return {
        "sites": sites,
        "districts": districts,
        "total": interval(counts[0]),
        "beds": int(re.search(r'class="capacity">([\d.]+)<', panel)[1].replace(".", "")),
        "free": interval(re.search(r'class="count-free">([^<]*)<', panel)[1]),
    }


def minus(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (a[0] - b[1], a[1] - b[0])


def beds_less(beds: float, free: tuple[float, float]) -> tuple[float, float]:
    """Residents from beds and free beds (free is beds less residents, never below 0)."""
    return (beds - free[1], beds - free[0] if free[0] > 0 else INF)


def assert_no_disclosure(reg, sites: list[tuple[str | None, int, int]], min_count: int) -> None:
    """Every difference a reader can form leaves each group of hidden sites every value."""
    seen = read_map(council_map(reg))
    hidden = {f"S{i}" for i, (_, n, _) in enumerate(sites) if n < min_count}
    shown = {f"S{i}": n for i, (_, n, _) in enumerate(sites) if n >= min_count}

    def covers(found: tuple[float, float], group: set[str], what: str) -> None:
        wanted = (0, len(group) * (min_count - 1))
        assert found[0] <= wanted[0] and found[1] >= wanted[1], (what, found, wanted, seen)

    for sid, fig in seen["sites"].items():  # the site itself, and its beds minus its free beds
        if sid in hidden:
            covers(fig["count"], {sid}, f"{sid} shown")
            covers(beds_less(fig["beds"], fig["free"]), {sid}, f"{sid} beds - free")
        else:
            assert fig["count"] == (shown[sid], shown[sid])
    in_district = {d: {f"S{i}" for i, s in enumerate(sites) if s[0] == d} for d in ("W", "E")}
    outside = {f"S{i}" for i, s in enumerate(sites) if s[0] is None}
    population = {"W": 6000, "E": 4000}
    known = {sid: (n, n) for sid, n in shown.items()}

    def less_shown(value: tuple[float, float], group: set[str]) -> tuple[float, float]:
        for sid in group - hidden:
            value = minus(value, known[sid])
        return value

    for d, group in in_district.items():
        fig = seen["districts"][d]
        covers(less_shown(fig["count"], group), group & hidden, f"district {d} - shown")
        per = population[d] / 1000  # rates are shown to one decimal: +-0.05
        rate = ((fig["rate"][0] - 0.05) * per, (fig["rate"][1] + 0.05) * per)
        covers(less_shown(rate, group), group & hidden, f"district {d} rate x population")
    everything = set(shown) | hidden
    covers(less_shown(seen["total"], everything), hidden, "total - shown")
    # beds less free beds are the residents of the sites in use (a site not in use is in
    # neither figure): less the shown ones, they cover the hidden ones in use
    used = {sid for sid, ok in council.in_use(reg)["in_use"].items() if ok}
    free_less = less_shown(beds_less(seen["beds"], seen["free"]), everything & used)
    covers(free_less, hidden & used, "beds - free")
    rest = seen["total"]
    for d in in_district:
        rest = minus(rest, seen["districts"][d]["count"])
    covers(less_shown(rest, outside), outside & hidden, "total - districts - shown outside")


def hidden_variants(sites, min_count: int, limit: int = 12):
    """The registry's sites with the hidden counts replaced by other values below N."""
    hidden = [i for i, (_, n, _) in enumerate(sites) if n < min_count]
    choices = itertools.product(range(min_count), repeat=len(hidden))
    for values in itertools.islice(choices, limit):
        variant = list(sites)
        for i, v in zip(hidden, values, strict=True):
            variant[i] = (sites[i][0], v, sites[i][2])
        yield variant


def public_outputs(reg, min_count: int) -> tuple[str, str]:
    return council_map(reg), charts.occupancy_chart(reg, DAY, min_count=min_count)


TEMPTING = {
    "one-site-of-1": [("W", 1, 4), ("E", 8, 10)],
    "two-sites-of-2": [("W", 2, 4), ("W", 2, 4), ("E", 6, 8)],
    "district-with-one-hidden": [("W", 10, 12), ("W", 2, 4), ("E", 1, 2), ("E", 7, 9)],
    "all-hidden": [("W", 2, 2), ("E", 1, 3), (None, 0, 4)],
    "hidden-outside-districts": [("W", 5, 6), (None, 2, 3), ("E", 0, 0)],
}


@pytest.mark.parametrize("sites", TEMPTING.values(), ids=TEMPTING.keys())
def test_no_difference_recovers_a_hidden_count(sites):
    assert_no_disclosure(tempting(sites), sites, 3)


@pytest.mark.parametrize("sites", TEMPTING.values(), ids=TEMPTING.keys())
def test_public_outputs_do_not_depend_on_hidden_counts(sites):
    first = public_outputs(tempting(sites), 3)
    for variant in hidden_variants(sites, 3, limit=6):
        assert public_outputs(tempting(variant), 3) == first, variant


def test_the_issues_case_two_and_one_next_to_shown_sites():
    """The issue's case: W holds a shown site of 5 and a hidden one of 2, E a hidden 1 and a shown
    4. The old map showed W 7 and E 5, so 7 - 5 and 5 - 4 gave the hidden 2 and 1 exactly, and
    the municipal total 12 less the shown 9 their sum. Now W reads 5–7, E 4–6, the total 9–13."""
    sites = [("W", 5, 6), ("W", 2, 4), ("E", 1, 2), ("E", 4, 6)]
    seen = read_map(council_map(tempting(sites)))
    assert seen["districts"]["W"]["count"] == (5, 7)
    assert seen["districts"]["E"]["count"] == (4, 6)
    assert seen["total"] == (9, 13)
    assert_no_disclosure(tempting(sites), sites, 3)


def test_zero_and_one_or_two_share_a_colour():
    none = read_map(council_map(tempting([("W", 0, 4), ("E", 9, 9)])))
    two = read_map(council_map(tempting([("W", 2, 4), ("E", 9, 9)])))
    assert none["districts"]["W"]["colour"] == two["districts"]["W"]["colour"]
    html = strip_assets(council_map(tempting([("W", 0, 4), ("E", 9, 9)])))
    assert "ingen beboere" not in html  # no class of its own for zero


def test_month_minus_month_leaves_at_least_the_rounding_base():
    """A household of 1 moves into a shown site of 10 in March: the public series is rounded to
    5 and the change from one month to the next is never pinned."""
    reg = tempting([("W", 10, 12), ("E", 4, 6)])
    one = helpers.make_household("NEW", adults=1, arrival_date=dt.date(2026, 2, 1))
    occ = helpers.make_occupancy("NEW", "S0-1", move_in=dt.date(2026, 3, 1))
    reg = reg.with_layers(
        households=helpers.frame("households", [*reg.households.to_dict("records"), one]),
        occupancy=helpers.frame("occupancy", [*reg.occupancy.to_dict("records"), occ]),
    )
    exact = charts.occupancy_history(reg, DAY)["residents"].tolist()
    assert exact == [14, 14, 15, 15, 15, 15]
    public = charts.public_history(reg, DAY, 3)["residents"].dropna().tolist()
    assert public == [15.0] * 6  # 14 and 15 both read 15: the move-in of one is not seen
    base = rounding_base(3)
    assert all(v % base == 0 for v in public)
    for before, after in itertools.pairwise(public):
        changes = range(int(after - before) - (base - 1), int(after - before) + base)
        assert len(changes) >= base >= 3  # at least min_count values for every change


def test_public_chart_rounds_the_band():
    reg = tempting([("W", 10, 12)])
    band = pd.DataFrame({"month": ["2026-06-01"], "p10": [11.0], "p90": [13.0], "beds": [12.0]})
    rounded = charts.public_band(band, 3)
    assert rounded[["p10", "p90", "beds"]].iloc[0].tolist() == [10.0, 15.0, 12.0]
    moved = band.assign(p10=[12.0], p90=[14.0])  # the same after rounding
    assert charts.occupancy_chart(reg, DAY, band, min_count=3) == charts.occupancy_chart(
        reg, DAY, moved, min_count=3
    )


@pytest.mark.parametrize("sites", TEMPTING.values(), ids=TEMPTING.keys())
def test_the_public_band_does_not_depend_on_hidden_counts(sites):
    """The scenario runs start from today's exact residents: a band of that total, rounded,
    moved with a hidden count across a rounding edge (180 against 185 beside a line of 185)."""

    def chart(reg) -> str:
        exact = float(charts.occupancy_history(reg, DAY)["residents"].iloc[-1])
        band = pd.DataFrame(
            {"month": [DAY.replace(day=1)], "p10": [exact], "p90": [exact + 4], "beds": [40.0]}
        )
        return charts.occupancy_chart(reg, DAY, band, min_count=3)

    first = chart(tempting(sites))
    for variant in hidden_variants(sites, 3, limit=6):
        assert chart(tempting(variant)) == first, variant


SITE = st.tuples(st.sampled_from(["W", "E", None]), st.integers(0, 7), st.integers(0, 10))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.lists(SITE, min_size=1, max_size=5), st.sampled_from([3, 4, 5]), st.data())
def test_random_registries_disclose_nothing(sites, min_count, data):
    """Hypothesis: random small registries and min_count; every difference, and the outputs
    unchanged when the hidden counts take other values below N."""
    reg = tempting(sites, min_count)
    assert_no_disclosure(reg, sites, min_count)
    hidden = [i for i, (_, n, _) in enumerate(sites) if n < min_count]
    if hidden:
        variant = list(sites)
        for i in hidden:
            variant[i] = (sites[i][0], data.draw(st.integers(0, min_count - 1)), sites[i][2])
        assert public_outputs(tempting(variant, min_count), min_count) == public_outputs(
            reg, min_count
        )


@pytest.mark.parametrize("hidden", [0, 1, 2])
def test_a_site_opening_later_discloses_nothing(hidden):
    """A site not yet in use (it opens in 2099) with a hidden count: beds and free beds leave it
    out, its popup says when it opens, and the differences and bytes are as for any hidden site."""
    sites = [("W", 5, 6), ("W", hidden, 8), ("E", 4, 6)]

    def opening(sites):
        reg = tempting(sites)
        rows = reg.sites.copy()
        rows.loc[rows["id"] == "S1", "available_from"] = pd.Timestamp(2099, 1, 1)
        return reg.with_layers(sites=helpers.frame("sites", rows.to_dict("records")))

    reg = opening(sites)
    seen = read_map(council_map(reg))
    assert seen["beds"] == 12 and "S1" not in seen["sites"]  # no free beds shown for S1
    assert seen["total"] == (9, 11)
    assert_no_disclosure(reg, sites, 3)
    first = council_map(reg)
    for variant in hidden_variants(sites, 3):
        assert council_map(opening(variant)) == first, variant
