"""capacity: plans and optimises temporary housing for refugees in a Danish municipality."""

from __future__ import annotations

__version__ = "0.1.0"
