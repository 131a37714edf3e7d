"""The local moto server's item-level transaction rollback (localcloud/motoserver.py),
in a child process so the patch stays out of the other tests' moto."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = r"""
import os, boto3
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
from moto import mock_aws
from localcloud.motoserver import keep_stream_on_rollback
from resource_api.core import table as schema

keep_stream_on_rollback()
with mock_aws():
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(**schema.create_table_request("t"))
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "x": {"N": "0"}})
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def records():
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return streams.get_records(ShardIterator=it)["Records"]

    update = {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
              "UpdateExpression": "SET x = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    new = {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}}
    failing = {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "zz"}, "sk": {"S": "1"}},
               "ConditionExpression": "attribute_exists(pk)"}}
    try:
        ddb.transact_write_items(TransactItems=[update, new, failing])
        raise SystemExit("the transaction should have been cancelled")
    except ddb.exceptions.TransactionCanceledException:
        pass
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]["x"] == {"N": "0"}
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}, "sk": {"S": "1"}})
    assert len(records()) == 1  # only the first put: the cancelled transaction left no record
    ddb.transact_write_items(TransactItems=[update, new])
    recs = records()
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "INSERT"]
    assert recs[1]["dynamodb"]["OldImage"]["x"] == {"N": "0"} and recs[1]["dynamodb"]["NewImage"]["x"] == {"N": "1"}
print("ok")
"""


def test_cancelled_transactions_restore_only_their_items_and_leave_no_stream_records():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")])}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
