"""``place --apply`` into a GeoPackage: the changed rows written in place with SQL inside one
``BEGIN IMMEDIATE`` transaction, which is also the lock (see ``capacity.io.update``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import shapely

from capacity import files
from capacity.errors import UserError
from capacity.io.extras import extra_text
from capacity.io.layers import LAYERS, Registry
from capacity.io.registry import load_registry
from capacity.io.target import EDITED, Edit, Target, edits

# the triggers GDAL and the GeoPackage standard keep (row counts, spatial index): not the user's
GDAL_TRIGGERS = (
    "trigger_insert_feature_count_",
    "trigger_delete_feature_count_",
    "rtree_",
    "gpkg_",
)


def _sql(conn: sqlite3.Connection, statement: str, params: tuple = ()) -> sqlite3.Cursor:
    """One SQL statement (a seam: tests make it fail at each step)."""
    return conn.execute(statement, params)


class GpkgTarget(Target):
    """A GeoPackage inside ``BEGIN IMMEDIATE``; ``write`` changes rows, the caller commits."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        super().__init__(path)
        self.conn = conn

    def _backup(self, dst: Path) -> None:
        """Copy the GeoPackage to ``dst`` with SQLite's backup (consistent inside our lock), with
        the registry's permission bits, owner and group (see ``Target.backup``)."""

        def copy(tmp: Path) -> None:
            # a URI, so that the file is opened read-only; ``as_uri`` escapes ``#``, ``?``, ``%``
            src = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True)
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)
            finally:
                out.close()
                src.close()
            files.keep_owners(self.path, tmp)
            self._backed_up(tmp)

        files.atomic_file(dst, copy, mode=files.copy_mode(self.path))

    def with_defaults(self, old: Registry, new: Registry) -> Registry:
        """See ``Target``: a user's column declared with ``DEFAULT`` gets its value (evaluated
        once, by SQLite) in the appended rows, as an INSERT by any other program would; an
        INSERT that names the column with NULL would not (and fails with ``NOT NULL``). The
        value is the text the column reads back as (``extras.extra_text``: ``2`` for a
        default of ``2.0``), which the read-back after the commit compares."""
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
                frame.loc[missing, label] = extra_text(value)
            changed[name] = frame
        return new.with_layers(**changed) if changed else new

    def write(self, old: Registry, new: Registry) -> None:
        """Write the changed rows, then read the registry's tables back through the same
        connection, still inside the transaction: a trigger (or another rule of the database)
        that changed what was written, or any other row of them, is refused before the commit
        (``_as_written``), so the transaction is rolled back and the registry stays as it was.
        A trigger that writes only to tables of the user's own is left to do so."""
        before = self._tables()
        written: dict[str, dict[int, dict[str, Any]]] = {}
        for edit in edits(old, new):
            written[edit.layer.lower()] = self._edit(edit)
        self._as_written(before, written)

    def _tables(self) -> dict[str, dict[int, dict[str, Any]]]:
        """Every row of the registry's tables (its layers and ``policy``), by lower-case table
        name and rowid, as SQLite holds them."""
        names = [
            r[0]
            for r in _sql(self.conn, "SELECT name FROM sqlite_master WHERE type = 'table'")
            if str(r[0]).lower() in {*LAYERS, "policy"}
        ]
        out = {}
        for name in names:
            cursor = _sql(self.conn, f"SELECT rowid AS _rowid_, * FROM {_quote(name)}")
            columns = [d[0] for d in cursor.description]
            out[name.lower()] = {r[0]: dict(zip(columns[1:], r[1:], strict=True)) for r in cursor}
        return out

    def _as_written(
        self, before: dict[str, dict[int, dict[str, Any]]], written: dict[str, dict[int, dict]]
    ) -> None:
        """Refuse when a registry table does not read back as its rows ``before`` with the
        cells ``written`` (rowid -> column -> value as given to SQLite) put in."""
        after = self._tables()
        for table in sorted(set(before) | set(after)):
            rows, now = before.get(table, {}), after.get(table, {})
            cells = written.get(table, {})
            for rowid in sorted(set(rows) | set(now) | set(cells)):
                wrong = _differs(rows.get(rowid), cells.get(rowid), now.get(rowid))
                if wrong:
                    self._changed_by_database(table, rowid, wrong, set(written))

    def _changed_by_database(self, table: str, rowid: int, wrong: str, written: set[str]) -> None:
        """Refuse: ``table``'s row ``rowid`` is not as written (``wrong`` says how), naming the
        user's triggers on that table and on the tables ``written`` (one of them fired)."""
        tables = sorted({table, *written})
        marks = ", ".join("?" for _ in tables)
        triggers = [
            f"{r[0]} på {r[1]}"
            for r in _sql(
                self.conn,
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND "
                f"lower(tbl_name) IN ({marks}) ORDER BY tbl_name, name",
                tuple(tables),
            )
            if not str(r[0]).lower().startswith(GDAL_TRIGGERS)
        ]
        named = f" (trigger: {', '.join(triggers)})" if triggers else ""
        raise UserError(
            f"{self.path}: en trigger eller en anden regel i databasen ændrede tabellen {table}, "
            f"da planen blev skrevet{named}: rækken med rowid {rowid}, {wrong}. Intet blev "
            "skrevet; registret er uændret. Fjern eller ret triggeren (den ændrer data efter "
            "tjekket af planen), og kør --apply igen"
        )

    def _edit(self, edit: Edit) -> dict[int, dict[str, Any]]:
        """Write ``edit``; returns the cells written by rowid (an added row: every column
        named), as given to SQLite."""
        table = _quote(edit.layer)
        info = _sql(self.conn, f"PRAGMA table_info({table})").fetchall()
        columns = {str(r[1]).strip().lower(): (str(r[1]), str(r[2]).upper()) for r in info}
        needed = {c for row in [*edit.changed.values(), *edit.added] for c in row}
        for c in sorted(needed - set(columns)):
            kind = {"date": "DATETIME", "int": "INTEGER", "bool": "BOOLEAN"}.get(
                LAYERS[edit.layer].column(c).kind if c in LAYERS[edit.layer].names else "", "TEXT"
            )
            _sql(self.conn, f"ALTER TABLE {table} ADD COLUMN {_quote(c)} {kind}")
            columns[c] = (c, kind)
        rowids = self._rowids(edit, table, columns)
        written = {}
        for pos, values in sorted(edit.changed.items()):
            sets = ", ".join(f"{_quote(columns[c][0])} = ?" for c in values)
            params = tuple(_sqlite(v, columns[c][1]) for c, v in values.items())
            _sql(self.conn, f"UPDATE {table} SET {sets} WHERE rowid = ?", (*params, rowids[pos]))
            written[rowids[pos]] = {columns[c][0]: p for c, p in zip(values, params, strict=True)}
        for row in edit.added:
            names = ", ".join(_quote(columns[c][0]) for c in row)
            marks = ", ".join("?" for _ in row)
            params = tuple(_sqlite(v, columns[c][1]) for c, v in row.items())
            cursor = _sql(self.conn, f"INSERT INTO {table} ({names}) VALUES ({marks})", params)
            written[cursor.lastrowid] = {columns[c][0]: p for c, p in zip(row, params, strict=True)}
        if edit.added:
            _count_rows(self.conn, edit.layer)
        return written

    def _rowids(self, edit: Edit, table: str, columns: dict[str, tuple[str, str]]) -> list[int]:
        """The rowid of every row in the order GDAL read them (a table scan: rowid order, whatever
        the table's primary key; GDAL reads no WITHOUT ROWID table), each changed row checked to
        be the one read (its ``edit.keys``): a row found elsewhere is refused inside the
        transaction, so nothing is written."""
        rowids = [r[0] for r in _sql(self.conn, f"SELECT rowid FROM {table} ORDER BY rowid")]
        for pos, keys in sorted(edit.keys.items()):
            names = ", ".join(_quote(columns[c][0]) for c in keys)
            found = (
                _sql(
                    self.conn, f"SELECT {names} FROM {table} WHERE rowid = ?", (rowids[pos],)
                ).fetchone()
                if pos < len(rowids)
                else None
            )
            if found is None or not all(map(_same, found, keys.values())):
                raise UserError(
                    f"{self.path}: række {pos + 1} i tabellen {edit.layer} er ikke den, der blev "
                    f"læst ({', '.join(map(str, keys.values()))}); intet blev skrevet. Kør "
                    "`capacity validate` og prøv igen, eller meld fejlen."
                )
        return rowids


