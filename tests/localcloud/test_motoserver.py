"""The local moto server (localcloud/motoserver.py): the shim's AWS behaviour (a cancelled
transaction leaves the table and its stream as they were, and the stream flowing), which
moto as installed still lacks; keep-alive connections; and what it says when a patch
cannot apply. Patched moto only ever runs in child processes, so the patches stay out of
the other tests' moto."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")])}

CANCELLED = r"""
import json, os, sys, boto3
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
from moto import mock_aws
from localcloud import motopatches
from resource_api.core import table as schema

mode = sys.argv[1]
if mode == "shim":
    motopatches.apply_shims()
elif mode == "shim+speedups":
    from localcloud.motoserver import keep_stream_on_rollback
    keep_stream_on_rollback()  # what in-process tests use: the shim and the item-level rollback
    assert motopatches.applied("item_level_rollback")
seen = {}
with mock_aws():
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(**schema.create_table_request("t"))
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "x": {"N": "0"}})
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def read(iterator):
        resp = streams.get_records(ShardIterator=iterator)
        return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in resp["Records"]], resp["NextShardIterator"]

    # a poller's iterator, as the local cloud's stream poller holds one
    seen["before"], polled = read(streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
    update = {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
              "UpdateExpression": "SET x = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    new = {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}}
    failing = {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "zz"}, "sk": {"S": "1"}},
               "ConditionExpression": "attribute_exists(pk)"}}
    try:
        ddb.transact_write_items(TransactItems=[update, new, failing])
        seen["cancelled"] = False
    except ddb.exceptions.TransactionCanceledException as e:
        seen["cancelled"] = [r["Code"] for r in e.response["CancellationReasons"]]
    seen["x"] = ddb.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]["x"]
    seen["b"] = "Item" in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}, "sk": {"S": "1"}})
    seen["after cancel"], polled = read(polled)
    ddb.transact_write_items(TransactItems=[update, new])
    ddb.put_item(TableName="t", Item={"pk": {"S": "c"}, "sk": {"S": "1"}})
    seen["after commit"], polled = read(polled)
    fresh = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    seen["whole stream"] = read(fresh)[0]
print(json.dumps(seen))
"""

AWS = {  # what DynamoDB does
    "before": [["INSERT", "a"]],
    "cancelled": ["None", "None", "ConditionalCheckFailed"],
    "x": {"N": "0"},  # the update was rolled back
    "b": False,  # so was the new item
    "after cancel": [],  # a cancelled transaction writes no stream record
    "after commit": [["MODIFY", "a"], ["INSERT", "b"], ["INSERT", "c"]],  # the open iterator reads on
    "whole stream": [["INSERT", "a"], ["MODIFY", "a"], ["INSERT", "b"], ["INSERT", "c"]],
}


def _cancelled(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CANCELLED, mode], cwd=ROOT, env=ENV, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize("mode", ["shim", "shim+speedups"])
def test_a_cancelled_transaction_leaves_the_table_and_its_stream_as_dynamodb_does(mode):
    assert _cancelled(mode) == AWS


def test_moto_as_installed_still_needs_the_shim():
    seen = _cancelled("moto")
    assert seen["x"] == AWS["x"] and seen["b"] is False  # moto does roll the items back
    assert seen != AWS, "moto now keeps the stream across a cancelled transaction: the shim can go"
    # what it does instead: the open iterator shows the cancelled writes, then nothing more
    assert seen["after cancel"] == [["MODIFY", "a"], ["INSERT", "b"]] and seen["after commit"] == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(code: str, port: int) -> subprocess.Popen:
    """A moto server process, `code` run first; stderr kept for the test to read."""
    script = f"import sys\n{code}\nfrom localcloud import motoserver\nsys.argv = ['motoserver', '-p', '{port}']\n" \
             "motoserver.main()\n"
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _wait_until_listening(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "moto server did not start"
            time.sleep(0.1)


def _request(conn: http.client.HTTPConnection, target: str, body: dict, headers: dict | None = None):
    payload = json.dumps(body).encode()
    conn.request("POST", "/", body=payload, headers={
        "X-Amz-Target": target,
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=x",
        **(headers or {}),
    })
    resp = conn.getresponse()
    return resp.status, dict(resp.getheaders()), json.loads(resp.read() or b"{}")


def test_the_server_keeps_connections_alive_and_answers_each_request_in_turn():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "localcloud.motoserver", "-p", str(port)], cwd=ROOT, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_listening(proc, port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, headers, body = _request(conn, "DynamoDB_20120810.CreateTable", {
            "TableName": "k", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        })
        assert status == 200, body
        sock = conn.sock
        assert headers.get("Connection") != "close" and headers.get("Access-Control-Allow-Origin") == "*"
        for i in range(20):
            item = {"pk": {"S": f"k{i}"}, "v": {"S": "x" * (i * 100)}}
            assert _request(conn, "DynamoDB_20120810.PutItem", {"TableName": "k", "Item": item})[0] == 200
            status, _, body = _request(conn, "DynamoDB_20120810.GetItem", {"TableName": "k", "Key": {"pk": {"S": f"k{i}"}}})
            assert status == 200 and body["Item"] == item
        status, headers, body = _request(conn, "DynamoDB_20120810.GetItem", {"TableName": "nope", "Key": {"pk": {"S": "a"}}})
        assert status == 400 and body["__type"].endswith("ResourceNotFoundException")
        assert conn.sock is sock  # one connection throughout
        status, headers, _ = _request(conn, "DynamoDB_20120810.ListTables", {}, {"Connection": "close"})
        assert status == 200 and headers.get("Connection") == "close"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_on_another_moto_version_the_server_says_which_speed_ups_it_skipped_and_serves_as_moto(tmp_path):
    requirements = tmp_path / "requirements-dev.txt"
    requirements.write_text("moto[server]==0.0.1\n")
    port = _free_port()
    proc = _start(f"from localcloud.motopatches import registry\nregistry.REQUIREMENTS = {str(requirements)!r}", port)
    try:
        _wait_until_listening(proc, port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, headers, _ = _request(conn, "DynamoDB_20120810.ListTables", {})
        assert status == 200 and headers.get("Connection") == "close"  # werkzeug's own handler: no keep-alive
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert "MotoPatchWarning: moto speed-ups skipped" in stderr and "pins 0.0.1" in stderr
    from localcloud.motopatches import registry

    for patch in registry.SPEEDUPS:
        assert patch.name in stderr
    assert " * Running on" not in stderr  # only what is worth reading


def test_a_shim_that_cannot_apply_stops_the_server_with_the_reason():
    port = _free_port()
    broken = ("import dataclasses\nfrom localcloud.motopatches import registry\n"
              "registry.SHIMS[0] = dataclasses.replace(registry.SHIMS[0], targets=('moto.dynamodb.models:Gone',))")
    proc = _start(broken, port)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "MotoShimError: moto shim 'stream_survives_cancelled_transactions' cannot apply" in stderr
    assert "moto.dynamodb.models:Gone not found" in stderr


SQS_RACE = r"""
import json, sys, threading
from localcloud import motopatches
if sys.argv[1] == "shim":
    motopatches.apply_shims()
