"""The local moto server's speed-ups (localcloud/motopatches.py, the keep-alive request
handler and the DynamoDB route of localcloud/motoserver.py) answer exactly as moto does.

The same scripted DynamoDB session runs twice in child processes (so the patches stay
out of the other tests' moto): with moto as installed and with the patches applied; every
answer (items of every type, updates, conditions, errors, queries with paging, index
queries, transactions, stream records) must be the same. Then a real server is asked over
one kept-alive connection."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SESSION = r"""
import json, os, sys
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from resource_api.core import table as schema

if sys.argv[1] == "patched":
    from localcloud import motopatches
    from localcloud.motoserver import keep_stream_on_rollback
    keep_stream_on_rollback()
    motopatches.apply()
elif sys.argv[1] == "rollback-only":
    from localcloud.motoserver import keep_stream_on_rollback
    keep_stream_on_rollback()

VOLATILE = {"CreationDateTime", "ApproximateCreationDateTime", "eventID", "RequestId", "HTTPHeaders",
            "LatestStreamLabel", "LatestStreamArn", "StreamArn", "TableId", "TableArn", "IndexArn",
            "LastEvaluatedShardId", "SequenceNumber", "NextShardIterator", "ShardIterator", "StartingSequenceNumber",
            "StreamLabel", "RetryAttempts",
            "SizeBytes"}  # of a stream record: the length of its JSON, timestamp included

def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, bytes):
        return "bytes:" + value.hex()
    return value

out = []
def call(fn, **kwargs):
    try:
        out.append(clean(fn(**kwargs)))
    except ClientError as e:
        out.append({"error": e.response["Error"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]})

