"""What Lambda event source mappings do, locally: read a source and invoke a function
with the event shape Lambda would send, retrying what the function reports failed.
Also what a CloudWatch Logs subscription filter does (LogSubscription)."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import logging
import os
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from resource_api import stream

from . import lambda_runtime
from .motopatches.speedups import RECORDS_READ_HEADER, STREAM_FILTER_HEADER

log = logging.getLogger("localcloud")
IDLE_MAX_S = 0.25  # an idle poller slows to this, so an idle cloud leaves moto alone
STREAM_LANES = 8  # concurrent stream batches (by item), see StreamPoller
LANE_MIN_RECORDS = 8  # a batch is split only as far as this many records a lane
# How often the local log subscription delivers what was logged (LogSubscription).
# CloudWatch Logs batches a subscription's events (it documents no interval); each
# delivery costs the ingestion a transaction per resource (a ConditionCheck and the
# metrics Update besides the records' Puts) and one per account and hour, so a delivery
# every 0.15 s made batches of two or three records per resource under a steady load.
SUBSCRIPTION_INTERVAL_S = 1.0


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
    later record of the same item is delivered.

    moto's stream has one shard; a real table's has one per partition, and Lambda
    reads the shards concurrently (a new on-demand table starts with capacity for
    4,000 writes a second, at least four partitions). Here each batch read from the
    shard (up to `batch_size` records, as the mapping's BatchSize) is split into
    `lanes` sub-batches by the changed item's key (hash of pk and sk), each in stream
    order, and the lanes are invoked concurrently, like Lambda's concurrent batches
    (ParallelizationFactor keeps order per partition key; this keeps it per item, which
    is what the subscribers rely on: the events of one resource, in order). When a
    lane reports a failure, the next read starts again from the earliest failed record
    of the batch, so records of other lanes after it are seen again (subscribers are
    idempotent, resource_api/stream.py), and no record of an item is delivered before
    an earlier failed record of that item succeeds. `lanes=1` is the plain
    one-batch-at-a-time mapping.

    Deployed, one account's resources share a partition key, hence a shard, so a burst
    from one account is processed one batch at a time there: for that case the lanes
    make the local cloud faster than the deployment (docs/performance.md, section 7)."""

    def __init__(self, table_name: str, function: str, interval: float = 0.05, batch_size: int = 100,
                 lanes: int = STREAM_LANES) -> None:
        super().__init__(name=f"stream->{function}", daemon=True)
        self.table_name = table_name
        self.function = function
        self.interval = interval
        self.batch_size = batch_size
        self.lanes = max(1, lanes)
        self.stopped = threading.Event()
        self.delivered = 0
        self.invocations = 0
        self._pool: ThreadPoolExecutor | None = None
        self._raw: RawGetRecords | None = None

    def run(self) -> None:
        import boto3

        ddb = boto3.client("dynamodb")
        streams = boto3.client("dynamodbstreams")
        self._raw = RawGetRecords.for_endpoint(os.environ.get("AWS_ENDPOINT_URL"))
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
            if self._raw is not None:  # the local moto server leaves out what the filter drops
                resp = self._raw.get_records(iterator, self.batch_size, stream.FILTERS)
            else:
                resp = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = resp.get("Records", [])
            read = resp.get(RawGetRecords.READ, len(records))  # before the filter
            if not records:
                if not read:
                    return resp.get("NextShardIterator") or iterator
                self.delivered += read  # all filtered out by the server: read on
                iterator = resp["NextShardIterator"]
                continue
            # The event source mapping's filter: the rest never reaches the function.
            kept = [rec for rec in (_stream_record(r, arn) for r in records) if stream.accepts(rec)]
            if not kept:
                self.delivered += read
                iterator = resp["NextShardIterator"]
                continue
            failed = self._invoke_lanes(kept)
            if failed is None:
                self.delivered += read
                iterator = resp["NextShardIterator"]
                attempt = 0
                continue
            # The records before the failed one are done: the next read starts at it.
            # (After a filtered read, those the server left out before it are not counted.)
            self.delivered += next(
                (i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] == failed), 0
            )
            attempt += 1
            self.stopped.wait(min(0.05 * 2**attempt, 2.0))
            iterator = streams.get_shard_iterator(
                StreamArn=arn,
                ShardId=shard,
                ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=failed,
            )["ShardIterator"]
        return iterator

    def _invoke_lanes(self, kept: list[dict[str, Any]]) -> str | None:
        """Invoke the function with the batch, split into lanes by item; the sequence
        number to read again from (the earliest failed record), or None if all succeeded."""
        # Lanes of at least LANE_MIN_RECORDS: a trickle of changes goes in one invocation
        # (each costs its fixed overhead), a burst is spread.
        lanes = split_lanes(kept, min(self.lanes, max(1, len(kept) // LANE_MIN_RECORDS)))
        if len(lanes) == 1 or self.invocations == 0:  # the first (cold) invocation alone
            results = [self._invoke_one(lane) for lane in lanes]
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix=f"stream->{self.function}")
            results = list(self._pool.map(self._invoke_one, lanes))
        failed = [f for f in results if f is not None]
        if not failed:
            return None
        position = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(kept)}
        return min(failed, key=lambda seq: position.get(seq, -1))

    def _invoke_one(self, records: list[dict[str, Any]]) -> str | None:
        """One invocation; the first failed record's sequence number, or None."""
        self.invocations += 1
        try:
            result = lambda_runtime.invoke(self.function, {"Records": records}) or {}
            failures = result.get("batchItemFailures") or []
        except Exception:
            log.exception("%s failed; retrying the batch", self.function)
            return records[0]["dynamodb"]["SequenceNumber"]
        return failures[0]["itemIdentifier"] if failures else None

    def stop(self) -> None:
        self.stopped.set()
        if self._pool is not None:
            self._pool.shutdown(wait=False)


def split_lanes(records: list[dict[str, Any]], lanes: int) -> list[list[dict[str, Any]]]:
    """The records in up to `lanes` sub-batches by the changed item's key (its pk and sk),
    each in stream order; every record of one item lands in the same sub-batch."""
    if lanes <= 1:
        return [records]
    out: dict[int, list[dict[str, Any]]] = {}
    for rec in records:
        key = rec["dynamodb"].get("Keys") or {}
        ident = "|".join(f"{k}={v.get('S', v.get('N', v.get('B', '')))}" for k, v in sorted(key.items()))
        out.setdefault(zlib.crc32(ident.encode()) % lanes, []).append(rec)
    return list(out.values())


def _stream_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A record as Lambda hands it over: Lambda's event carries ApproximateCreationDateTime
    in whole epoch seconds (boto3 parses it into a datetime, the wire has a number)."""
    ddb = dict(record["dynamodb"])
    created = ddb.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        ddb["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    elif isinstance(created, (int, float)):
        ddb["ApproximateCreationDateTime"] = float(int(created))
    return {**record, "dynamodb": ddb, "eventSourceARN": arn}


class RawGetRecords:
    """DynamoDB Streams' GetRecords from the local moto server as the JSON on the wire.

    Lambda's event source mapping reads the stream on AWS's side and hands the function
    the records as DynamoDB sends them (AttributeValues as JSON); its filter drops the
    rest there, at no cost to the function. Locally the mapping is this poller, in the
    gateway's process: through boto3, every record of the table (request logs, metrics,
    counters: most of them filtered out) was parsed into Python objects by botocore's
    model-driven parser, only to be filtered out, a fifth of the gateway's CPU under a
    steady GET load. Read as JSON, a record is what the event carries, at the cost of
    one json.loads. In-process moto (no endpoint URL: tests) keeps boto3."""

    TARGET = "DynamoDBStreams_20120810.GetRecords"
    READ = "LocalRecordsRead"  # of a filtered read: how many records the server read

    def __init__(self, host: str, port: int, region: str, access_key: str) -> None:
        self.host, self.port = host, port
        self.headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": self.TARGET,
            # moto routes by the credential scope's service (streams are signed as dynamodb)
            # and does not check the signature.
            "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/20000101/{region}/dynamodb/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-target, Signature=0",
        }
        self._conn: http.client.HTTPConnection | None = None

    @classmethod
    def for_endpoint(cls, url: str | None) -> RawGetRecords | None:
        from urllib.parse import urlsplit

        if not url:
            return None
        split = urlsplit(url)
        if split.scheme != "http" or split.hostname not in ("127.0.0.1", "localhost") or not split.port:
            return None  # only the local moto server
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        return cls(split.hostname, split.port, region, os.environ.get("AWS_ACCESS_KEY_ID") or "testing")

    def get_records(self, iterator: str, limit: int, patterns: list[Any] | None = None) -> dict[str, Any]:
        """GetRecords' answer. With filter `patterns` the server (motopatches speed-up
        filtered_stream_reads) answers only the records they let through, and READ is
        the number it read before filtering (absent where the server does not filter:
        then every record read is in Records)."""
        body = json.dumps({"ShardIterator": iterator, "Limit": limit})
        headers = self.headers if patterns is None else {**self.headers, STREAM_FILTER_HEADER: json.dumps(patterns)}
        for attempt in (1, 2):  # a kept-alive connection the server closed: once more on a new one
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self._conn.request("POST", "/", body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise RuntimeError(f"GetRecords answered {response.status}: {data[:300]!r}")
            answer = json.loads(data)
            read = response.getheader(RECORDS_READ_HEADER)
            if patterns is not None and read is not None:
                answer[self.READ] = int(read)
            return answer
        raise AssertionError("unreachable")


class SqsPoller(threading.Thread):
    """An SQS queue -> a function, like an event source mapping with
    ReportBatchItemFailures: the function gets Lambda's SQS event; the messages it did
    not report failed are deleted; failed ones stay in the queue and come back when
    their visibility timeout (which the function may have changed) runs out; a function
    that raises fails the whole batch. Redrive to the DLQ is the queue's own.

    `concurrency`: invocations at once (the mapping's maximum concurrency); each holds
    its batch until the function answers. With more than one, it also models a fair
    queue (MessageGroupId on a standard queue): `in_flight` counts each group's received,
    unanswered messages, and a free invocation takes the received messages of the
    groups with the fewest in flight first, so one group's pile does not delay the
    others'. One thread receives ahead while the invocations run, another hands a batch
    to each as soon as it frees (`_read_ahead`, `_dispatch`); the local moto server hands
    out the quietest groups' messages first too, as SQS fair queues do (motopatches
    shim `sqs_fair_queue_order`)."""

    LOOKAHEAD = 25  # batches received ahead to pick the quietest groups from (the deployed 25 x 10 slots)

    def __init__(
        self, queue_url: str, function: str, interval: float = 0.1, batch_size: int = 10, concurrency: int = 1
    ) -> None:
        super().__init__(name=f"sqs->{function}", daemon=True)
        self.queue_url = queue_url
        self.function = function
        self.interval = interval
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.stopped = threading.Event()
        self.delivered = 0
        self.in_flight: dict[str, int] = {}  # message group -> received, not answered
        self._held: list[dict[str, Any]] = []  # received, waiting for a free invocation
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)  # held messages came, or room to hold more
        self._free = threading.Semaphore(concurrency)

    def run(self) -> None:
        import boto3

        # A session per poller: clients must not be made concurrently from boto3's default one.
        sqs = boto3.session.Session().client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        region = arn.split(":")[3]
        if self.concurrency == 1:
            self._run_one_at_a_time(sqs, arn, region)
            return
        threading.Thread(target=self._dispatch, args=(sqs, arn, region), name=f"{self.name} dispatch", daemon=True).start()
        self._read_ahead(sqs)

    def _receive_once(self, sqs: Any) -> list[dict[str, Any]]:
        return sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])

    def _run_one_at_a_time(self, sqs: Any, arn: str, region: str) -> None:
        pace = Pace(self.interval)
        while not self.stopped.is_set():
            try:
                got = self._receive_once(sqs)
                if got:
                    self._receive(got)
                    self._free.acquire()
                    self._run_batch(sqs, arn, region, self._next_batch())
                    pace.busy()
                    continue
            except Exception:
                if not self.stopped.is_set():
                    log.exception("sqs poller error")
            self.stopped.wait(pace.idle())

    def _read_ahead(self, sqs: Any) -> None:
        """Several invocations: this thread receives ahead while they run (a fair queue
        picks from its whole backlog, and moto returns the oldest first: up to LOOKAHEAD
        batches are held here to pick the quietest groups from), and `_dispatch` hands
        a batch to each invocation as soon as it is free. So a message that arrives while
        every invocation is busy is already received when one frees, and goes first if
        its group is the quietest."""
        pace = Pace(self.interval)
        while not self.stopped.is_set():
            with self._ready:
                while len(self._held) >= self.batch_size * self.LOOKAHEAD and not self.stopped.is_set():
                    self._ready.wait(0.5)
            try:
                got = self._receive_once(sqs)
                if got:
                    self._receive(got)
                    pace.busy()
                    if len(got) == self.batch_size:
                        continue  # more may be waiting: read on at once
            except Exception:
                if not self.stopped.is_set():
                    log.exception("sqs poller error")
            self.stopped.wait(pace.idle())

    def _dispatch(self, sqs: Any, arn: str, region: str) -> None:
        """A batch (the quietest groups' messages first) to each invocation that frees."""
        while not self.stopped.is_set():
            if not self._free.acquire(timeout=0.5):
                continue
            with self._ready:
                while not self._held and not self.stopped.is_set():
                    self._ready.wait(0.5)
            messages = self._next_batch()
            if not messages:
                self._free.release()
                continue
            threading.Thread(target=self._run_batch, args=(sqs, arn, region, messages), daemon=True).start()

    def _receive(self, messages: list[dict[str, Any]]) -> None:
        with self._ready:
            for m in messages:
                group = (m.get("Attributes") or {}).get("MessageGroupId", "")
                self.in_flight[group] = self.in_flight.get(group, 0) + 1
            self._held.extend(messages)
            self._ready.notify_all()

    def _next_batch(self) -> list[dict[str, Any]]:
        """Up to a batch of the received messages, the quietest groups' first (fair queue)."""
        with self._ready:
            self._ready.notify_all()  # room to read ahead again
            order = sorted(
                range(len(self._held)),
                key=lambda i: (self.in_flight.get((self._held[i].get("Attributes") or {}).get("MessageGroupId", ""), 0), i),
            )
            take = set(order[: self.batch_size])
            batch = [m for i, m in enumerate(self._held) if i in take]
            self._held = [m for i, m in enumerate(self._held) if i not in take]
            return batch

    def _run_batch(self, sqs: Any, arn: str, region: str, messages: list[dict[str, Any]]) -> None:
        try:
            self._invoke(sqs, arn, region, messages)
        except Exception:
            log.exception("sqs poller error")
        finally:
            with self._lock:
                for m in messages:
                    group = (m.get("Attributes") or {}).get("MessageGroupId", "")
                    self.in_flight[group] = self.in_flight.get(group, 1) - 1
                    if self.in_flight[group] <= 0:
                        del self.in_flight[group]
            self._free.release()

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

    def __init__(self, function: str, sources: list[str], interval: float = SUBSCRIPTION_INTERVAL_S,
                 max_events: int = 1000) -> None:
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
