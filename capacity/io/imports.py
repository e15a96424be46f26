"""Read a registry's raw tables from disk: a folder of CSV/GeoJSON or a GeoPackage (Excel: excel.py).

The readers here only get the values off the disk; they do not judge them. Each layer comes back
as a ``RawLayer``: its values as read (strings from CSV, native values from GeoPackage and Excel),
the line, sheet row or feature number of every row, and a geometry where the form carries one.
``capacity.io.validate`` turns raw layers into canonical frames and reports every problem.

Encodings and separators (folder form): a CSV file is read as UTF-8 (with or without a BOM) and,
failing that, as cp1252 (what Danish Excel exports); the separator is ``,``, ``;`` or a tab, as the
header line shows. A ``;``-separated file is taken to use decimal commas (``12,5``).

GeoJSON: a file without a ``crs`` member is WGS84 (RFC 7946); one with a ``crs`` member (the legacy
GeoJSON 2008 form, which GDAL and QGIS read) is read in that CRS. ``capacity`` writes its own
GeoJSON in EPSG:25832 with a ``crs`` member so that a round trip is exact to the last bit.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from capacity.errors import os_reason
from capacity.io.excel import cell_kinds, read_xlsx
from capacity.io.extras import gpkg_kinds
from capacity.io.layers import LAYERS, WGS84
from capacity.io.raw import RawLayer, RawRegistry, clean_header

SQLITE_MAGIC = b"SQLite format 3\x00"


def read_raw(path: Path) -> RawRegistry:
    """Read every layer of a registry in any form, never raising for bad input."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    suffix = path.suffix.lower()
    form = {".gpkg": "gpkg", ".xlsx": "xlsx", ".xlsm": "xlsx"}.get(suffix, "folder")
    raw = RawRegistry(form, path)
    if not path.exists():
        raw.error(
            str(path),
            "filen eller mappen findes ikke; giv en .gpkg-fil, en .xlsx-fil eller en "
            "mappe med CSV/GeoJSON-filer",
        )
    elif not path.is_file():  # a FIFO would block the reader for ever, a device read for ever
        raw.error(
            str(path),
            "ikke en almindelig fil (en pipe, en enhed eller en socket); giv en .gpkg-fil, en "
            ".xlsx-fil eller en mappe med CSV/GeoJSON-filer",
        )
    elif suffix == ".gpkg":
        return read_gpkg(path)
    elif form == "xlsx":
        return read_xlsx(path)
    else:
        raw.error(
            path.name,
            f"ukendt registerformat '{suffix}'; giv en .gpkg-fil, en .xlsx-fil "
            "eller mappen med CSV/GeoJSON-filerne",
        )
    return raw


# --- folder of CSV and GeoJSON ------------------------------------------------------------------


POLICY_FILE = "policy.toml"


def layer_files(name: str) -> tuple[str, str]:
    """The two names a folder registry may hold the layer ``name`` under, the first read first."""
    return f"{name}.csv", f"{name}.geojson"


def folder_files() -> tuple[str, ...]:
    """Every file name ``read_folder`` reads: both of each layer's, and ``policy.toml``. A folder
    written as a whole registry holds none of these from before (``io.registry.write_registry``)."""
    return (*(f for name in LAYERS for f in layer_files(name)), POLICY_FILE)


def read_folder(path: Path) -> RawRegistry:
    """Read ``<layer>.csv`` or ``<layer>.geojson`` for every layer, and ``policy.toml``."""
    raw = RawRegistry("folder", path)
    for name, layer in LAYERS.items():
        csv_file, geojson_file = (path / f for f in layer_files(name))
        if csv_file.is_file():
            found = read_csv(csv_file, name, raw)
        elif geojson_file.is_file():
            found = read_geojson(geojson_file, name, raw)
        else:
            if not layer.optional:
                wanted = f"{name}.geojson" if layer.geometry == "Polygon" else f"{name}.csv"
                raw.error(
                    wanted,
                    f"filen mangler; læg {wanted} i {path.name}/ (laget '{name}' er påkrævet)",
                )
            continue
        if found is not None:
            raw.layers[name] = found
    policy = path / POLICY_FILE
    if policy.is_file():
        raw.policy_text = _text(policy, raw)
    return raw


