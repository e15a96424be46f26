"""``place --apply`` into a folder of CSV/GeoJSON: the folder copied beside it, the changed files
edited in their own dialect, read back, swapped in (see ``capacity.io.update``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from capacity import files
from capacity.errors import UserError
from capacity.io.imports import folder_files, sniff_separator
from capacity.io.layers import Registry
from capacity.io.target import Edit, Target, edits


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)


class FolderTarget(Target):
    """A folder: copied beside it, the changed files edited, read back, swapped in."""

    def writable(self) -> None:
        """Refuse a registry file that is a symbolic link: the folder is copied with its links,
        so an edit would go through the link into the file it names, before the swap that makes
        the apply happen, and the backup would hold the link, not the data."""
        linked = sorted(n for n in folder_files() if (self.path / n).is_symlink())
        if linked:
            links = "er et symbolsk link" if len(linked) == 1 else "er symbolske links"
            raise UserError(
                f"{self.path}: {', '.join(linked)} {links}; --apply skriver en ny kopi af "
                "mappen og kan ikke ændre en linket fil sikkert. Intet blev skrevet. Læg selve "
                "filen i mappen i stedet for linket"
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
        raise UserError(f"{file.name}: en ny værdi kan ikke skrives i {encoding} ({exc})") from None


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
