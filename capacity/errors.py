"""Errors a user can cause. Each one is shown without a traceback and exits with code 2."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    row : the row's id and/or line number, e.g. ``U7 (line 9)``; empty for file-level problems.
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
            where += f", row {self.row}"
        if self.column:
            noun = "key" if self.source.endswith(".toml") else "column"
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
        lines = [f"{len(self.errors)} error(s) in the registry:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)
