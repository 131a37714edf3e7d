"""Scripted moto sessions for the speed-up comparison (tests/localcloud/test_motopatches.py),
run in a child process so the patches stay out of the test process's moto:

    python tests/localcloud/moto_sessions.py dynamodb|stepfunctions|server

applies the shims, runs the session, then applies the speed-ups registered for that
session one at a time (registry order), running the session again after each. It prints
{"moto": version, "steps": [[name, status, answers], ...]}; the first step is "shims only".
A speed-up changed an answer if its step's answers differ from the step before it.

- dynamodb: in-process moto; items of every type, updates (and failing ones), conditions,
  queries with paging, index queries, transactions (and cancelled ones), the 400 KB
  limit, stream records;
- stepfunctions: in-process moto running an ASL document (JSONPath in every field that
  takes one, DynamoDB tasks optimised and aws-sdk, Choice, Map, Retry and Catch) several
  times: execution outputs, errors, histories and the table afterwards;
- server: the dynamodb session over HTTP against the local moto server's app (every
  other speed-up applied), restarted for each server-level speed-up;
- stepfunctions_server: the stepfunctions session against the local moto server's app
  (every other speed-up applied), its tasks calling back into that server;
- wire: raw HTTP requests to the local moto server (every speed-up of the other sessions
  applied), DynamoDB, DynamoDB Streams, SQS and Step Functions in their JSON protocol,
  well-formed and not (bodies that are not JSON or not UTF-8, odd AttributeValues,
  unknown operations, a compressed body, a query string, no signature, another
  account or region): each answer's status line, headers in order and body as sent,
  with only request ids, dates and checksums of bodies holding them blanked.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _p in (ROOT, os.path.join(ROOT, "layers", "shared", "python")):
    if _p not in sys.path:
        sys.path.insert(0, _p)
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"  # in-process streams (platform-facts.md)
for _k, _v in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
               ("AWS_DEFAULT_REGION", "us-east-1")):
    os.environ[_k] = _v
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

VOLATILE = {"CreationDateTime", "ApproximateCreationDateTime", "eventID", "RequestId", "HTTPHeaders",
            "LatestStreamLabel", "LatestStreamArn", "StreamArn", "TableId", "TableArn", "IndexArn",
            "LastEvaluatedShardId", "SequenceNumber", "NextShardIterator", "ShardIterator", "StartingSequenceNumber",
            "StreamLabel", "RetryAttempts", "timestamp", "startDate", "stopDate", "redriveDate",
            "SizeBytes"}  # of a stream record: the length of its JSON, timestamp included


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, bytes):
        return "bytes:" + value.hex()
    if hasattr(value, "isoformat"):
        return "<time>"
    if isinstance(value, str):  # a task's error cause quotes the request id moto drew
        return re.sub(r"Request ID: [^;]*", "Request ID: <id>", value)
    return value


class Recorder:
    def __init__(self) -> None:
        self.out: list = []

    def call(self, fn, **kwargs):
        try:
            self.out.append(clean(fn(**kwargs)))
        except ClientError as e:
            self.out.append({"error": e.response["Error"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]})
        except (KeyError, ValueError, TypeError) as e:  # what in-process moto raises for some bad input
            self.out.append({"raised": type(e).__name__, "message": str(e)})


def dynamodb_session(client) -> list:
    from resource_api.core import table as schema

    r = Recorder()
    call = r.call
    ddb = client("dynamodb")
    from moto.moto_api._internal import mock_random

    mock_random.seed(20)  # request ids are drawn from moto's random: seeded, they are the same every run
    r.out.append({"seeded request ids": [ddb.list_tables()["ResponseMetadata"]["RequestId"] for _ in range(3)]})
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
    for _ in range(2):  # the second time, what was kept per expression is used
        for expression, names, values in updates:
            for returns in ("ALL_NEW", "UPDATED_OLD"):
                kwargs = {"TableName": T, "Key": {"pk": rich["pk"], "sk": rich["sk"]},
                          "UpdateExpression": expression, "ReturnValues": returns}
                if names:
                    kwargs["ExpressionAttributeNames"] = names
                if values:
                    kwargs["ExpressionAttributeValues"] = values
                call(ddb.update_item, **kwargs)
    conditioned = {"pk": {"S": "acct#1"}, "sk": {"S": "res#003"}, "n": {"N": "3"}, "s": {"S": "text"},
                   "ss": {"SS": ["a"]}, "b": {"B": b"x"}, "gsi1pk": {"S": "status#active"}, "gsi1sk": {"S": "res#003"}}
    for _ in range(2):  # the second time, what was kept per expression is used
        for condition, names, values in (
            ("attribute_exists(#nope)", None, None),  # a name that is not given
            ("n = :missing", None, {":v": {"N": "1"}}),  # a value that is not given
            ("n = = :v", None, {":v": {"N": "1"}}),  # not an expression
            ("n = :v", None, {":v": {"N": "3"}}),
            ("n = :v", None, {":v": {"N": "4"}}),  # the same expression, another value: fails
            ("n = :v", {"#unused": "x"}, {":v": {"N": "3"}}),  # a name given and not used
            ("#n BETWEEN :a AND :b AND begins_with(s, :p)", {"#n": "n"},
             {":a": {"N": "0"}, ":b": {"N": "100"}, ":p": {"S": "te"}}),
            ("size(ss) > :z OR contains(ss, :a) AND b = :b", None, {":z": {"N": "5"}, ":a": {"S": "a"}, ":b": {"B": b"x"}}),
            ("NOT (attribute_type(n, :t) AND n IN (:x, :y))", None, {":t": {"S": "N"}, ":x": {"N": "3"}, ":y": {"N": "9"}}),
        ):
            kwargs = {"TableName": T, "Item": conditioned, "ConditionExpression": condition}
            if names:
                kwargs["ExpressionAttributeNames"] = names
            if values:
                kwargs["ExpressionAttributeValues"] = values
            call(ddb.put_item, **kwargs)
    call(ddb.update_item, TableName=T, Key={"pk": {"S": "acct#1"}, "sk": {"S": "res#001"}},
         UpdateExpression="SET n = :n", ConditionExpression="n = :old",
         ExpressionAttributeValues={":n": {"N": "5"}, ":old": {"N": "7"}})
    for kwargs in (
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "acct#1"}}},
        {"KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi", "Limit": 5,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":lo": {"S": "res#003"}, ":hi": {"S": "res#020"}}},
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :b)", "ScanIndexForward": False, "Limit": 4,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":b": {"S": "res#01"}}},
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",  # a few items of a big partition
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":b": {"S": "counter"}}},
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":b": {"S": "zzz"}}},
        {"KeyConditionExpression": "pk = :p AND sk < :x", "Limit": 3, "ScanIndexForward": False,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":x": {"S": "res#010"}}},
        {"KeyConditionExpression": "pk = :p AND sk <= :x", "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":x": {"S": "res#010"}}},
        {"KeyConditionExpression": "pk = :p AND sk > :x", "Limit": 4, "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":x": {"S": "res#010"}}},
        {"KeyConditionExpression": "pk = :p AND sk >= :x", "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":x": {"S": "res#010"}}},
        {"KeyConditionExpression": "pk = :p AND sk = :x", "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":x": {"S": "res#010"}}},
        {"KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi", "ScanIndexForward": False, "Limit": 3,
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":lo": {"S": "res#"}, ":hi": {"S": "res#0~"}}},
        {"KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",  # an empty range
         "ExpressionAttributeValues": {":p": {"S": "acct#1"}, ":lo": {"S": "res#020"}, ":hi": {"S": "res#003"}}},
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
                r.out.append({"error": e.response["Error"]})
                break
            r.out.append(clean(resp))
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
    call(ddb.transact_write_items, TransactItems=[  # cancelled after an update and a new item were written
        {"Update": {"TableName": T, "Key": key, "UpdateExpression": "ADD #c :one",
                    "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Put": {"TableName": T, "Item": {"pk": {"S": "acct#1"}, "sk": {"S": "res#101"}}}},
        {"ConditionCheck": {"TableName": T, "Key": {"pk": {"S": "nobody"}, "sk": {"S": "x"}},
                            "ConditionExpression": "attribute_exists(pk)"}},
    ])
    failing_check = {"ConditionCheck": {"TableName": T, "Key": {"pk": {"S": "nobody"}, "sk": {"S": "x"}},
                                        "ConditionExpression": "attribute_exists(pk)"}}
    call(ddb.transact_write_items, TransactItems=[  # cancelled after an existing item was replaced, another deleted
        {"Put": {"TableName": T, "Item": {"pk": {"S": "acct#1"}, "sk": {"S": "res#005"}, "new": {"BOOL": True}}}},
        {"Delete": {"TableName": T, "Key": {"pk": {"S": "acct#1"}, "sk": {"S": "res#006"}}}},
        failing_check,
    ])
    call(ddb.batch_get_item, RequestItems={T: {"Keys": [{"pk": {"S": "acct#1"}, "sk": {"S": f"res#00{i}"}} for i in (5, 6)]}})
    call(ddb.transact_write_items, TransactItems=[
        {"ConditionCheck": {"TableName": T, "Key": key, "ConditionExpression": "#c = :one",
                            "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Delete": {"TableName": T, "Key": {"pk": {"S": "acct#1"}, "sk": {"S": "res#100"}}}},
    ])
    call(ddb.get_item, TableName=T, Key=key)
    call(ddb.get_item, TableName=T, Key={"pk": {"S": "acct#1"}, "sk": {"S": "res#101"}})
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
        {"Put": {"TableName": T, "Item": {**many, "sk": {"S": "many2"}, "n": {"N": "1"},
                                          "m": {"M": {"k": {"L": [{"S": "z"}]}}}}}},
    ])
    call(ddb.get_item, TableName=T, Key={"pk": {"S": "big"}, "sk": {"S": "many2"}}, ProjectionExpression="n, m")
    streams = client("dynamodbstreams")
    arn = ddb.describe_table(TableName=T)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while it:
        resp = streams.get_records(ShardIterator=it, Limit=40)
        if not resp["Records"]:
            break
        r.out.append(clean(resp["Records"]))
        it = resp.get("NextShardIterator")
    return r.out


ASL = {
    "StartAt": "Shape",
    "States": {
        "Shape": {"Type": "Pass", "Parameters": {"key.$": "$.key", "n.$": "$.n", "tags.$": "$.tags",
                                                 "first.$": "$.tags[0]", "label.$": "States.Format('{}-{}', $.key, $.n)",
                                                 "name.$": "$$.Execution.Name", "const": "c"},
                  "ResultPath": "$.shaped", "Next": "Write"},
        "Write": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": "t", "Key": {"pk": {"S.$": "$.key"}, "sk": {"S": "counter"}},
                "UpdateExpression": "ADD n :n SET label = :label", "ConditionExpression.$": "$.condition",
                "ExpressionAttributeValues": {":n": {"N.$": "States.Format('{}', $.n)"}, ":label": {"S.$": "$.shaped.label"}},
                "ReturnValues": "ALL_NEW",
            },
            "ResultSelector": {"n.$": "$.Attributes.n.N", "label.$": "$.Attributes.label.S"},
            "ResultPath": "$.written",
            "Retry": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "IntervalSeconds": 1,
                       "MaxAttempts": 1, "BackoffRate": 1.0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
            "Next": "Decide",
        },
        "Decide": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"},
            {"And": [{"Variable": "$.tags[0]", "IsPresent": True}, {"Variable": "$.tags[0]", "StringEquals": "x"}],
             "Next": "EachTag"},
        ], "Default": "Read"},
        "Big": {"Type": "Pass", "Result": {"big": True}, "ResultPath": "$.size", "Next": "EachTag"},
        "EachTag": {
            "Type": "Map", "ItemsPath": "$.tags", "MaxConcurrency": 1, "ResultPath": "$.tagged",
            "ItemSelector": {"tag.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "key.$": "$.key"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Tag", "States": {
                "Tag": {
                    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                    "Parameters": {"TableName": "t", "Item": {"pk": {"S.$": "$.key"},
                                                               "sk": {"S.$": "States.Format('tag#{}', $.tag)"}}},
                    "ResultSelector": {"ok": True}, "ResultPath": "$.put", "OutputPath": "$.tag", "End": True,
                },
            }},
            "Next": "Read",
        },
        "Read": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "t", "Key": {"pk": {"S.$": "$.key"}, "sk": {"S": "counter"}}},
            "ResultSelector": {"item.$": "$.Item"}, "ResultPath": "$.read", "OutputPath": "$['read','written','tagged','shaped']",
            "End": True,
        },
        "Failed": {"Type": "Fail", "Error": "WriteFailed", "CausePath": "$.error.Error"},
    },
}


def stepfunctions_session(client) -> list:
    from resource_api.core import table as schema

    r = Recorder()
    ddb, sfn = client("dynamodb"), client("stepfunctions")
    ddb.create_table(**schema.create_table_request("t"))
    machine = sfn.create_state_machine(name="m", definition=json.dumps(ASL),
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    inputs = [
        {"key": "a", "n": 1, "tags": ["x", "y"], "condition": "attribute_not_exists(nothing)"},
        {"key": "a", "n": 7, "tags": ["z"], "condition": "attribute_exists(pk)"},
        {"key": "b", "n": 2, "tags": [], "condition": "attribute_not_exists(nothing)"},
        {"key": "c", "n": 3, "tags": ["x"], "condition": "attribute_exists(pk)"},  # fails: retried, caught
        {"key": "b", "n": 4, "tags": ["x", "w"], "condition": "attribute_not_exists(nothing)"},
    ]
    for i, execution_input in enumerate(inputs):
        arn = sfn.start_execution(stateMachineArn=machine, name=f"e{i}", input=json.dumps(execution_input))["executionArn"]
        deadline = time.monotonic() + 60
        while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "execution still running"
            time.sleep(0.05)
        r.out.append(clean(described))
        history = sfn.get_execution_history(executionArn=arn)["events"]
        r.out.append(clean(history))
    r.call(ddb.scan, TableName="t")
    return r.out


WIRE_VOLATILE = re.compile(
    r'"(CreationDateTime|ApproximateCreationDateTime|LatestStreamLabel|LatestStreamArn|StreamArn|TableArn|TableId|'
    r'eventID|SequenceNumber|StartingSequenceNumber|ShardIterator|NextShardIterator|ShardId|MessageId|ReceiptHandle|'
    r'creationDate|startDate|stopDate|executionArn|IndexArn|SizeBytes|LastEvaluatedShardId|StreamLabel|SentTimestamp|'
    r'CreatedTimestamp|LastModifiedTimestamp|ApproximateFirstReceiveTimestamp)"(\s*:\s*)("[^"]*"|[0-9.eE+-]+)')
WIRE_HEADERS_VOLATILE = {"date", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"}


def _wire_requests() -> list[tuple[str, str, dict[str, str], bytes]]:
    """(path, X-Amz-Target, extra headers, body) in order; each depends on the ones before."""
    from resource_api.core import table as schema

    ddb = "DynamoDB_20120810."
    table = schema.create_table_request("w")
    key = {"pk": {"S": "acct#1"}, "sk": {"S": "res#1"}}
    rich = {**key, "s": {"S": "text é"}, "n": {"N": "12.50"}, "b": {"B": "AAEC/w=="}, "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["eA==", "AHk="]}, "t": {"BOOL": True}, "null": {"NULL": True},
            "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}, {"L": []}]}, "e": {"M": {}}}},
            "gsi1pk": {"S": "status#active"}, "gsi1sk": {"S": "res#1"}}

    def j(value: object) -> bytes:
        return json.dumps(value).encode()

    out: list[tuple[str, str, dict[str, str], bytes]] = [
        ("/", ddb + "CreateTable", {}, j(table)),
        ("/", ddb + "PutItem", {}, j({"TableName": "w", "Item": rich})),
        ("/", ddb + "GetItem", {}, j({"TableName": "w", "Key": key})),
        ("/", ddb + "GetItem", {}, j({"TableName": "w", "Key": key, "ProjectionExpression": "m.inner[2], #s",
                                      "ExpressionAttributeNames": {"#s": "s"}, "ReturnConsumedCapacity": "TOTAL"})),
        ("/", ddb + "PutItem", {}, j({"TableName": "w", "Item": rich, "ConditionExpression": "attribute_not_exists(pk)",
                                      "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})),
        ("/", ddb + "UpdateItem", {}, j({"TableName": "w", "Key": key, "ReturnValues": "ALL_NEW",
                                         "UpdateExpression": "SET cnt = if_not_exists(cnt, :z) + :one ADD ss :more",
                                         "ExpressionAttributeValues": {":z": {"N": "0"}, ":one": {"N": "1"},
                                                                       ":more": {"SS": ["c"]}}})),
        ("/", ddb + "UpdateItem", {}, j({"TableName": "w", "Key": key, "UpdateExpression": "SET pk = :v",
                                         "ExpressionAttributeValues": {":v": {"S": "x"}}})),
        ("/", ddb + "Query", {}, j({"TableName": "w", "KeyConditionExpression": "pk = :p", "Limit": 1,
                                    "ExpressionAttributeValues": {":p": {"S": "acct#1"}}})),
        ("/", ddb + "Query", {}, j({"TableName": "w", "IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                                    "ExpressionAttributeValues": {":p": {"S": "status#active"}}})),
        ("/", ddb + "TransactWriteItems", {}, j({"TransactItems": [
            {"Put": {"TableName": "w", "Item": {"pk": {"S": "acct#1"}, "sk": {"S": "res#2"}, "m": rich["m"]},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": "w", "Key": key, "UpdateExpression": "ADD #c :one",
                        "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}}]})),
        ("/", ddb + "TransactWriteItems", {}, j({"TransactItems": [  # cancelled: the Put's condition fails
            {"Put": {"TableName": "w", "Item": {"pk": {"S": "acct#1"}, "sk": {"S": "res#2"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"ConditionCheck": {"TableName": "w", "Key": key, "ConditionExpression": "attribute_exists(pk)"}}]})),
        ("/", ddb + "DeleteItem", {}, j({"TableName": "w", "Key": {"pk": {"S": "acct#1"}, "sk": {"S": "res#2"}},
                                         "ReturnValues": "ALL_OLD"})),
        ("/", ddb + "BatchGetItem", {}, j({"RequestItems": {"w": {"Keys": [key]}}})),
        ("/", ddb + "DescribeTable", {}, j({"TableName": "w"})),
        ("/", ddb + "ListTables", {}, j({})),
        ("/", ddb + "GetItem", {}, j({"TableName": "missing", "Key": key})),
        ("/", ddb + "GetItem", {}, j({"TableName": "w"})),
        ("/", ddb + "NoSuchOperation", {}, j({"TableName": "w"})),
        ("/", ddb + "GetItem", {}, b'{"TableName": "w", "Key": '),  # not JSON
        ("/", ddb + "GetItem", {}, b""),
        ("/", ddb + "GetItem", {}, b'{"TableName": "w\xff"}'),  # not UTF-8
        ("/", ddb + "GetItem", {}, j({"TableName": "w", "Key": key, "x": "&Action=ListTables&"})),
        ("/", ddb + "GetItem", {}, j({"TableName": "w", "Key": key, "x": "a+b%20c=d"})),
        ("/?x=1", ddb + "GetItem", {}, j({"TableName": "w", "Key": key})),
        ("/", ddb + "GetItem", {"Authorization": ""}, j({"TableName": "w", "Key": key})),
        ("/", ddb + "GetItem", {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-west-2/dynamodb/"
                                                 "aws4_request, SignedHeaders=host, Signature=00"},
         j({"TableName": "w", "Key": key})),
        ("/", ddb + "ListTables", {"x-moto-account-id": "111122223333"}, j({})),
        ("/", ddb + "GetItem", {"Content-Type": "application/json"}, j({"TableName": "w", "Key": key})),
        ("/", ddb + "GetItem", {"Content-Encoding": "gzip"}, j({"TableName": "w", "Key": key})),
        ("/", ddb + "GetItem", {"Origin": "http://example.com"}, j({"TableName": "w", "Key": key})),
        ("/", ddb + "GetItem", {"Accept-Encoding": "identity", "X-Extra_Under": "1"}, j({"TableName": "w", "Key": key})),
    ]
    # AttributeValues the SDKs would not send: each is stored (or refused) as moto's parser makes it
    for n, odd in enumerate([{"S": 5}, {"S": "x", "N": "1"}, {"X": "1"}, {"SS": "abc"}, {"M": {"k": None}},
                             {"L": [None, {"S": "y"}]}, {"B": "!!not base64"}, {"S": None}, {}, [], "text", None,
                             {"NS": [1, 2]}, {"BOOL": "yes"}, {"NULL": False}, {"M": []}, {"L": {}}, {"BS": "eA=="},
                             {"M": {"": {"S": "empty name"}}}, {"L": [{"S": "a", "N": "1"}]}]):
        odd_key = {"pk": {"S": "odd"}, "sk": {"S": f"v{n}"}}
        out.append(("/", ddb + "PutItem", {}, j({"TableName": "w", "Item": {**odd_key, "v": odd}})))
        out.append(("/", ddb + "GetItem", {}, j({"TableName": "w", "Key": odd_key})))
    out.append(("/", ddb + "GetItem", {}, j({"TableName": "w", "Key": {"pk": {"S": "acct#1"}, "sk": 5}})))
    streams = "DynamoDBStreams_20120810."
    out += [
        ("/", streams + "ListStreams", {}, j({"TableName": "w"})),
        ("/", streams + "DescribeStream", {}, j({"StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/nope/stream/x"})),
    ]
    sqs = "AmazonSQS."
    out += [
        ("/", sqs + "CreateQueue", {}, j({"QueueName": "q", "Attributes": {"VisibilityTimeout": "30"}})),
        ("/", sqs + "GetQueueUrl", {}, j({"QueueName": "q"})),
        ("/", sqs + "SendMessage", {}, j({"QueueUrl": "http://localhost/123456789012/q", "MessageBody": "hello é",
                                          "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}}})),
        ("/", sqs + "SendMessageBatch", {}, j({"QueueUrl": "q", "Entries": [{"Id": "1", "MessageBody": "one"},
                                                                             {"Id": "1", "MessageBody": "two"}]})),
        ("/", sqs + "ReceiveMessage", {}, j({"QueueUrl": "http://localhost/123456789012/q", "MaxNumberOfMessages": 10,
                                             "MessageAttributeNames": ["All"], "AttributeNames": ["SentTimestamp"]})),
        ("/", sqs + "GetQueueAttributes", {}, j({"QueueUrl": "q", "AttributeNames": ["VisibilityTimeout"]})),
        ("/", sqs + "SendMessage", {}, j({"QueueUrl": "http://localhost/123456789012/nope", "MessageBody": "x"})),
        ("/", sqs + "NoSuchOperation", {}, j({})),
        ("/", sqs + "SendMessage", {}, b"{not json"),
        ("/", sqs + "ListQueues", {}, b""),
        ("/123456789012/q", sqs + "GetQueueAttributes", {}, j({"QueueUrl": "q", "AttributeNames": ["All"]})),
        ("/", sqs + "ListQueues", {"Content-Type": "application/x-www-form-urlencoded"}, b"Action=ListQueues"),
        ("/", sqs + "ListQueues", {"Authorization": ""}, j({})),  # unsigned: the dispatcher guesses the service
        ("/", sqs + "ListQueues", {}, j({})),
    ]
    sfn = "AWSStepFunctions."
    out += [
        ("/", sfn + "ListStateMachines", {"Authorization": ""}, j({})),
        ("/", sfn + "ListStateMachines", {}, j({})),
        ("/", sfn + "DescribeStateMachine", {}, j({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"})),
        ("/", sfn + "NoSuchOperation", {}, j({})),
    ]
    return out


def wire_session(url: str) -> list:
    import http.client
    import zlib

    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    out = []
    for path, target, extra, body in _wire_requests():
        service = {"DynamoDB": "dynamodb", "DynamoDBStreams": "dynamodb", "AmazonSQS": "sqs",
                   "AWSStepFunctions": "states"}[target.split("_")[0].split(".")[0]]
        headers = {
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target, "User-Agent": "wire-session",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
                             "SignedHeaders=host;x-amz-target, Signature=00",
            "X-Amz-Date": "20260101T000000Z",
        }
        headers.update(extra)
        headers = {k: v for k, v in headers.items() if v != ""}
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        text = raw.decode("utf-8", "replace")
        volatile = bool(WIRE_VOLATILE.search(text)) or "RequestId" in text
        answer_headers = []
        for name, value in response.getheaders():
            lower = name.lower()
            if lower in WIRE_HEADERS_VOLATILE or (lower in ("x-amz-crc32", "content-length") and volatile):
                value = "<volatile>"  # (a timestamp's digits vary in number)
            answer_headers.append([name, value])
        checksum = dict((k.lower(), v) for k, v in response.getheaders()).get("x-amz-crc32")
        length = dict((k.lower(), v) for k, v in response.getheaders()).get("content-length")
        text = WIRE_VOLATILE.sub(lambda m: f'"{m.group(1)}"{m.group(2)}"<v>"', text).replace(f":{port}/", ":<port>/")
        text = re.sub(r"(RequestId>|RequestId\":\s*\")[^<\"]*", r"\1<id>", text)
        out.append({"request": [path, target, sorted(extra)], "status": [response.status, response.reason],
                    "version": response.version, "headers": answer_headers, "body": text,
                    "checksum ok": checksum is None or int(checksum) == zlib.crc32(raw) & 0xFFFFFFFF,
                    "length ok": length is not None and int(length) == len(raw)})
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.close()
    return out


def in_process(session, config=None):
    from moto import mock_aws

    def run() -> list:
        with mock_aws(config=config):
            return session(lambda service: boto3.client(service, region_name="us-east-1"))

    return run


def forget_task_clients() -> None:
    """moto's Step Functions task clients are kept per process (cache_step_functions_clients),
    each pointing at the server that was running when it was made: a new server (on a new
    port) needs new ones."""
    from moto.stepfunctions.parser.asl.utils import boto_client

    fn = boto_client.boto_client_for
    while fn is not None:
        cache = getattr(fn, "cache", None)
        if cache is not None:
            cache.clear()
        fn = getattr(fn, "__wrapped__", None)


def over_http(session, raw: bool = False, stepfunctions: bool = False):
    """The session against the local moto server's app (motoserver.make_app, its request
    handler), served from a thread of this process, as motoserver.main serves it; `raw`:
    the session is given the server's URL instead of a boto3 client factory;
    `stepfunctions`: state machines are executed, their tasks calling this server."""
    from werkzeug.serving import make_server

    from localcloud import motoserver

    def run() -> list:
        import threading
        import urllib.request

        app = motoserver.make_app()
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=motoserver.request_handler())
        os.environ["MOTO_PORT"] = str(server.server_port)
        if stepfunctions:
            forget_task_clients()
        motoserver.serving(app, "127.0.0.1", server.server_port)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            if stepfunctions:
                urllib.request.urlopen(urllib.request.Request(
                    f"{url}/moto-api/config", data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                    method="POST", headers={"Content-Type": "application/json"}), timeout=30).read()
            if raw:
                return session(url)
            return session(lambda service: boto3.client(service, region_name="us-east-1", endpoint_url=url))
        finally:
            urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).read()
            server.shutdown()
            server.server_close()

    return run


def main(kind: str) -> None:
    import moto

    from localcloud import motopatches

    motopatches.apply_shims()
    if kind == "dynamodb":
        run = in_process(dynamodb_session)
    elif kind == "stepfunctions":
        run = in_process(stepfunctions_session, {"stepfunctions": {"execute_state_machine": True}})
    elif kind == "server":
        motopatches.apply_speedups([p.name for p in motopatches.SPEEDUPS if p.session != "server"])
        run = over_http(dynamodb_session)
    elif kind == "stepfunctions_server":
        motopatches.apply_speedups([p.name for p in motopatches.SPEEDUPS if p.session != kind])
        run = over_http(stepfunctions_session, stepfunctions=True)
    elif kind == "wire":
        motopatches.apply_speedups([p.name for p in motopatches.SPEEDUPS if p.session != "wire"])
        run = over_http(wire_session, raw=True)
    else:
        raise SystemExit(f"unknown session {kind!r}")
    steps = [["shims only", "applied", run()]]
    for patch in motopatches.SPEEDUPS:
        if patch.session == kind:
            status = motopatches.apply_speedups([patch.name])[patch.name]
            steps.append([patch.name, status, run()])
    print(json.dumps({"moto": moto.__version__, "steps": steps}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