def _text(path: Path, raw: RawRegistry) -> str | None:
    """A text file's contents: UTF-8 (BOM or not), else cp1252; ``None`` with a problem if binary."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raw.error(path.name, f"kan ikke læses ({os_reason(exc)}); tjek filens rettigheder")
        return None
    if b"\x00" in data[:4096]:
        raw.error(path.name, "binær fil, ikke tekst; gem den som CSV (UTF-8) eller GeoJSON")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raw.error(path.name, "teksten er hverken UTF-8 eller cp1252; gem filen som UTF-8")
        return None


def sniff_separator(header: str) -> str:
    """The separator of a CSV header line: the most frequent of ``,``, ``;`` and tab."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def read_csv(path: Path, name: str, raw: RawRegistry) -> RawLayer | None:
    """Read one CSV file as strings, keeping each record's line number (the header is line 1).

    A large, regular file (one record per line, every record with the header's number of fields)
    is read by pandas' columnar C reader (``read_csv_columnar``); anything else, and any file that
    reader does not read exactly as Python's ``csv`` module would, is read record by record with
    the ``csv`` module, which names the line of each problem.
    """
    text = _text(path, raw)
    if text is None:
        return None
    if not text.strip():
        raw.error(
            path.name, "tom fil; skriv en overskriftslinje med kolonnenavnene og én linje pr. række"
        )
        return None
    text = text.lstrip()
    sep = sniff_separator(text.splitlines()[0])
    decimal = "," if sep == ";" else "."
    if len(text) >= COLUMNAR_MIN_CHARS:
        fast = read_csv_columnar(text, sep)
        if fast is not None and len(fast[0]) == len([h for h in fast[0] if h.strip()]):
            header = clean_header(fast[0], path.name, raw)
            if header is None:
                return None
            data = fast[1].set_axis(header, axis=1)
            return RawLayer(name, path.name, data, fast[2], "line", None, decimal)
    return _read_csv_records(text, sep, path.name, name, raw, decimal)


# Files shorter than this are read record by record (the columnar reader's set-up costs more).
COLUMNAR_MIN_CHARS = 1_000_000


def read_csv_columnar(text: str, sep: str) -> tuple[list[str], pd.DataFrame, list[int]] | None:
    """Read a regular CSV text with pandas' C reader: its header, its rows (strings, index 0..n-1)
    and each row's line number; ``None`` when the text is not regular.

    Regular: line ends are ``\n`` or ``\r\n`` (no lone ``\r``), no line end inside quotes (each
    record is one line), and every non-empty line has the header's number of fields. Rows whose
    values are all blank are left out, as the record reader leaves them out. ``None`` means "read
    it record by record"; it is never an error.
    """
    import numpy as np

    if text.count("\r") != text.count("\r\n"):
        return None
    raw_bytes = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    newlines = np.flatnonzero(raw_bytes == 10)
    quotes = np.flatnonzero(raw_bytes == 34)
    if len(quotes) and not _plain_quotes(raw_bytes, quotes, newlines, ord(sep)):
        return None
    ends = np.append(newlines, len(raw_bytes))
    starts = np.insert(newlines + 1, 0, 0)
    lengths = ends - starts
    crlf = (lengths > 0) & (raw_bytes[np.maximum(ends - 1, 0)] == 13)
    lengths = lengths - crlf
    header_line = text[: int(ends[0] - crlf[0])]
    header = next(csv.reader([header_line], delimiter=sep))
    lines = np.flatnonzero(lengths[1:] > 0) + 2  # 1-based numbers of non-empty lines after it
    seps = np.flatnonzero(raw_bytes == ord(sep))
    if len(quotes):
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]  # those outside quotes
    fields = np.bincount(np.searchsorted(newlines, seps), minlength=len(starts)) + 1
    if (fields[lines - 1] != len(header)).any():
        return None  # a line with too few or too many fields: the record reader names it
    try:
        data = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            skiprows=1,
            names=list(range(len(header))),
            index_col=False,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            quotechar='"',
            doublequote=True,
            engine="c",
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, ValueError):
        return None
    if len(data) != len(lines):
        return None  # lines counted differently
    # A blank row's line starts with a blank, a separator or a quote: only those are looked at.
    first = raw_bytes[starts[lines - 1]]
    blank = np.isin(first, (32, 9, 13, 34, ord(sep)))
    if blank.any():
        rows = data.loc[blank].apply(lambda col: col.str.strip() == "").all(axis=1)
        blank[blank] = rows.to_numpy()
    data = data[~blank].reset_index(drop=True)
    return header, data, lines[~blank].tolist()


