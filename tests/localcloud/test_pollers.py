"""The local event source mappings (localcloud/pollers.py) with their concurrency: the
stream's batches split into lanes by item, and several SQS pollers on one queue.

Against in-process moto: a table with a stream, a queue; the functions the pollers
invoke are recorders registered with the local Lambda runtime, so what each invocation
got, and in which order, can be checked."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict

import boto3
import pytest
from moto import mock_aws

from localcloud import lambda_runtime
from localcloud.motoserver import keep_stream_on_rollback
from localcloud.pollers import SqsPoller, StreamPoller, split_lanes

WAIT = 60.0  # waits end when their condition holds; the bound only matters on a loaded machine


def _wait(cond, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


@pytest.fixture
def aws_env(monkeypatch):
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    keep_stream_on_rollback()
    with mock_aws():
        yield


@pytest.fixture
def function():
    """A function for the pollers to invoke: records each invocation's records; fails the
    records listed in `fail_once` the first time it sees them."""

    class Recorder:
        name = "test_pollers_recorder"

        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.calls: list[list[dict]] = []
            self.fail_once: set[str] = set()

        def __call__(self, event, context):
            records = event["Records"]
            with self.lock:
                self.calls.append(records)
            for rec in records:
                ident = ident_of(rec)
                with self.lock:
                    if ident in self.fail_once:
                        self.fail_once.discard(ident)
                        return {"batchItemFailures": [{"itemIdentifier": item_id(rec)}]}
            return {"batchItemFailures": []}

    rec = Recorder()
    lambda_runtime._loaded[rec.name] = rec
    yield rec
    lambda_runtime._loaded.pop(rec.name, None)


def ident_of(rec: dict) -> str:
    if "dynamodb" in rec:
        return rec["dynamodb"]["NewImage"]["step"]["S"]
    return json.loads(rec["body"])["n"]


def item_id(rec: dict) -> str:
    return rec["dynamodb"]["SequenceNumber"] if "dynamodb" in rec else rec["messageId"]


def _table() -> None:
    boto3.client("dynamodb").create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def _write(items: int, versions: int) -> list[str]:
    """Each of `items` resources written `versions` times, interleaved; the writes' steps in order."""
    ddb = boto3.client("dynamodb")
    steps = []
    for v in range(versions):
        for i in range(items):
            step = f"res_{i:03d}/{v:02d}"
            ddb.put_item(TableName="t", Item={"pk": {"S": "acct#test#RES"}, "sk": {"S": f"res_{i:03d}"},
                                              "entity": {"S": "resource"}, "step": {"S": step}})
            steps.append(step)
    return steps


def test_split_lanes_keeps_each_item_in_one_lane_in_stream_order():
    records = [{"dynamodb": {"Keys": {"pk": {"S": "p"}, "sk": {"S": f"r{i % 7}"}}, "SequenceNumber": str(n)}}
               for n, i in enumerate(range(60))]
    lanes = split_lanes(records, 4)
    assert 1 < len(lanes) <= 4
    assert sorted(int(r["dynamodb"]["SequenceNumber"]) for lane in lanes for r in lane) == list(range(60))
    lane_of = {}
    for n, lane in enumerate(lanes):
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in lane]
        assert seqs == sorted(seqs)
        for r in lane:
            assert lane_of.setdefault(r["dynamodb"]["Keys"]["sk"]["S"], n) == n
    assert split_lanes(records, 1) == [records]


def test_stream_lanes_deliver_every_change_once_and_in_order_per_item(aws_env, function):
    _table()
    steps = _write(items=20, versions=5)
    poller = StreamPoller("t", function.name, interval=0.01, lanes=4)
    poller.start()
    try:
        _wait(lambda: poller.delivered >= len(steps))
    finally:
        poller.stop()
    seen = [ident_of(r) for call in function.calls for r in call]
    assert sorted(seen) == sorted(steps)  # each once: nothing failed, nothing repeated
    assert any(len({ident_of(r).split("/")[0] for r in call}) < 20 for call in function.calls[1:]), \
        "the batches were not split into lanes"
    by_item = defaultdict(list)
    for s in seen:
        by_item[s.split("/")[0]].append(s)
    for item, got in by_item.items():
        assert got == sorted(got), f"{item}'s changes out of order: {got}"


def test_a_failed_change_is_retried_before_any_later_change_of_its_item(aws_env, function):
    _table()
    steps = _write(items=12, versions=4)
    function.fail_once = {"res_003/01", "res_007/02"}
    poller = StreamPoller("t", function.name, interval=0.01, lanes=4)
    poller.start()
    try:
        _wait(lambda: poller.delivered >= len(steps))
    finally:
        poller.stop()
    assert not function.fail_once  # both failed once
    seen = [ident_of(r) for call in function.calls for r in call]
    assert set(seen) == set(steps)  # nothing lost (some seen again: at least once)
    # What the function accepted, per item, in the order it accepted it: each change once
    # (after its failure) and in order; nothing of an item after a failed change went first.
    for item in ("res_003", "res_007", "res_000"):
        accepted = []
        failed_now = {"res_003/01", "res_007/02"}
        for call in function.calls:
            for r in call:
                s = ident_of(r)
                if s.split("/")[0] != item:
                    continue
                if s in failed_now:
                    failed_now.discard(s)
                    break  # the function stopped at it (this call's later records were not accepted)
                if not accepted or accepted[-1] != s:
                    if s in accepted:
                        continue  # seen again after a retry of the batch: already done, idempotent
                    accepted.append(s)
        assert accepted == sorted(accepted) == [f"{item}/{v:02d}" for v in range(4)], accepted


def test_concurrent_sqs_invocations_take_each_message_once(aws_env, function):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
    for start in range(0, 200, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": json.dumps({"n": f"m{start + i}"})}
                                                     for i in range(10)])
    poller = SqsPoller(url, function.name, interval=0.01, concurrency=5)
    poller.start()
    try:
        _wait(lambda: poller.delivered >= 200)
    finally:
        poller.stop()
    seen = [ident_of(r) for call in function.calls for r in call]
    assert sorted(seen) == sorted(f"m{i}" for i in range(200))  # each message once
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                  "ApproximateNumberOfMessagesNotVisible"])
    assert left["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
