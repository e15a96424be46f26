"""capacity.model."""