def _count_rows(conn: sqlite3.Connection, layer: str) -> None:
    """Set the table's row count in ``gpkg_ogr_contents``, where the GeoPackage keeps one: GDAL
    reads that many rows and no more, and its triggers, which keep the count, may be gone (a
    table recreated by another tool); with them the count is already right."""
    has = _sql(
        conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'"
    ).fetchone()
    if has:
        _sql(
            conn,
            "UPDATE gpkg_ogr_contents SET feature_count = "
            f"(SELECT count(*) FROM {_quote(layer)}) WHERE lower(table_name) = lower(?)",
            (layer,),
        )


def _differs(
    before: dict[str, Any] | None, cells: dict[str, Any] | None, after: dict[str, Any] | None
) -> str:
    """How a row read back (``after``) differs from the row ``before`` with the ``cells``
    written put in (a row added: only its ``cells``, the table's key aside); empty when it
    does not."""
    if after is None:
        return "rækken er væk" if before is not None or cells is not None else ""
    if before is None and cells is None:
        return "en række, som planen ikke skrev, er kommet til"
    expected = {**(before or {}), **(cells or {})}
    for column in expected if before is not None else cells or {}:
        stored, meant = after.get(column), expected[column]
        if not _stored(stored, meant):
            return f"kolonne {column} er {_shown(stored)}, men der blev skrevet {_shown(meant)}"
    return ""


