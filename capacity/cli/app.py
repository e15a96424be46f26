"""The typer app and the wrapper that turns a user's mistake into a clear message and exit code 2."""

from __future__ import annotations

import functools
import inspect
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from capacity.cli import framework
from capacity.errors import RegistryError, UserError
from capacity.numbers import number
from capacity.plain import plain
from capacity.reports.text import percent

PIPE_WIDTH = 120  # columns when the output is a file or a pipe (rich would assume 80)


def make_console(**kwargs: Any) -> Console:
    """The CLI's console: the terminal's width (or ``COLUMNS``), else ``PIPE_WIDTH`` when written
    to a file or a pipe (a log, ``make demo > log``), where rich's 80 columns squeezed the site
    names to one letter."""
    probe = Console(**kwargs)
    if probe.is_terminal or os.environ.get("COLUMNS"):
        return probe
    return Console(**{"width": PIPE_WIDTH, **kwargs})


err_console = make_console(stderr=True, highlight=False)

MAX_ROWS = 40  # rows of a terminal table; the rest are in the files written


def clean(value: object) -> str:
    """User text for the terminal: its control characters removed (no escape sequence runs)."""
    return plain(value)


def esc(value: object) -> str:
    """User text for a rich markup string: cleaned, and its square brackets never markup."""
    return escape(clean(value))


def literal(value: object) -> Text:
    """A table cell or title shown exactly as written (cleaned): never read as rich markup."""
    return value if isinstance(value, Text) else Text(clean(value))


def add_rows(
    table: Table,
    rows: Iterable[Sequence[object]],
    *,
    more: str = "",
    limit: int = MAX_ROWS,
    lang: str = "da",
) -> None:
    """Add ``rows`` to ``table`` as literal text; past ``limit`` rows, one last row says how many
    more there are and ``more`` (e.g. "se plan/placements.csv") where to find them."""
    rows = list(rows)
    for row in rows[:limit]:
        table.add_row(*(literal(v) for v in row))
    if len(rows) > limit:
        rest = len(rows) - limit
        note = f"… {rest} {'more' if lang == 'en' else 'flere'}" + (f", {more}" if more else "")
        table.add_row(literal(note), *[""] * (len(table.columns) - 1))


def wrote(lang: str = "da") -> str:
    """The word before the path of a file or folder a command has written."""
    return "Wrote" if lang == "en" else "Skrev"


def see(path: Path | None, lang: str = "da") -> str:
    """Where the rows left out of a terminal table are: ``path`` or a hint to write it."""
    if path is None:
        return "write them with --out" if lang == "en" else "skriv dem med --out"
    return f"see {path}" if lang == "en" else f"se {path}"


framework.install()  # the CLI framework's own words in Danish

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    add_completion=False,
    help="Midlertidige boliger til flygtninge: kapacitet, placering og planlægning.",
)


class LiveProgress:
    """The progress line of a long run as a renderable for ``Console.status``: rich draws it again
    with every turn of the spinner, so the seconds run on between improvements; ``show`` (the
    solver's callback) sets the objective and bound it shows, and ``at`` the part of a run of
    several parts (``proposal``: the option being planned) shown before the seconds."""

    def __init__(self, lang: str, started: float, limit: float) -> None:
        self.lang, self.started, self.limit = lang, started, limit
        self.objective: float | None = None
        self.bound: float | None = None
        self.stage: str | None = None

    def show(self, objective: float, bound: float | None) -> None:
        self.objective, self.bound = objective, bound

    def at(self, stage: str) -> None:
        """Show ``stage`` (user text is cleaned); the objective of the part before is dropped."""
        self.stage, self.objective, self.bound = clean(stage), None, None

    def __rich__(self) -> Text:
        text = progress_text(
            self.lang, self.started, self.limit, self.objective, self.bound, self.stage
        )
        return Text(text)


def progress_text(
    lang: str,
    started: float,
    limit: float | None = None,
    objective: float | None = None,
    bound: float | None = None,
    stage: str | None = None,
) -> str:
    """The progress line of a long run on stderr (``place``, ``plan``, ``proposal``): what it
    does (searching, or the ``stage`` of a run of several parts) and the seconds spent of the
    limit, from the start (a model being built shows its seconds too), then the objective and
    the gap once a search has an answer."""
    searching = "Searching" if lang == "en" else "Søger"
    if limit is None:
        return f"{searching} …"
    spent = time.perf_counter() - started
    of = "of" if lang == "en" else "af"
    limited = f" {of} {number(limit, 0, lang)}" if math.isfinite(limit) else ""  # inf: no limit
    line = f"{stage or searching}: {number(spent, 0, lang)}{limited} s"
    return line if objective is None else f"{line} · {found(lang, objective, bound)}"


def found(lang: str, objective: float, bound: float | None) -> str:
    """The objective and the gap to the bound, for a progress line."""
    share = None if bound is None else abs(objective - bound) / max(abs(objective), 1.0)
    gap = "–" if share is None else percent(share, 2, lang)
    amount = number(objective, 0, lang)
    if lang == "en":
        return f"objective {amount} · gap {gap}"
    return f"mål {amount} · afstand {gap}"


def _version(value: bool) -> None:
    if value:
        from capacity import __version__

        typer.echo(f"capacity {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Vis versionen og afslut."
    ),
) -> None:
    """Midlertidige boliger til flygtninge: kapacitet, placering og planlægning."""


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; a ``UserError`` is printed without a traceback and exits with code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            show_error(exc)
            raise typer.Exit(code=exc.exit_code) from None

    return wrapper


def show_error(exc: UserError) -> None:
    """Print a user error: each problem of a ``RegistryError`` on its own line."""
    if isinstance(exc, RegistryError):
        err_console.print(f"[bold red]Fejl:[/] {len(exc.errors)} fejl i input.")
        for problem in exc.problems:
            tag = "[red]fejl[/]" if problem.severity == "error" else "[yellow]advarsel[/]"
            err_console.print(f"  {tag} {esc(problem)}", soft_wrap=True)
    else:
        err_console.print(f"[bold red]Fejl:[/] {esc(exc)}", soft_wrap=True)


def command(panel: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command under a help panel (one per user group), with user-error handling
    and its docstring as the help (``flowing``)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        app.command(rich_help_panel=panel, help=flowing(func.__doc__))(user_errors(func))
        return func

    return register


def flowing(doc: str | None) -> str | None:
    """A docstring as help text: paragraphs kept, the line breaks inside each joined, so that
    the terminal wraps the text at its own width (typer keeps the source's line breaks after
    the first paragraph, and a wrapped help then breaks in the middle of sentences)."""
    if doc is None:
        return None
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)
