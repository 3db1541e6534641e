"""Customer records and their import."""
