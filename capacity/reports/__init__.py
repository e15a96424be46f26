"""capacity.reports."""
