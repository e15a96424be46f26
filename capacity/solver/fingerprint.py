"""The input hash recorded in ``summary.json`` and checked by ``place --apply``.

Uses ``capacity.io.hashing.registry_hash`` (content hash, the same in every form on disk) when it
is available; otherwise a local hash of the canonical frames and the policy.
"""

from __future__ import annotations

import hashlib
import json

from capacity.io.hashing import registry_hash
from capacity.io.layers import Registry


def input_hash(reg: Registry) -> str:
    """The sha256 (hex) of the registry's content and policy."""
    return registry_hash(reg)


def _frames_hash(reg: Registry) -> str:
    digest = hashlib.sha256()
    for name, frame in reg.layers().items():
        table = frame.copy()
        if "geometry" in table:
            table["geometry"] = table.geometry.to_wkb(hex=True)
        digest.update(name.encode())
        digest.update(table.astype(str).to_csv(index=False).encode())
    digest.update(json.dumps(reg.policy.model_dump(mode="json"), sort_keys=True).encode())
    return digest.hexdigest()
