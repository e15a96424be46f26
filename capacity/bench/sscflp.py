"""Public single-source capacitated facility location (SSCFLP) instances with known optima.

Choosing pavilion sites to open and placing households that cannot be split is this problem, so
these instances check the placement model against published optima. The files live in the team's
shared folder (``../shared/benchmarks/sscflp``); they are read from there at run time, never
copied. Two formats (see that folder's README):

- A (holmberg, orlib, yang): ``n m``, then ``s_i f_i`` per facility, the demands, and the
  assignment costs facility-major (``n`` rows of ``m``).
- B (delmaire): ``m n``, the costs customer-major (``m`` rows of ``n``), the demands, the fixed
  costs, the capacities.

Costs are scaled to exact integers: orlib cap61–cap134 by 80, capa/b/c by 10^5, the others by 1.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from capacity.errors import UserError
from capacity.io.layers import Registry, frame
from capacity.policy import Limits, Policy, Weights

FAMILIES = ("holmberg", "delmaire", "orlib", "yang")
DEFAULT_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "sscflp"


@dataclass(frozen=True)
class Instance:
    """One SSCFLP instance with integer data (costs multiplied by ``scale``).

    Attributes
    ----------
    name : e.g. ``holmberg/p1``.
    capacity : capacity per facility (n,).
    fixed : opening cost per facility, scaled (n,).
    demand : demand per customer (m,).
    cost : assignment cost facility × customer, scaled (n, m).
    scale : what the costs were multiplied by.
    optimum : the known optimal value in the file's own units (unscaled), or None.
    """

    name: str
    capacity: np.ndarray
    fixed: np.ndarray
    demand: np.ndarray
    cost: np.ndarray
    scale: int
    optimum: float | None

    @property
    def size(self) -> tuple[int, int]:
        """(facilities, customers)."""
        return len(self.capacity), len(self.demand)

    def objective(self, assign: np.ndarray) -> float:
        """The unscaled objective of an assignment (facility index per customer)."""
        opened = np.unique(assign)
        scaled = self.fixed[opened].sum() + self.cost[assign, np.arange(len(assign))].sum()
        return float(scaled) / self.scale


def _tokens(path: Path) -> list[Decimal]:
    try:
        raw = path.read_bytes().split(b"\x00", 1)[0].decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: kan ikke læse instansen ({exc}).") from None
    return [Decimal(t) for t in raw.split()]


def _scale_for(name: str, family: str) -> int:
    if family != "orlib":
        return 1
    return 100_000 if name[:4] in ("capa", "capb", "capc") else 80


def _ints(values: list[Decimal], scale: int, what: str, path: Path) -> np.ndarray:
    scaled = [v * scale for v in values]
    if any(v != v.to_integral_value() for v in scaled):
        raise UserError(f"{path}: {what} er ikke heltal efter skalering med {scale}.")
    return np.array([int(v) for v in scaled], dtype=np.int64)


def read_instance(path: Path, family: str, optimum: float | None = None) -> Instance:
    """Read one instance file of ``family`` (format B for delmaire, A otherwise)."""
    t = _tokens(path)
    scale = _scale_for(path.stem, family)
    if len(t) < 2:
        raise UserError(f"{path}: tom eller ikke en SSCFLP-instans.")
    a, b = int(t[0]), int(t[1])
    expected = 2 + a * b + a + 2 * b if family == "delmaire" else 2 + 2 * a + b + a * b
    if len(t) != expected:
        raise UserError(f"{path}: {len(t)} tal, men formatet for {family} kræver {expected}.")
    if family == "delmaire":
        m, n = a, b
        body = t[2:]
        cost_cm = body[: m * n]
        demand = body[m * n : m * n + m]
        fixed = body[m * n + m : m * n + m + n]
        capacity = body[m * n + m + n : expected - 2]
        cost = _ints(cost_cm, scale, "omkostningerne", path).reshape(m, n).T
    else:
        n, m = a, b
        pairs = t[2 : 2 + 2 * n]
        capacity, fixed = pairs[0::2], pairs[1::2]
        demand = t[2 + 2 * n : 2 + 2 * n + m]
        cost = _ints(t[2 + 2 * n + m : expected], scale, "omkostningerne", path).reshape(n, m)
    return Instance(
        name=f"{family}/{path.stem}",
        capacity=_ints(list(capacity), 1, "kapaciteterne", path),
        fixed=_ints(list(fixed), scale, "de faste omkostninger", path),
        demand=_ints(list(demand), 1, "efterspørgslerne", path),
        cost=np.ascontiguousarray(cost),
        scale=scale,
        optimum=optimum,
    )


def optima(root: Path, family: str) -> dict[str, tuple[str, float]]:
    """Instance name -> (file name, known optimum) from the family's ``optima.csv``."""
    path = root / family / "optima.csv"
    try:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UserError(f"{path}: kan ikke læse optima ({exc}); giv --instances DIR.") from None
    key = "optimum_single_source" if family == "orlib" else "optimum"
    return {r["instance"]: (r["file"], float(r[key])) for r in rows}


