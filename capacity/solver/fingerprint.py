"""The input hash recorded in ``summary.json`` and checked by ``place --apply``.

Uses ``capacity.io.hashing.registry_hash`` (content hash, the same in every form on disk) when it
is available; otherwise a local hash of the canonical frames and the policy.
"""

from __future__ import annotations

import hashlib
import json

from capacity.io.hashing import content_hash, policy_hash, registry_hash
from capacity.io.layers import Registry


def input_hash(reg: Registry) -> str:
    """The sha256 (hex) of the registry's content and policy."""
    return registry_hash(reg)


def input_parts(reg: Registry, policy_file: str | None = None) -> dict[str, str | None]:
    """What ``input_hash`` covers, each part hashed alone (``summary.json``'s
    ``input_hash_covers``): the registry's layers (``registry``), the policy used (``policy``)
    and the ``--policy`` file it came from (``policy_file``; ``None``: the registry's own). An
    apply refused for another hash can then say whether the registry or only the policy
    differs."""
    return {"registry": content_hash(reg), "policy": policy_hash(reg), "policy_file": policy_file}


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
