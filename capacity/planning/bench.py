"""Benchmark instances for the plan and the scenario runs (synthetic, seeded, built in code).

``python -m capacity.planning.bench`` times a plan at 24 months × 40 pavilion sites × 50 samples
and 1,000 scenario runs; ``capacity bench`` (the full suite's ``plan`` rows) runs it and the reach
instance with three module types per site and a wave that comes with probability 0.3
(``bench_registry(types=3)``, ``bench_scenario(0.3)``), and the whole proposal on the bundled
sample (``proposal_bench``); figures in docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
from shapely.geometry import Point, box

from capacity.io.layers import Registry, frame
from capacity.io.registry import load_registry
from capacity.planning.plan import make_plan
from capacity.planning.proposal import load_options, make_proposal
from capacity.planning.scenario import Scenario, load_scenario, scenario_from_text
from capacity.planning.simulate import run_scenarios

X0, Y0 = 700_000.0, 6_185_000.0

WAVE = """
name = "bench"
start = "2027-01"
horizon_months = 24
[arrivals]
level = 4
[[arrivals.waves]]
start = 4
months = 4
persons = 150
[uncertainty]
kind = "negative_binomial"
dispersion = 4
[[household_types]]
name = "single"
adults = 1
share = 0.4
[[household_types]]
name = "couple"
adults = 2
share = 0.2
[[household_types]]
name = "family"
adults = 2
children_ages = [4, 9]
share = 0.4
[stay]
kind = "geometric"
mean_months = 14
"""


def bench_scenario(probability: float = 1.0) -> Scenario:
    """The benchmark wave: 4 households a month plus 150 persons over months 4-7, the wave
    coming with ``probability`` (below 1: two branches)."""
    text = WAVE.replace("persons = 150\n", f"persons = 150\nprobability = {probability}\n")
    return scenario_from_text(text, "bench.toml")


# The module types of a site with three (``bench_registry(types=3)``): the site's own family
# modules (rented at every third site), single-room modules and accessible homes.
EXTRA_TYPES = (
    dict(name="enkeltværelsesmodul", units_per_module=2, beds_per_unit=1, family_ok=False),
    dict(name="handicapvenligt modul", units_per_module=1, beds_per_unit=3, accessible=True),
)


def bench_registry(
    pavilion_sites: int = 40, buildings: int = 8, seed: int = 7, types: int = 1
) -> Registry:
    """A synthetic municipality: 5 districts, a station, buildings and pavilion sites, residents.

    With ``types`` > 1 every pavilion site has that many module types (``EXTRA_TYPES`` after its
    own family modules, which are rented with a lease at every third site); the draws of the
    one-type instance are unchanged."""
    rng = np.random.default_rng(seed)
    districts = [
        dict(
            id=f"D{i}",
            name=f"D{i}",
            kind="school",
            population=int(rng.integers(2, 8)) * 1000,
            geometry=box(X0 + i * 4000, Y0, X0 + (i + 1) * 4000, Y0 + 8000),
        )
        for i in range(5)
    ]
    pois = [dict(id="ST", name="Station", kind="station", geometry=Point(X0 + 9000, Y0 + 4000))]
    sites, units, households, occupancy = [], [], [], []
    for i in range(buildings + pavilion_sites):
        pav = i >= buildings
        pt = Point(X0 + rng.uniform(100, 19_900), Y0 + rng.uniform(100, 7900))
        sid = f"{'P' if pav else 'B'}{i}"
        now = int(rng.integers(0, 3)) if pav else None
        sites.append(
            dict(
                id=sid,
                name=sid,
                kind="pavilion_site" if pav else "building",
                geometry=pt,
                modules_now=now,
                modules_max=int(rng.integers(3, 9)) if pav else None,
                beds_per_module=4 if pav else None,
                cost_setup_per_module=int(rng.integers(200, 300)) * 1000 if pav else None,
                cost_month_per_module=int(rng.integers(6, 10)) * 1000 if pav else None,
                cost_teardown_per_module=int(rng.integers(40, 80)) * 1000 if pav else None,
                lead_time_months=int(rng.integers(2, 4)) if pav else None,
                min_lifetime_months=12 if pav else None,
            )
        )
        for k in range(now if pav else int(rng.integers(2, 6))):
            units.append(
                dict(
                    id=f"{sid}-{k}",
                    site_id=sid,
                    beds=4,
                    rooms=2,
                    family_ok=True,
                    accessible=False,
                    shareable=True,
                    in_service=True,
                )
            )
    for n, u in enumerate(units[::2]):
        hid = f"R{n}"
        households.append(
            dict(
                id=hid,
                arrival_date=dt.date(2026, 1, 1),
                adults=2,
                children_ages=(5,),
                needs_accessible=False,
                unaccompanied_minor=False,
            )
        )
        out = dt.date(2027, 1, 1) + dt.timedelta(days=int(rng.integers(0, 600)))
        occupancy.append(
            dict(
                household_id=hid,
                unit_id=u["id"],
                move_in=dt.date(2026, 1, 1),
                expected_move_out=out,
            )
        )
    reg = Registry(
        districts=frame("districts", districts),
        pois=frame("pois", pois),
        sites=frame("sites", sites),
        units=frame("units", units),
        households=frame("households", households),
        occupancy=frame("occupancy", occupancy),
    )
    return reg if types <= 1 else _with_types(reg, types)


def _with_types(reg: Registry, types: int) -> Registry:
    """The registry with ``types`` module types per pavilion site (see ``bench_registry``)."""
    rows = []
    pav = reg.sites[reg.sites["kind"] == "pavilion_site"]
    for i, s in enumerate(pav.itertuples()):
        base = dict(
            site_id=s.id,
            shareable=False,
            family_ok=True,
            accessible=False,
            modules_now=0,
            modules_max=int(s.modules_max),
            cost_setup_per_module=int(s.cost_setup_per_module),
            cost_month_per_module=int(s.cost_month_per_module),
            cost_teardown_per_module=int(s.cost_teardown_per_module),
            lead_time_months=int(s.lead_time_months),
            min_lifetime_months=int(s.min_lifetime_months),
            tenure="owned",
            residual_value_per_module=int(s.cost_setup_per_module) // 4,
        )
        own = dict(
            base,
            id=f"{s.id}-F",
            name="familiemodul",
            units_per_module=1,
            beds_per_unit=4,
            shareable=True,
            modules_now=int(s.modules_now),
        )
        if i % 3 == 0:
            own.update(
                tenure="rented",
                lease_end=dt.date(2027, 12, 31),
                notice_months=3,
                cost_early_termination_per_module=30_000,
                purchase_price_per_module=int(s.cost_setup_per_module) // 2,
                cost_month_owned_per_module=2_000,
                residual_value_per_module=None,
            )
        rows.append(own)
        for k, extra in enumerate(EXTRA_TYPES[: types - 1]):
            rows.append(dict(base, id=f"{s.id}-{k}", **extra))
    units = reg.units.copy()
    units["module_type_id"] = [
        f"{sid}-F" if sid.startswith("P") else None for sid in units["site_id"]
    ]
    sites = reg.sites.copy()
    sites["cost_open"] = [300_000 if k == "pavilion_site" else None for k in sites["kind"]]
    sites["cost_close"] = [150_000 if k == "pavilion_site" else None for k in sites["kind"]]
    return reg.with_layers(
        module_types=frame("module_types", rows),
        units=frame("units", units.to_dict("records")),
        sites=frame("sites", sites.to_dict("records")),
    )


def proposal_bench(root: str, time_limit: float = 60.0) -> dict:
    """The whole proposal on the bundled Allerød sample (``data/`` under ``root``: the registry,
    ``scenarios/wave.toml`` and the council's own options), as ``capacity proposal`` makes it
    before writing, within the command's default limit for the whole proposal; with, measured
    in the same run, the seconds of option A's plan alone (the baseline the proposal's time is
    read against: it plans and scores several options)."""
    data = Path(root) / "data"
    start = time.perf_counter()
    reg = load_registry(data / "alleroed.gpkg")
    sc = load_scenario(data / "scenarios" / "wave.toml")
    own = load_options(data / "scenarios" / "options.toml", reg.sites["id"].astype(str).tolist())
    paper = make_proposal(reg, sc, own=own, time_limit=time_limit)
    seconds = time.perf_counter() - start
    begun = time.perf_counter()
    make_plan(reg, sc, samples=20, seed=0, time_limit=time_limit, groups=1)
    best = next(o for o in paper.options if o.key == paper.recommended)
    return dict(
        status=f"recommended {paper.recommended}",
        objective=float(best.total),
        solve_seconds=round(seconds, 3),
        extra=dict(
            options=len(paper.options),
            plan_a_seconds=round(time.perf_counter() - begun, 3),
            risk=float(best.risk),
        ),
    )


def main() -> None:
    """Time the two benchmarks and print the figures."""
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    reg, sc = bench_registry(), bench_scenario()
    t = time.perf_counter()
    res = make_plan(
        reg, sc, samples=samples, seed=1, time_limit=float(sys.argv[2]) if len(sys.argv) > 2 else 60
    )
    s = res.summary
    print(
        f"plan: {time.perf_counter() - t:.1f} s wall, status {s['status']}, gap {s['gap']:.4%}, "
        f"objective {s['objective']:.0f}, bound {s['bound']:.0f}"
    )
    t = time.perf_counter()
    runs = run_scenarios(reg, sc, plan=res.plan, modules=res.modules, samples=1000, seed=1)
    print(
        f"1,000 scenario runs: {time.perf_counter() - t:.1f} s, "
        f"risk {runs.summary['risk_any_shortage']:.3f}"
    )


if __name__ == "__main__":
    main()
