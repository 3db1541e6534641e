"""Staff users, roles and signing in."""