from moto.sqs.models import Message, Queue

appended = threading.Event()
armed = []

class Observed(Queue):
    __module__ = "moto.sqs.models"  # moto names a model's backend after its module
    # moto's Queue, with a SendMessage arriving just as delete_message swaps in the rebuilt list
    @property
    def _messages(self):
        return self.__dict__["_m"]

    @_messages.setter
    def _messages(self, value):
        if armed:
            armed.clear()
            threading.Thread(target=lambda: (self.add_message(late), appended.set())).start()
            appended.wait(1.0)  # without the lock it lands at once; with it, it waits for the delete
        self.__dict__["_m"] = value

queue = Observed("q", "us-east-1", "123456789012")
first = Message("m1", "first")
first.receipt_handle = "rh1"
queue.add_message(first)
late = Message("m2", "sent during the delete")
armed.append(True)
queue.delete_message("rh1")
appended.wait(5)
print(json.dumps([m.body for m in queue._messages]))
"""


def _script(script: str, mode: str) -> list:
    """What `script` prints (JSON), run in a child with the shims ("shim") or moto as installed."""
    out = subprocess.run([sys.executable, "-c", script, mode], cwd=ROOT, env=ENV, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def _sqs_race(mode: str) -> list:
    return _script(SQS_RACE, mode)


def test_a_message_sent_during_a_delete_is_kept_as_sqs_keeps_it():
    assert _sqs_race("shim") == ["sent during the delete"]


def test_moto_as_installed_still_drops_a_message_sent_during_a_delete():
    assert _sqs_race("moto") == [], "moto now keeps a message sent during a delete: the shim can go"


def test_the_stream_poller_reads_records_as_boto3_does_from_the_local_server(monkeypatch):
    """The local stream poller reads GetRecords as JSON (localcloud/pollers.py RawGetRecords):
    the records Lambda's event would carry are the ones boto3 reads, from the same server."""
    import boto3

    from localcloud.pollers import RawGetRecords, _stream_record
    from resource_api import stream
    from resource_api.core import table as schema

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "localcloud.motoserver", "-p", str(port)], cwd=ROOT, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_listening(proc, port)
        url = f"http://127.0.0.1:{port}"
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        ddb = boto3.client("dynamodb", endpoint_url=url)
        streams = boto3.client("dynamodbstreams", endpoint_url=url)
        ddb.create_table(**schema.create_table_request("t"))
        item = {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1.5"}, "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}]}}},
                "ss": {"SS": ["p", "q"]}, "ok": {"BOOL": False}}
        ddb.put_item(TableName="t", Item=item)
        ddb.update_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}}, UpdateExpression="ADD n :d",
                        ExpressionAttributeValues={":d": {"N": "2"}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "b"}, "sk": {"S": "2"}})
        ddb.delete_item(TableName="t", Key={"pk": {"S": "b"}, "sk": {"S": "2"}})
        arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

        def iterator() -> str:
            return streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

        by_boto3 = streams.get_records(ShardIterator=iterator(), Limit=100)
        raw = RawGetRecords.for_endpoint(url)
        assert raw is not None and RawGetRecords.for_endpoint(None) is None
        by_json = raw.get_records(iterator(), 100)
        expected = [_stream_record(r, arn) for r in by_boto3["Records"]]
        assert [r["eventName"] for r in expected] == ["INSERT", "MODIFY", "INSERT", "REMOVE"]
        assert [_stream_record(r, arn) for r in by_json["Records"]] == expected
        assert by_json["Records"][1]["dynamodb"]["NewImage"]["n"] == {"N": "3.5"}
        assert raw.get_records(by_json["NextShardIterator"], 100)["Records"] == []

        # The poller's reads carry the event source mapping's filter (speed-up
        # filtered_stream_reads): the server answers what the filter lets through, how many
        # it read, and an iterator past all of them.
        ddb.put_item(TableName="t", Item={"pk": {"S": "c"}, "sk": {"S": "3"}, "entity": {"S": "resource"}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "d"}, "sk": {"S": "4"}, "entity": {"S": "request_log"}})
        everything = [_stream_record(r, arn) for r in streams.get_records(ShardIterator=iterator(), Limit=100)["Records"]]
        filtered = raw.get_records(iterator(), 100, stream.FILTERS)
        assert filtered[RawGetRecords.READ] == len(everything) == 6
        assert [_stream_record(r, arn) for r in filtered["Records"]] == [r for r in everything if stream.accepts(r)]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in filtered["Records"]] == ["c"]
        assert raw.get_records(filtered["NextShardIterator"], 100, stream.FILTERS)[RawGetRecords.READ] == 0
        first_two = raw.get_records(iterator(), 2, stream.FILTERS)
        assert (first_two["Records"], first_two[RawGetRecords.READ]) == ([], 2)
        assert raw.get_records(first_two["NextShardIterator"], 100)["Records"] == raw.get_records(iterator(), 100)["Records"][2:]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


