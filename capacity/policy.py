"""The policy: objective weights and limits, read from ``policy.toml`` beside the registry.

Every soft term of the models has a weight under ``[weights]`` whose key is the term's name; weight 0
switches the term off. Limits live under ``[limits]``. Unknown keys are errors (a typo would
otherwise silently switch a term to its default).

Bounds: every number has a sane range (``le=``/``ge=`` below; no ``inf`` or ``nan``), so that a
typo such as ``1e29`` or ``2^63`` is an error naming the file and key, not an overflow in the
solver or a run that exhausts the machine. The file itself must be a regular file of at most
``MAX_POLICY_BYTES``, and TOML nested deeper than Python's recursion limit is an error.
"""

from __future__ import annotations

import reprlib
import stat
import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from capacity.errors import Problem, RegistryError, os_reason
from capacity.numbers import decimal

MAX_POLICY_BYTES = 1_000_000  # a policy is a few hundred bytes; more is not a policy
MAX_WEIGHT = 1_000_000  # per unit of a term; objective sums stay far inside 64-bit integers
# Leaving a person out must cost more than any placement's total, which on large
# facility-location instances is far above ``MAX_WEIGHT``; 1e12 per person keeps the objective
# inside 64-bit integers for a million.
MAX_UNPLACED_WEIGHT = 1_000_000_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Weights(_Strict):
    """Objective weights, one per soft term (integers; 0 switches a term off)."""

    transport: int = Field(
        2, ge=0, le=MAX_WEIGHT, description="per person-minute to the nearest station"
    )
    school_daycare: int = Field(
        3, ge=0, le=MAX_WEIGHT, description="per child-minute to school; per missing daycare slot"
    )
    family_cluster: int = Field(
        50, ge=0, le=MAX_WEIGHT, description="per extra district holding families with children"
    )
    spread: int = Field(
        20,
        ge=0,
        le=MAX_WEIGHT,
        description="per resident above a district's fair share plus tolerance",
    )
    buildings_first: int = Field(
        10, ge=0, le=MAX_WEIGHT, description="per person placed in a pavilion module"
    )
    new_modules: int = Field(
        1, ge=0, le=MAX_WEIGHT, description="per DKK 1,000 of setup cost for a new module"
    )
    moves: int = Field(
        200, ge=0, le=MAX_WEIGHT, description="per resident moved (with --allow-moves)"
    )
    external_score: int = Field(
        0, ge=0, le=MAX_WEIGHT, description="per 1/100 point of the scores layer (higher is better)"
    )
    unplaced: int = Field(
        100_000, ge=0, le=MAX_UNPLACED_WEIGHT, description="per person left without a home"
    )


class Limits(_Strict):
    """Limits and parameters of the terms."""

    max_school_minutes: int = Field(
        30, ge=0, le=600, description="school-age children no further from school"
    )
    receiving_class_months: int = Field(
        24, ge=0, le=240, description="months a child counts as new (receiving class)"
    )
    spread_tolerance_pct: int = Field(
        20, ge=0, le=100, description="deviation from fair share that is free"
    )
    spread_district_kind: Literal["school", "daycare", "town", "parish"] = "school"
    cluster_district_kind: Literal["school", "daycare", "town", "parish"] = "school"
    detour_factor: float = Field(
        1.3, ge=1.0, le=10.0, description="road distance / straight-line distance"
    )
    speed_kmh: float = Field(
        20.0, gt=0, le=200.0, description="door-to-door speed by bus, bike and foot"
    )
    long_stay_months: int = Field(12, ge=1, le=240, description="a stay this long is followed up")
    min_count: int = Field(
        3, ge=1, le=100, description="counts below this are shown as '<N' in public reports"
    )
    emergency_dkk_per_person_day: int = Field(
        1000, ge=0, le=1_000_000, description="shortage price in the plan"
    )
    horizon_months: int = Field(24, ge=1, le=120, description="plan horizon")
    move_cost_dkk_per_household: int = Field(
        15_000,
        ge=0,
        le=10_000_000,
        description="moving one resident household to another site so that a site can close",
    )
    max_moves_per_month: int = Field(
        10, ge=0, le=10_000, description="households moved per month in the plan (0: no moves)"
    )