def _shown(value: Any) -> str:
    return "ingen værdi (NULL)" if value is None else repr(value)


def _stored(stored: Any, given: Any) -> bool:
    """Whether SQLite holds ``given`` as ``stored`` (its type affinity may turn 2 into 2.0 or
    '2', a whole float into an integer)."""
    if stored is None or given is None:
        return stored is None and given is None
    return stored == given or str(stored) == str(given) or _same(stored, given)


def _same(stored: Any, read: Any) -> bool:
    """A cell as SQLite holds it is the value read from it (a date in either of GDAL's forms, a
    whole number stored as a float)."""
    if isinstance(read, dt.date):
        return str(stored)[:10] == read.isoformat()
    if isinstance(stored, float) and stored.is_integer():
        stored = int(stored)
    return str(stored) == str(read)


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
def gpkg_transaction(path: Path) -> Iterator[GpkgTarget]:
    """Load the GeoPackage, then ``BEGIN IMMEDIATE`` and make sure nobody committed meanwhile.

    GDAL (which reads the registry) links its own SQLite: were it to read inside our transaction,
    closing its file would drop this process's POSIX locks, i.e. our lock. So the registry is read
    first, and ``PRAGMA data_version`` (which changes whenever another connection commits) taken
    before the read and inside the transaction shows that what was read is what is locked. A file
    put in the registry's place meanwhile (``convert --force``, a copy) is seen by its identity
    (device, inode), inside the transaction and before the commit: the transaction would change
    the file that was replaced.
    """
    with files.os_errors(path, "kan ikke åbnes til skrivning"):
        if not path.is_file():
            raise FileNotFoundError(2, "filen findes ikke", str(path))
        conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
        opened = _identity(path)
    try:
        _gpkg_functions(conn)
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        registry = load_registry(path)
        try:
            _sql(conn, "BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise UserError(
                f"{path} er låst af et andet program ({exc}); vent, til det er færdigt "
                "(eller stop redigeringen i QGIS), og kør så kommandoen igen"
            ) from None
        _sql(conn, "PRAGMA busy_timeout = 30000")  # the commit waits for readers (QGIS)
        try:
            if conn.execute("PRAGMA data_version").fetchone()[0] != version:
                raise UserError(
                    f"{path} blev ændret af et andet program under --apply; intet blev "
                    "skrevet. Kør capacity place igen på registret, som det er nu"
                )
            _not_replaced(path, opened)
            target = GpkgTarget(path, conn)
            target.registry = registry
            yield target
            _not_replaced(path, opened)
            _sql(conn, "COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise UserError(
            f"{path}: GeoPackage-filen kan ikke skrives ({exc}); intet blev ændret"
        ) from None
    finally:
        conn.close()


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _not_replaced(path: Path, opened: tuple[int, int]) -> None:
    """Refuse when another file now stands at ``path`` than the one opened (``_identity``)."""
    with files.os_errors(path, "kan ikke læses"):
        now = _identity(path)
    if now != opened:
        raise UserError(
            f"{path} blev erstattet af en anden fil under --apply; intet blev skrevet. Kør "
            "capacity place igen på registret, som det er nu"
        )


def _gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers name (SQLite needs them to run any UPDATE)."""
    conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for k, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        conn.create_function(name, 1, lambda blob, k=k: _st_bound(blob, k), deterministic=True)


def _st_geometry(blob: bytes | None) -> Any:
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
