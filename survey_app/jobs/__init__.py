"""Background jobs: state, progress, heartbeat and result in the database, run by RQ or a thread."""
