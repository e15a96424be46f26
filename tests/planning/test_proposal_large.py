"""Households no module type's home fits (larger than every module type's homes, or needing a
kind of home no type has): no option can order a home for them, so the proposal names them, leaves
their shortage out of the options' risk and gives it apart, instead of laying it on the lead time
or asking for more modules.

The audit's case: the sample's family of 7 (H110), for whom only B01-28 has room, made every
option's risk 92-97 % on the wave scenario, and the paper asked for beds that would not house it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from capacity.planning.proposal import cheaper_than_a, make_proposal, set_apart
from capacity.planning.scenario import scenario_from_text
from capacity.planning.supply import supply
from capacity.reports.proposal_output import homes_rows, overview
from tests.helpers import make_household, make_occupancy, make_registry, make_site, make_unit
from tests.planning.conftest import pavilion, policy, scenario_text

WAITING = dt.date(2026, 12, 1)
LIVED = dt.date(2026, 6, 1)


def _registry(size: int):
    """A building with a 7-bed family flat (lived in until mid-April 2027) and a 2-bed flat, a
    pavilion site of 4-bed modules, and one waiting household of ``size`` persons."""
    sites = [make_site("B1"), pavilion(modules_now=1, modules_max=4)]
    units = [
        make_unit("B1-1", "B1", beds=7),
        make_unit("B1-2", "B1", beds=2),
        make_unit("M1", "P1", beds=4),
    ]
    kids = tuple(range(1, size - 1))
    hh = [
        make_household("W1", adults=2, children_ages=kids, arrival_date=WAITING),
        make_household("R1", adults=2, children_ages=(1, 2, 3, 4, 5), arrival_date=LIVED),
    ]
    occ = [make_occupancy("R1", "B1-1", move_in=LIVED, expected_move_out=dt.date(2027, 4, 15))]
    return make_registry(sites=sites, units=units, households=hh, occupancy=occ, policy=policy())


def _scenario(waiting: bool = True):
    text = scenario_text([0], horizon=6)
    if waiting:
        text = text.replace("include_waiting = false", "include_waiting = true")
    return scenario_from_text(text, "test.toml")


def test_a_household_larger_than_every_module_is_found_and_counted_as_public_counts_are():
    reg, sc = _registry(7), _scenario()
    apart = set_apart(reg, sc, supply(reg, sc))
    assert (apart.households, apart.homes, apart.types) == (1, 1, ())
    text = apart.text(3)
    assert "Ingen modultypes bolig passer til husstande på mere end 4 personer" in text
    assert "Registret har færre end 3 af dem" in text
    assert "1 af bygningernes boliger passer til husstande af den slags" in text
    # the same words for none: "færre end 3" stands for 0 too, and the homes do not depend on it
    assert dataclasses.replace(apart, households=0).text(3) == text


def test_no_note_when_every_household_fits_a_module_or_waiting_households_are_left_out():
    """R1, a resident of 7, is of a kind set apart; W1 of 4 fits a module, and W1 of 7 is left
    out with the registry's waiting households: no household to name, and no note."""
    reg = _registry(4)
    assert set_apart(reg, _scenario(), supply(reg, _scenario())).households == 0
    big = _registry(7)
    assert set_apart(big, _scenario(False), supply(big, _scenario(False))).households == 0
    paper = make_proposal(reg, _scenario(), samples=2, runs=20)
    assert "Ingen modultypes bolig" not in " ".join(paper.notes)


def test_a_need_no_module_type_has_is_named_with_the_scenarios_own_types():
    """No module type is accessible: a waiting household needing an accessible home is set apart
    though it is small (the audit found it counted as no one's), and so is a scenario's household
    type larger than every module's homes."""
    reg = _registry(4)
    hh = reg.households.copy()
    hh.loc[hh["id"] == "W1", "needs_accessible"] = True
    reg = reg.with_layers(households=hh)
    text = scenario_text([1], horizon=6, extra="").replace(
        "include_waiting = false", "include_waiting = true"
    )
    text += (
        '[[household_types]]\nname = "storfamilie"\nadults = 2\n'
        "children_ages = [1, 2, 3, 4, 5]\nshare = 1\n"
    )
    sc = scenario_from_text(text, "test.toml")
    apart = set_apart(reg, sc, supply(reg, sc))
    assert apart.households == 1 and apart.types == ("storfamilie",)
    text = apart.text(3)
    assert "på mere end 4 personer" in text
    assert "med brug for en handicapvenlig bolig (ingen modultype er handicapvenlig)" in text
    assert "Scenariets husstandstype »storfamilie« er af den slags" in text


