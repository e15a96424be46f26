"""A household larger than every module type's homes: no option can order a home for it, so the
proposal says so instead of laying the shortage on the lead time or asking for more modules.

The audit's case: the sample's family of 7 (H110), for whom only B01-28 has room, made every
option's risk 86-100 % in the first months, and the paper blamed the lead time.
"""

from __future__ import annotations

import datetime as dt

from capacity.planning.proposal import make_proposal, too_large
from capacity.planning.scenario import scenario_from_text
from capacity.planning.supply import supply
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
    large = too_large(reg, sc, supply(reg, sc))
    assert (large.beds, large.households, large.homes) == (4, 1, 1)
    text = large.text(3)
    assert "Husstande på mere end 4 personer kan ingen modultype rumme" in text
    assert "registret har færre end 3 af dem" in text
    assert "1 af bygningernes boliger er store nok" in text


def test_no_note_when_every_household_fits_a_module_or_waiting_households_are_left_out():
    reg = _registry(4)
    assert too_large(reg, _scenario(), supply(reg, _scenario())) is None
    big = _registry(7)
    assert too_large(big, _scenario(False), supply(big, _scenario(False))) is None


def test_the_proposal_names_it_and_leaves_it_out_of_the_options_risk():
    """W1 (7 persons) waits for B1-1 until R1 leaves in April, whatever is ordered: its shortage
    is the only one, every run has it, and no option's risk counts it. Before, every option's
    risk was 100 % and the paper laid it on the lead time."""
    reg, sc = _registry(7), _scenario()
    paper = make_proposal(reg, sc, samples=2, runs=20)
    notes = " ".join(paper.notes)
    assert "kan ingen modultype rumme" in notes
    assert [o.risk for o in paper.options] == [0.0] * len(paper.options)
    assert "kan ingen plan undgå" not in notes
    assert (
        "Risikoen ovenfor tæller ikke mangel for husstande, som ingen modultypes bolig passer "
        "til" in notes
    )
    assert "De mangler en bolig i mindst én måned i 100 % af kørslerne" in notes
    # their emergency housing stays in the cost: 7 persons from January to mid-April
    assert all(o.emergency_cost > 0 for o in paper.options)


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
