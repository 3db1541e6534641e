"""Survey definitions, questions, the reason catalogue and templates."""
