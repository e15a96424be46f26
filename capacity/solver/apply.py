"""``place --apply``: write a reviewed plan (an ``--out`` folder) into the registry's occupancy.

The registry is the municipality's only record, so an apply is checked, locked and atomic:

1. The plan is read (``verify.read_plan``); a missing or garbled file is refused.
2. The registry is locked (``capacity.io.update.locked``: a GeoPackage write transaction, else a
   lock file beside it) and loaded inside the lock; its content hash must equal ``input_hash``
   in the plan's ``summary.json`` (the registry the plan was made from), else nothing is written;
   the refusal says whether the registry or only the policy differs (``input_hash_covers``).
3. The plan is checked against every hard rule on the registry as it is now
   (``verify.check_plan``); every reason is listed and nothing is written.
4. The registry is copied to a new backup beside it (named after its own hash; ``-2``, ``-3``, ...
   after the name when that is taken), the copy read back and compared, then only the changed
   rows are written in the registry's own form, atomically (see ``capacity.io.update``).

A second apply of the same plan is refused, since the first changes the hash. Any refusal is a
``UserError`` (exit code 2) and leaves the registry byte for byte as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from capacity.errors import Problem, RegistryError, UserError
from capacity.files import os_errors, remove_item, target_of
from capacity.io.hashing import content_hash, registry_hash
from capacity.io.layers import Registry
from capacity.io.registry import load_registry
from capacity.io.update import locked
from capacity.io.writers import write_folder
from capacity.overview import open_on
from capacity.policy import Policy
from capacity.solver.fingerprint import input_hash
from capacity.solver.placements import with_placements
from capacity.solver.verify import Plan, check_plan, read_plan


@dataclass(frozen=True)
class Applied:
    """What ``apply_plan`` did."""

    moved_in: int
    moved_out: int
    modules: int
    backup: Path
    date: dt.date


def apply_plan(
    registry: Path,
    plan: Path,
    *,
    policy: Path | None = None,
    allow_date: bool = False,
    today: dt.date | None = None,
) -> Applied:
    """Check the plan in ``plan`` and write its placements into ``registry`` (move_in = its date).

    Parameters
    ----------
    registry : the registry the plan was made from (any form ``load_registry`` reads; a symbolic
        link is written through).
    plan : the ``--out`` folder of ``capacity place`` (summary.json, placements.csv, modules.csv).
    policy : the ``--policy`` file the plan was made with, if any (it is part of the hash; the
        registry's own policy is written back unchanged).
    allow_date : accept a plan date outside the registry's dates (``verify.date_span``).
    today : the day the date rule measures from (default: today).

    Raises
    ------
    UserError
        When the plan is missing or wrong, the registry changed since the plan was made, the
        registry is locked by another apply, or a path cannot be written; nothing is written.
    """

    path, plan = target_of(Path(registry)), Path(plan)
    todo = read_plan(plan)
    made: list[Path] = []
    try:
        reg, updated, moved_out, backup = _apply(
            path, registry, plan, todo, (policy, allow_date, today), made
        )
    except BaseException:
        for copy in made:
            _drop_unused(copy, path)
        raise
    _written(path, updated, backup)
    return Applied(
        len(todo.placements) - _stayed(reg, todo.placements, todo.day),
        moved_out,
        int(todo.modules["modules_to_put_up"].sum()),
        backup,
        todo.day,
    )


def _apply(
    path: Path, registry: Path, plan: Path, todo: Plan, options: tuple, made: list[Path]
) -> tuple[Registry, Registry, int, Path]:
    """Check ``todo`` against the registry inside its lock, back it up and write it; the
    backup's path goes into ``made`` before it is written. ``options``: the policy file, whether
    any date is allowed, and today. Returns the registry before and after, the households
    moved out and the backup."""
    policy, allow_date, today = options
    with os_errors(path), locked(path) as target:
        reg = target.registry
        planned = reg if policy is None else reg.with_layers(policy=Policy.load(policy))
        now = input_hash(planned)
        if now != todo.summary["input_hash"]:
            raise UserError(_changed(registry, plan, planned, todo.summary, policy))
        reasons = check_plan(reg, todo, allow_date=allow_date, today=today)
        if reasons:
            lines = "\n".join(f"  - {r}" for r in reasons)
            raise UserError(
                f"planen i {plan} kan ikke skrives i {registry}; intet blev skrevet:\n"
                f"{lines}\nRet planen (eller lav den igen med capacity place)"
            )
        updated, moved_out = with_placements(reg, todo.placements, todo.modules, todo.day)
        updated = target.with_defaults(reg, updated)
        target.check_edits(reg, updated)
        _valid(updated, path)
        backup = _backup_path(path, now)
        made.append(backup)
        target.backup(backup)
        target.write(reg, updated)
    return reg, updated, moved_out, backup


def _changed(
    registry: Path, plan: Path, planned: Registry, summary: dict, policy: Path | None
) -> str:
    """Why the registry (with the ``--policy`` given now) does not hash as the plan's input.

    ``summary.json``'s ``input_hash_covers`` (``fingerprint.input_parts``) tells a changed
    registry from another policy: the plan made with another ``--policy`` file (or without
    one), or the same policy file or the registry's own policy changed since. A plan without it
    (made by an older version) gets the general message, with the ``--policy`` hint."""
    parts = summary.get("input_hash_covers")
    was = str(summary["input_hash"])[:12]
    if not isinstance(parts, dict) or parts.get("registry") != content_hash(planned):
        hint = "" if isinstance(parts, dict) else " (blev planen lavet med --policy, så giv samme)"
        return (
            f"{registry} er ændret, siden planen i {plan} blev lavet (hash "
            f"{input_hash(planned)[:12]} ≠ {was}){hint}; kør capacity place igen, og gennemgå "
            "den nye plan"
        )
    made_with = parts.get("policy_file")
    given = None if policy is None else str(target_of(policy))
    if made_with == given:
        which = f"politikfilen {given}" if given else f"politikken i {registry}"
        return (
            f"{which} er ændret, siden planen i {plan} blev lavet (registrets data er uændret); "
            "kør capacity place igen, og gennemgå den nye plan"
        )
    then = f"--policy {made_with}" if made_with else f"uden --policy, med politikken i {registry}"
    now = f"--policy {given}" if given else "uden --policy"
    return (
        f"planen i {plan} blev lavet med en anden politik ({then}; nu {now}); giv samme "
        "--policy som da planen blev lavet (registrets data er uændret)"
    )


def _drop_unused(backup: Path, path: Path) -> None:
    """After a failed apply: remove ``backup`` (a copy of personal data) when the registry at
    ``path`` reads as the backup does, i.e. nothing was written (a failed write or commit);
    keep it otherwise, or when either cannot be read."""
    try:
        same = registry_hash(load_registry(backup)) == registry_hash(load_registry(path))
    except Exception:
        return
    if same:
        remove_item(backup)


def _valid(updated: Registry, path: Path) -> None:
    """Refuse an updated registry that would not load (written to a temporary folder and read).
    The problems name the registry ``path`` and its layer, not the temporary folder's files, and
    a row by its id, not its line there."""

    with tempfile.TemporaryDirectory(prefix="capacity-apply-") as tmp:
        write_folder(updated, Path(tmp))
        try:
            load_registry(Path(tmp))
        except RegistryError as exc:
            problems = "\n".join(f"  - {_in_registry(p, path)}" for p in exc.errors)
            raise UserError(
                f"planen ville gøre registret ugyldigt; intet blev skrevet:\n{problems}"
            ) from None


def _in_registry(problem: Problem, path: Path) -> Problem:
    """``problem`` of the temporary folder's file, located in the registry at ``path``."""
    layer = Path(problem.source).stem
    row = re.sub(r"\s*\(?linje \d+\)?$", "", problem.row)
    return dataclasses.replace(problem, source=f"{path.name}:{layer}", row=row)


def _written(path: Path, updated: Registry, backup: Path) -> None:
    """After a GeoPackage commit: the registry reads back as planned, else say where the backup is."""
    if path.suffix.lower() != ".gpkg":
        return  # the other forms are read back before the rename

    if registry_hash(load_registry(path)) != registry_hash(updated):
        raise RuntimeError(
            f"{path} læses ikke tilbage som planlagt efter skrivningen; registret, som det var, "
            f"ligger i {backup}. Meld venligst fejlen sammen med planen"
        )


def _stayed(reg: Registry, placements: pd.DataFrame, day: dt.date) -> int:
    occ = reg.occupancy
    living = occ[open_on(occ, day)]
    home = set(zip(living["household_id"], living["unit_id"], strict=True))
    return sum(
        (h, u) in home
        for h, u in zip(placements["household_id"], placements["unit_id"], strict=True)
    )


def _backup_path(registry: Path, digest: str) -> Path:
    """``<name>.backup-<hash>`` beside the registry, or ``<name>.backup-<hash>-<n>`` with the
    first free ``n`` from 2: the hash leaves out what the user stored beside our data (own
    tables, files, sheets), so an earlier backup of the same hash may not hold all of it, and
    every apply writes a backup of its own."""
    stem = f"{registry.stem}.backup-{digest[:12]}"
    path, n = registry.with_name(f"{stem}{registry.suffix}"), 2
    while path.exists() or path.is_symlink():
        path, n = registry.with_name(f"{stem}-{n}{registry.suffix}"), n + 1
    return path
