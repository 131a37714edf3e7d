"""Every DynamoDB key of the single table is built here and nowhere else.

Items of one account and mode share a partition prefix `{account}#{mode}`, so test
and live data, and different accounts, can never meet in one query.
"""

from __future__ import annotations

COUNTER_SK = "#COUNT"


def account(account_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "ACCOUNT"}


def api_key(key_hash: str) -> dict[str, str]:
    return {"pk": f"APIKEY#{key_hash}", "sk": "APIKEY"}


def api_key_index(account_id: str, key_id: str) -> dict[str, str]:
    """GSI entry listing an account's keys."""
    return {"gsi1pk": f"ACCOUNT#{account_id}#APIKEYS", "gsi1sk": key_id}


def api_keys_of(account_id: str) -> str:
    return f"ACCOUNT#{account_id}#APIKEYS"


def resource_partition(account_id: str, mode: str) -> str:
    return f"{account_id}#{mode}#RES"


def resource(account_id: str, mode: str, resource_id: str) -> dict[str, str]:
    return {"pk": resource_partition(account_id, mode), "sk": resource_id}


def resource_status_partition(account_id: str, mode: str, status: str) -> str:
    return f"{account_id}#{mode}#RES#{status}"


def resource_index(account_id: str, mode: str, status: str, resource_id: str) -> dict[str, str]:
    """GSI entry that lists resources by status, newest first."""
    return {"gsi1pk": resource_status_partition(account_id, mode, status), "gsi1sk": resource_id}


def resource_counter(account_id: str, mode: str) -> dict[str, str]:
    """One item per account and mode holding `total` and a count per status."""
    return {"pk": resource_partition(account_id, mode), "sk": COUNTER_SK}


def idempotency(account_id: str, mode: str, key_hash: str) -> dict[str, str]:
    """An idempotency record: its own partition, scoped to account and mode."""
    return {"pk": f"IDEM#{account_id}#{mode}#{key_hash}", "sk": "IDEM"}
