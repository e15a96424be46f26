"""What a ``place --apply`` changes in a registry (``edits``: cells of existing rows, rows
appended), and the locked registry it writes them to (``Target``: backup, checks, read-back), the
same for the three forms; each form's ``Target`` is in ``update_gpkg``, ``update_xlsx`` and
``update_folder``, and ``capacity.io.update`` takes the lock and picks the form."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from capacity import files
from capacity.errors import RegistryError, UserError, os_reason
from capacity.io.hashing import _value, registry_hash
from capacity.io.layers import Registry
from capacity.io.registry import load_registry
from capacity.io.writers import _kinds

EDITED = ("sites", "units", "occupancy", "module_types")  # module_types only where present
# the columns that tell a row of each edited layer from the others, checked before it is changed
ROW_KEYS = {
    "sites": ("id",),
    "units": ("id",),
    "occupancy": ("household_id", "unit_id", "move_in"),
    "module_types": ("id",),
}


@dataclass
class Edit:
    """Changes to one layer: cells of existing rows (by position, as read), the changed rows'
    ``ROW_KEYS`` as read (by the same position), and rows appended."""

    layer: str
    changed: dict[int, dict[str, Any]] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[int, dict[str, Any]] = field(default_factory=dict)


def plain(value: Any, kind: str) -> Any:
    """A frame's value as plain Python: None, date, bool, int, float, tuple or str."""
    if kind == "intlist":
        return tuple(int(a) for a in value) if isinstance(value, tuple | list) else ()
    if _value(value, "str") is None:
        return None
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def edits(old: Registry, new: Registry) -> list[Edit]:
    """What differs between ``old`` and ``new`` in ``EDITED``: ``new`` keeps ``old``'s rows first."""
    out = []
    for name in EDITED:
        before, after = old.layer(name), new.layer(name)
        if before is None or after is None:
            continue  # an optional layer the registry does not have: never written
        kinds = _kinds(name, after)
        edit = Edit(name)
        for i in range(len(after)):
            row = {c: after[c].iat[i] for c in kinds}
            if i >= len(before):
                edit.added.append({c: plain(v, kinds[c]) for c, v in row.items()})
                continue
            diff = {
                c: plain(v, kinds[c])
                for c, v in row.items()
                if _value(v, kinds[c]) != _value(before[c].iat[i], kinds[c])
            }
            if diff:
                edit.changed[i] = diff
                edit.keys[i] = {c: plain(before[c].iat[i], kinds[c]) for c in ROW_KEYS[name]}
        if edit.changed or edit.added:
            out.append(edit)
    return out


class Target:
    """A locked registry in one form; ``backup`` and ``write`` are called inside the lock."""

    registry: Registry

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stamp = self._stamp()

    def _stamp(self) -> list[tuple]:
        items = [self.path] if self.path.is_file() else sorted(self.path.rglob("*"))
        return [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in items if p.is_file()]

    def unchanged_since_lock(self) -> None:
        """Refuse when another program (ignoring the lock) changed the registry meanwhile."""
        if self._stamp() != self.stamp:
            raise UserError(
                f"{self.path} blev ændret af et andet program under --apply; intet blev "
                "skrevet. Kør capacity place igen på registret, som det er nu"
            )

    def backup(self, dst: Path) -> None:
        """Copy the registry to ``dst`` atomically, with the registry's owner, group and permission
        bits (``files.keep_owners``, ``files.copy_mode``: a copy of personal data is for whom the
        registry is for, not for the group of whoever runs the apply, and private where its group
        cannot be kept); the copy is read back and compared with ``registry`` before it is
        renamed to ``dst``.

        Raises
        ------
        UserError
            When the copy cannot be written (a full disk): naming the backup, not the registry
            file it was copied from, and saying that the registry is unchanged.
        """
        try:
            self._backup(dst)
        except (OSError, sqlite3.Error) as exc:
            why = os_reason(exc) if isinstance(exc, OSError) else str(exc)
            raise UserError(
                f"{dst}: sikkerhedskopien kan ikke skrives ({why}); intet blev "
                f"skrevet, og {self.path} er uændret. Skaf plads eller ret mappens rettigheder, "
                "og kør så --apply igen"
            ) from None

    def _backup(self, dst: Path) -> None:
        """The copy ``backup`` makes (each form its own way)."""
        mode = files.copy_mode(self.path)
        if self.path.is_dir():

            def copy_folder(tmp: Path) -> None:
                for item in sorted(self.path.iterdir()):
                    files.copy_item(item, tmp / item.name)
                files.keep_owners(self.path, tmp)
                self._backed_up(tmp)

            files.atomic_folder(dst, copy_folder, mode=mode)
        else:

            def copy_file(tmp: Path) -> None:
                shutil.copy2(self.path, tmp)
                files.keep_owners(self.path, tmp)
                self._backed_up(tmp)

            files.atomic_file(dst, copy_file, mode=mode)

    def _backed_up(self, tmp: Path) -> None:
        """Refuse a backup that does not read back as the registry (nothing is written then)."""
        try:
            same = registry_hash(load_registry(tmp)) == registry_hash(self.registry)
        except RegistryError:
            same = False
        if not same:
            raise UserError(
                f"sikkerhedskopien af {self.path} svarer ikke til registret, når den læses igen; "
                "intet blev skrevet. Tjek disken, og kør så kommandoen igen"
            )

    def writable(self) -> None:
        """Refuse (``UserError``) a registry, loaded and valid, that this form cannot write as
        planned; nothing has been written yet."""

    def check_edits(self, old: Registry, new: Registry) -> None:
        """Refuse (``UserError``) a change from ``old`` to ``new`` that this form cannot write
        as planned; called before the backup, so nothing has been written yet."""

    def with_defaults(self, old: Registry, new: Registry) -> Registry:
        """``new`` with the rows it appends to ``old`` given the defaults the registry's own
        schema sets for the user's columns, where they have no value (only a GeoPackage has
        such defaults)."""
        return new

    def write(self, old: Registry, new: Registry) -> None:
        raise NotImplementedError

    def _read_back(self, tmp: Path, new: Registry) -> None:
        if registry_hash(load_registry(tmp)) != registry_hash(new):
            raise RuntimeError(
                f"det opdaterede register kan ikke læses tilbage som planlagt; {self.path} blev "
                "ikke ændret. Meld venligst fejlen, og send planen med"
            )
