"""The SSCFLP importer reads both formats; the direct model and the place path are exact on the
instances: a valid solution of the objective they report, a valid bound, proven optimal only at
the published optimum. How fast each reaches the optimum is a benchmark row (``capacity bench``:
the quick suite runs p1, p2 and cap61 through place, the general suite Delmaire beside the
plain model), not a test."""

from __future__ import annotations

import numpy as np
import pytest

from capacity.bench import sscflp
from capacity.bench.direct import solve_direct
from capacity.errors import UserError


@pytest.fixture
def root(shared_dir):
    """The shared SSCFLP folder (skips, or fails under REQUIRE_SHARED=1, where it is absent)."""
    return shared_dir / "benchmarks" / "sscflp"


def test_format_a_holmberg_p1_reads_as_the_readme_says(root):
    inst = sscflp.load(root, "holmberg", "p1")
    assert inst.size == (10, 50)
    assert inst.capacity[:2].tolist() == [258, 128] and inst.fixed[:2].tolist() == [366, 314]
    assert inst.demand[:3].tolist() == [49, 29, 23]
    assert inst.scale == 1 and inst.optimum == 8848


def test_format_b_delmaire_is_transposed(root):
    inst = sscflp.load(root, "delmaire", "p1")
    assert inst.size == (10, 20)
    # row 1 of the file holds customer 1's costs to facilities 1..10
    assert inst.cost[:3, 0].tolist() == [8, 85, 5]


def test_orlib_costs_are_scaled_to_exact_integers(root):
    inst = sscflp.load(root, "orlib", "cap61")
    assert inst.scale == 80 and inst.cost.dtype == np.int64
    assert sscflp.load(root, "orlib", "capa1").scale == 100_000


@pytest.mark.parametrize(
    ("family", "name"),
    [("holmberg", "p1"), ("holmberg", "p2"), ("orlib", "cap61"), ("delmaire", "p1")],
)
def test_direct_model_is_exact_on_the_instance(root, family, name):
    """Its assignment costs what it reports, its bound is at most the published optimum, and a
    proof of optimality is a proof of that optimum."""
    inst = sscflp.load(root, family, name)
    result = solve_direct(inst, time_limit=5)
    assert inst.objective(result.assign) == pytest.approx(result.objective, abs=0.01)
    assert result.bound <= inst.optimum + 0.01 <= result.objective + 0.02
    if result.status == "OPTIMAL":
        assert result.objective == pytest.approx(inst.optimum, abs=0.01)


def test_unknown_instance_is_named(root):
    with pytest.raises(UserError, match="ingen instans 'p999'"):
        sscflp.load(root, "holmberg", "p999")


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "p1.txt"
    path.write_text("2 3\n10 5\n10 5\n1 2 3\n1 2 3\n")
    with pytest.raises(UserError, match="12 tal, men formatet for .* kræver 15"):
        sscflp.read_instance(path, "holmberg")


def test_registry_mirrors_the_instance(root):
    inst = sscflp.load(root, "holmberg", "p1")
    reg = sscflp.to_registry(inst)
    assert reg.sites["beds_per_module"].tolist() == inst.capacity.tolist()
    assert reg.sites["cost_setup_per_module"].tolist() == (inst.fixed * sscflp.SETUP_DKK).tolist()
    assert reg.households["adults"].tolist() == inst.demand.tolist()
    assert len(reg.scores) == 10 * 50 and reg.scores["score"].max() <= 0
    weights = reg.policy.weights
    assert weights.transport == weights.spread == 0 and weights.new_modules == 1


@pytest.mark.parametrize(
    ("family", "name", "solver"),
    [
        ("holmberg", "p1", "cpsat"),
        ("holmberg", "p2", "cpsat"),
        ("orlib", "cap61", "cpsat"),
        ("holmberg", "p1", "highs"),
        ("orlib", "cap61", "highs"),
    ],
)
def test_place_path_is_exact_on_the_instance(root, family, name, solver):
    """The real ``place --allow-new-modules`` path on the converted registry: the placement is
    a real SSCFLP solution of the objective reported, the bound at most the published optimum,
    and ``OPTIMAL`` only at it."""
    import datetime as dt

    from capacity.solver.solve import place

    inst = sscflp.load(root, family, name)
    result = place(
        sscflp.to_registry(inst),
        dt.date(2027, 1, 1),
        time_limit=10,
        allow_new_modules=True,
        solver=solver,
    )
    assert result.unplaced.empty  # the penalty exceeds any placement's whole cost
    scale = sscflp.PLACE_SCALE * sscflp.registry_scale(inst)
    objective, bound = result.objective / scale, result.best_bound / scale
    assign = result.placements.sort_values("household_id", key=lambda s: s.str[1:].astype(int))
    facility = assign["site_id"].str[1:].astype(int).to_numpy() - 1
    assert inst.objective(facility) == pytest.approx(objective, abs=0.01)
    assert bound <= inst.optimum + 0.01 <= objective + 0.02
    if result.status == "OPTIMAL":
        assert objective == pytest.approx(inst.optimum, abs=0.01)


def test_large_orlib_costs_are_rounded_to_whole_units_in_the_registry(root):
    """capa/b/c carry 5 decimals; exact scaling would overflow the model's sums."""
    inst = sscflp.load(root, "orlib", "capa1")
    assert sscflp.registry_scale(inst) == 1
    reg = sscflp.to_registry(inst)
    units = (inst.fixed + 50_000) // 100_000
    assert reg.sites["cost_setup_per_module"].tolist() == (units * sscflp.SETUP_DKK).tolist()
    assert sscflp.registry_scale(sscflp.load(root, "orlib", "cap61")) == 80
