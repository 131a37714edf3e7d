"""What Lambda event source mappings do, locally: read a source and invoke a function
with the event shape Lambda would send, retrying what the function reports failed."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from . import lambda_runtime

log = logging.getLogger("localcloud")


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
        while not self.stopped.is_set():
            try:
                for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                    sid = shard["ShardId"]
                    if sid not in iterators:
                        iterators[sid] = streams.get_shard_iterator(
                            StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON"
                        )["ShardIterator"]
                    iterators[sid] = self._drain(streams, arn, sid, iterators[sid])
            except Exception:
                if not self.stopped.is_set():
                    log.exception("stream poller error")
            self.stopped.wait(self.interval)

    def _drain(self, streams: Any, arn: str, shard: str, iterator: str) -> str:
        attempt = 0
        while not self.stopped.is_set():
            resp = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = resp.get("Records", [])
            if not records:
                return resp.get("NextShardIterator") or iterator
            event = {"Records": [{**r, "eventSourceARN": arn} for r in records]}
            try:
                result = lambda_runtime.invoke(self.function, event) or {}
                failures = result.get("batchItemFailures") or []
            except Exception:
                log.exception("%s failed; retrying the batch", self.function)
                failures = [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]
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