class Policy(_Strict):
    """Objective weights and limits for every model."""

    weights: Weights = Weights()
    limits: Limits = Limits()
    _text: str | None = PrivateAttr(default=None)  # the TOML it was read from, comments and all

    def __eq__(self, other: object) -> bool:
        """Equal weights and limits: the text a policy was read from is not part of it."""
        if not isinstance(other, Policy):
            return NotImplemented
        return self.weights == other.weights and self.limits == other.limits

    def __hash__(self) -> int:
        return hash((self.weights, self.limits))

    @classmethod
    def from_toml_text(cls, text: str, source: str = "policy.toml") -> Policy:
        """Parse a policy from TOML text; raise ``RegistryError`` naming the key on bad input.
        The text is kept, so that the registry's forms write it back as the user wrote it
        (``to_toml_text``)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(
                [Problem("error", source, "", "", f"ikke gyldig TOML ({exc}); ret syntaksen")]
            ) from None
        except RecursionError:
            raise RegistryError(
                [Problem("error", source, "", "", "for dybt indlejret; en politik har to tabeller")]
            ) from None
        try:
            policy = cls.model_validate(data)
        except RecursionError:
            raise RegistryError(
                [Problem("error", source, "", "", "for dybt indlejret; en politik har to tabeller")]
            ) from None
        except ValidationError as exc:
            problems = [
                Problem(
                    "error",
                    source,
                    "",
                    ".".join(str(p) for p in err["loc"]),
                    _explain(err),
                )
                for err in exc.errors()
            ]
            raise RegistryError(problems) from None
        policy._text = text
        return policy

    @classmethod
    def load(cls, path: Path) -> Policy:
        """Read a policy file; a missing, odd (a FIFO, a folder) or huge file is an error naming
        the path."""
        path = Path(path)
        try:
            info = path.stat()
        except OSError:
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise RegistryError(
                [
                    Problem(
                        "error", str(path), "", "", "ikke en almindelig fil; giv en policy.toml-fil"
                    )
                ]
            )
        if info is not None and info.st_size > MAX_POLICY_BYTES:
            raise RegistryError(
                [
                    Problem(
                        "error",
                        str(path),
                        "",
                        "",
                        f"{decimal(info.st_size)} byte; en politikfil er højst "
                        f"{decimal(MAX_POLICY_BYTES)} byte",
                    )
                ]
            )
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RegistryError(
                [
                    Problem(
                        "error",
                        str(path),
                        "",
                        "",
                        "filen findes ikke; giv en politikfil, der findes",
                    )
                ]
            ) from None
        except UnicodeDecodeError:
            raise RegistryError(
                [Problem("error", str(path), "", "", "ikke UTF-8-tekst; gem filen som UTF-8")]
            ) from None
        except OSError as exc:
            raise RegistryError(
                [Problem("error", str(path), "", "", f"kan ikke læses ({os_reason(exc)})")]
            ) from None
        return cls.from_toml_text(text, source=path.name)

    def to_toml_text(self, kept: bool = True) -> str:
        """The policy as TOML: the text it was read from, the user's comments and layout kept,
        while that text still says this policy; else (a default policy, a changed copy, or
        ``kept`` False: a form that cannot hold the text) written anew, without comments."""
        dump = self.model_dump(mode="json")
        if kept and self._text is not None and _same(self._text, dump):
            return self._text
        return tomli_w.dumps(dump)


def spread_limit(tolerance_pct: int) -> Fraction:
    """The most a district may hold, as a multiple of its fair share, before the spread term
    counts: ``1 + tolerance_pct / 100``, exactly.

    The one rule behind the placement's caps in persons (``model.soft.spread_caps``), the
    plan's spread rows in beds (``planning.model.spread_excess``) and the follow-up's count of
    districts over it (``followup.measures``).
    """
    return Fraction(100 + tolerance_pct, 100)


def _same(text: str, dump: dict) -> bool:
    """Whether the TOML ``text`` gives the policy whose JSON dump is ``dump``."""
    return Policy.model_validate(tomllib.loads(text)).model_dump(mode="json") == dump


def _explain(err: dict) -> str:
    if err["type"] == "extra_forbidden":
        return "ukendt nøgle; tjek stavningen mod de dokumenterede nøgler"
    return f"{pydantic_message(err)} (angivet: {_short.repr(err.get('input'))})"


# pydantic's error types in Danish (its own messages are English); ``{name}`` is from ``ctx``.
PYDANTIC_MESSAGES: dict[str, str] = {
    "int_type": "værdien skal være et helt tal",
    "int_parsing": "værdien skal være et helt tal",
    "int_from_float": "værdien skal være et helt tal, ikke et decimaltal",
    "int_parsing_size": "tallet er for stort",
    "float_type": "værdien skal være et tal",
    "float_parsing": "værdien skal være et tal",
    "finite_number": "værdien skal være et endeligt tal",
    "bool_type": "værdien skal være true eller false",
    "bool_parsing": "værdien skal være true eller false",
    "string_type": "værdien skal være tekst",
    "list_type": "værdien skal være en liste",
    "dict_type": "værdien skal være en tabel",
    "model_type": "værdien skal være en tabel",
    "model_attributes_type": "værdien skal være en tabel",
    "date_type": "værdien skal være en dato som YYYY-MM-DD",
    "date_parsing": "værdien skal være en dato som YYYY-MM-DD",
    "date_from_datetime_parsing": "værdien skal være en dato som YYYY-MM-DD",
    "missing": "værdien mangler",
    "greater_than_equal": "værdien skal være mindst {ge}",
    "less_than_equal": "værdien skal være højst {le}",
    "greater_than": "værdien skal være større end {gt}",
    "less_than": "værdien skal være mindre end {lt}",
    "multiple_of": "værdien skal være et multiplum af {multiple_of}",
    "literal_error": "værdien skal være en af {expected}",
    "enum": "værdien skal være en af {expected}",
    "too_short": "listen skal have mindst {min_length} element(er)",
    "too_long": "listen må højst have {max_length} elementer",
    "string_too_short": "teksten skal have mindst {min_length} tegn",
    "string_too_long": "teksten må højst have {max_length} tegn",
}


def pydantic_message(err: dict) -> str:
    """The Danish for one of pydantic's errors (an item of ``ValidationError.errors()``),
    without the key or the input: by its type, with the numbers of its ``ctx`` in Danish form.
    A ``ValueError`` raised by a validator keeps its own message; an unknown type is "ugyldig
    værdi"."""
    ctx = err.get("ctx") or {}
    if err["type"] == "value_error":
        return str(ctx.get("error") or err["msg"].removeprefix("Value error, "))
    template = PYDANTIC_MESSAGES.get(err["type"], "ugyldig værdi")
    shown = {
        key: decimal(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value).replace(" or ", " eller ")
        for key, value in ctx.items()
    }
    try:
        return template.format(**shown)
    except (KeyError, IndexError):
        return template.split(" {", 1)[0]


_short = reprlib.Repr()
_short.maxlevel, _short.maxstring, _short.maxother = 2, 60, 60
