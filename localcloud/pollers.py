"""What Lambda event source mappings do, locally: read a source and invoke a function
with the event shape Lambda would send, retrying what the function reports failed.
Also what a CloudWatch Logs subscription filter does (LogSubscription)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from resource_api import stream

from . import lambda_runtime

log = logging.getLogger("localcloud")
IDLE_MAX_S = 0.25  # an idle poller slows to this, so an idle cloud leaves moto alone


class Pace:
    """Poll fast while there is work, slower (up to IDLE_MAX_S) while there is none."""

    def __init__(self, fastest: float) -> None:
        self.fastest = fastest
        self.interval = fastest

    def busy(self) -> None:
        self.interval = self.fastest

    def idle(self) -> float:
        current = self.interval
        self.interval = min(IDLE_MAX_S, self.interval * 1.5)
        return current


class StreamPoller(threading.Thread):
    """DynamoDB stream -> a function, like an event source mapping with
    ReportBatchItemFailures: a failed record is retried (with backoff) before any
    later record of its shard is delivered."""

    def __init__(self, table_name: str, function: str, interval: float = 0.05, batch_size: int = 100) -> None:
        super().__init__(name=f"stream->{function}", daemon=True)
        self.table_name = table_name
        self.function = function
        self.interval = interval
        self.batch_size = batch_size
        self.stopped = threading.Event()
        self.delivered = 0

    def run(self) -> None:
        import boto3

        ddb = boto3.client("dynamodb")
        streams = boto3.client("dynamodbstreams")
        arn = ddb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        iterators: dict[str, str] = {}
        pace, shards_seen = Pace(self.interval), 0.0
        while not self.stopped.is_set():
            try:
                if time.monotonic() - shards_seen > 5:  # new shards are rare: look every 5 s
                    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                        if shard["ShardId"] not in iterators:
                            iterators[shard["ShardId"]] = streams.get_shard_iterator(
                                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                            )["ShardIterator"]
                    shards_seen = time.monotonic()
                before = self.delivered
                for sid in list(iterators):
                    iterators[sid] = self._drain(streams, arn, sid, iterators[sid])
                if self.delivered != before:
                    pace.busy()
            except Exception:
                if not self.stopped.is_set():
                    log.exception("stream poller error")
            self.stopped.wait(pace.idle())

    def _drain(self, streams: Any, arn: str, shard: str, iterator: str) -> str:
        attempt = 0
        while not self.stopped.is_set():
            resp = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = resp.get("Records", [])
            if not records:
                return resp.get("NextShardIterator") or iterator
            # The event source mapping's filter: the rest never reaches the function.
            kept = [rec for rec in (_stream_record(r, arn) for r in records) if stream.accepts(rec)]
            if not kept:
                self.delivered += len(records)
                iterator = resp["NextShardIterator"]
                continue
            event = {"Records": kept}
            try:
                result = lambda_runtime.invoke(self.function, event) or {}
                failures = result.get("batchItemFailures") or []
            except Exception:
                log.exception("%s failed; retrying the batch", self.function)
                failures = [{"itemIdentifier": kept[0]["dynamodb"]["SequenceNumber"]}]
            if not failures:
                self.delivered += len(records)
                iterator = resp["NextShardIterator"]
                attempt = 0
                continue
            attempt += 1
            self.stopped.wait(min(0.05 * 2**attempt, 2.0))
            iterator = streams.get_shard_iterator(
                StreamArn=arn,
                ShardId=shard,
                ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=failures[0]["itemIdentifier"],
            )["ShardIterator"]
        return iterator

    def stop(self) -> None:
        self.stopped.set()


def _stream_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A record as Lambda hands it over: boto3 parses ApproximateCreationDateTime into a
    datetime; Lambda's event carries epoch seconds."""
    ddb = dict(record["dynamodb"])
    created = ddb.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        ddb["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    return {**record, "dynamodb": ddb, "eventSourceARN": arn}


class SqsPoller(threading.Thread):
    """An SQS queue -> a function, like an event source mapping with
    ReportBatchItemFailures: the function gets Lambda's SQS event; the messages it did
    not report failed are deleted; failed ones stay in the queue and come back when
    their visibility timeout (which the function may have changed) runs out; a function
    that raises fails the whole batch. Redrive to the DLQ is the queue's own."""

    def __init__(self, queue_url: str, function: str, interval: float = 0.1, batch_size: int = 10) -> None:
        super().__init__(name=f"sqs->{function}", daemon=True)
        self.queue_url = queue_url
        self.function = function
        self.interval = interval
        self.batch_size = batch_size
        self.stopped = threading.Event()
        self.delivered = 0

    def run(self) -> None:
        import boto3

        sqs = boto3.client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        region = arn.split(":")[3]
        pace = Pace(self.interval)
        while not self.stopped.is_set():
            try:
                resp = sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch_size,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                    WaitTimeSeconds=0,
                )
                messages = resp.get("Messages", [])
                if messages:
                    self._invoke(sqs, arn, region, messages)
                    pace.busy()
                    continue
            except Exception:
                if not self.stopped.is_set():
                    log.exception("sqs poller error")
            self.stopped.wait(pace.idle())

    def _invoke(self, sqs: Any, arn: str, region: str, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [_sqs_record(m, arn, region) for m in messages]}
        try:
            result = lambda_runtime.invoke(self.function, event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        except Exception:
            log.exception("%s failed; the batch returns after its visibility timeout", self.function)
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        self.delivered += len(done)

    def stop(self) -> None:
        self.stopped.set()


def _sqs_record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event."""
    attributes = {
        k: v
        for k, v in (message.get("Attributes") or {}).items()
        if k in {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"}
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


class LogSubscription(threading.Thread):
    """A CloudWatch Logs subscription filter -> a function, locally.

    Deployed, the API functions print their log lines to CloudWatch Logs, and a
    subscription filter on each function's log group sends the lines matching
    `{ $.record = "resource_request" || $.record = "request" }` to the metrics_ingest
    function (infra/ingest.py); another on the stage's access log sends the lines of the
    requests API Gateway answered itself. The local gateway hands its access lines to
    `publish`.
    Here the functions run in this process, so a logging handler on the functions'
    Powertools logger takes the matching records as they are logged, formats them with
    the same formatter (the very line Lambda would print), and queues them; this thread
    delivers them every `interval` seconds as Lambda's CloudWatch Logs event, one event
    per log group, and retries an event whose invocation raised (with backoff) before
    anything after it, as Lambda's retries would. Costs nothing while nothing is logged.
    """

    def __init__(self, function: str, sources: list[str], interval: float = 0.15, max_events: int = 1000) -> None:
        super().__init__(name=f"logs->{function}", daemon=True)
        self.function = function
        self.sources = frozenset(sources)
        self.interval = interval
        self.max_events = max_events
        self.stopped = threading.Event()
        self._held = threading.Event()
        self.queue: deque[tuple[str, str, int, str]] = deque()  # (log group, event id, ms, message)
        self._pending: dict[str, list[tuple[str, int, str]]] = {}  # taken from the queue, not yet delivered
        self._restore_level = logging.NOTSET
        self._restore_printed: logging.Handler | None = None
        self.delivered = 0
        self.failures = 0
        self._ids = itertools.count(1)
        self.recent: deque[tuple[str, list[tuple[str, int, str]]]] = deque(maxlen=16)  # the last batches, for redeliver()
        self.handler: logging.Handler | None = None
        self.logger_name = "resource-api"

    def install(self, logger_name: str = "resource-api") -> None:
        """Take the matching records the functions log (without changing what is printed)."""
        from aws_lambda_powertools import Logger
        from resource_api.frame import request_log as capture

        self.logger_name = logger_name
        Logger(service=logger_name)  # the functions' logger, configured as they configure it (first time only)
        std = logging.getLogger(logger_name)
        printed = getattr(std, "powertools_handler", None)
        if printed is not None and printed.level == logging.NOTSET:
            printed.setLevel(std.getEffectiveLevel())  # stdout keeps its level (POWERTOOLS_LOG_LEVEL)
            self._restore_printed = printed
        subscription = self

        class Capture(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if getattr(record, capture.RECORD_FIELD, None) not in capture.MARKERS:
                    return
                function = lambda_runtime.current_function()
                if function not in subscription.sources:
                    return
                try:
                    message = self.format(record)
                except Exception:
                    self.handleError(record)
                    return
                event_id = f"{next(subscription._ids):056d}"
                subscription.queue.append((f"/aws/lambda/{function}", event_id, int(record.created * 1000), message))

        self.handler = Capture(logging.INFO)
        if printed is not None:
            self.handler.setFormatter(printed.formatter)
        self._restore_level = std.level
        std.addHandler(self.handler)
        if std.getEffectiveLevel() > logging.INFO:
            std.setLevel(logging.INFO)  # the records are INFO lines, as deployed (POWERTOOLS_LOG_LEVEL=INFO)

    def publish(self, message: str, group: str | None = None) -> None:
        """A line of another log group (by default the local gateway's access log),
        delivered like the rest."""
        from resource_api.frame import request_log as capture

        self.queue.append((group or capture.ACCESS_LOG_GROUP, f"{next(self._ids):056d}", int(time.time() * 1000), message))

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Deliver nothing inside (what is logged meanwhile goes out together after)."""
        self._held.set()
        try:
            yield
        finally:
            self._held.clear()

    def run(self) -> None:
        attempt = 0
        while not self.stopped.wait(self.interval if not attempt else min(self.interval * 2**attempt, 5.0)):
            if not self._held.is_set():
                attempt = 0 if self.deliver_pending() else attempt + 1

    def deliver_pending(self) -> bool:
        """Deliver what is queued, one event per log group (up to max_events each); False
        if an invocation failed (its events stay first in line)."""
        while self.queue:
            group, event_id, ms, message = self.queue.popleft()
            self._pending.setdefault(group, []).append((event_id, ms, message))
        for group in list(self._pending):
            while self._pending.get(group):
                events = self._pending[group][: self.max_events]
                if not self._deliver(group, events):
                    return False
                del self._pending[group][: len(events)]
            self._pending.pop(group, None)
        return True

    def _deliver(self, group: str, events: list[tuple[str, int, str]]) -> bool:
        from resource_api.metrics.ingest import subscription_event

        try:
            lambda_runtime.invoke(self.function, subscription_event(group, events))
        except Exception:
            self.failures += 1
            if not self.stopped.is_set():
                log.exception("%s failed; the event is delivered again", self.function)
            return False
        self.delivered += len(events)
        self.recent.append((group, events))
        return True

    def redeliver(self) -> dict[str, int]:
        """Deliver the recently delivered events once more, as CloudWatch Logs and Lambda's
        retries may (at least once): `POST /_local/logs/redeliver`. The ingestion's
        summaries, added up: nothing may be counted twice."""
        from resource_api.metrics.ingest import subscription_event

        total: dict[str, int] = {"events": 0}
        for group, events in list(self.recent):
            result = lambda_runtime.invoke(self.function, subscription_event(group, events)) or {}
            total["events"] += len(events)
            for name, value in result.items():
                if isinstance(value, int):
                    total[name] = total.get(name, 0) + value
        return total

    def stop(self) -> None:
        self.stopped.set()
        if self.handler is not None:
            std = logging.getLogger(self.logger_name)
            std.removeHandler(self.handler)
            std.setLevel(self._restore_level)
            if self._restore_printed is not None:
                self._restore_printed.setLevel(logging.NOTSET)
            self.handler = None
