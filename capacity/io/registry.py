"""Load, write and convert the registry in its three forms: GeoPackage, folder, Excel.

``load_registry`` detects the form (a ``.gpkg`` file, an ``.xlsx`` file or a folder of
CSV/GeoJSON files), validates everything and raises ``RegistryError`` listing every problem.
``write_registry`` writes by suffix, atomically. See ``capacity.io.writers`` for the forms on disk
and ``capacity.io.imports`` for what the readers accept (encodings, separators, WGS84 input).
"""

from __future__ import annotations

import contextlib
import sqlite3
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from capacity.errors import Problem, RegistryError, UserError
from capacity.files import atomic_file, atomic_folder, file_lock, sqlite_lock, target_of
from capacity.io.extras import stored
from capacity.io.hashing import registry_hash
from capacity.io.imports import folder_files, layer_files, read_raw
from capacity.io.layers import LAYERS, Registry
from capacity.io.validate import check_raw
from capacity.io.writers import folder_form, write_folder, write_gpkg, write_xlsx
from capacity.io.xlsx_parts import sheet_parts

__all__ = [
    "convert",
    "load_registry",
    "refuse_overwrite",
    "registry_hash",
    "type_notes",
    "write_registry",
]


def load_registry(path: Path, *, policy: Path | None = None) -> Registry:
    """Read and validate a registry in any form.

    Parameters
    ----------
    path : a ``.gpkg`` file, an ``.xlsx`` file or a folder of CSV/GeoJSON files.
    policy : a ``policy.toml`` that overrides the registry's own policy (in a GeoPackage the
        ``policy`` table, in Excel the ``policy`` sheet, in a folder ``policy.toml``; when the
        registry has none, the defaults apply).

    Returns
    -------
    Registry
        Canonical frames in EPSG:25832, ``warnings`` set and ``source`` = ``path``.

    Raises
    ------
    RegistryError
        When any error is found; it lists every problem (errors and warnings), not only the first.
    """
    path = Path(path)
    parsed, chosen, problems = check_raw(read_raw(path), policy)
    if chosen is None or any(p.severity == "error" for p in problems):
        raise RegistryError(problems)
    frames = {name: parsed[name].frame for name in LAYERS if name in parsed}
    return Registry(
        **frames,
        policy=chosen,
        source=path,
        warnings=tuple(p for p in problems if p.severity == "warning"),
        extra_kinds={name: p.extra_kinds for name, p in parsed.items() if p.extra_kinds},
    )


