"""CSV imports shared by every feature: reading spreadsheet exports, batches, reports and background jobs."""