def test_the_proposal_names_it_and_leaves_it_out_of_the_options_risk():
    """W1 (7 persons) waits for B1-1 until R1 leaves in April, whatever is ordered: its shortage
    is the only one, every run has it, and no option's risk counts it. Before, every option's
    risk was 100 % and the paper laid it on the lead time."""
    reg, sc = _registry(7), _scenario()
    paper = make_proposal(reg, sc, samples=2, runs=20)
    notes = " ".join(paper.notes)
    assert "Ingen modultypes bolig passer til husstande på mere end 4 personer" in notes
    assert [o.risk for o in paper.options] == [0.0] * len(paper.options)
    assert [o.risk_all for o in paper.options] == [1.0] * len(paper.options)
    assert "kan ingen plan undgå" not in notes
    assert (
        "Mulighedernes risiko tæller ikke mangel for husstande, som ingen modultypes bolig "
        "passer til: de mangler en bolig i mindst én måned i 100 % af kørslerne" in notes
    )
    # their emergency housing stays in the cost: 7 persons from January to mid-April
    assert all(o.emergency_cost > 0 for o in paper.options)
    # the labels say whose risk it is, beside everyone's
    rows = dict(overview(paper, ["2027"]))
    assert rows["Risiko for mangel (mindst én måned; husstande, som en modultype passer til)"][
        0
    ] == ("0 %")
    assert rows["Risiko for mangel, alle husstande (mindst én måned)"][0] == "100 %"
    assert rows["Første måned med risiko > 10 % (husstande, som en modultype passer til)"][0] == (
        "ingen"
    )
    # the recommendation gives both
    assert any("med alle husstande 100 %" in r for r in paper.reasons)
    # no household-months of theirs anywhere in the paper: with the person-months they gave the
    # size of W1, a household the paper counts as "færre end 3" (found by the review)
    assert [r[0] for r in homes_rows(paper.options[0])] == [
        "Enkeltværelser",
        "Familieboliger",
        "Handicapvenlige",
    ]
    assert "husstandsmåneder" not in notes
    # no count of moved homes below 3 is shown, 0 included
    assert set(rows["Boliger med beboere flyttet efter planen"]) == {"<3"}


def test_the_first_month_at_risk_counts_from_the_month_the_risk_does():
    """The risk counted from March: a shortage in January alone is no month at risk (the audit
    found "januar 2027" beside a risk counted from March)."""
    paper = make_proposal(_registry(4), _scenario(), samples=2, runs=20)
    o = paper.options[0]
    months = np.zeros_like(o.short_persons)
    months[:, 0] = 1
    months[:, 3] = 1
    o = dataclasses.replace(o, short_persons=months, risk_from=2)
    assert o.first_month_at_risk == 3
    assert dataclasses.replace(o, risk_from=0).first_month_at_risk == 0


def test_kinds_beyond_modules_are_those_no_module_type_fits_and_none_without_modules():
    """The 7-person family fits no 4-bed module; the 2-person resident family's kind does. With
    no module type that may stand, no kind is set apart (nothing could be ordered at all)."""
    reg, sc = _registry(7), _scenario()
    sup = supply(reg, sc)
    beyond = {k.persons: bool(b) for k, b in zip(sup.kinds, sup.beyond_modules, strict=True)}
    assert beyond[7] and not any(b for p, b in beyond.items() if p <= 4)
    seven = make_household("W1", adults=2, children_ages=(1, 2, 3, 4, 5), arrival_date=WAITING)
    bare = make_registry(
        sites=[make_site("B1")],
        units=[make_unit("B1-1", "B1", beds=2)],
        households=[seven],
        policy=policy(),
    )
    bare_sup = supply(bare, sc)
    assert 7 in [k.persons for k in bare_sup.kinds]
    assert not bare_sup.beyond_modules.any()


def test_an_option_cheaper_than_a_in_the_runs_is_explained():
    """The audit's closing of P04 came out 161.540 kr. cheaper than "A: Laveste forventede
    omkostning" in the runs, without a word on why."""
    rng = np.random.default_rng(0)
    base = rng.normal(100.0, 10.0, 200)
    a = SimpleNamespace(key="A", total=100.0, totals=base)
    near = SimpleNamespace(key="E", total=99.0, totals=base - 1 + rng.normal(0, 30, 200))
    far = SimpleNamespace(key="F", total=80.0, totals=base - 20)
    dear = SimpleNamespace(key="G", total=120.0, totals=base + 20)
    notes = cheaper_than_a([a, near, far, dear], samples=20, runs=200)
    assert len(notes) == 2
    assert notes[0].startswith("Mulighed E koster forventet 1 kr. mindre end mulighed A")
    assert "lagt på 20 udtrukne forløb" in notes[0] and "sammenlignes på 200 nye" in notes[0]
    assert notes[0].endswith("forskellen ligger inden for usikkerheden.")
    assert notes[1].endswith("forskellen er større end usikkerheden.")


def test_whether_the_note_is_there_does_not_tell_none_from_a_few():
    """W1 of 7 waits and B1-1 is free for it (R1 has moved out): no run is short, and the
    scenario has no such type. With W1 (one household, "færre end 3") the paper is as without
    it (of 4 persons): no note either way. Before, the note was there with one and not with
    none, so its presence said "one or two"."""
    notes = []
    for size in (7, 4):
        reg = _registry(size)
        occ = reg.occupancy.copy()
        occ["move_out"] = pd.Timestamp(2026, 11, 1)
        reg = reg.with_layers(occupancy=occ)
        paper = make_proposal(reg, _scenario(), samples=2, runs=20)
        notes.append([n for n in paper.notes if "modultypes bolig" in n])
    assert notes == [[], []]