def write_registry(reg: Registry, path: Path) -> None:
    """Write a registry by the destination's suffix: ``.gpkg``, ``.xlsx``, else a folder.

    The registry is written to a temporary file or folder beside ``path`` and renamed into place
    (a folder with an atomic exchange, see ``capacity.files``), so a failure leaves an existing
    ``path`` intact. Files in an existing folder that are not part of a registry are kept; the
    files a folder registry is read from (``imports.folder_files``) are all the new registry's,
    so no layer of an older registry stays beside it (it would be read as part of it); a
    symbolic link is written through and the mode of an existing file or folder is kept. The
    whole registry is rewritten in our form: to change a registry in place, keeping what the user
    stored beside our data, ``place --apply`` uses ``capacity.io.update``.

    Parameters
    ----------
    reg : the registry (valid; it is not validated again).
    path : the destination.

    Raises
    ------
    UserError
        For ``.xlsm``: a workbook written anew has no macros, and Excel will not open one with
        that name that is not macro-enabled.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsm":
        raise UserError(
            f"{path}: en ny arbejdsbog skrives uden makroer, og Excel åbner ikke en .xlsm, der "
            "ikke har dem; giv et navn, der ender på .xlsx"
        )
    if suffix == ".gpkg":
        with _locked(path):
            atomic_file(path, lambda tmp: write_gpkg(reg, tmp))
    elif suffix == ".xlsx":
        with _locked(path):
            atomic_file(path, lambda tmp: write_xlsx(reg, tmp))
    else:
        with _locked(path):
            atomic_folder(path, lambda tmp: write_folder(reg, tmp), replaces=folder_files())


def _locked(path: Path) -> contextlib.AbstractContextManager:
    """The lock an apply takes on an existing registry at ``path`` (``capacity.io.update``), held
    while a whole registry replaces it: a GeoPackage's SQLite write lock, else the lock file
    beside it; none for a new destination."""
    target = target_of(path)
    if not target.exists():
        return contextlib.nullcontext()
    if target.suffix.lower() == ".gpkg" and target.is_file():
        return sqlite_lock(target)
    return file_lock(target)


def refuse_overwrite(path: Path, force: bool) -> None:
    """Refuse to write over an existing file, folder or link at ``path`` unless ``force``.

    Raises
    ------
    UserError
        Naming the path (``convert`` and ``generate`` write whole registries: without ``--force``
        they never replace a registry or a workbook that is already there).
    """
    path = Path(path)
    if not force and (path.exists() or path.is_symlink()):
        kind = "mappe" if path.is_dir() else "fil"
        raise UserError(
            f"{path} findes allerede (en {kind}); vælg et andet mål, eller giv --force for at "
            "overskrive (filer i en mappe, som ikke hører til et register, bevares)"
        )
    if force and target_of(path).is_file():
        lost = beside_registry(target_of(path))
        if lost:
            raise UserError(
                f"{path} rummer mere end et register: {', '.join(lost)}. --force erstatter hele "
                "filen, så det ville gå tabt; flyt det til en anden fil, eller vælg et andet mål"
            )


# what a GeoPackage holds beside its layers that is GDAL's or SQLite's own, not the user's
GPKG_OWN = ("gpkg_", "rtree_", "sqlite_")


def beside_registry(path: Path) -> list[str]:
    """What an existing GeoPackage or workbook at ``path`` holds beside a registry's layers and
    policy, in Danish ("ark Oversigt", "tabel log", "visning v", "makroer"): a whole registry
    written over it (``convert --force``) would lose it. Nothing for another kind of file; for
    one that cannot be read as its suffix says: what it holds is unknown, so it is named as
    such (and kept)."""
    ours = {name.casefold() for name in (*LAYERS, "policy")}
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        try:  # a URI (``#``, ``?``, ``%`` escaped), so that the file is opened read-only
            uri = f"{path.absolute().as_uri()}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
                rows = db.execute(
                    "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')"
                ).fetchall()
        except sqlite3.Error:
            return ["indhold, der ikke kan læses som en GeoPackage"]
        words = {"table": "tabel", "view": "visning"}
        return [
            f"{words[kind]} {name}"
            for kind, name in sorted(rows, key=lambda r: r[1])
            if name.casefold() not in ours and not name.lower().startswith(GPKG_OWN)
        ]
    if suffix in (".xlsx", ".xlsm"):
        try:
            with zipfile.ZipFile(path) as book:
                macros = any(n.lower().endswith("vbaproject.bin") for n in book.namelist())
                names = list(sheet_parts(book))
        except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
            names = []
        if not names:  # every workbook has a sheet
            return ["indhold, der ikke kan læses som en Excel-arbejdsbog"]
        out = [f"ark {n}" for n in names if n.casefold() not in ours]
        return [*out, "makroer"] if macros else out
    return []


def type_notes(reg: Registry, path: Path) -> list[Problem]:
    """A warning for every extra column whose type the destination ``path`` (its form by suffix,
    as ``write_registry`` writes it) cannot keep, saying what it keeps instead (``extras``):
    nothing for a GeoPackage but numbers too large for it; a workbook keeps numbers, booleans
    and dates; a folder's GeoJSON numbers and booleans, its CSV text."""
    path = Path(path)
    suffix = path.suffix.lower()
    notes = []
    for name, frame in reg.layers().items():
        form = FORMS.get(suffix) or folder_form(name)
        csv_name, geojson_name = layer_files(name)
        where = {"csv": csv_name, "json": geojson_name}.get(form, f"{path.name}:{name}")
        for column, kind in reg.extra_kinds.get(name, {}).items():
            note = stored(frame[column].tolist(), kind, form).note if column in frame else None
            if note is not None:
                notes.append(Problem("warning", where, "", column, note))
    return notes


FORMS = {".gpkg": "gpkg", ".xlsx": "xlsx", ".xlsm": "xlsx"}  # by suffix; anything else a folder


def convert(src: Path, dst: Path) -> Registry:
    """Load ``src`` (validated) and write it to ``dst`` in the form its suffix names: every
    value as it was, and every extra column's type where the form holds it (``type_notes``
    names those it does not).

    Returns
    -------
    Registry
        The registry as loaded from ``src``.
    """
    reg = load_registry(Path(src))
    write_registry(reg, Path(dst))
    return reg
