"""Errors a user can cause. Each one is shown without a traceback and exits with code 2."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field

# The one message for a --lang that is neither "da" nor "en" (every command that takes it).
LANG_ERROR = "ukendt sprog {lang!r}; giv --lang da eller --lang en"

# Danish for the reasons the system gives most often (``OSError.strerror`` is English).
OS_REASONS: dict[int, str] = {
    errno.EACCES: "adgang nægtet",
    errno.EPERM: "handlingen er ikke tilladt",
    errno.ENOENT: "filen eller mappen findes ikke",
    errno.ENOSPC: "ingen plads tilbage på disken",
    errno.EDQUOT: "diskkvoten er brugt op",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOTDIR: "ikke en mappe",
    errno.EISDIR: "er en mappe",
    errno.EEXIST: "findes allerede",
    errno.ENOTEMPTY: "mappen er ikke tom",
    errno.ELOOP: "for mange niveauer af symbolske links",
    errno.ENAMETOOLONG: "navnet er for langt",
    errno.EBUSY: "enheden eller ressourcen er optaget",
    errno.EXDEV: "ikke muligt på tværs af filsystemer",
    errno.EIO: "I/O-fejl",
    errno.EMFILE: "for mange åbne filer",
    errno.ENXIO: "enheden findes ikke",
    errno.EINVAL: "ugyldigt argument",
}

# The words a row's place starts with ("linje 4"): a row named by its place needs no "række".
PLACE_WORDS = frozenset({"linje", "række", "objekt"})


def os_reason(exc: OSError) -> str:
    """The reason of an ``OSError`` for a message to the user: Danish for the common ``errno``
    values, else the system's own text."""
    return OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


class UserError(Exception):
    """Anything the user must fix: bad input, a missing file, a wrong option.

    The message says what is wrong and how to fix it.
    """

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One problem found in the input, located as precisely as we can.

    Attributes
    ----------
    severity : "error" or "warning".
    source : file name or layer, e.g. ``units.csv`` or ``alleroed.gpkg:units``.
    row : the row's id and/or line number, e.g. ``U7 (linje 9)`` or ``linje 9``; empty for
        file-level problems.
    column : the column name; empty when the problem concerns the whole row or file.
    message : what is wrong and how to fix it.
    """

    severity: str
    source: str
    row: str
    column: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.row:
            place = self.row.split(" ", 1)[0]
            where += f", {self.row}" if place in PLACE_WORDS else f", række {self.row}"
        if self.column:
            noun = "nøgle" if self.source.endswith(".toml") else "kolonne"
            where += f", {noun} '{self.column}'"
        return f"{where}: {self.message}"


@dataclass
class RegistryError(UserError):
    """The registry cannot be used: one or more errors (and possibly warnings) were found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def __str__(self) -> str:
        lines = [f"{len(self.errors)} fejl i registret:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)
