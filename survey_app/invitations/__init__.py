"""Invitation tokens and their links."""
