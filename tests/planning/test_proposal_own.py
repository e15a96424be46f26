"""Issue 15: the user's own options (``--options FILE.toml``), planned by the same model under
their conditions and scored on the same runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.errors import UserError
from capacity.planning.option_checks import most_homes
from capacity.planning.plan import make_plan
from capacity.planning.proposal import UserOption, conditions, load_options, make_proposal
from capacity.planning.scenario import load_inputs
from capacity.planning.supply import supply
from capacity.reports.proposal_output import render_proposal
from tests.helpers import make_registry, make_site, make_unit
from tests.planning.conftest import pavilion, policy, scenario

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def standing():
    """One pavilion site with three modules standing, cheap to keep, some demand."""
    site = pavilion(modules_now=3, cost_teardown_per_module=0, cost_month_per_module=100)
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    return make_registry(sites=[site], units=units, policy=policy())


def test_an_option_that_closes_a_site_is_planned_with_its_take_down(standing):
    own = [UserOption("Luk P1 i marts", close={"P1": "2027-03"})]
    paper = make_proposal(standing, scenario([2], stay=8, horizon=6), samples=2, runs=20, own=own)
    e = next(o for o in paper.options if "E" in (o.key, *o.same_as))
    rows = e.plan.plan
    assert rows["modules_standing"].tolist()[2:] == [0, 0, 0, 0]
    assert rows["modules_down"].sum() == 3
    assert e.title == "Luk P1 i marts" and "P1 lukkes fra marts 2027" in e.note
    assert e.risk > 0  # the residents' homes are gone: short from March
    md, _ = render_proposal(paper, 1000)
    assert "Luk P1 i marts" in md and "Egen mulighed" in md


def test_keep_at_least_holds_modules(standing):
    own = [UserOption("Behold 2", keep={"P1": 2})]
    paper = make_proposal(standing, scenario([0], stay=2, horizon=4), samples=2, runs=20, own=own)
    e = next(o for o in paper.options if "E" in (o.key, *o.same_as))
    assert min(e.plan.plan["modules_standing"]) >= 2


def test_options_file_is_read(tmp_path):
    path = tmp_path / "own.toml"
    path.write_text(
        '[[option]]\nname = "Ingen nye"\nno_new_modules = true\n'
        '[[option]]\nname = "Luk"\nclose_from = {P1 = "2027-07"}\nkeep_at_least = {P2 = 1}\n',
        encoding="utf-8",
    )
    opts = load_options(path, ["P1", "P2"])
    assert opts == [
        UserOption("Ingen nye", no_new_modules=True),
        UserOption("Luk", keep={"P2": 1}, close={"P1": "2027-07"}),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[option]]\nname = "x"\nclose = {P1 = "2027-07"}\n', "ukendt nøgle 'close'"),
        ('[[option]]\nname = "x"\nclose = {P1 = "2027-07"}\n', "brug en af buy, close_from, "),
        ('[[option]]\nname = "x"\nclose_from = {P9 = "2027-07"}\n', "kendte lokalitets-id'er"),
        ('[[option]]\nname = "x"\nclose_from = {P1 = "juli"}\n', "YYYY-MM"),
        ('[[option]]\nname = "x"\nkeep_at_least = {P1 = -1}\n', "et helt antal moduler"),
        ("[[option]]\nno_new_modules = true\n", "'name'"),
        ("name = 1\n", "[[option]]"),
    ],
)
def test_bad_options_files_name_the_fix(tmp_path, text, message):
    path = tmp_path / "own.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="own.toml") as err:
        load_options(path, ["P1"])
    assert message in str(err.value)


def test_the_command_takes_own_options_and_refuses_a_bad_file(tmp_path):
    """``capacity proposal --options``: an own option becomes E; an unknown site is exit 2."""
    import typer
    from typer.testing import CliRunner

    from capacity.cli.app import user_errors
    from capacity.cli.proposal import proposal
    from capacity.io.registry import write_registry
    from tests.helpers import tiny_registry
    from tests.planning.test_cli import short_scenario

    app = typer.Typer()
    app.command()(user_errors(proposal))
    app.command()(lambda: None)  # two commands: the name "proposal" is required
    reg = tmp_path / "reg"
    write_registry(tiny_registry(), reg)
    sites = tiny_registry().sites["id"].astype(str).tolist()
    own = tmp_path / "own.toml"
    own.write_text(f'[[option]]\nname = "Egen"\nkeep_at_least = {{{sites[1]} = 0}}\n', "utf-8")
    args = ["proposal", str(reg), "--scenario", str(short_scenario(tmp_path))]
    args += ["--samples", "2", "--runs", "10", "--time-limit", "60", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--options", str(own)])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "o" / "proposal.md").read_text(encoding="utf-8")
    assert "Mulighed E" in md  # its own section, or merged with the plan it equals
    own.write_text('[[option]]\nname = "x"\nclose_from = {NOPE = "2027-01"}\n', "utf-8")
    result = CliRunner().invoke(app, [*args, "--options", str(own)])
    assert result.exit_code == 2 and "kendte lokalitets-id'er" in result.output
    own.write_text(f'[[option]]\nname = "x"\nclose_from = {{{sites[0]} = "2027-01"}}\n', "utf-8")
    result = CliRunner().invoke(app, [*args, "--options", str(own)])
    assert result.exit_code == 2 and f"{sites[0]} er en bygning" in result.output


def test_an_own_title_is_inert_in_both_formats(standing):
    """An option's title is user text: in the Markdown no raw HTML, no link, no extra table cell
    (every template is autoescaped, and the Markdown's values go through ``md_text``)."""
    title = "<script>alert(1)</script> [klik](javascript:alert(2)) | x"
    own = [UserOption(title, keep={"P1": 3})]
    paper = make_proposal(standing, scenario([0], stay=2, horizon=4), samples=2, runs=20, own=own)
    md, html = render_proposal(paper, 1000)
    shown = r"&lt;script&gt;alert(1)&lt;/script&gt; \[klik\](javascript:alert(2)) \| x"
    assert "<script>alert(1)" not in md and "[klik](" not in md and shown in md
    head = next(line for line in md.splitlines() if line.startswith("| | "))
    assert (
        head.count(" | ") == len(paper.options) + 1
    )  # one cell per option, the title's bar escaped
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.fixture(scope="module")
def mixed():
    """A building (B1) and a pavilion site (P1) with 3 modules standing of at most 5, over the
    twelve months 2027-01 to 2027-12."""
    sites = [make_site("B1"), pavilion(modules_now=3, modules_max=5)]
    units = [make_unit("B1-1", "B1", beds=4), *(make_unit(f"M{i}", "P1") for i in (1, 2, 3))]
    reg = make_registry(sites=sites, units=units, policy=policy())
    return reg, supply(reg, scenario([0], horizon=12))


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (UserOption("Luk B1", close={"B1": "2027-06"}), "close_from: B1 er en bygning"),
        (UserOption("Luk sent", close={"P1": "2030-01"}), 'P1 = "2030-01" ligger uden for'),
        (UserOption("Luk før", close={"P1": "2026-12"}), "2027-01 til 2027-12"),
        (UserOption("Behold 20", keep={"P1": 20}), "P1 kan højst have 5 moduler"),
        (UserOption("Behold 4", keep={"P1": 4}), "der står 3 moduler på P1 i dag, ikke 4"),
        (UserOption("Behold B1", keep={"B1": 1}), "keep_at_least: B1 er en bygning"),
        # B1-1 and the 3 modules standing are 4 family homes until an order arrives (lead 2)
        (
            UserOption("Fem familieboliger", keep_homes={"family": 5}),
            "der kan højst stå 4 familieboliger i 2027-01",
        ),
    ],
)
def test_conditions_the_model_cannot_apply_are_refused(mixed, option, message):
    """A building closed, a month outside the scenario, more modules kept than stand: refused
    naming option, key and site, never planned as if met."""
    reg, sup = mixed
    with pytest.raises(UserError, match=f"Muligheden {option.name!r}") as err:
        conditions(sup, option)
    assert message in str(err.value)
    with pytest.raises(UserError, match=message):
        make_proposal(reg, scenario([0], horizon=12), samples=1, runs=10, own=[option])