def _plain_quotes(data: Any, quotes: Any, newlines: Any, sep: int) -> bool:
    """True when every quote opens a field, closes it or is doubled inside it, and no line end is
    inside quotes: then a quote's place in the file (even or odd) tells whether it is inside."""
    import numpy as np

    if (np.searchsorted(quotes, newlines) % 2).any():
        return False  # a line end inside quotes: a record spans lines
    pos = np.arange(len(quotes))
    before = np.where(quotes > 0, data[np.maximum(quotes - 1, 0)], 10)
    after = np.where(quotes < len(data) - 1, data[np.minimum(quotes + 1, len(data) - 1)], 10)
    follows_quote = np.insert(quotes[1:] == quotes[:-1] + 1, 0, False)
    precedes_quote = np.append(quotes[:-1] + 1 == quotes[1:], False)
    opening = (pos % 2 == 0) & ~(np.isin(before, (sep, 10)) | follows_quote)
    closing = (pos % 2 == 1) & ~(np.isin(after, (sep, 10, 13)) | precedes_quote)
    return not (opening.any() or closing.any())


def _read_csv_records(
    text: str, sep: str, source: str, name: str, raw: RawRegistry, decimal: str
) -> RawLayer | None:
    """Read a CSV text record by record with the ``csv`` module (exact line numbers)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raw.error(
            source,
            f"kan ikke læses som CSV ({exc}); tjek anførselstegnene",
            row=f"linje {reader.line_num}",
        )
        return None
    header = clean_header([h for h in records[0][1]], source, raw)
    if header is None:
        return None
    rows, numbers = [], []
    for line, values in records[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raw.error(
                source,
                f"{len(values)} felter, men overskriften har {len(header)}; tjek "
                f"skilletegnet ('{sep}'), og sæt anførselstegn om værdier, der indeholder det",
                row=f"linje {line}",
            )
            continue
        rows.append(values)
        numbers.append(line)
    data = (
        pd.DataFrame(rows, columns=header, dtype=object)
        if rows
        else pd.DataFrame({h: pd.Series([], dtype=object) for h in header})
    )
    return RawLayer(name, source, data, numbers, "line", None, decimal)


def read_geojson(path: Path, name: str, raw: RawRegistry) -> RawLayer | None:
    """Read a GeoJSON FeatureCollection; its CRS is the ``crs`` member or WGS84."""
    text = _text(path, raw)
    if text is None:
        return None
    if not text.strip():
        raw.error(path.name, "tom fil; skriv en GeoJSON FeatureCollection")
        return None
    try:
        doc = json.loads(text)
        features = doc["features"] if doc.get("type") == "FeatureCollection" else None
        if not isinstance(features, list):
            raise ValueError("ikke en FeatureCollection")
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raw.error(
            path.name,
            f"ikke en GeoJSON FeatureCollection ({exc}); eksportér laget som GeoJSON fra QGIS",
        )
        return None
    crs = _geojson_crs(doc, path.name, raw)
    if crs is None:
        return None
    props, geoms, numbers = [], [], []
    for number, feature in enumerate(features, start=1):
        try:
            geom = feature.get("geometry")
            geoms.append(shapely.geometry.shape(geom) if geom else None)
            props.append(dict(feature.get("properties") or {}))
        except (AttributeError, TypeError, ValueError, KeyError, shapely.errors.ShapelyError):
            raw.error(
                path.name,
                "ikke et gyldigt GeoJSON-objekt (feature); ret dets geometry eller properties",
                row=f"objekt {number}",
            )
            continue
        numbers.append(number)
    keys = list(dict.fromkeys(k for p in props for k in p))
    header = clean_header(keys, path.name, raw) if keys else []
    if header is None:
        return None
    data = pd.DataFrame(
        [[p.get(k) for k in keys] for p in props],
        columns=header,
        dtype=object,
        index=pd.RangeIndex(len(props)),
    )
    geometry = gpd.GeoSeries(geoms, crs=crs)
    kinds = cell_kinds(name, data)
    return RawLayer(name, path.name, data, numbers, "feature", geometry, kinds=kinds)


def _geojson_crs(doc: dict, source: str, raw: RawRegistry) -> str | None:
    member = doc.get("crs")
    if member is None:
        return WGS84
    try:
        from pyproj import CRS

        return CRS.from_user_input(member["properties"]["name"]).to_string()
    except Exception:  # noqa: BLE001 - any failure means the CRS is unknown
        raw.error(source, f"ukendt CRS {member!r}; skriv EPSG:25832 eller WGS84 (intet crs-felt)")
        return None


# --- GeoPackage ---------------------------------------------------------------------------------


def read_gpkg(path: Path) -> RawRegistry:
    """Read every layer of a GeoPackage with pyogrio; the policy is the ``policy`` table.

    GDAL's warnings (e.g. about a damaged header) are silenced: what matters is reported as
    problems when a layer cannot be read.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _read_gpkg(path)