with mock_aws():
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(**schema.create_table_request("t"))
    T = "t"
    rich = {
        "pk": {"S": "acct#1"}, "sk": {"S": "res#000"}, "s": {"S": "text é"}, "empty": {"S": ""},
        "n": {"N": "12.50"}, "neg": {"N": "-3"}, "b": {"B": bytes([0, 1, 2, 255])},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"x", b"\x00y"]},
        "t": {"BOOL": True}, "f": {"BOOL": False}, "null": {"NULL": True},
        "m": {"M": {"inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}, {"M": {}}, {"L": []}]}}},
                    "e": {"M": {}}, "flag": {"BOOL": False}}},
        "l": {"L": [{"S": "a"}, {"L": [{"N": "2"}, {"B": b"z"}]}, {"SS": ["q"]}, {"BOOL": True}]},
        "gsi1pk": {"S": "status#active"}, "gsi1sk": {"S": "res#000"},
    }
    call(ddb.put_item, TableName=T, Item=rich)
    call(ddb.get_item, TableName=T, Key={"pk": rich["pk"], "sk": rich["sk"]})
    call(ddb.get_item, TableName=T, Key={"pk": rich["pk"], "sk": rich["sk"]}, ProjectionExpression="m.inner, l[1], #s",
         ExpressionAttributeNames={"#s": "s"})
    call(ddb.put_item, TableName=T, Item={**rich, "s": {"S": "changed"}}, ReturnValues="ALL_OLD")
    call(ddb.put_item, TableName=T, Item=rich, ConditionExpression="attribute_not_exists(pk)")
    call(ddb.put_item, TableName=T, Item=rich, ConditionExpression="attribute_not_exists(pk)",
         ReturnValuesOnConditionCheckFailure="ALL_OLD")
    for i in range(1, 25):
        call(ddb.put_item, TableName=T, Item={"pk": {"S": "acct#1"}, "sk": {"S": f"res#{i:03d}"}, "n": {"N": str(i)},
             "gsi1pk": {"S": "status#active" if i % 2 else "status#pending"}, "gsi1sk": {"S": f"res#{i:03d}"}})
        call(ddb.put_item, TableName=T, Item={"pk": {"S": f"acct#{i + 1}"}, "sk": {"S": "res#000"}, "n": {"N": str(i)}})
    updates = [
        ("ADD used :n, #cur :n SET expires_at = :exp REMOVE #stale", {"#cur": "w1", "#stale": "w0"},
         {":n": {"N": "1"}, ":exp": {"N": "99"}}),
        ("ADD used :n, #cur :n SET expires_at = :exp REMOVE #stale", {"#cur": "w2", "#stale": "w1"},
         {":n": {"N": "1"}, ":exp": {"N": "100"}}),
        ("SET m.inner.deep[0] = :v, l = list_append(l, :more), cnt = if_not_exists(cnt, :zero) + :one",
         None, {":v": {"S": "y"}, ":more": {"L": [{"N": "9"}]}, ":zero": {"N": "0"}, ":one": {"N": "1"}}),
        ("SET cnt = cnt - :one, #a.#b = :v DELETE ss :gone", {"#a": "m", "#b": "flag"},
         {":one": {"N": "1"}, ":v": {"BOOL": True}, ":gone": {"SS": ["a"]}}),
        ("REMOVE l[0], l[2], m.e", None, None),
        ("SET missing.path = :v", None, {":v": {"S": "x"}}),
        ("SET pk = :v", None, {":v": {"S": "x"}}),
        ("SET a = :v, a = :v", None, {":v": {"S": "x"}}),
        ("SET nope = :undefined", None, {":v": {"S": "x"}}),
        ("ADD ss :n", None, {":n": {"N": "1"}}),
        ("SET #s = :s", {"#s": "s"}, {":s": {"S": ""}}),
    ]
    for expression, names, values in updates:
        for returns in ("ALL_NEW", "UPDATED_OLD"):
            kwargs = {"TableName": T, "Key": {"pk": rich["pk"], "sk": rich["sk"]}, "UpdateExpression": expression,
                      "ReturnValues": returns}
            if names:
                kwargs["ExpressionAttributeNames"] = names
            if values:
                kwargs["ExpressionAttributeValues"] = values
            call(ddb.update_item, **kwargs)
    call(ddb.update_item, TableName=T, Key={"pk": {"S": "acct#1"}, "sk": {"S": "res#001"}},
         UpdateExpression="SET n = :n", ConditionExpression="n = :old",
         ExpressionAttributeValues={":n": {"N": "5"}, ":old": {"N": "7"}})
    for kwargs in (
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "acct#1"}}},
        {"KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi", "Limit": 5,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":lo": {"S": "res#003"}, ":hi": {"S": "res#020"}}},
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :b)", "ScanIndexForward": False, "Limit": 4,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":b": {"S": "res#01"}}},
        {"KeyConditionExpression": "pk = :p", "FilterExpression": "n > :three", "Limit": 7,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":three": {"N": "3"}}},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "acct#7"}}},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}},
        {"KeyConditionExpression": "pk = :p", "Select": "COUNT", "ExpressionAttributeValues": {":p": {"S": "acct#1"}}},
        {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p", "Limit": 6,
         "ExpressionAttributeValues": {":p": {"S": "status#active"}}},
        {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p AND gsi1sk > :s", "ScanIndexForward": False,
         "ExpressionAttributeValues": {":p": {"S": "status#pending"}, ":s": {"S": "res#010"}}},
    ):
        kwargs = {"TableName": T, **kwargs}
        pages = 0
        while pages < 10:
            pages += 1
            try:
                resp = ddb.query(**kwargs)
            except ClientError as e:
                out.append({"error": e.response["Error"]})
                break
            out.append(clean(resp))
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    key = {"pk": {"S": "acct#1"}, "sk": {"S": "counter"}}
    ok = [
        {"Put": {"TableName": T, "Item": {"pk": {"S": "acct#1"}, "sk": {"S": "res#100"}, "m": rich["m"]},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": T, "Key": key, "UpdateExpression": "ADD #c :one",
                    "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ]
    call(ddb.transact_write_items, TransactItems=ok)
    call(ddb.transact_write_items, TransactItems=ok)  # the Put's condition fails: cancelled
    call(ddb.transact_write_items, TransactItems=[
        {"ConditionCheck": {"TableName": T, "Key": key, "ConditionExpression": "#c = :one",
                            "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Delete": {"TableName": T, "Key": {"pk": {"S": "acct#1"}, "sk": {"S": "res#100"}}}},
    ])
    call(ddb.get_item, TableName=T, Key=key)
    call(ddb.batch_get_item, RequestItems={T: {"Keys": [{"pk": rich["pk"], "sk": rich["sk"]}, key]}})
    call(ddb.delete_item, TableName=T, Key={"pk": rich["pk"], "sk": rich["sk"]}, ReturnValues="ALL_OLD")
    call(ddb.get_item, TableName="missing", Key=key)
    # the 400 KB item limit, reached by one attribute and by the last of many
    call(ddb.put_item, TableName=T, Item={"pk": {"S": "big"}, "sk": {"S": "one"}, "v": {"S": "x" * 406000}})
    many = {"pk": {"S": "big"}, "sk": {"S": "many"}, **{f"a{i:03d}": {"S": "y" * 4000} for i in range(100)}}
    call(ddb.put_item, TableName=T, Item=many)
    call(ddb.put_item, TableName=T, Item={**many, "a100": {"S": "y" * 4000}, "a101": {"S": "y" * 4000}})
    call(ddb.get_item, TableName=T, Key={"pk": {"S": "big"}, "sk": {"S": "many"}}, ProjectionExpression="a099, pk")
    call(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": T, "Item": {**many, "sk": {"S": "many2"}, "n": {"N": "1"}, "m": {"M": {"k": {"L": [{"S": "z"}]}}}}}},
    ])
    call(ddb.get_item, TableName=T, Key={"pk": {"S": "big"}, "sk": {"S": "many2"}}, ProjectionExpression="n, m")
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = ddb.describe_table(TableName=T)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while it:
        resp = streams.get_records(ShardIterator=it, Limit=40)
        if not resp["Records"]:
            break
        out.append(clean(resp["Records"]))
        it = resp.get("NextShardIterator")
print(json.dumps(out, sort_keys=True))
"""


def _session(mode: str) -> list:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")])}
    out = subprocess.run([sys.executable, "-c", SESSION, mode], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_patched_moto_answers_a_dynamodb_session_exactly_as_moto_does():
    plain, patched = _session("rollback-only"), _session("patched")
    assert len(plain) == len(patched) > 100
    for i, (a, b) in enumerate(zip(plain, patched)):
        assert a == b, f"answer {i} differs:\n{json.dumps(a)[:1500]}\n{json.dumps(b)[:1500]}"
    # the session did reach what it is meant to cover
    text = json.dumps(plain)
    for needle in ('"BS"', '"NULL"', '"LastEvaluatedKey"', "ConditionalCheckFailedException",
                   "TransactionCanceledException", "ValidationException", '"OldImage"', '"Count"',
                   "Item size has exceeded the maximum allowed size"):
        assert needle in text, needle


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")])}
    proc = subprocess.Popen([sys.executable, "-m", "localcloud.motoserver", "-p", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "moto server did not start"
                time.sleep(0.1)
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
