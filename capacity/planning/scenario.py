"""The scenario file (TOML): expected arrivals, their uncertainty, household mix and stay lengths.

A scenario describes demand only; supply (buildings, pavilion sites, residents) comes from the
registry. Bad files raise ``RegistryError`` whose problems name the file and the key, e.g.
``wave.toml, key 'arrivals.waves.0.months': skal være mindst 1 (angivet: 0)``; the messages are
Danish, pydantic's own ones put in Danish by their error type (``_message``).
See ``data/scenarios/*.toml`` for two documented examples.

Every number has a sane range (``LIMITS``; no ``inf`` or ``nan``), and the expected households
over the horizon are at most ``MAX_HOUSEHOLDS``, so the memory of a plan or a run stays bounded
for any scenario the checks accept: a plan's and a run's arrays grow with the households and the
months, so a huge wave or stay would otherwise exhaust memory.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from capacity.errors import Problem, RegistryError
from capacity.io.registry import load_registry
from capacity.numbers import number
from capacity.policy import pydantic_message

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_KEYED = re.compile(r"^([a-z_]+(?:\.[a-z_0-9]+)*): (.*)$", re.S)


# Sane ranges: a Danish municipality's refugee housing, generously.
MAX_HOUSEHOLDS_MONTH = 10_000.0  # expected arriving households (or persons) in one month
MAX_WAVE = 100_000.0  # persons or households of one wave
MAX_HOUSEHOLDS = 200_000.0  # expected arriving households over the whole horizon
MAX_MONTHS = 600  # a stay, a wave's length, a list of months: 50 years
MAX_LIST = 1_200  # entries of a list (arrivals per month, stays, waves, household types)
MAX_SHARE = 1e9  # relative shares and weights


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Wave(_Strict):
    """Extra arrivals on top of the level: ``persons`` or ``households`` spread evenly over months."""

    start: int = Field(
        ge=1, le=MAX_MONTHS, description="first month of the wave, 1 = the scenario's start month"
    )
    months: int = Field(1, ge=1, le=MAX_MONTHS, description="number of months the wave lasts")
    persons: float | None = Field(
        None, ge=0, le=MAX_WAVE, description="extra persons over the whole wave"
    )
    households: float | None = Field(
        None, ge=0, le=MAX_WAVE, description="extra households over the whole wave"
    )
    probability: float = Field(
        1.0,
        ge=0,
        le=1,
        description="the chance that the wave comes at all (1: certain); the plan weighs the "
        "branches with and without it, and learns which one it is in at the wave's start",
    )

    @model_validator(mode="after")
    def _one_size(self) -> Wave:
        if (self.persons is None) == (self.households is None):
            raise ValueError("giv præcis én af 'persons' og 'households'")
        return self


MAX_UNCERTAIN_WAVES = 3  # 2**3 branches at most


class Arrivals(_Strict):
    """Expected arrivals per month: a list, or a level plus waves (in households or persons)."""

    per_month: list[float] | None = Field(
        None, max_length=MAX_LIST, description="expected arrivals for each month"
    )
    level: float | None = Field(
        None, ge=0, le=MAX_HOUSEHOLDS_MONTH, description="expected arrivals every month"
    )
    unit: Literal["households", "persons"] = "households"
    waves: list[Wave] = Field([], max_length=MAX_LIST)

    @field_validator("per_month")
    @classmethod
    def _non_negative(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and any(x < 0 for x in v):
            raise ValueError("ankomster pr. måned skal være mindst 0")
        if v is not None and any(x > MAX_HOUSEHOLDS_MONTH for x in v):
            raise ValueError(f"ankomster pr. måned må højst være {number(MAX_HOUSEHOLDS_MONTH, 0)}")
        return v

    @model_validator(mode="after")
    def _one_form(self) -> Arrivals:
        if (self.per_month is None) == (self.level is None):
            raise ValueError("giv præcis én af 'per_month' (en liste) og 'level' (et tal)")
        uncertain = [w for w in self.waves if 0 < w.probability < 1]
        if len(uncertain) > MAX_UNCERTAIN_WAVES:
            raise ValueError(
                f"højst {MAX_UNCERTAIN_WAVES} bølger med en sandsynlighed under 1 "
                f"({len(uncertain)} angivet): hver af dem fordobler antallet af grene, som planen "
                "skal afveje"
            )
        return self


class Uncertainty(_Strict):
    """How actual arrivals vary around the expectation, month by month."""

    kind: Literal["poisson", "negative_binomial", "none"] = "poisson"
    dispersion: float = Field(
        4.0,
        ge=0.1,
        le=1e6,
        description="negative binomial shape k: variance = mean + mean**2 / k",
    )


class HouseholdType(_Strict):
    """One kind of arriving household and its share of arrivals."""

    name: str = Field(min_length=1, max_length=200)
    adults: int = Field(ge=0, le=20)
    children_ages: list[int] = Field([], max_length=20)
    share: float = Field(gt=0, le=MAX_SHARE)

    @field_validator("children_ages")
    @classmethod
    def _ages(cls, v: list[int]) -> list[int]:
        if any(a < 0 or a > 17 for a in v):
            raise ValueError("børnenes alder skal være 0-17")
        return v

    @model_validator(mode="after")
    def _someone(self) -> HouseholdType:
        if self.persons < 1:
            raise ValueError("en husstand har mindst én person (adults eller children_ages)")
        return self

    @property
    def persons(self) -> int:
        """Persons in the household."""
        return self.adults + len(self.children_ages)


class Stay(_Strict):
    """Stay length in temporary housing, in whole months (at least 1)."""

    kind: Literal["geometric", "empirical", "from_history"] = "geometric"
    mean_months: float = Field(12.0, ge=1, le=MAX_MONTHS, description="geometric: mean stay")
    months: list[int] = Field(
        [], max_length=MAX_LIST, description="empirical: stay lengths in months"
    )
    weights: list[float] = Field(
        [], max_length=MAX_LIST, description="empirical: their relative frequencies"
    )
    min_history: int = Field(
        10, ge=1, le=1_000_000, description="from_history: closed stays needed at least"
    )
    max_months: int = Field(
        60, ge=1, le=MAX_MONTHS, description="longest stay considered (the tail is cut)"
    )

    @model_validator(mode="after")
    def _empirical(self) -> Stay:
        if self.kind == "empirical":
            if not self.months or len(self.months) != len(self.weights):
                raise ValueError(
                    "empirical: 'months' og 'weights' skal være lister af samme længde"
                )
            if any(m < 1 or m > MAX_MONTHS for m in self.months):
                raise ValueError(f"empirical: 'months' skal være 1-{MAX_MONTHS}")
            if any(w < 0 or w > MAX_SHARE for w in self.weights):
                raise ValueError(f"empirical: 'weights' skal være 0-{number(MAX_SHARE, 0)}")
            if sum(self.weights) <= 0:
                raise ValueError("empirical: 'weights' må ikke alle være 0")
        return self


class Residents(_Strict):
    """Current residents (open occupancy rows): when they move out."""

    without_expected_move_out: Literal["stay", "mean_stay"] = Field(
        "stay",
        description="stay: the whole horizon; mean_stay: the stay distribution given the time "
        "already spent (its mean in the plan, drawn in the scenario runs)",
    )
    overdue_expected_move_out: Literal["refuse", "left", "unknown"] = Field(
        "refuse",
        description="an open stay whose expected_move_out lies before the registry's last "
        "recorded move: refuse (exit 2, naming the households), left (gone before the start), "
        "unknown (as without an expected_move_out)",
    )


class Scenario(_Strict):
    """A demand scenario for the capacity plan and the scenario runs."""

    name: str = Field("scenarie", max_length=200)
    description: str = Field("", max_length=5_000)
    start: str = Field(description="first month of the horizon, 'YYYY-MM'")
    horizon_months: int = Field(24, ge=1, le=120)
    arrivals: Arrivals
    uncertainty: Uncertainty = Uncertainty()
    household_types: list[HouseholdType] = Field(min_length=1, max_length=50)
    stay: Stay = Stay()
    residents: Residents = Residents()
    include_waiting: bool = Field(
        True,
        description="households waiting or registered as arriving count from the month they "
        "arrive (month 1 when they have arrived already; not after the horizon)",
    )

    @field_validator("start")
    @classmethod
    def _month(cls, v: str) -> str:
        m = _MONTH.match(v)
        if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2200:
            raise ValueError("skal være en måned 'YYYY-MM' (årene 1900-2200), fx '2027-01'")
        return v

    @model_validator(mode="after")
    def _fits(self) -> Scenario:
        a = self.arrivals
        if a.per_month is not None and len(a.per_month) < self.horizon_months:
            raise ValueError(
                f"arrivals.per_month: {len(a.per_month)} værdier; "
                f"giv én for hver måned i horisonten ({self.horizon_months})"
            )
        return self

    @model_validator(mode="after")
    def _bounded(self) -> Scenario:
        """The expected households over the horizon are at most ``MAX_HOUSEHOLDS``."""
        a, T = self.arrivals, self.horizon_months
        smallest = min(t.persons for t in self.household_types)
        per = 1.0 / smallest if a.unit == "persons" else 1.0  # households per unit, at most
        total = (sum(a.per_month[:T]) if a.per_month is not None else (a.level or 0.0) * T) * per
        for w in a.waves:
            total += w.households if w.households is not None else (w.persons or 0) / smallest
        if total > MAX_HOUSEHOLDS:
            raise ValueError(
                f"arrivals: {number(total, 0)} husstande forventet over horisonten; højst "
                f"{number(MAX_HOUSEHOLDS, 0)} (sænk level, waves eller horizon_months)"
            )
        return self

    @property
    def start_date(self) -> dt.date:
        """The first day of the start month."""
        y, m = self.start.split("-")
        return dt.date(int(y), int(m), 1)

    def month_starts(self) -> list[dt.date]:
        """First day of every month of the horizon (and of the month after it)."""
        d = self.start_date
        out = []
        for i in range(self.horizon_months + 1):
            y, m = divmod(d.month - 1 + i, 12)
            out.append(dt.date(d.year + y, m + 1, 1))
        return out

    def month_labels(self) -> list[str]:
        """``YYYY-MM`` for every month of the horizon."""
        return [d.strftime("%Y-%m") for d in self.month_starts()[:-1]]

    def branches(self) -> list[Branch]:
        """The scenario's branches: every combination of its uncertain waves coming or not.

        A wave with probability 1 is in every branch, one with probability 0 in none; each wave
        with 0 < p < 1 splits the branches in two (with it: p, without: 1 - p), so every branch
        has a probability above 0. A branch is known from the start month of the first
        uncertain wave in which it differs from another (``Branch.waves``).
        """
        waves = self.arrivals.waves
        uncertain = [i for i, w in enumerate(waves) if 0 < w.probability < 1]
        certain = tuple(i for i, w in enumerate(waves) if w.probability >= 1)
        out = []
        for mask in range(1 << len(uncertain)):
            came = tuple(i for b, i in enumerate(uncertain) if mask >> b & 1)
            p = 1.0
            for b, i in enumerate(uncertain):
                p *= waves[i].probability if mask >> b & 1 else 1 - waves[i].probability
            names = [f"bølge {i + 1}" for i in came]
            name = "med " + ", ".join(names) if names else ("uden bølge" if uncertain else "")
            out.append(Branch(name, p, tuple(sorted(certain + came)), tuple(uncertain)))
        return out


@dataclass(frozen=True)
class Branch:
    """One branch of a scenario: the waves that come in it and its probability."""

    name: str
    probability: float
    waves: tuple[int, ...]  # indices of the waves that come
    uncertain: tuple[int, ...]  # indices of the scenario's uncertain waves

    @property
    def key(self) -> str:
        """The waves that come, numbered from 1 and space-separated ("" for none): what a plan's
        branch and a scenario's branch are matched by (names differ when a wave becomes certain)."""
        return " ".join(str(i + 1) for i in self.waves)


