"""Change a registry in place: only the rows that a ``place --apply`` changes, in its own form.

``locked(path)`` takes the registry's lock and returns a ``Target`` for its form; the caller loads
the registry, checks it, and calls ``backup`` and ``write`` inside the lock. ``write`` changes only
the rows of ``occupancy``, ``units``, ``sites`` and (where the registry has the layer)
``module_types`` that differ between the old and the new registry (``edits``; a new module of a
type raises the type's ``modules_now``), and keeps everything else the user stored:

- GeoPackage: one SQLite transaction (``BEGIN IMMEDIATE`` is the lock; a second writer waits
  or is refused); UPDATE and INSERT of the changed rows in place, committed at the end (a user's
  column with a ``DEFAULT`` gets it in the rows added, ``with_defaults``). Other
  tables (QGIS ``layer_styles``, the user's own) and the file itself (mode, links) are untouched.
  SQLite's journal makes the change atomic.
- Excel: a lock file beside the workbook (``fcntl.flock``); the workbook opened with openpyxl in
  normal mode, the cells changed and rows appended, saved to a temporary file beside it, read back
  and compared, then renamed over it. Other sheets, column widths, comments and styles are kept
  (what openpyxl cannot keep: charts, images, pivot tables). Formulas in the registry's sheets are
  refused before anything is written (openpyxl keeps a formula, not the value it is read as);
  formulas on the user's own sheets are kept, and openpyxl marks the workbook to be computed
  again when it is opened (``fullCalcOnLoad``), which gives them their values back.
- Folder: a lock file beside the folder; the folder copied beside it, the changed CSV (or
  GeoJSON) files edited in their own separator, line ends and encoding (unchanged lines byte for
  byte), ``policy.toml`` and other files untouched, read back and compared, then swapped in
  atomically.

The workbook, the folder and the backups are written with ``capacity.files.atomic_file`` and
``atomic_folder``: made beside the target and only then renamed (or exchanged) into place; the
workbook and the folder are read back and compared inside the writer, before that step.

In the Excel and folder forms the files' size and time are taken when the lock is taken and
compared just before the rename: a change by a program that ignores the lock file (a spreadsheet,
an editor) is refused instead of overwritten.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from capacity import files
from capacity.errors import RegistryError, UserError
from capacity.io.excel import POLICY_SHEET, sheet_names
from capacity.io.hashing import _value, registry_hash
from capacity.io.imports import folder_files, sniff_separator
from capacity.io.layers import LAYERS, Registry
from capacity.io.registry import load_registry
from capacity.io.writers import _kinds

EDITED = ("sites", "units", "occupancy", "module_types")  # module_types only where present


@dataclass
class Edit:
    """Changes to one layer: cells of existing rows (by position, as read) and rows appended."""

    layer: str
    changed: dict[int, dict[str, Any]] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)


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
        if edit.changed or edit.added:
            out.append(edit)
    return out


def _sql(conn: sqlite3.Connection, statement: str, params: tuple = ()) -> sqlite3.Cursor:
    """One SQL statement (a seam: tests make it fail at each step)."""
    return conn.execute(statement, params)


def _save_book(book: Any, path: Path) -> None:
    book.save(path)


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)


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
                f"{self.path} was changed by another program during the apply; nothing was "
                "written. Run capacity place again on the registry as it is now"
            )

    def backup(self, dst: Path) -> None:
        """Copy the registry to ``dst`` atomically, with the registry's permission bits; the copy
        is read back and compared with ``registry`` before it is renamed to ``dst``."""
        mode = os.stat(self.path).st_mode & 0o7777
        if self.path.is_dir():

            def copy_folder(tmp: Path) -> None:
                for item in sorted(self.path.iterdir()):
                    files.copy_item(item, tmp / item.name)
                self._backed_up(tmp)

            files.atomic_folder(dst, copy_folder, mode=mode)
        else:

            def copy_file(tmp: Path) -> None:
                shutil.copy2(self.path, tmp)
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
                f"the backup of {self.path} does not read back as the registry; nothing was "
                "written. Check the disk, then run the command again"
            )

    def writable(self) -> None:
        """Refuse (``UserError``) a registry, loaded and valid, that this form cannot write as
        planned; nothing has been written yet."""

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
                f"the updated registry does not read back as planned; {self.path} was not "
                "changed. Please report this with the plan"
            )


@contextlib.contextmanager
def locked(path: Path) -> Iterator[Target]:
    """Lock the registry at ``path`` (resolved), load it, and yield the ``Target`` of its form.

    The registry as loaded inside the lock is ``target.registry``.
    """
    path = files.target_of(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        with _gpkg_transaction(path) as target:
            yield target
        return
    with files.file_lock(path):
        if suffix in (".xlsx", ".xlsm"):
            _not_open_in_excel(path)
            target: Target = XlsxTarget(path)
        else:
            target = FolderTarget(path)
        target.registry = load_registry(path)
        target.writable()
        yield target


# --- GeoPackage ---------------------------------------------------------------------------------


class GpkgTarget(Target):
    """A GeoPackage inside ``BEGIN IMMEDIATE``; ``write`` changes rows, the caller commits."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        super().__init__(path)
        self.conn = conn

    def backup(self, dst: Path) -> None:
        """Copy the GeoPackage to ``dst`` with SQLite's backup (consistent inside our lock)."""

        def copy(tmp: Path) -> None:
            # a URI, so that the file is opened read-only; ``as_uri`` escapes ``#``, ``?``, ``%``
            src = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True)
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)
            finally:
                out.close()
                src.close()
            self._backed_up(tmp)

        files.atomic_file(dst, copy, mode=os.stat(self.path).st_mode & 0o777)

    def with_defaults(self, old: Registry, new: Registry) -> Registry:
        """See ``Target``: a user's column declared with ``DEFAULT`` gets its value (evaluated
        once, by SQLite) in the appended rows, as an INSERT by any other program would; an
        INSERT that names the column with NULL would not (and fails with ``NOT NULL``)."""
        changed = {}
        for name in EDITED:
            before, after = old.layer(name), new.layer(name)
            if before is None or after is None or len(after) <= len(before):
                continue
            ours = set(LAYERS[name].names) | {"geometry"}
            info = _sql(self.conn, f"PRAGMA table_info({_quote(name)})").fetchall()
            frame = after.copy()
            for column in info:
                label, default = str(column[1]).strip().lower(), column[4]  # as the reader names it
                if default is None or label in ours or label not in frame:
                    continue
                value = _sql(self.conn, f"SELECT {default}").fetchone()[0]
                appended = frame.index[len(before) :]
                missing = appended[frame.loc[appended, label].isna()]
                frame.loc[missing, label] = None if value is None else str(value)
            changed[name] = frame
        return new.with_layers(**changed) if changed else new

    def write(self, old: Registry, new: Registry) -> None:
        for edit in edits(old, new):
            self._edit(edit)

    def _edit(self, edit: Edit) -> None:
        table = _quote(edit.layer)
        info = _sql(self.conn, f"PRAGMA table_info({table})").fetchall()
        columns = {str(r[1]).strip().lower(): (str(r[1]), str(r[2]).upper()) for r in info}
        pk = next((str(r[1]) for r in info if r[5] == 1), "rowid")
        needed = {c for row in [*edit.changed.values(), *edit.added] for c in row}
        for c in sorted(needed - set(columns)):
            kind = {"date": "DATETIME", "int": "INTEGER", "bool": "BOOLEAN"}.get(
                LAYERS[edit.layer].column(c).kind if c in LAYERS[edit.layer].names else "", "TEXT"
            )
            _sql(self.conn, f"ALTER TABLE {table} ADD COLUMN {_quote(c)} {kind}")
            columns[c] = (c, kind)
        fids = [r[0] for r in _sql(self.conn, f"SELECT {_quote(pk)} FROM {table} ORDER BY 1")]
        for pos, values in sorted(edit.changed.items()):
            sets = ", ".join(f"{_quote(columns[c][0])} = ?" for c in values)
            params = tuple(_sqlite(v, columns[c][1]) for c, v in values.items())
            _sql(
                self.conn, f"UPDATE {table} SET {sets} WHERE {_quote(pk)} = ?", (*params, fids[pos])
            )
        for row in edit.added:
            names = ", ".join(_quote(columns[c][0]) for c in row)
            marks = ", ".join("?" for _ in row)
            params = tuple(_sqlite(v, columns[c][1]) for c, v in row.items())
            _sql(self.conn, f"INSERT INTO {table} ({names}) VALUES ({marks})", params)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite(value: Any, declared: str) -> Any:
    """A value as GDAL stores it: dates as text (DATE ``Y-m-d``, DATETIME ``Y-m-dT00:00:00``)."""
    if isinstance(value, dt.date):
        return value.isoformat() if declared == "DATE" else f"{value.isoformat()}T00:00:00"
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        return ";".join(str(a) for a in value)
    return value


