"""A content hash of a registry: the same content in any form (GeoPackage, folder, Excel) gives
the same hash, so ``place --apply`` can refuse a registry that changed since the proposal."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
import shapely

from capacity.io.layers import LAYERS, Registry, stored_columns


def _value(value: Any, kind: str) -> Any:
    if kind == "intlist":
        return [int(a) for a in value] if isinstance(value, tuple | list) else []
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    ):
        return None
    if kind == "geometry":
        return shapely.to_wkb(value, hex=True, output_dimension=2, byte_order=1)
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return repr(float(value))
    return str(value)


def registry_hash(reg: Registry) -> str:
    """The sha256 (hex) of a canonical serialisation of the registry's layers and policy.

    Parameters
    ----------
    reg : the registry.

    Returns
    -------
    str
        64 hex digits. Values are serialised by kind (dates as ``YYYY-MM-DD``, floats by their
        exact ``repr``, geometries as WKB in EPSG:25832, extra columns as text), so the hash
        does not depend on the form on disk, on dtypes' storage or on GeoPackage timestamps.
    """
    digest = _layers_digest(reg)
    digest.update(b"policy" + _policy_text(reg))
    return digest.hexdigest()


def content_hash(reg: Registry) -> str:
    """The sha256 (hex) of the registry's layers alone, its policy left out (as
    ``registry_hash`` serialises them): tells a changed registry from a changed policy."""
    return _layers_digest(reg).hexdigest()


def policy_hash(reg: Registry) -> str:
    """The sha256 (hex) of the registry's policy alone (as ``registry_hash`` serialises it)."""
    return hashlib.sha256(_policy_text(reg)).hexdigest()


def _policy_text(reg: Registry) -> bytes:
    return json.dumps(reg.policy.model_dump(mode="json"), sort_keys=True).encode()


def _layers_digest(reg: Registry) -> Any:
    digest = hashlib.sha256()
    for name, frame in reg.layers().items():
        layer = LAYERS[name]
        kinds = {
            c: (layer.column(c).kind if c in layer.names else "extra")
            for c in stored_columns(name, frame)
        }
        if layer.geometry:
            kinds["geometry"] = "geometry"
        digest.update(json.dumps({"layer": name, "columns": list(kinds)}).encode())
        columns = [frame[c].tolist() if c != "geometry" else list(frame.geometry) for c in kinds]
        for values in zip(*columns, strict=True):
            row = [_value(v, k) for v, k in zip(values, kinds.values(), strict=True)]
            digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return digest
