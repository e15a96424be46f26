"""Change a registry in place: only the rows that a ``place --apply`` changes, in its own form.

``locked(path)`` takes the registry's lock, loads it and returns a ``Target`` for its form
(``capacity.io.target``); the caller checks it, and calls ``backup`` and ``write`` inside the
lock. ``write`` changes only the rows of ``occupancy``, ``units``, ``sites`` and (where the
registry has the layer) ``module_types`` that differ between the old and the new registry
(``target.edits``; a new module of a type raises the type's ``modules_now``), and keeps
everything else the user stored (each form in its own module, ``update_gpkg``, ``update_xlsx``,
``update_folder``):

- GeoPackage: one SQLite transaction (``BEGIN IMMEDIATE`` is the lock; a second writer waits
  or is refused); UPDATE and INSERT of the changed rows in place, read back through the same
  connection and compared before the commit (a user's trigger that changes the registry's
  tables is refused and rolled back), committed at the end (a user's
  column with a ``DEFAULT`` gets it in the rows added, ``with_defaults``). Other
  tables (QGIS ``layer_styles``, the user's own) and the file itself (mode, links) are untouched.
  SQLite's journal makes the change atomic.
- Excel: a lock file beside the workbook (``fcntl.flock``); the workbook opened with openpyxl in
  normal mode, the cells changed and rows appended, saved to a temporary file beside it, read back
  and compared, then renamed over it. Other sheets, column widths, comments and styles are kept
  (pictures and charts too; the shapes, text boxes and form controls openpyxl drops without a
  word, and the extensions and pictures it says it would drop, are refused before anything is
  written, and so is a saved copy that lacks a kind of part the workbook has: threaded
  comments, a sensitivity label, custom XML, ..., ``capacity.io.xlsx_kept``).
  Formulas in the registry's sheets are refused before anything is written (openpyxl keeps a
  formula, not the value it is read as), but for those of an Excel Table's totals row, which is
  not read as records; formulas on the user's own sheets are kept, and
  openpyxl marks the workbook to be computed again when it is opened (``fullCalcOnLoad``),
  which gives them their values back.
- Folder: a lock file beside the folder; a registry file open in a spreadsheet program (its
  ``~$`` or ``.~lock`` file beside it) is refused, as the workbook is, since saving it there
  afterwards would undo the apply; the folder copied beside it, the changed CSV (or
  GeoJSON) files edited in their own separator, line ends and encoding (unchanged lines byte for
  byte), ``policy.toml`` and other files untouched, read back and compared, then swapped in
  atomically.

The workbook, the folder and the backups are written with ``capacity.files.atomic_file`` and
``atomic_folder``: made beside the target and only then renamed (or exchanged) into place; the
workbook and the folder are read back and compared inside the writer, before that step. The
temporary copies that a run killed before that step left beside the registry (personal data) are
removed once the lock is held (``files.leftovers``).

In the Excel and folder forms the files' size and time are taken when the lock is taken and
compared just before the rename: a change by a program that ignores the lock file (a spreadsheet,
an editor) is refused instead of overwritten.
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Iterator
from pathlib import Path

from capacity import files
from capacity.errors import UserError
from capacity.io.imports import folder_files
from capacity.io.registry import load_registry
from capacity.io.target import Target
from capacity.io.update_folder import FolderTarget
from capacity.io.update_gpkg import gpkg_transaction
from capacity.io.update_xlsx import XlsxTarget, not_open_in_excel


@contextlib.contextmanager
def locked(path: Path) -> Iterator[Target]:
    """Lock the registry at ``path`` (resolved), load it, and yield the ``Target`` of its form.

    The registry as loaded inside the lock is ``target.registry``.
    """
    path = files.target_of(path)
    _not_read_only(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        with gpkg_transaction(path) as target:
            _clear_leftovers(path)
            yield target
        return
    with files.file_lock(path):
        _clear_leftovers(path)
        if suffix in (".xlsx", ".xlsm"):
            not_open_in_excel(path)
            target: Target = XlsxTarget(path)
        else:
            for name in folder_files():  # a CSV saved from Excel afterwards would undo the apply
                not_open_in_excel(path / name)
            target = FolderTarget(path)
        target.registry = load_registry(path)
        target.writable()
        yield target


def _not_read_only(path: Path) -> None:
    """Refuse a registry its owner marked read-only (no write permission for the owner, on the
    file or folder or on a registry file in the folder): a folder or workbook is replaced as a
    whole, which the mark would not stop, and the copy swapped out could not be removed."""
    marked = [path, *(path / n for n in folder_files())] if path.is_dir() else [path]
    with files.os_errors(path):
        shut = [p for p in marked if p.exists() and not p.stat().st_mode & stat.S_IWUSR]
    if shut:
        raise UserError(
            f"{shut[0]} er skrivebeskyttet; intet blev skrevet. Fjern skrivebeskyttelsen (fx "
            f"chmod u+w), hvis registret skal ændres"
        )


def _clear_leftovers(path: Path) -> None:
    """Remove the temporary copies of the registry and its backups that a killed run left beside
    it (``files.leftovers``: copies with personal data, which nobody else writes while the lock
    is held)."""
    with files.os_errors(path.parent, "kan ikke fjerne en efterladt midlertidig kopi"):
        for item in files.leftovers(path):
            files.remove_item(item)
