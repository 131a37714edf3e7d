"""The webhook delivery queues: one definition read by the CDK construct
(infra/webhooks.py) and by the local cloud, like core/table.py for the table.

Retries are re-scheduled through the message's visibility timeout (see
events/deliveries.py), so the queue only has to keep a message for the whole retry schedule
(about 3 days, so 14 days of retention) and hand it to the DLQ once every scheduled
attempt has been received.
"""

from __future__ import annotations

import json
import os

QUEUE_URL_ENV = "WEBHOOK_QUEUE_URL"
DEFAULT_QUEUE_NAME = "resource-api-webhooks"
DLQ_SUFFIX = "-dlq"

# Delivery function: its timeout, and how many messages one invocation takes (they
# are delivered concurrently, each within DELIVERY_TIMEOUT_S).
FUNCTION_TIMEOUT_S = 60
BATCH_SIZE = 10
MAX_BATCHING_WINDOW_S = 0  # deliver at once: the spec promises real-time notifications
# The local cloud's event source mapping: invocations at once (deployed: the reserved
# concurrency, infra/config.py), so local deliveries have 4 x 10 slots.
LOCAL_MAX_CONCURRENCY = 4
# AWS: the queue's visibility timeout should be at least 6x the function timeout.
VISIBILITY_TIMEOUT_S = 6 * FUNCTION_TIMEOUT_S
RETENTION_S = 14 * 86_400  # the SQS maximum; the schedule spans ~3 days
MAX_VISIBILITY_S = 43_200  # SQS: 12 h at most per ChangeMessageVisibility

# Delay before attempt n+1 after attempt n failed (Svix/Stripe-like, ~3 days in all).
# Each delay gets +-20 % jitter. Attempts = len(RETRY_SCHEDULE_S) + 1.
RETRY_SCHEDULE_S: tuple[int, ...] = (
    5,
    60,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
)
SCHEDULE_ENV = "WEBHOOK_RETRY_SCHEDULE"  # e.g. "1,1,2" (seconds): tests, local experiments
JITTER = 0.2


def queue_name() -> str:
    return os.environ.get("WEBHOOK_QUEUE_NAME", DEFAULT_QUEUE_NAME)


def retry_schedule() -> tuple[float, ...]:
    raw = os.environ.get(SCHEDULE_ENV, "").strip()
    if not raw:
        return tuple(float(s) for s in RETRY_SCHEDULE_S)
    return tuple(float(s) for s in raw.split(",") if s.strip())


def max_attempts() -> int:
    return len(retry_schedule()) + 1


def max_receive_count(deployed: bool = False) -> int:
    """The redrive policy's maxReceiveCount: one receive per scheduled attempt, so the
    receive after the last failed attempt moves the message to the DLQ. `deployed`:
    the default schedule, whatever the synthesizing shell's WEBHOOK_RETRY_SCHEDULE."""
    return len(RETRY_SCHEDULE_S) + 1 if deployed else max_attempts()


def queue_url() -> str:
    return os.environ[QUEUE_URL_ENV]


def create_queue_requests(name: str | None = None) -> tuple[dict, dict]:
    """(DLQ request, queue request without its redrive target ARN) in boto3 form, as the
    local cloud makes them; `redrive_policy(dlq_arn)` completes the second."""
    name = name or queue_name()
    dlq = {
        "QueueName": name + DLQ_SUFFIX,
        "Attributes": {"MessageRetentionPeriod": str(RETENTION_S)},
    }
    queue = {
        "QueueName": name,
        "Attributes": {
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_S),
            "MessageRetentionPeriod": str(RETENTION_S),
        },
    }
    return dlq, queue


def redrive_policy(dlq_arn: str) -> str:
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count())})


_client = None


def client():  # noqa: ANN201 - a boto3 SQS client
    """The SQS client, built lazily once per process (tests may `set_client`)."""
    global _client
    if _client is None:
        from ..core import db

        _client = db.aws_client("sqs")
    return _client


def set_client(value) -> None:  # noqa: ANN001
    global _client
    _client = value


def message_group(message: dict) -> str:
    """The message's group on the fair queue: its account (and mode). SQS fair queues
    (a MessageGroupId on a standard queue) keep the other groups' dwell time low while one
    group's messages pile up in flight: the noisy-neighbour case of one account's slow
    receivers (see events/fairness.py for what they do not cover)."""
    return f"{message['account_id']}#{message['mode']}"


def send(messages: list[dict]) -> None:
    """Send JSON messages to the delivery queue, 10 per call, each in its account's
    message group; raises if any is refused (the caller is retried and sends again:
    deliveries are at least once)."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        resp = client().send_message_batch(
            QueueUrl=queue_url(),
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(m, separators=(",", ":")), "MessageGroupId": message_group(m)}
                for i, m in enumerate(chunk)
            ],
        )
        if resp.get("Failed"):
            raise RuntimeError(f"SQS refused {len(resp['Failed'])} message(s): {resp['Failed'][0]}")
