"""``capacity validate``: every problem in a registry at once, each with file, row and column."""

from __future__ import annotations

import typer

from capacity.cli.app import esc, make_console
from capacity.cli.options import PolicyOpt, RegistryArg


def validate(registry: RegistryArg, policy: PolicyOpt = None) -> None:
    """Tjek registret: typer, intervaller, id'er, referencer, geometri, datoer og belægning."""
    from capacity.io.validate import validate_path

    problems = validate_path(registry, policy=policy)
    errors = [p for p in problems if p.severity == "error"]
    console = make_console(stderr=bool(errors), highlight=False)
    for problem in problems:
        tag = "[red]fejl[/]" if problem.severity == "error" else "[yellow]advarsel[/]"
        console.print(f"{tag} {esc(problem)}", soft_wrap=True)
    warned = _warnings(len(problems) - len(errors))
    if errors:
        console.print(
            f"[bold red]{len(errors)} fejl[/], {warned} i {esc(registry)}. "
            "Ret fejlene, og kør validate igen."
        )
        raise typer.Exit(code=2)
    console.print(f"[green]OK[/]: registret {esc(registry)} er gyldigt ({warned}).")


def _warnings(n: int) -> str:
    """``n`` warnings in Danish: "1 advarsel", "2 advarsler"."""
    return f"{n} advarsel" if n == 1 else f"{n} advarsler"
