"""The one way to build a boto3 client (db and token vending both build theirs here)."""

from __future__ import annotations

import os
from typing import Any


def aws_client(service: str, **credentials: str) -> Any:
    """A boto3 client with the timeouts and retries every AWS call of ours uses (and
    `credentials`, aws_access_key_id=..., if not the function's own: core/vending.py).
    AWS_READ_TIMEOUT raises the read timeout (the local cloud's moto serves one request
    at a time and can be slower than 5 s under load)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        config=Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=2,
            read_timeout=float(os.environ.get("AWS_READ_TIMEOUT", "5")),
            tcp_keepalive=True,
            # The service validates every request itself; botocore's client-side check
            # of our own fixed-shape parameters walked each one again on every call (an
            # ingestion batch's TransactWriteItems: 13% of the local gateway's CPU).
            parameter_validation=False,
        ),
        **credentials,
    )
