"""The placement model as a plain MIP: one linear form read from the CP-SAT model, for any backend.

Every constraint the placement model emits (``hard.MODEL_RULES``, the auxiliary rows of
``soft.SOFT_TERMS``, the aggregate's rows) is linear over integer variables, so the CP-SAT model
*is* a MIP: ``linear_form`` reads its proto once into column bounds, integrality, a sparse row
matrix (CSR) and objective coefficients. CP-SAT solves the proto, HiGHS this form: the same
variables, rows and objective, built once by the same rule and term functions. A constraint that
is not linear (none today) is refused by name rather than dropped.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
CPSAT_MAX = 2.0**53  # the largest magnitude ``cpsat_model`` passes on: exact as a float


class NotLinearError(ValueError):
    """The CP-SAT model holds a constraint a MIP backend cannot take as is."""


@dataclass(frozen=True)
class LinearForm:
    """``min cost @ x + offset`` s.t. ``row_lower <= A x <= row_upper``, bounds, integrality.

    Attributes
    ----------
    col_lower, col_upper, cost : per column (CP-SAT variable index), floats.
    integer : per column, True for integer columns (all of them for the placement model).
    offset : the objective's constant.
    start, index, value : the row matrix ``A`` in CSR form.
    row_lower, row_upper : per row, ``-inf`` / ``inf`` where open.
    """

    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    cost: np.ndarray
    offset: float
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def variables(self) -> int:
        return len(self.col_lower)

    @property
    def constraints(self) -> int:
        return len(self.row_lower)

    def objective(self, x: np.ndarray) -> float:
        """The objective of a column vector."""
        return float(self.cost @ x + self.offset)

    def violation(self, x: np.ndarray) -> float:
        """The largest amount by which ``x`` breaks a bound, a row or integrality (0: feasible).

        Rows are measured relative to ``max(1, |bound|)``, like a solver's feasibility
        tolerance, so that a row of large coefficients is not failed on rounding noise."""
        x = np.asarray(x, dtype=float)
        if x.shape != (self.variables,):
            return np.inf
        worst = max(
            float(np.max(self.col_lower - x, initial=0.0)),
            float(np.max(x - self.col_upper, initial=0.0)),
            float(np.max(np.abs(x - np.round(x))[self.integer], initial=0.0)),
        )
        rows = np.repeat(np.arange(self.constraints), np.diff(self.start))
        act = np.bincount(rows, self.value * x[self.index], minlength=self.constraints)
        with np.errstate(invalid="ignore"):
            low = (self.row_lower - act) / np.maximum(1.0, np.abs(self.row_lower))
            high = (act - self.row_upper) / np.maximum(1.0, np.abs(self.row_upper))
        low, high = np.nan_to_num(low, nan=0.0), np.nan_to_num(high, nan=0.0)
        return max(worst, float(np.max(low, initial=0.0)), float(np.max(high, initial=0.0)))


def _bound(v: int) -> float:
    return -np.inf if v <= INT64_MIN + 1 else np.inf if v >= INT64_MAX - 1 else float(v)


def _terms(refs, coeffs) -> tuple[np.ndarray, np.ndarray, float]:
    """Columns and coefficients of ``sum c * ref``; a negated literal ``~x`` is ``1 - x``."""
    r = np.array(refs, dtype=np.int64)
    c = np.array(coeffs, dtype=np.float64)
    if len(r) != len(c):
        raise NotLinearError(f"{len(r)} variables but {len(c)} coefficients")
    neg = r < 0
    if not neg.any():
        return r, c, 0.0
    return np.where(neg, -r - 1, r), np.where(neg, -c, c), float(c[neg].sum())


# clause-like constraints as rows over their literals: (lower, upper) from the literal count n
_CLAUSES = {
    "bool_or": lambda n: (1, n),
    "bool_and": lambda n: (n, n),
    "at_most_one": lambda n: (0, 1),
    "exactly_one": lambda n: (1, 1),
}


def _row(k: int, con) -> tuple[np.ndarray, np.ndarray, float, float]:
    """One constraint as ``lower <= sum(vals * x[cols]) <= upper``, or ``NotLinearError``."""
    label = f"constraint {k} ({con.name or 'unnamed'})"
    if len(con.enforcement_literal):
        raise NotLinearError(f"{label} has an enforcement literal")
    kind = con.WhichOneof("constraint")
    if kind == "linear":
        dom = list(con.linear.domain)
        if len(dom) != 2:
            raise NotLinearError(f"{label} has a domain with holes")
        cols, vals, const = _terms(con.linear.vars, con.linear.coeffs)
        return cols, vals, _bound(dom[0]) - const, _bound(dom[1]) - const
    if kind in _CLAUSES:
        lits = list(getattr(con, kind).literals)
        cols, vals, const = _terms(lits, [1] * len(lits))
        lo, hi = _CLAUSES[kind](len(lits))
        return cols, vals, lo - const, hi - const
    raise NotLinearError(f"{label} is not a linear row")


def model_message(model):
    """``model`` (a ``CpModel``) as a protobuf message.

    ``CpModel.proto`` hands out its fields element by element through pybind11, slow on a model
    of a million nonzeros. Written to a file and parsed (C++ both ways), the message gives whole
    arrays at once.
    """
    from ortools.sat import cp_model_pb2

    with tempfile.TemporaryDirectory(prefix="capacity-model-") as tmp:
        path = Path(tmp) / "model.pb"
        if not model.export_to_file(str(path)):
            raise RuntimeError("CP-SAT could not write the model to a temporary file")
        message = cp_model_pb2.CpModelProto()
        message.ParseFromString(path.read_bytes())
    return message


def linear_form(model) -> LinearForm:
    """Read a CP-SAT ``CpModel`` whose constraints are all linear into a ``LinearForm``.

    Raises
    ------
    NotLinearError
        Naming the first constraint that is not a linear row or a clause (another type, an
        enforcement literal, or a domain with holes).
    """
    proto = model_message(model)
    lower, upper = [], []
    for var in proto.variables:
        dom = var.domain
        lower.append(_bound(dom[0]))
        upper.append(_bound(dom[-1]))
    start, index, value, row_lo, row_hi = [0], [], [], [], []
    for k, con in enumerate(proto.constraints):
        cols, vals, lo, hi = _row(k, con)
        index.append(cols)
        value.append(vals)
        start.append(start[-1] + len(cols))
        row_lo.append(lo)
        row_hi.append(hi)
    cost = np.zeros(len(lower))
    obj = proto.objective
    if obj.scaling_factor not in (0.0, 1.0):
        raise NotLinearError("the objective is scaled (maximisation?): minimise instead")
    cols, vals, const = _terms(obj.vars, obj.coeffs)
    np.add.at(cost, cols, vals)
    return LinearForm(
        col_lower=np.asarray(lower),
        col_upper=np.asarray(upper),
        integer=np.ones(len(lower), dtype=bool),
        cost=cost,
        offset=float(obj.offset) + const,
        start=np.asarray(start, dtype=np.int64),
        index=np.concatenate(index) if index else np.zeros(0, dtype=np.int64),
        value=np.concatenate(value) if value else np.zeros(0),
        row_lower=np.asarray(row_lo),
        row_upper=np.asarray(row_hi),
    )


def cpsat_model(form: LinearForm):
    """``form`` as a CP-SAT ``CpModel`` (the inverse of ``linear_form``) and its variables, one
    per column, for a form of integer columns with finite bounds whose bounds, coefficients and
    costs are all integers (a row bound may be open).

    Raises
    ------
    ValueError
        Naming what CP-SAT cannot take: a continuous column, an infinite column bound, cost or
        coefficient, a value that is not a number or not an integer, or one too large.
    """
    from ortools.sat.python import cp_model

    if not np.all(form.integer):
        raise ValueError("CP-SAT takes integer columns only: a column is continuous")

    def ints(a: np.ndarray, what: str, open_ok: bool = False) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        if np.any(np.isnan(a)):
            raise ValueError(f"CP-SAT takes numbers only: a {what} is not a number")
        finite = np.isfinite(a)
        if not open_ok and not np.all(finite):
            raise ValueError(f"CP-SAT takes finite numbers only: a {what} is infinite")
        if np.any(np.abs(a[finite]) > CPSAT_MAX):
            raise ValueError(f"CP-SAT takes integers up to {CPSAT_MAX:.0e}: a {what} is larger")
        if np.any(np.abs(a[finite] - np.round(a[finite])) > 1e-9):
            raise ValueError(f"CP-SAT takes integers only: a {what} is fractional")
        out = np.where(a > 0, cp_model.INT_MAX, cp_model.INT_MIN).astype(np.int64)
        out[finite] = np.round(a[finite]).astype(np.int64)
        return out

    lower, upper = ints(form.col_lower, "column bound"), ints(form.col_upper, "column bound")
    row_lower = ints(form.row_lower, "row bound", open_ok=True)
    row_upper = ints(form.row_upper, "row bound", open_ok=True)
    value, cost = ints(form.value, "coefficient"), ints(form.cost, "cost")
    offset = ints(np.array([form.offset]), "objective offset")[0]
    model = cp_model.CpModel()
    cols = [
        model.new_int_var(int(lo), int(hi), f"c{k}")
        for k, (lo, hi) in enumerate(zip(lower, upper, strict=True))
    ]
    for k in range(form.constraints):
        at = slice(form.start[k], form.start[k + 1])
        expr = cp_model.LinearExpr.weighted_sum(
            [cols[j] for j in form.index[at]], [int(v) for v in value[at]]
        )
        model.add_linear_constraint(expr, int(row_lower[k]), int(row_upper[k]))
    used = np.flatnonzero(cost)
    model.minimize(
        cp_model.LinearExpr.weighted_sum([cols[j] for j in used], [int(cost[j]) for j in used])
        + int(offset)
    )
    return model, cols
