"""Webhooks: signed notices of what happened, posted to endpoints an admin registers."""