def test_homes_kept_up_to_the_most_that_can_stand_are_accepted(mixed):
    # 4 family homes stand in January; from March (lead 2) P1 may hold 5 modules: 6 homes
    _reg, sup = mixed
    out = conditions(sup, UserOption("Fire", keep_homes={"family": 4}))
    assert most_homes(out, "family").tolist() == [4, 4] + [6] * 10
    closed = conditions(sup, UserOption("Luk", close={"P1": "2027-06"}))
    assert most_homes(closed, "family").tolist() == [4, 4, 6, 6, 6] + [1] * 7


@given(st.integers(2025, 2030), st.integers(1, 12))
@settings(max_examples=60, deadline=None)
def test_a_close_month_is_accepted_exactly_within_the_horizon(mixed, year, month):
    """Any month of the scenario closes the site from that month; any other is refused."""
    _reg, sup = mixed
    label = f"{year}-{month:02d}"
    option = UserOption("Luk P1", close={"P1": label})
    if label not in sup.months:
        with pytest.raises(UserError, match="uden for scenariets måneder"):
            conditions(sup, option)
        return
    closed = conditions(sup, option).closed_from
    assert closed.tolist() == [12, sup.months.index(label)]


def test_valid_conditions_still_apply(mixed):
    """Up to today's modules may be kept, a pavilion site closed in any month of the scenario."""
    _reg, sup = mixed
    out = conditions(sup, UserOption("Behold", keep={"P1": 3}, close={"P1": "2027-12"}))
    assert out.min_modules.tolist() == [3] and out.closed_from.tolist() == [12, 11]


