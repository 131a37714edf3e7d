"""Shared code of the Resource API: models, logic and data access used by every function."""
