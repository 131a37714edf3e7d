"""localcloud/persistence.py in one process, on moto in-process: what a restore does to
what was saved (TTL, the stream's reader position, in-flight messages, where a running
execution resumes). The whole local cloud across restarts: test_persistence.py."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws

from localcloud import persistence

REGION = "us-east-1"


@pytest.fixture
def keeper(tmp_path):
    k = persistence.Persistence(str(tmp_path))
    persistence.patch_moto(k)
    return k


def clients():
    kw = {"region_name": REGION, "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw), boto3.client("sqs", **kw)


def saved_and_restored(tmp_path) -> dict:
    """Snapshot the in-process moto to a file, start a new empty moto, load it back."""
    path = persistence.snapshot_path(str(tmp_path))
    persistence.write_file(path, persistence.dumps(persistence.capture()), {})
    return path


def load(path: str) -> None:
    _, payload = persistence.read_payload(path)
    persistence.install(persistence.loads(payload))


def test_a_restore_drops_expired_items_keeps_the_rest_and_resumes_the_stream_where_its_reader_was(tmp_path, keeper):
    from resource_api.core import table

    now = time.time()
    with mock_aws():
        ddb, streams, _ = clients()
        ddb.create_table(**table.create_table_request("t"))
        ddb.update_time_to_live(TableName="t", TimeToLiveSpecification={"Enabled": True,
                                                                        "AttributeName": table.TTL_ATTRIBUTE})
        ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "expires_at": {"N": str(int(now) - 5)}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "2"}, "expires_at": {"N": str(int(now) + 3600)}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "b"}, "sk": {"S": "1"}, "entity": {"S": "resource"}})
        arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        first = streams.get_records(ShardIterator=it, Limit=2)  # the reader processed two records...
        streams.get_records(ShardIterator=first["NextShardIterator"], Limit=100)  # ...and was handed the third
        ddb.put_item(TableName="t", Item={"pk": {"S": "c"}, "sk": {"S": "1"}})  # committed, never read
        path = saved_and_restored(tmp_path)
    with mock_aws():
        load(path)
        assert persistence.purge_expired(time.time()) == 1
        assert persistence.trim_streams() == 2  # the record in hand at the stop, and the one never read
        ddb, streams, _ = clients()
        keys = sorted((i["pk"]["S"], i["sk"]["S"]) for i in ddb.scan(TableName="t")["Items"])
        assert keys == [("a", "2"), ("b", "1"), ("c", "1")]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=it, Limit=100)["Records"]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["b", "c"]
        ddb.put_item(TableName="t", Item={"pk": {"S": "d"}, "sk": {"S": "1"}})  # the stream goes on
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in streams.get_records(ShardIterator=it)["Records"]] == [
            "b", "c", "d"]
        assert persistence.summarize()["items"] == {"resource": 1, "other": 3}


def test_a_message_whose_consumer_died_comes_back_at_once_a_scheduled_retry_keeps_its_time(tmp_path, keeper):
    with mock_aws():
        _, _, sqs = clients()
        url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "360"})["QueueUrl"]
        for body in ("in hand", "retry later", "waiting", "delayed"):
            sqs.send_message(QueueUrl=url, MessageBody=body, **({"DelaySeconds": 600} if body == "delayed" else {}))
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in got) == ["in hand", "retry later", "waiting"]
        retry = next(m for m in got if m["Body"] == "retry later")
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=retry["ReceiptHandle"], VisibilityTimeout=600)
        waiting = next(m for m in got if m["Body"] == "waiting")
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=waiting["ReceiptHandle"], VisibilityTimeout=0)
        path = saved_and_restored(tmp_path)
    with mock_aws():
        load(path)
        assert persistence.release_received_messages(time.time() * 1000) == (4, 1)
        _, _, sqs = clients()
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
        assert sorted(m["Body"] for m in got) == ["in hand", "waiting"]
        assert all(m["Attributes"]["ApproximateReceiveCount"] == "2" for m in got)  # the lost receive counts


DEFINITION = json.dumps({"StartAt": "One", "States": {
    "One": {"Type": "Pass", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Two"},
    "Two": {"Type": "Choice", "Choices": [], "Default": "Done"},
    "Done": {"Type": "Succeed"},
}})


def entered(name: str, value: object) -> dict:
    return {"type": "PassStateEntered", "stateEnteredEventDetails": {"name": name, "input": json.dumps(value)}}


def exited(name: str, value: object) -> dict:
    return {"type": "PassStateExited", "stateExitedEventDetails": {"name": name, "output": json.dumps(value)}}


@pytest.mark.parametrize("history,point", [
    ([], None),
    ([entered("One", {"a": 1})], ("One", {"a": 1})),  # inside a state: that state again, with its input
    ([entered("One", {"a": 1}), exited("One", {"b": 2})], ("Wait", {"b": 2})),  # between: the next one
    ([entered("Two", {"c": 3}), exited("Two", {"c": 3})], ("Two", {"c": 3})),  # a Choice is decided again
    ([entered("One", {}), exited("One", {}), entered("Inner", {"x": 1})], ("Wait", {})),  # nested: ignored
])
def test_a_running_execution_resumes_at_the_state_it_had_reached(history, point):
    assert persistence.resume_point(DEFINITION, history) == point


@pytest.mark.parametrize("target,body,changes", [
    ("DynamoDB_20120810.GetItem", b"{}", False),
    ("DynamoDB_20120810.Query", b"{}", False),
    ("DynamoDB_20120810.TransactWriteItems", b"{}", True),
    ("DynamoDBStreams_20120810.GetRecords", b"{}", False),  # the patched get_records counts a move
    ("AmazonSQS.ReceiveMessage", b'{"Messages": []}', False),
    ("AmazonSQS.ReceiveMessage", b'{"Messages": [{"ReceiptHandle": "x"}]}', True),
    ("AWSStepFunctions.StartExecution", b"{}", True),
    ("", b"", True),
])
def test_only_requests_that_change_something_call_for_a_snapshot(target, body, changes):
    assert persistence.Persistence.changes_state(target, body) is changes