def load_scenario(
    path: Path,
    horizon_months: int | None = None,
    *,
    default_horizon: int | None = None,
    from_history: bool = False,
) -> Scenario:
    """Read a scenario TOML file.

    Parameters
    ----------
    path : the TOML file.
    horizon_months : overrides the file's horizon when given.
    default_horizon : the horizon when the file has none (e.g. the policy's ``horizon_months``).
    from_history : take stay lengths from the registry's closed stays (``stay.kind``).

    Raises
    ------
    RegistryError
        The file is missing, not TOML, or a key is unknown or invalid; each problem names the key.
    """
    if Path(path).exists() and not Path(path).is_file():  # a FIFO would block for ever
        raise RegistryError(
            [Problem("error", str(path), "", "", "ikke en almindelig fil; giv en .toml-fil")]
        )
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise RegistryError(
            [
                Problem(
                    "error",
                    str(path),
                    "",
                    "",
                    "scenariefilen findes ikke; giv en eksisterende .toml-fil",
                )
            ]
        ) from None
    return scenario_from_text(
        text,
        source=Path(path).name,
        horizon_months=horizon_months,
        default_horizon=default_horizon,
        from_history=from_history,
    )


def scenario_from_text(
    text: str,
    source: str = "scenario.toml",
    horizon_months: int | None = None,
    *,
    default_horizon: int | None = None,
    from_history: bool = False,
) -> Scenario:
    """Parse scenario TOML text; raise ``RegistryError`` naming the key on bad input."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(
            [Problem("error", source, "", "", f"ikke gyldig TOML ({exc}); ret syntaksen")]
        ) from None
    if horizon_months is not None or (default_horizon is not None and "horizon_months" not in data):
        data["horizon_months"] = horizon_months or default_horizon
    if from_history and isinstance(data.get("stay", {}), dict):
        data["stay"] = {**data.get("stay", {}), "kind": "from_history"}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise RegistryError([_problem(source, err) for err in exc.errors()]) from None


def _problem(source: str, err: dict) -> Problem:
    key = ".".join(str(p) for p in err["loc"])
    msg = _message(err)
    found = _KEYED.match(msg)
    if found:  # a check across keys names its key in the message
        key = ".".join(filter(None, (key, found.group(1))))
        msg = found.group(2)
    shown = "input" in err and not isinstance(err["input"], dict)
    if err["type"] not in ("extra_forbidden", "missing") and shown:
        msg += f" (angivet: {err['input']!r})"
    return Problem("error", source, "", key, msg)


# pydantic's errors of a scenario's keys, where they say more than ``policy.pydantic_message``
_KEY_MESSAGES = {
    "extra_forbidden": "ukendt nøgle; tjek stavningen mod data/scenarios/baseline.toml",
    "missing": "påkrævet nøgle mangler; tilføj den",
}


def _message(err: dict) -> str:
    """The problem in Danish (``policy.pydantic_message``, the one Danish text of pydantic's
    errors), an unknown or missing key said with its fix."""
    return _KEY_MESSAGES.get(err["type"]) or pydantic_message(err)


def load_inputs(
    registry: Path, scenario: Path, *, policy: Path | None = None, from_history: bool = False
):
    """The registry and its scenario, the scenario's horizon defaulting to the policy's.

    The one loading step of ``plan``, ``scenarios`` and ``proposal``.

    Returns
    -------
    tuple
        ``(Registry, Scenario)``.
    """

    reg = load_registry(registry, policy=policy)
    sc = load_scenario(
        scenario, default_horizon=reg.policy.limits.horizon_months, from_history=from_history
    )
    return reg, sc
