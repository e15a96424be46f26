"""Kinds of home and kinds of household for the capacity plan and the scenario runs.

The plan and the runs count households into homes, not persons into beds. Who fits where comes
from the placement's own rules (``capacity.model.hard.fits_home`` and ``shares_home``, which call
``accessible_when_needed``, ``family_ok_for_children``, ``room_for_household`` and
``shares_only_when_shareable``): a kind of home is a unit class (beds, family_ok, shareable,
accessible), a kind of household is (persons, children or not, needs accessible or not), and a
representative household and unit of each kind are put through those rules. Nothing here
restates a rule.

A unit holds one household, or several adult-only households where it is shareable (the beds
summed: ``one_family_per_unit`` and ``beds_fit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from capacity.model import hard
from capacity.model.domain import Domain, Household, Unit

CATEGORIES = ("single", "family", "accessible")  # kinds of home and of need, for reports
CATEGORY_NAMES = {
    "single": "enlige/delbare",
    "family": "familieboliger",
    "accessible": "handicapvenlige",
}


@dataclass(frozen=True, order=True)
class HomeKind:
    """A kind of home: a unit's beds and flags."""

    beds: int
    family_ok: bool
    shareable: bool
    accessible: bool

    @property
    def category(self) -> str:
        """``accessible``, else ``family`` (family_ok), else ``single``."""
        return "accessible" if self.accessible else "family" if self.family_ok else "single"

    def unit(self) -> Unit:
        """A representative empty unit of this kind."""
        return Unit(
            "kind",
            ("kind",),
            "site",
            self.beds,
            self.beds,
            self.family_ok,
            self.accessible,
            self.shareable,
            True,
        )


@dataclass(frozen=True, order=True)
class NeedKind:
    """A kind of household: persons, whether it has children, whether it needs accessibility."""

    persons: int
    family: bool
    accessible: bool

    @property
    def category(self) -> str:
        """``accessible`` (needs it), else ``family`` (children), else ``single`` (adults)."""
        return "accessible" if self.accessible else "family" if self.family else "single"

    def household(self) -> Household:
        """A representative household of this kind."""
        kids = (5,) if self.family else ()
        return Household(
            "kind",
            self.persons,
            self.persons - len(kids),
            kids,
            self.accessible,
            False,
            None,
            dt.date(2000, 1, 1),
            False,
        )


def fits(need: NeedKind, home: HomeKind) -> bool:
    """An empty home of kind ``home`` may take a household of kind ``need`` (placement's rules)."""
    return hard.fits_home(need.household(), home.unit())


def shares(need: NeedKind, home: HomeKind) -> bool:
    """A household of kind ``need`` may move in beside adult-only residents of such a home."""
    return hard.shares_home(need.household(), home.unit())


def fit_tables(needs: list[NeedKind], homes: list[HomeKind]) -> tuple[np.ndarray, np.ndarray]:
    """``(fit, share)``: boolean arrays (needs × homes) of ``fits`` and ``shares``."""
    fit = np.array([[fits(n, h) for h in homes] for n in needs], dtype=bool).reshape(
        len(needs), len(homes)
    )
    share = np.array([[shares(n, h) for h in homes] for n in needs], dtype=bool).reshape(
        len(needs), len(homes)
    )
    return fit, share


def category_index(kinds: list[NeedKind] | list[HomeKind]) -> np.ndarray:
    """Index into ``CATEGORIES`` of each kind."""
    return np.array([CATEGORIES.index(k.category) for k in kinds], dtype=np.int64)


# the rules that decide whether a unit has room for anyone at all on the date (not the ones of a
# household's size or needs)
OPEN_RULES = (
    hard.unit_in_service,
    hard.unit_not_booked_later,
    hard.site_available_on_date,
    hard.shares_only_when_shareable,
)
_SINGLE = NeedKind(1, False, False).household()


def open_beds(dom: Domain) -> dict[str, int]:
    """The beds a new household could get on ``dom``'s date, per unit id: the unit's beds left
    free by its residents where ``OPEN_RULES`` hold for a single adult, none elsewhere.

    A unit that is not in service, booked from a later day, on a site not available on the
    date, or held by residents it cannot be shared with (a family, or a unit that is not
    shareable) has no free beds, however few of its beds are taken. The reports' free beds are
    these, so that they agree with what ``capacity place`` can use.
    """
    out = {}
    for u in dom.units.values():
        usable = all(rule(_SINGLE, u, dom) for rule in OPEN_RULES)
        out.update(dict.fromkeys(u.ids, u.free_beds if usable else 0))
    return out