SQS_FAIR = r"""
import json, sys
from localcloud import motopatches
if sys.argv[1] == "shim":
    motopatches.apply_shims()
import boto3
from moto import mock_aws

with mock_aws():
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="fair")["QueueUrl"]
    def send(group, n):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"{group} {i}", "MessageGroupId": group} for i in range(n)])
    send("noisy", 10)
    taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=4)["Messages"]  # in flight
    sqs.send_message(QueueUrl=url, MessageBody="quiet 0", MessageGroupId="quiet")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    print(json.dumps([m["Body"] for m in taken] + ["|"] + [m["Body"] for m in got]))
"""


def _sqs_fair(mode: str) -> list:
    return _script(SQS_FAIR, mode)


def test_a_quiet_groups_message_goes_before_another_groups_backlog_as_an_sqs_fair_queue_hands_it_out():
    """Four of the noisy group's ten messages in flight, then one of a quiet group: the
    next receive hands out the quiet group's message first, then the noisy backlog's oldest."""
    assert _sqs_fair("shim") == ["noisy 0", "noisy 1", "noisy 2", "noisy 3", "|", "quiet 0", "noisy 4"]


def test_moto_as_installed_still_hands_out_the_oldest_message_first():
    assert _sqs_fair("moto")[-2:] == ["noisy 4", "noisy 5"], "moto now orders a fair queue: the shim can go"


def test_opstats_counts_each_operation_and_passes_the_answer_through(tmp_path):
    """MOTO_OPSTATS (the development switch bench/pipeline.py --opstats reads): every
    request counted under its operation, a Step Functions task's in-process call apart,
    and the application's answer handed on unchanged."""
    from localcloud.motoserver import OpStats

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        return iter([b"o", b"k"])

    path = str(tmp_path / "ops.json")
    stats = OpStats(path, app)
    answers = [b"".join(stats({"HTTP_X_AMZ_TARGET": target, "REMOTE_PORT": port, "REQUEST_METHOD": "GET",
                               "PATH_INFO": "/moto-api/"}, lambda *a: None))
               for target, port in (("DynamoDB_20120810.GetItem", 5), ("DynamoDB_20120810.GetItem", 6),
                                    ("DynamoDB_20120810.GetItem", 0), ("", 7))]
    assert answers == [b"ok"] * 4
    stats.dump()
    with open(path) as f:
        ops = json.load(f)["ops"]
    assert {k: v["count"] for k, v in ops.items()} == {
        "DynamoDB_20120810.GetItem": 2, "task DynamoDB_20120810.GetItem": 1, "GET /moto-api/": 1}
