"""The proposal's time limit: wall-clock seconds of the whole command, shared among its plans.

``capacity proposal --time-limit N`` ends within N seconds (plus the plans' own small overrun)
with the best proposal it could make. The rule (``Budget``):

- the parts after a plan keep ``LATER_SHARE`` of the limit, or more when the scoring measured so
  far says they need more: scoring the plan on the scenario runs (for D, A and C, also the
  scorings of those of them still to plan) and, before a user's option or one of B's plans, the
  sensitivity of the distinct plans so far and this one (its variations times its share of the
  runs, per plan; the sensitivity itself is computed last), the figures and the files;
- the status quo (D), least cost (A) and no new pavilions (C) are planned first, each with an
  equal share of what is left after that over the ones of them still to make plus one share
  kept for the rest; then the user's own options (E, F, ...) and last the robust variants (B's
  plans for rising quantiles of demand), each with an equal share of what is left over the ones
  still to make (B's plans counted as one: each gets what the ones before it left). A share is a
  part of what is left, so the shares never add up to more than the limit, and time a plan does
  not use goes to the plans after it;
- D, A and C are always made; a limit too short for them is refused (``MIN_LIMIT``: the least
  limit, not always enough, as loading and scoring take their time too), and so is a
  proposal where one of them would get less than ``MIN_PLAN`` seconds or finds no plan within
  its share, naming a limit to try (``main_option_too_short``). A later plan whose share would
  be under ``MIN_PLAN`` is not made, nor any after it: the option is left out and the paper says so
  (``Stopped``); so is a later option whose plan is not found within its share
  (``feasible.PlanTimeout``; the user's options after it are still tried, while B's plans for
  higher quantiles stop at the first without a plan);
- the sensitivity is left out, and the paper says so, when its measured estimate does not fit in
  what is left.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from capacity.errors import UserError
from capacity.numbers import decimal, number
from capacity.planning.deadline import finite
from capacity.planning.sensitivity import MIN_RUNS, STAY, WAVE

LATER_SHARE = 0.15  # of the limit kept at least for scoring, the sensitivity and the files
MIN_PLAN = 2.0  # seconds a plan is given at least: loading, building and a first HiGHS answer
CORE = ("D", "A", "C")  # options always planned: the status quo and the main options
# seconds: the core's shares (one kept for the rest) of what the parts after the plans leave
MIN_LIMIT = math.ceil((len(CORE) + 1) * MIN_PLAN / (1 - LATER_SHARE))


@dataclass(frozen=True)
class Stopped:
    """What the time limit left out of a proposal.

    Attributes
    ----------
    limit : the whole command's limit, wall-clock seconds.
    options : (key, title) of the user's own options not planned.
    quantiles : the demand quantiles of the robust option (B) not planned.
    sensitivity : the sensitivity was not computed.
    """

    limit: float
    options: tuple[tuple[str, str], ...] = ()
    quantiles: tuple[float, ...] = ()
    sensitivity: bool = False

    def __bool__(self) -> bool:
        return bool(self.options or self.quantiles or self.sensitivity)

    def notes(self) -> list[str]:
        """What was left out and why, in Danish, for the paper."""
        limit = f"tidsgrænsen på {number(self.limit, 1)} s (--time-limit)"
        out = [
            f"Mulighed {key} ({title}) er ikke planlagt: den nåede ikke frem inden for {limit}. "
            "Giv en længere tidsgrænse for at få den med."
            for key, title in self.options
        ]
        if self.quantiles:
            qs = ", ".join(decimal(q) for q in self.quantiles)
            out.append(
                f"Den robuste mulighed (B) er ikke planlagt for kvantil {qs} af efterspørgslen: "
                f"de nåede ikke frem inden for {limit}. B er den bedste af de planer, der nåede "
                "frem."
            )
        if self.sensitivity:
            out.append(f"Følsomheden er ikke beregnet: den nåede ikke frem inden for {limit}.")
        return out

    def as_json(self) -> dict:
        """For ``summary.json``: the limit and what it left out."""
        return dict(
            limit_seconds=self.limit,
            options_left_out=[dict(key=k, title=t) for k, t in self.options],
            robust_quantiles_left_out=list(self.quantiles),
            sensitivity_left_out=self.sensitivity,
        )


class Budget:
    """The wall-clock seconds of a whole proposal, from ``started`` (a ``clock`` reading; default
    now), shared among its plans and the parts after them (the module docstring's rule)."""

    def __init__(
        self,
        limit: float,
        started: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if finite(limit) < MIN_LIMIT:
            raise UserError(
                f"--time-limit {number(limit, 1)} s er for kort til en indstilling: status quo "
                f"(D), A og C skal planlægges, og mulighederne prøves og sammenlignes. Giv "
                f"--time-limit {MIN_LIMIT} eller mere."
            )
        self.limit, self.clock = float(limit), clock
        self.started = clock() if started is None else started
        self.scorings: list[float] = []  # seconds of each option's scoring

    def spent(self) -> float:
        """Seconds since the start."""
        return self.clock() - self.started

    def left(self) -> float:
        """Seconds left of the limit (negative when it is passed)."""
        return self.limit - self.spent()

    def per_score(self) -> float:
        """Measured seconds of scoring one option on the runs: the least of the scorings so far
        (the first also loads and compiles what the runs use); 0 before any."""
        return min(self.scorings, default=0.0)

    def timed(self, work: Callable[[], object]) -> object:
        """Run ``work`` (the scoring of one option) and count its seconds."""
        begin = self.clock()
        out = work()
        self.scorings.append(self.clock() - begin)
        return out

    def later(self, runs: int, sensitive: int, scorings: int = 1) -> float:
        """Seconds kept for the parts after the next plan: ``scorings`` scorings on ``runs``
        runs (the next plan's, and those of the main options still to plan after it), the
        sensitivity of ``sensitive`` distinct plans, the figures and files (at least
        ``LATER_SHARE`` of the limit)."""
        measured = self.per_score() * (scorings + sensitivity_scores(runs) * sensitive)
        return max(LATER_SHARE * self.limit, measured)

    def share(self, plans: int, later: float) -> float:
        """Seconds for the next of ``plans`` plans: an equal share of what is left after
        ``later``."""
        return (self.left() - later) / max(plans, 1)

    def fits_sensitivity(self, options: int, runs: int) -> bool:
        """The sensitivity's measured estimate for ``options`` options fits in what is left,
        half of ``LATER_SHARE`` kept for the figures and files (always true before any scoring
        is measured)."""
        need = self.per_score() * sensitivity_scores(runs) * options
        return need <= self.left() - LATER_SHARE * self.limit / 2


def main_option_too_short(
    key: str, title: str, seconds: float, limit: float, tried: bool = True
) -> UserError:
    """The error when option ``key`` (D, A or C, which every proposal has) found no plan within
    its ``seconds`` of the ``limit`` (``tried``), or would get less than ``MIN_PLAN`` once the
    scorings of the main options are kept: a limit giving each of them twice as much."""
    given = number(math.floor(max(seconds, 0.0) * 10) / 10, 1)  # 1.97 s is not "2,0"
    what = (
        f"fik ingen plan inden for sin del af tidsgrænsen ({given} af {number(limit, 1)} s)"
        if tried
        else "ville få for lidt af det, der er tilbage af tidsgrænsen efter indlæsning og tid "
        f"holdt af til at prøve mulighederne ({given} af {number(limit, 1)} s; en plan skal have "
        f"mindst {number(MIN_PLAN, 0)} s)"
    )
    return UserError(
        f"Mulighed {key} ({title.lower()}) {what}; status quo (D), A og C skal alle planlægges. Giv "
        f"--time-limit {math.ceil(2 * limit)} eller mere."
    )


def sensitivity_scores(runs: int) -> float:
    """The sensitivity's work per option, in scorings of the paper's ``runs`` runs: its
    variations of stay and wave, each on its share of the runs (``sensitivity.sensitivity``)."""
    n = min(runs, max(MIN_RUNS, runs // 4))
    return (len(STAY) + len(WAVE)) * n / runs
