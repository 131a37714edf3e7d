"""Command-line administration of accounts and API keys (there is no dashboard)."""
