"""The table's DynamoDB stream is the outbox: every committed change reaches the
stream processor, which hands it to each subscriber (events and webhooks, async
provisioning). An aborted write never appears on the stream.

Subscribers must be idempotent: a failed batch is retried from the failed record,
so a record may be seen more than once (derive ids from `Change.event_id`).

Only the records a subscriber acts on reach the function: `FILTERS` are the event
source mapping's filter patterns (infra/webhooks.py), and the local cloud's stream
poller applies the same patterns (`accepts`; the local moto server applies them before
it answers the poller's reads, `matches`). Rate-limit counters, idempotency keys,
events, delivery attempts, metrics and request logs are written far more often than
resources change, and cost no invocation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .core.changes import Change


Subscriber = Callable[[Change], None]

# What the subscribers act on (events.drafts, provisioning.on_change): a resource, a
# notice or a webhook endpoint as written, and a resource as it was when deleted.
ENTITIES = ("resource", "notice", "webhook_endpoint")
FILTERS: list[dict[str, Any]] = [
    {"dynamodb": {"NewImage": {"entity": {"S": list(ENTITIES)}}}},
    {"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"entity": {"S": ["resource"]}}}},
]


def _matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style matching, the subset FILTERS use: nested objects, and lists of
    the exact values allowed."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches(p, value[k]) for k, p in pattern.items())
    return value in pattern


def matches(patterns: list[Any], record: dict[str, Any]) -> bool:
    """Whether an event filter of these patterns lets the record through (any pattern)."""
    return any(_matches(p, record) for p in patterns)


def accepts(record: dict[str, Any]) -> bool:
    """Whether Lambda's event filter (`FILTERS`) lets this stream record through."""
    return matches(FILTERS, record)


def subscribers() -> list[Subscriber]:
    """Who sees each change, in order. One line per subscriber."""
    from .events import domain as events
    from .resources import domain as resources  # noqa: F401 - registers the resource.* events with events
    from .resources import provisioning

    return [
        events.on_change,  # events + webhook fan-out
        provisioning.on_change,  # a pending resource's INSERT starts its provisioning
    ]


def handle_batch(records: Iterable[dict[str, Any]], subs: list[Subscriber] | None = None) -> dict[str, Any]:
    """Process a Lambda DynamoDB-stream batch; on a failure report that record and
    stop, so Lambda retries from it (ReportBatchItemFailures keeps the order)."""
    from .webhooks import domain as webhook_endpoints

    subs = subscribers() if subs is None else subs
    with webhook_endpoints.read_once():  # fan-out reads an account's endpoints once per batch
        for record in records:
            change = Change.from_record(record)
            try:
                for sub in subs:
                    sub(change)
            except Exception:
                from aws_lambda_powertools import Logger

                Logger(service="resource-api").exception(
                    "stream record failed", extra={"sequence_number": change.sequence_number}
                )
                return {"batchItemFailures": [{"itemIdentifier": change.sequence_number}]}
    return {"batchItemFailures": []}
