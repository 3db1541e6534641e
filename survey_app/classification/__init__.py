"""Sorting answers into buckets and cause groups."""