@contextlib.contextmanager
def _gpkg_transaction(path: Path) -> Iterator[GpkgTarget]:
    """Load the GeoPackage, then ``BEGIN IMMEDIATE`` and make sure nobody committed meanwhile.

    GDAL (which reads the registry) links its own SQLite: were it to read inside our transaction,
    closing its file would drop this process's POSIX locks, i.e. our lock. So the registry is read
    first, and ``PRAGMA data_version`` (which changes whenever another connection commits) taken
    before the read and inside the transaction shows that what was read is what is locked.
    """
    with files.os_errors(path, "cannot open for writing"):
        if not path.is_file():
            raise FileNotFoundError(2, "no such file", str(path))
        conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        _gpkg_functions(conn)
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        registry = load_registry(path)
        try:
            _sql(conn, "BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise UserError(
                f"{path} is locked by another program ({exc}); wait until it has finished "
                "(or stop editing in QGIS), then run the command again"
            ) from None
        _sql(conn, "PRAGMA busy_timeout = 30000")  # the commit waits for readers (QGIS)
        try:
            if conn.execute("PRAGMA data_version").fetchone()[0] != version:
                raise UserError(
                    f"{path} was changed by another program during the apply; nothing was "
                    "written. Run capacity place again on the registry as it is now"
                )
            target = GpkgTarget(path, conn)
            target.registry = registry
            yield target
            _sql(conn, "COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise UserError(
            f"{path}: the GeoPackage cannot be written ({exc}); nothing was changed"
        ) from None
    finally:
        conn.close()


