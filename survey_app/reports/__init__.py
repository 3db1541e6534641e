"""Breakdowns against the benchmark, charts and exports."""
