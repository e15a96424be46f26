"""The CLI framework's own words in Danish, as the rest of the tool speaks.

typer draws the help and error panels and reads their titles from its ``rich_utils`` module;
click (under typer, and pydantic for typer's conversions) words the errors of the command line
itself: an unknown option, a missing argument, a value that is not a number. ``install`` sets the
titles and has typer's error panel show those errors in Danish (``danish``); an error the table
does not know is shown as the framework words it, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click
from typer import rich_utils

# (pattern, Danish) over the framework's English error text, applied in order; a bound of a
# number is written with a decimal comma (``_comma``), the user's own text as typed
PHRASES: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    (r"No such option: (\S+)", r"Ukendt tilvalg: \1"),
    (r"No such option '(.+?)'\.", r"Ukendt tilvalg: \1."),
    (r"\(Possible options: (.+)\)", r"(mulige tilvalg: \1)"),
    (r"No such command '(.+?)'\.", r"Ukendt kommando '\1'."),
    (r"Did you mean (.+)\?", r"Mente du \1?"),
    (r"Missing argument '(.+?)'\.", r"Mangler argumentet '\1'."),
    (r"Missing option '(.+?)'\.", r"Mangler tilvalget '\1'."),
    (r"Missing argument\.", "Mangler et argument."),
    (r"Option '(.+?)' requires an argument\.", r"Tilvalget '\1' skal have en værdi."),
    (r"Option '(.+?)' requires (\d+) arguments\.", r"Tilvalget '\1' skal have \2 værdier."),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", r"Uventede argumenter: \1"),
    (r"Invalid value for (.+?): ", r"Ugyldig værdi for \1: "),
    (r"Invalid value: ", "Ugyldig værdi: "),
    (
        r"Input should be a valid integer, unable to parse string as an integer",
        "skriv et helt tal",
    ),
    (
        r"Input should be a valid integer, got a number with a fractional part",
        "skriv et helt tal",
    ),
    (r"Input should be a valid integer", "skriv et helt tal"),
    (r"Input should be a valid number, unable to parse string as a number", "skriv et tal"),
    (r"Input should be a valid number", "skriv et tal"),
    (r"Input should be a valid boolean.*", "skriv ja eller nej (true/false)"),
    (r"Input should be less than or equal to (\S+)", lambda m: f"højst {_comma(m[1])}"),
    (r"Input should be greater than or equal to (\S+)", lambda m: f"mindst {_comma(m[1])}"),
    (r"Input should be less than (\S+)", lambda m: f"under {_comma(m[1])}"),
    (r"Input should be greater than (\S+)", lambda m: f"over {_comma(m[1])}"),
    (r"'(.*?)' is not a valid integer\.", r"'\1' er ikke et helt tal."),
    (r"'(.*?)' is not a valid float\.", r"'\1' er ikke et tal."),
    (r"'(.*?)' is not a valid boolean\.", r"'\1' er hverken ja eller nej (true/false)."),
    (
        r"(\S+) is not in the range (.+)\.",
        lambda m: f"{m[1]} ligger ikke i intervallet {_comma(m[2])}.",
    ),
    (r"'(.*?)' is not one of (.+)\.", r"'\1' er ikke en af \2."),
    (r"File '(.+?)' does not exist\.", r"Filen '\1' findes ikke."),
    (r"Directory '(.+?)' does not exist\.", r"Mappen '\1' findes ikke."),
    (r"Path '(.+?)' does not exist\.", r"Stien '\1' findes ikke."),
)
USAGE = ((r"^Usage:", "Brug:"), (r"\[OPTIONS\]", "[TILVALG]"), (r"COMMAND \[ARGS\]", "KOMMANDO"))


def danish(text: str) -> str:
    """The framework's English error ``text`` in Danish, phrase by phrase (``PHRASES``); a part no
    phrase matches is kept as it is."""
    for pattern, words in PHRASES:
        text = re.sub(pattern, words, text)
    return text


def _comma(number: str) -> str:
    """A number of the framework's (a bound) with a decimal comma: "0.99" -> "0,99"."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", number)


def _usage(text: str) -> str:
    for pattern, words in USAGE:
        text = re.sub(pattern, words, text)
    return text


def danish_error(show: Callable[[click.ClickException], None]) -> Callable[[Any], None]:
    """typer's error panel (``show``) with the error's message and its usage line in Danish."""

    def shown(exc: click.ClickException) -> None:
        english = exc.format_message()
        exc.format_message = lambda: danish(english)  # type: ignore[method-assign]
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            usage = ctx.get_usage()
            ctx.get_usage = lambda: _usage(usage)  # type: ignore[method-assign]
        show(exc)

    return shown


def install() -> None:
    """Set typer's panel titles and words in Danish, and its error panel to ``danish_error``
    (once: a second call keeps the first)."""
    rich_utils.ERRORS_PANEL_TITLE = "Fejl"
    rich_utils.OPTIONS_PANEL_TITLE = "Tilvalg"
    rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenter"
    rich_utils.COMMANDS_PANEL_TITLE = "Kommandoer"
    rich_utils.RICH_HELP = "Se [blue]'{command_path} {help_option}'[/] for hjælp."
    rich_utils.DEFAULT_STRING = "[standard: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[påkrævet]"
    rich_utils.ABORTED_TEXT = "Afbrudt."
    if not getattr(rich_utils.rich_format_error, "danish", False):
        shown = danish_error(rich_utils.rich_format_error)
        shown.danish = True  # type: ignore[attr-defined]
        rich_utils.rich_format_error = shown