def _gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers name (SQLite needs them to run any UPDATE)."""
    conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for k, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        conn.create_function(name, 1, lambda blob, k=k: _st_bound(blob, k), deterministic=True)


def _st_geometry(blob: bytes | None) -> Any:
    import shapely

    if blob is None or blob[:2] != b"GP":
        return None
    envelope = (0, 32, 48, 48, 64)[(blob[3] >> 1) & 0x07]
    return shapely.from_wkb(bytes(blob[8 + envelope :]))


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    if blob[:2] == b"GP" and blob[3] & 0x10:
        return 1
    geom = _st_geometry(blob)
    return int(geom is None or geom.is_empty)


def _st_bound(blob: bytes | None, k: int) -> float | None:
    geom = _st_geometry(blob)
    return None if geom is None or geom.is_empty else float(geom.bounds[k])


# --- Excel --------------------------------------------------------------------------------------


def _not_open_in_excel(path: Path) -> None:
    for owner in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
        if owner.exists():
            raise UserError(
                f"{path} is open in a spreadsheet program ({owner.name} exists); close it there, "
                "then run the command again"
            )


FORMULAS_SHOWN = 5  # formula cells named in the refusal; the count says how many there are


def _no_formulas(path: Path) -> None:
    """Refuse a workbook whose registry sheets (a layer's or ``policy``) hold formulas.

    The registry is read as the values Excel stored with its formulas; openpyxl, which writes the
    apply, keeps a formula but not its value, so the workbook would no longer read as planned.
    Formulas on the user's own sheets are kept (see the module). Called on a workbook that has
    loaded as a registry, so openpyxl reads it."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path, read_only=True)
    try:
        ours = {*LAYERS, POLICY_SHEET}
        cells = [
            f"{sheet}!{cell.coordinate}"
            for key, sheet in sheet_names(book).items()
            if key in ours
            for row in book[sheet].iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        ]
    finally:
        book.close()
    if cells:
        shown = ", ".join(cells[:FORMULAS_SHOWN]) + (" ..." if len(cells) > FORMULAS_SHOWN else "")
        raise UserError(
            f"{path}: {len(cells)} cell(s) in the registry's sheets hold a formula ({shown}); "
            "the apply can keep a formula but not the value Excel computed, which is what the "
            "registry is read as. Nothing was written. Replace the formulas in those sheets by "
            "their values (copy, paste as values), or keep the registry as a GeoPackage or folder"
        )


class XlsxTarget(Target):
    """A workbook: cells changed with openpyxl, saved beside it, read back, renamed over it."""

    def writable(self) -> None:
        _no_formulas(self.path)

    def write(self, old: Registry, new: Registry) -> None:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm")
        sheets = sheet_names(book)
        for edit in edits(old, new):
            _edit_sheet(book[sheets[edit.layer]], edit)

        def save(tmp: Path) -> None:
            _save_book(book, tmp)
            self._read_back(tmp, new)
            self.unchanged_since_lock()  # the last step before the rename

        files.atomic_file(self.path, save)


def _edit_sheet(sheet: Any, edit: Edit) -> None:
    head = {str(c.value).strip().lower(): c.column for c in sheet[1] if c.value is not None}
    width = max(head.values(), default=0)
    rows = [
        r
        for r in range(2, sheet.max_row + 1)
        if any(not _blank(sheet.cell(row=r, column=c).value) for c in head.values())
    ]
    last = max(
        (r for r in range(1, sheet.max_row + 1) if any(c.value is not None for c in sheet[r])),
        default=1,
    )
    for row in [*edit.changed.values(), *edit.added]:
        for c in row:
            if c not in head:
                width += 1
                head[c] = width
                sheet.cell(row=1, column=width, value=c)
    targets = [(rows[p], values) for p, values in sorted(edit.changed.items())]
    targets += [(last + 1 + k, values) for k, values in enumerate(edit.added)]
    for r, values in targets:
        for c, v in values.items():
            _set_cell(sheet.cell(row=r, column=head[c]), v)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _set_cell(cell: Any, value: Any) -> None:
    if isinstance(value, dt.date):
        cell.value = dt.datetime(value.year, value.month, value.day)
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, tuple):
        cell.value = ";".join(str(a) for a in value)
    else:
        cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula


