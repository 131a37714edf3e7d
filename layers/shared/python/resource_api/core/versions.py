"""API versions: the spec's changelog dates. A request may pin one with the
`Api-Version` header; otherwise the account's default applies (set with apictl),
else the latest. Every response says which version rendered it."""

from __future__ import annotations

from .errors import ApiError

VERSIONS = ("2023-09-15", "2023-11-01", "2024-01-15")
LATEST = VERSIONS[-1]
HEADER = "Api-Version"
BATCH_SINCE = "2024-01-15"  # "Added batch operations"


def resolve(requested: str | None, account_default: str | None) -> str:
    if requested:
        if requested not in VERSIONS:
            raise ApiError(
                "parameter_invalid",
                f"Unknown API version '{requested[:40]}'. Known versions: {', '.join(VERSIONS)}.",
                param=HEADER,
            )
        return requested
    return account_default if account_default in VERSIONS else LATEST
