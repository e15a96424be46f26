"""The fewest-modules phase beside CP-SAT (``capacity.solver.lanes``): the answer is the better
lane's (or the second search's proof), the same on every run, every rule holds, and a phase
stopped from the other thread leaves the heuristic's placement as it was.

The tests that expect an instance's outcome at a ``time_limit`` state a guarantee: the limit is
the lanes' deterministic budget, and the wall clock is set ``WIDE`` times wider and checked not
to have cut, so the same input and seed give that outcome on any machine, whatever its speed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from capacity.bench import sscflp
from capacity.solver import fewest, fixing, lanes
from capacity.solver.clock import Clock
from capacity.solver.result import Result
from capacity.solver.solve import solve_domain
from tests.checker import Checker
from tests.solver import test_fixing as fixing_tests

DAY, WIDE = fixing_tests.DAY, fixing_tests.WIDE


def _holmberg(shared_dir, name):
    """``test_fixing._holmberg`` and the registry the checker reads."""
    inst, dom, factor = fixing_tests._holmberg(shared_dir, name)
    return inst, sscflp.to_registry(inst), dom, factor


def _budgeted(dom, time_limit: float) -> Result:
    """``solve_domain`` on two workers with ``time_limit`` as its deterministic budget and a
    wall clock ``WIDE`` times as long, which must not have cut: the budget decided."""
    clock = Clock(WIDE * time_limit)
    result = solve_domain(dom, time_limit=time_limit, workers=2, clock=clock)
    assert not clock.cut, fixing_tests.CUT
    return result


def test_a_phase_cancelled_before_it_starts_changes_nothing(shared_dir):
    _, _, dom, _ = _holmberg(shared_dir, "p66")
    fix = fixing.fix_pairs(dom)
    assert fewest.applies(dom, fix)
    cancel = fewest.Cancel()
    cancel.stop()
    out = fewest.first(dom, fix, time_limit=10, seed=0, cancel=cancel)
    assert (out.assignment, out.objective, out.domain.pairs) == (
        fix.assignment,
        fix.objective,
        fix.domain.pairs,
    )


def test_stopping_a_running_phase_ends_its_sub_model_and_keeps_the_heuristics_placement(
    shared_dir,
):
    """p30's phase runs several seconds of sub-models; stopped once its first sub-model runs, the
    thread ends and the placement handed back is the heuristic's."""
    _, _, dom, _ = _holmberg(shared_dir, "p30")
    fix = fixing.fix_pairs(dom)
    cancel = fewest.Cancel()
    with ThreadPoolExecutor(max_workers=1) as pool:
        phase = pool.submit(fewest.first, dom, fix, time_limit=10, seed=0, cancel=cancel)
        while cancel.solver is None and not phase.done():
            time.sleep(0.01)  # wait for the first sub-model
        assert not phase.done()
        lanes._stop(phase, cancel)
        out = phase.result()
    assert out.objective == fix.objective and out.assignment == fix.assignment
    assert out.work - fix.work < fewest.FIRST_SHARE * 10  # the restricted model was cut short


def test_without_a_second_search_the_phases_optimum_is_the_answer(shared_dir, monkeypatch):
    """p66 at a deterministic budget of 6: CP-SAT's lane ends above the optimum (31,443), the
    phase reaches it (31,415); with no second CP-SAT search the answer is the phase's
    placement, scored by the whole model, with CP-SAT's bound. The guarantee: with this budget,
    the same input and seed give this answer on any machine, whatever its speed (the wall
    clock is set wide and checked not to have cut)."""
    monkeypatch.setattr(lanes, "MIN_SECOND", 1.0)
    inst, reg, dom, factor = _holmberg(shared_dir, "p66")
    result = _budgeted(dom, 6)
    assert result.objective == inst.optimum * factor
    assert result.solver == "lagrange (bedre end CP-SAT)"  # the phase's placement
    assert result.status == "FEASIBLE" and result.best_bound < result.objective
    check = Checker(reg, DAY, allow_new_modules=True)
    assert check.violations(result.placements, result.modules) == []
    assert result.explanation["weighted"].sum() == result.objective


def test_the_second_search_proves_the_phases_optimum_the_same_way_twice(shared_dir):
    """p66 at a deterministic budget of 12: the phase ends early with the optimum; CP-SAT on the
    pairs pruned against it, in the phase's thread, proves it; a second run gives the same
    placement. (At 10, what is left of CP-SAT's lane, 1.4 units, is below ``MIN_SECOND``.) The
    guarantee: with this budget, the same input and seed give this proof and placement on any
    machine, whatever its speed (the wall clock is set wide and checked not to have cut)."""
    inst, reg, dom, factor = _holmberg(shared_dir, "p66")
    first = _budgeted(dom, 12)
    assert (first.status, first.objective) == ("OPTIMAL", inst.optimum * factor)
    assert first.solver == "cpsat (lagrange-fixing)" and first.best_bound == first.objective
    check = Checker(reg, DAY, allow_new_modules=True)
    assert check.violations(first.placements, first.modules) == []
    again = _budgeted(dom, 12)
    assert again.placements.equals(first.placements)
    assert (again.status, again.objective) == (first.status, first.objective)


def test_a_proof_in_cpsats_lane_is_the_answer(shared_dir):
    """p62 at a deterministic budget of 10: CP-SAT proves the optimum in its lane; the phase is
    stopped and not used. The guarantee: with this budget, the same input and seed give this
    proof on any machine, whatever its speed (the wall clock is set wide and checked not to
    have cut)."""
    inst, reg, dom, factor = _holmberg(shared_dir, "p62")
    fix = fixing.fix_pairs(dom)
    assert fewest.applies(dom, fix)
    result = _budgeted(dom, 10)
    assert (result.status, result.objective) == ("OPTIMAL", inst.optimum * factor)
    assert result.solver == "cpsat (lagrange-fixing)" and result.best_bound == result.objective
    assert (
        Checker(reg, DAY, allow_new_modules=True).violations(result.placements, result.modules)
        == []
    )
