"""A registry from ``capacity generate`` gives a proposal with every option: a pavilion site that
becomes available after today has no modules standing today, and a registry that has such
modules is refused with the site named (the status quo could not keep them)."""

from __future__ import annotations

import pytest

from capacity.errors import UserError
from capacity.planning.plan import make_plan
from capacity.planning.proposal import make_proposal
from capacity.sample import synthetic_registry
from tests.planning.conftest import scenario

SEED = 2  # 60 households, 25 sites: pavilion site S07 is available from 2027-01-23


@pytest.fixture(scope="module")
def generated():
    """A small synthetic registry with a pavilion site that becomes available later."""
    return synthetic_registry(households=60, sites=25, seed=SEED)


def later_sites(reg):
    """Pavilion sites with an available_from."""
    sites = reg.sites
    return sites[(sites["kind"] == "pavilion_site") & sites["available_from"].notna()]


def test_a_pavilion_site_available_later_has_no_modules_standing_today(generated):
    later = later_sites(generated)
    assert list(later["id"]) == ["S07"]
    assert (later["modules_now"] == 0).all() and (later["modules_max"] > 0).all()
    assert not generated.units["site_id"].isin(later["id"]).any()


def test_proposal_on_a_generated_registry_plans_every_option(generated):
    sc = scenario([2, 2, 2, 8, 2, 2], stay=6, horizon=8)
    paper = make_proposal(generated, sc, samples=2, runs=20, seed=1, time_limit=120)
    keys = [k for o in paper.options for k in (o.key, *o.same_as)]
    assert sorted(keys) == ["A", "B", "C", "D"]


def test_modules_standing_on_a_site_not_yet_available_are_refused(generated):
    sites = generated.sites.copy()
    sites.loc[sites["id"] == "S07", "modules_now"] = 13
    reg = generated.with_layers(sites=sites)
    with pytest.raises(UserError, match=r"S07\): 13 moduler i dag, available_from 2027-01-23"):
        make_proposal(reg, scenario([1, 1], stay=6, horizon=8), samples=2, runs=20)


def test_a_plan_refuses_modules_standing_on_a_site_not_yet_available(generated):
    """As the proposal does: the plan would take them down in its first month, a cost the
    registry does not mean."""
    sites = generated.sites.copy()
    sites.loc[sites["id"] == "S07", "modules_now"] = 13
    reg = generated.with_layers(sites=sites)
    with pytest.raises(UserError, match=r"S07\): 13 moduler i dag, available_from 2027-01-23"):
        make_plan(reg, scenario([1, 1], stay=6, horizon=8), samples=2, time_limit=20)
