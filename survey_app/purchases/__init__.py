"""Purchases: what each customer bought and when, imported from the company's order history."""
