"""capacity.io."""