def test_kept_modules_stand_even_where_closing_the_site_is_cheaper():
    """The modules kept are no residents: the plan cannot move them off and close the site."""
    site = pavilion(modules_now=3, cost_teardown_per_module=0, cost_month_per_module=90_000)
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    reg = make_registry(sites=[site], units=units, policy=policy())
    sc = scenario([0], stay=8, horizon=6)
    for option, kept in (
        (UserOption("Behold 2", keep={"P1": 2}), [2] * 6),
        (UserOption("Behold 2, luk", keep={"P1": 2}, close={"P1": "2027-04"}), [2, 2, 2, 0, 0, 0]),
    ):
        res = make_plan(
            reg, sc, samples=1, time_limit=20, plan_supply=conditions(supply(reg, sc), option)
        )
        assert res.modules["modules_standing"].tolist() == kept
        assert res.modules["units_moved"].sum() == 0


def test_the_bundled_options_load_and_apply(sample_gpkg):
    """data/scenarios/options.toml holds only conditions the model can apply to the sample, and
    homes to keep that can stand (``reachable_homes``): G once asked for 70 family homes where 68
    stand in January 2027, and make demo's proposal stopped with "no capacity plan exists"."""
    reg, sc = load_inputs(sample_gpkg, DATA / "scenarios" / "wave.toml")
    own = load_options(DATA / "scenarios" / "options.toml", reg.sites["id"].astype(str).tolist())
    sup = supply(reg, sc)
    assert [conditions(sup, u).closed_from is not None for u in own] == [True, False, False]


def test_every_option_shares_the_same_first_months():
    # C (no new modules) once shared only the months of the leads it still had (2) while A
    # shared 5, so C adapted to demand sooner and could come out cheaper than A, the least-cost
    # option (the wave at probability 0.4 on the sample: 7,291,000 against 7,376,560 kr.).
    sites = [
        pavilion("P1", modules_now=3, modules_max=5),
        pavilion("P2", modules_now=0, modules_max=4, lead_time_months=5),
    ]
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    reg = make_registry(sites=sites, units=units, policy=policy())
    paper = make_proposal(reg, scenario([1], stay=6, horizon=8), samples=2, runs=20)
    shared = {o.key: o.plan.summary["shared_months"] for o in paper.options}
    assert set(shared.values()) == {5}, shared
