"""Benchmarks: public instances with known optima, and scale runs."""
