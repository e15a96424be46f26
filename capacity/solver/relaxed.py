"""The LP relaxation of housing everyone on a given set of units (HiGHS), to rank module sets.

``fewest``'s exchange step asks which of many module sets, each one module away from another,
is worth placing exactly. Placing everyone exactly on a fixed set (a generalised assignment
problem) is a MIP of its own for CP-SAT; its LP relaxation (households split over units) is
cheap for HiGHS once warm: the model over every allowed pair is built once, and a set is chosen
by the columns' upper bounds (0 for the units not in it), so each solve starts from the last
basis. The LP is a lower bound of the exact cost on that set, and a ranking, not a decision:
the exchanges it ranks best are placed exactly, a few of them.
"""

from __future__ import annotations

import numpy as np

from capacity.solver.problem import Problem


class SetRelaxation:
    """``value(units)``: the LP cost of housing every household on ``units`` (a bool mask over
    ``prob.units``), costs ``cost`` (H, U; only allowed pairs read); ``inf`` where it cannot.
    ``solved`` counts the LPs solved (deterministic work, whatever the clock says)."""

    def __init__(self, prob: Problem, cost: np.ndarray) -> None:
        import highspy

        self._highspy = highspy
        hh, uu = np.nonzero(prob.allowed)
        n, (rows, units) = len(hh), prob.cost.shape
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, rows + units
        lp.col_cost_ = cost[hh, uu].astype(float)
        lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
        lp.row_lower_ = np.concatenate([np.ones(rows), np.full(units, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([np.ones(rows), prob.capacity.astype(float)])
        index = np.empty(2 * n, dtype=np.int32)  # column j: its household's row, its unit's
        index[0::2], index[1::2] = hh, rows + uu
        value = np.ones(2 * n)
        value[1::2] = prob.weight[hh, uu]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, 2 * n + 1, 2, dtype=np.int32)
        lp.a_matrix_.index_, lp.a_matrix_.value_ = index, value
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, rows + units
        # highspy.Highs prints HiGHS's banner on stdout when constructed (1.16), before any
        # option can be set; its base class does not (and has all this uses)
        self.h = getattr(getattr(highspy, "_core", None), "_Highs", highspy.Highs)()
        for key, val in (("output_flag", False), ("threads", 1), ("random_seed", 0)):
            self.h.setOptionValue(key, val)
        self.h.passModel(lp)
        order = np.argsort(uu, kind="stable")
        ends = np.searchsorted(uu[order], np.arange(units + 1))
        self._columns = [order[ends[u] : ends[u + 1]].astype(np.int32) for u in range(units)]
        self._open = np.ones(units, dtype=bool)
        self.solved = 0

    def value(self, units: np.ndarray) -> float:
        """The LP cost of housing everyone on ``units``.

        Parameters
        ----------
        units : bool mask over ``prob.units``: the units open.

        Returns
        -------
        float
            The LP optimum (a lower bound of every placement on ``units``), ``inf`` where the
            LP has none (no placement exists either).
        """
        for u in np.flatnonzero(units != self._open):
            cols = self._columns[u]
            up = np.full(len(cols), float(units[u]))
            self.h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), up)
        self._open = units.copy()
        self.h.run()
        self.solved += 1
        if self.h.getModelStatus() != self._highspy.HighsModelStatus.kOptimal:
            return float("inf")
        return float(self.h.getInfo().objective_function_value)
