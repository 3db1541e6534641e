"""Public answer forms, interviews and stored answers."""