def _read_gpkg(path: Path) -> RawRegistry:
    import pyogrio

    raw = RawRegistry("gpkg", path, policy_source=f"{path.name}:policy")
    try:
        with path.open("rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        raw.error(path.name, f"kan ikke læses ({os_reason(exc)}); tjek filens rettigheder")
        return raw
    if magic != SQLITE_MAGIC:
        raw.error(
            path.name,
            "ikke en GeoPackage (en SQLite-fil); eksportér registret som "
            "GeoPackage fra QGIS eller med 'capacity convert'",
        )
        return raw
    try:
        present = {str(n) for n, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # noqa: BLE001 - GDAL raises several kinds for a broken file
        raw.error(path.name, f"kan ikke åbnes som GeoPackage ({exc}); tjek filen")
        return raw
    for name, layer in LAYERS.items():
        if name not in present:
            if not layer.optional:
                raw.error(f"{path.name}:{name}", f"laget mangler; tilføj laget '{name}'")
            continue
        found = _gpkg_layer(path, name, raw)
        if found is not None:
            raw.layers[name] = found
    if "policy" in present:
        raw.policy_text = _gpkg_policy(path, raw)
    return raw


def _gpkg_layer(path: Path, name: str, raw: RawRegistry) -> RawLayer | None:
    import pyogrio

    source = f"{path.name}:{name}"
    try:
        df = pyogrio.read_dataframe(path, layer=name, fid_as_index=True)
    except Exception as exc:  # noqa: BLE001
        raw.error(source, f"kan ikke læses ({exc}); tjek laget i QGIS")
        return None
    geometry = None
    if isinstance(df, gpd.GeoDataFrame):
        geometry = df.geometry.reset_index(drop=True)
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
    stored = _stored_rows(path, name)
    if stored is not None and stored != len(df):
        raw.error(
            source,
            f"tabellen har {stored} rækker, men GeoPackage-filens egen optælling "
            f"(gpkg_ogr_contents) siger {len(df)}, så kun de {len(df)} kan læses; et andet "
            "program har ændret tabellen uden at rette optællingen. Ret den (i SQLite: UPDATE "
            f"gpkg_ogr_contents SET feature_count = NULL WHERE table_name = '{name}'), så "
            "tæller GDAL rækkerne selv",
        )
        return None
    header = clean_header(list(df.columns), source, raw)
    if header is None:
        return None
    numbers = [int(i) for i in df.index]
    data = pd.DataFrame(df.astype(object).to_numpy(), columns=header, dtype=object)
    try:  # the fields' types; none (all text) when GDAL cannot say, as the layer was read
        info = pyogrio.read_info(path, layer=name)
        kinds = gpkg_kinds(info["fields"], info["ogr_types"], info["ogr_subtypes"])
    except Exception:  # noqa: BLE001 - GDAL raises several kinds
        kinds = {}
    return RawLayer(name, source, data, numbers, "feature", geometry, kinds=kinds)


def _stored_rows(path: Path, name: str) -> int | None:
    """The rows of the GeoPackage's table ``name`` as SQLite counts them (read-only), or None
    when SQLite cannot tell. GDAL reads as many rows as the file's ``gpkg_ogr_contents`` says,
    and that count can be stale, so the rows read are held against this one."""
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return int(
            conn.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[
                0
            ]
        )
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _gpkg_policy(path: Path, raw: RawRegistry) -> str | None:
    import pyogrio

    try:
        df = pyogrio.read_dataframe(path, layer="policy")
        return str(df["toml"].iloc[0])
    except Exception:  # noqa: BLE001
        raw.error(
            f"{path.name}:policy",
            "tabellen policy skal have én række med TOML-teksten i kolonnen 'toml'",
            column="toml",
        )
        return None
