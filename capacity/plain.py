"""User text made plain for places that cannot take control characters: the terminal (where an
escape sequence would run) and the charts (whose fonts have no glyph for them)."""

from __future__ import annotations

import re

__all__ = ["plain"]

# C0 controls but tab and newline, DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: object) -> str:
    """``str(value)`` with its control characters removed."""
    return _CONTROL.sub("", str(value))