# --- folder -------------------------------------------------------------------------------------


class FolderTarget(Target):
    """A folder: copied beside it, the changed files edited, read back, swapped in."""

    def writable(self) -> None:
        """Refuse a registry file that is a symbolic link: the folder is copied with its links,
        so an edit would go through the link into the file it names, before the swap that makes
        the apply happen, and the backup would hold the link, not the data."""
        linked = sorted(n for n in folder_files() if (self.path / n).is_symlink())
        if linked:
            raise UserError(
                f"{self.path}: {', '.join(linked)} is a symbolic link; the apply writes a new copy "
                "of the folder and cannot change a linked file safely. Nothing was written. Put "
                "the file itself in the folder instead of the link"
            )

    def write(self, old: Registry, new: Registry) -> None:
        def edit_copy(tmp: Path) -> None:
            for item in sorted(self.path.iterdir()):
                files.copy_item(item, tmp / item.name)
            for edit in edits(old, new):
                csv_file = tmp / f"{edit.layer}.csv"
                if csv_file.is_file():
                    _edit_csv(csv_file, edit)
                else:
                    _edit_geojson(tmp / f"{edit.layer}.geojson", edit)
            self._read_back(tmp, new)
            self.unchanged_since_lock()  # the last step before the swap

        files.atomic_folder(self.path, edit_copy)


def _decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding, as the reader decodes it (UTF-8 with or without BOM, cp1252)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(str(a) for a in value)
    return str(value)


def _edit_csv(file: Path, edit: Edit) -> None:
    """Change cells and append rows, keeping separator, line ends, encoding and other lines."""
    text, encoding = _decode(file.read_bytes())
    lead = text[: len(text) - len(text.lstrip())]
    lines = io.StringIO(text[len(lead) :], newline="").readlines()
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    sep = sniff_separator(lines[0] if lines else ",")
    records, spans = [], []
    reader = csv.reader(iter(lines), delimiter=sep)
    start = 0
    for values in reader:
        records.append(values)
        spans.append((start, reader.line_num))
        start = reader.line_num
    header = [h.strip().lower() for h in records[0]]
    data = [i for i in range(1, len(records)) if any(v.strip() for v in records[i])]
    new_cols = [c for row in [*edit.changed.values(), *edit.added] for c in row if c not in header]
    new_cols = list(dict.fromkeys(new_cols))
    rewrite = {0} if new_cols else set()
    if new_cols:
        records[0] = records[0] + new_cols
        header += new_cols
        for i in data:
            records[i] = records[i] + [""] * (len(header) - len(records[i]))
            rewrite.add(i)
    col = {h: k for k, h in enumerate(header)}
    for pos, values in edit.changed.items():
        i = data[pos]
        for c, v in values.items():
            records[i][col[c]] = _csv_text(v)
        rewrite.add(i)
    out = []
    for i, (a, b) in enumerate(spans):
        out.append(_record(records[i], sep, newline) if i in rewrite else "".join(lines[a:b]))
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += newline
    for values in edit.added:
        out.append(_record([_csv_text(values.get(h)) for h in header], sep, newline))
    try:
        _write_bytes(file, (lead + "".join(out)).encode(encoding))
    except UnicodeEncodeError as exc:
        raise UserError(
            f"{file.name}: a new value cannot be written in {encoding} ({exc})"
        ) from None


def _record(values: list[str], sep: str, newline: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=newline).writerow(values)
    return buf.getvalue()


def _edit_geojson(file: Path, edit: Edit) -> None:
    text, encoding = _decode(file.read_bytes())
    doc = json.loads(text)
    feats = doc["features"]
    for pos, values in edit.changed.items():
        feats[pos].setdefault("properties", {}).update({c: _json(v) for c, v in values.items()})
    for values in edit.added:
        feats.append(
            {
                "type": "Feature",
                "properties": {c: _json(v) for c, v in values.items()},
                "geometry": None,
            }
        )
    _write_bytes(file, json.dumps(doc, ensure_ascii=False).encode(encoding))


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(str(a) for a in value)
    return value