def load(root: Path, family: str, instance: str) -> Instance:
    """Load ``instance`` (as named in optima.csv, e.g. ``p1`` or ``cap61``) of ``family``."""
    table = optima(root, family)
    if instance not in table:
        raise UserError(f"{family}: ingen instans {instance!r}; kendte: {', '.join(table)}.")
    file, value = table[instance]
    inst = read_instance(root / family / file, family, value)
    return Instance(**{**inst.__dict__, "name": f"{family}/{instance}"})


# The placement model counts setup costs in DKK 1,000 and scores in hundredths of a point; the
# instance's (scaled) costs are made exact multiples of both, so the place objective is exactly
# PLACE_SCALE times the instance's scaled objective.
PLACE_SCALE = 100
SETUP_DKK = 1000 * PLACE_SCALE


MAX_REGISTRY_SCALE = 100


def registry_scale(inst: Instance) -> int:
    """The cost scale used in the registry: the instance's own up to 100, else whole units.

    Costs with more decimals are rounded to whole units: exact, their sums overflow the model's
    64-bit arithmetic (CP-SAT: MODEL_INVALID), and even cents leave coefficients large enough to
    slow both solvers. Whole units change each term by at most 0.5, which on these instances
    stays far below the bench's target gap (measured in ``docs/benchmarks.md``).
    """
    return inst.scale if inst.scale <= MAX_REGISTRY_SCALE else 1


def _rescaled(values: np.ndarray, inst: Instance) -> np.ndarray:
    step = inst.scale // registry_scale(inst)
    if step == 1:
        return values
    return (values + step // 2) // step  # half up, to whole units


def to_registry(inst: Instance, date: str = "2027-01-01"):
    """The instance as a registry for the real ``place --allow-new-modules`` path.

    Each facility is a pavilion site with one module not yet put up (``beds_per_module`` = its
    capacity, setup cost = its fixed cost); each customer an adult-only household of ``demand``
    persons; every module shareable; ``scores`` = the negative assignment costs; a policy that
    weighs only ``new_modules`` and ``external_score`` (and leaves nobody unplaced: the
    per-person penalty exceeds any solution's whole cost). The place objective is
    ``PLACE_SCALE * registry_scale(inst)`` times the instance's own: exactly for every family but
    capa/b/c, whose 5-decimal costs are rounded to whole units there (``registry_scale``).
    """
    import pandas as pd
    from shapely.geometry import Point

    n, m = inst.size
    day = pd.Timestamp(date)
    fixed, cost = _rescaled(inst.fixed, inst), _rescaled(inst.cost, inst)
    sites = [
        dict(
            id=f"F{i + 1}",
            name=f"Facility {i + 1}",
            kind="pavilion_site",
            modules_now=0,
            modules_max=1,
            beds_per_module=int(inst.capacity[i]),
            cost_setup_per_module=int(fixed[i]) * SETUP_DKK,
            cost_month_per_module=0,
            cost_teardown_per_module=0,
            lead_time_months=0,
            min_lifetime_months=0,
            geometry=Point(700_000 + 100 * (i % 50), 6_190_000 + 100 * (i // 50)),
        )
        for i in range(n)
    ]
    households = [
        dict(
            id=f"C{j + 1}",
            arrival_date=day,
            adults=int(inst.demand[j]),
            children_ages=(),
            needs_accessible=False,
            unaccompanied_minor=False,
        )
        for j in range(m)
    ]
    ii, jj = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    scores = pd.DataFrame(
        {
            "household_id": [f"C{j + 1}" for j in jj.ravel()],
            "site_id": [f"F{i + 1}" for i in ii.ravel()],
            "score": -cost.ravel().astype(float),
        }
    )
    worst = -(-(int(fixed.sum() + cost.max(axis=0).sum()) + 1) // int(inst.demand.min()))
    worst *= PLACE_SCALE  # per person: even the smallest household's penalty exceeds everything
    zero = {name: 0 for name in Weights.model_fields}
    # not validated: the penalty must exceed every placement's cost, which on the OR-Library
    # instances (costs scaled to integers) is above the policy's bound for a user's TOML
    weights = Weights.model_construct(
        **{**zero, "new_modules": 1, "external_score": 1, "unplaced": worst}
    )
    policy = Policy(
        weights=weights,
        limits=Limits(),
    )
    return Registry(
        districts=frame("districts", []),
        pois=frame("pois", []),
        sites=frame("sites", sites),
        units=frame("units", []),
        households=frame("households", households),
        occupancy=frame("occupancy", []),
        scores=frame("scores", scores.to_dict("records")),
        policy=policy,
    )
