"""capacity.solver."""
