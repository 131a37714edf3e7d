"""A restored world's DynamoDB items stay packed per partition until first touched
(localcloud/lazyitems.py): every request answers as it did before the restart, whether
its partition was opened or not; TTL-expired items are gone; a partition never touched
is saved again as it was loaded, and a change to an opened one is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import boto3
import pytest
from moto import mock_aws

from localcloud import lazyitems, persistence

if os.environ.get("LAZY_ITEMS_SERVER_PATCHES") == "1":  # as the moto server runs: every shim and speed-up first
    from localcloud import motopatches

    motopatches.apply()
    assert motopatches.registry.applied("partition_scoped_queries")
    assert motopatches.registry.applied("item_level_rollback")

REGION = "us-east-1"
ACCOUNT = "123456789012"
PARTITIONS = [f"p{i}" for i in range(8)]


@pytest.fixture
def keeper(tmp_path):
    k = persistence.Persistence(str(tmp_path))
    persistence.patch_moto(k)
    return k


def ddb_clients():
    kw = {"region_name": REGION, "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)


def items_of():
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION].tables["t"].items


def make_world(ddb, now: float) -> None:
    from resource_api.core import table

    ddb.create_table(**table.create_table_request("t"))
    ddb.update_time_to_live(TableName="t", TimeToLiveSpecification={"Enabled": True,
                                                                    "AttributeName": table.TTL_ATTRIBUTE})
    for n, pk in enumerate(PARTITIONS):
        for sk in range(3):
            item = {"pk": {"S": pk}, "sk": {"S": f"s{sk}"}, "entity": {"S": "resource" if sk == 0 else "event"},
                    "n": {"N": str(n * 10 + sk)}, "tags": {"L": [{"S": "x"}, {"M": {"k": {"N": "1"}}}]},
                    "gsi1pk": {"S": f"g{n % 3}"}, "gsi1sk": {"S": f"{pk}#{sk}"}}
            if pk == "p7" and sk == 1:
                item["expires_at"] = {"N": str(int(now) - 5)}  # expired while the cloud was down
            if pk == "p6":
                item["expires_at"] = {"N": str(int(now) + 3600)}
            ddb.put_item(TableName="t", Item=item)


def answers(ddb) -> dict:
    """What a client sees of the world (every read path), as comparable JSON."""
    def q(**kw):
        out, start = [], None
        while True:
            page = ddb.query(TableName="t", **kw, **({"ExclusiveStartKey": start} if start else {}))
            out += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return out

    return json.loads(json.dumps({
        "get": [ddb.get_item(TableName="t", Key={"pk": {"S": pk}, "sk": {"S": "s1"}}).get("Item") for pk in PARTITIONS],
        "query": [q(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": pk}}) for pk in PARTITIONS],
        "query_desc_limit": q(KeyConditionExpression="pk = :p AND sk > :s", ScanIndexForward=False, Limit=1,
                              ExpressionAttributeValues={":p": {"S": "p3"}, ":s": {"S": "s0"}}),
        "gsi": [q(IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
                  ExpressionAttributeValues={":g": {"S": f"g{g}"}}) for g in range(4)],
        "scan": sorted(ddb.scan(TableName="t")["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"])),
        "count": ddb.describe_table(TableName="t")["Table"]["ItemCount"],
    }, sort_keys=True))


def save(tmp_path) -> str:
    path = persistence.snapshot_path(str(tmp_path))
    persistence.write_file(path, persistence.dumps(persistence.capture()), {})
    return path


def save_new_world(tmp_path, now: float) -> None:
    """make_world on a fresh moto, saved."""
    with mock_aws():
        ddb, _ = ddb_clients()
        make_world(ddb, now)
        save(tmp_path)


def test_a_restored_world_answers_every_read_as_before_opening_only_what_a_request_reaches(tmp_path, keeper):
    now = time.time()
    with mock_aws():
        ddb, _ = ddb_clients()
        make_world(ddb, now)
        ddb.delete_item(TableName="t", Key={"pk": {"S": "p7"}, "sk": {"S": "s1"}})
        expected = answers(ddb)  # the world as it will be after the TTL sweep
        ddb.put_item(TableName="t", Item={"pk": {"S": "p7"}, "sk": {"S": "s1"}, "expires_at": {"N": str(int(now) - 5)},
                                          "gsi1pk": {"S": "g1"}, "gsi1sk": {"S": "p7#1"}, "entity": {"S": "event"}})
        save(tmp_path)
    with mock_aws():
        restored = keeper.restore()
        items = items_of()
        assert isinstance(items, lazyitems.LazyItems)
        assert restored["expired_items"] == 1
        assert restored["items"] == {"resource": 8, "event": 15}  # counted without opening a partition
        assert items.packed == len(PARTITIONS)  # none opened: p7's expired item goes when p7 is opened
        ddb, _ = ddb_clients()
        assert ddb.describe_table(TableName="t")["Table"]["ItemCount"] == 23
        assert items.packed == len(PARTITIONS)

        item = ddb.get_item(TableName="t", Key={"pk": {"S": "p2"}, "sk": {"S": "s1"}})["Item"]
        assert item == expected["get"][2]
        assert items.packed == len(PARTITIONS) - 1  # p2 now
        # an index query opens the partitions that can hold its key (g0: p0, p3, p6), no other
        got = ddb.query(TableName="t", IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
                        ExpressionAttributeValues={":g": {"S": "g0"}})["Items"]
        assert got == expected["gsi"][0]
        assert {k.value for k in items.packed_keys()} == {"p1", "p4", "p5", "p7"}
        got = ddb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p5"}})
        assert got["Items"] == expected["query"][5]
        assert {k.value for k in items.packed_keys()} == {"p1", "p4", "p7"}
        got = ddb.get_item(TableName="t", Key={"pk": {"S": "p7"}, "sk": {"S": "s1"}})  # expired while down
        assert "Item" not in got and items.packed == 2
        assert answers(ddb) == expected  # every path, the scan opening the rest
        assert items.packed == 0


def test_writes_transactions_and_streams_on_packed_partitions_are_as_before_and_kept(tmp_path, keeper):
    now = time.time()

    def changes(ddb, streams) -> list:
        ddb.update_item(TableName="t", Key={"pk": {"S": "p1"}, "sk": {"S": "s0"}},
                        UpdateExpression="SET n = n + :one, added = :a", ExpressionAttributeValues={
                            ":one": {"N": "1"}, ":a": {"S": "yes"}})
        ddb.delete_item(TableName="t", Key={"pk": {"S": "p2"}, "sk": {"S": "s2"}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "p3"}, "sk": {"S": "s9"}, "gsi1pk": {"S": "g2"},
                                          "gsi1sk": {"S": "new"}})
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "p4"}, "sk": {"S": "s1"}},
                        "UpdateExpression": "SET n = :v", "ExpressionAttributeValues": {":v": {"N": "-1"}}}},
            {"Delete": {"TableName": "t", "Key": {"pk": {"S": "p5"}, "sk": {"S": "s0"}}}},
        ])
        with pytest.raises(ddb.exceptions.TransactionCanceledException):  # cancelled: changes nothing
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "p5"}, "sk": {"S": "s0"}, "n": {"N": "0"}}}},
                {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "p0"}, "sk": {"S": "s0"}},
                                    "ConditionExpression": "attribute_not_exists(pk)"}},
            ])
        arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
        ddb.update_item(TableName="t", Key={"pk": {"S": "p0"}, "sk": {"S": "s2"}}, UpdateExpression="SET m = :m",
                        ExpressionAttributeValues={":m": {"S": "streamed"}})
        records = streams.get_records(ShardIterator=it)["Records"]
        return [(r["eventName"], r["dynamodb"].get("OldImage"), r["dynamodb"].get("NewImage")) for r in records]

    with mock_aws():  # the same requests on a world that never restarted
        ddb, streams = ddb_clients()
        make_world(ddb, now)
        ddb.delete_item(TableName="t", Key={"pk": {"S": "p7"}, "sk": {"S": "s1"}})
        expected_records = changes(ddb, streams)
        expected = answers(ddb)
    save_new_world(tmp_path, now)
    with mock_aws():
        keeper.restore()
        ddb, streams = ddb_clients()
        assert changes(ddb, streams) == expected_records
        items = items_of()
        untouched = {k.value: bytes(items.index.blob(dict.__getitem__(items, k))) for k in items.packed_keys()}
        assert set(untouched) == {"p6", "p7"}  # the others were opened by the changes
        save(tmp_path)  # a snapshot after the changes, with p6 never opened
    with mock_aws():
        keeper.restore()
        items = items_of()
        assert items.packed == len(PARTITIONS)
        packed = {k.value: bytes(items.index.blob(dict.__getitem__(items, k))) for k in items.packed_keys()}
        assert packed["p6"] == untouched["p6"]  # saved as it was loaded
        assert packed["p7"] != untouched["p7"]  # opened by the snapshot to drop its expired item for good
        ddb, _ = ddb_clients()
        assert answers(ddb) == expected  # the changes kept, the untouched partition unchanged


def test_snapshots_after_a_few_changes_extend_the_packed_table_and_every_read_answers_as_before(tmp_path, keeper):
    now = time.time()

    def first_changes(ddb) -> None:
        ddb.update_item(TableName="t", Key={"pk": {"S": "p1"}, "sk": {"S": "s0"}}, UpdateExpression="SET n = n + :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "p8"}, "sk": {"S": "s0"}, "entity": {"S": "resource"},
                                          "gsi1pk": {"S": "g2"}, "gsi1sk": {"S": "p8#0"}})

    def second_changes(ddb) -> None:
        ddb.delete_item(TableName="t", Key={"pk": {"S": "p2"}, "sk": {"S": "s2"}})
        ddb.put_item(TableName="t", Item={"pk": {"S": "p3"}, "sk": {"S": "s9"}, "gsi1pk": {"S": "g0"},
                                          "gsi1sk": {"S": "p3#9"}})
        ddb.update_item(TableName="t", Key={"pk": {"S": "p8"}, "sk": {"S": "s0"}}, UpdateExpression="SET gsi1pk = :g",
                        ExpressionAttributeValues={":g": {"S": "g1"}})

    with mock_aws():  # the same changes on a world that never restarted
        ddb, _ = ddb_clients()
        make_world(ddb, now)
        ddb.delete_item(TableName="t", Key={"pk": {"S": "p7"}, "sk": {"S": "s1"}})  # expired while down
        first_changes(ddb)
        second_changes(ddb)
        expected = answers(ddb)
    save_new_world(tmp_path, now)
    with mock_aws():
        keeper.restore()
        first = items_of().index
        first_changes(ddb_clients()[0])
        save(tmp_path)  # p1 opened, p7 opened by the snapshot (its expired item), p8 new
    with mock_aws():
        keeper.restore()
        index = items_of().index
        assert len(index.keys) == len(PARTITIONS) + 3 and index.live_count == len(PARTITIONS) + 1
        assert len(index.gsi_blobs) == 2  # a layer more
        assert bytes(index.data[:len(first.data)]) == bytes(first.data)  # the untouched blobs where they were
        second_changes(ddb_clients()[0])
        save(tmp_path)
    with mock_aws():
        restored = keeper.restore()
        assert restored["items"] == {"resource": 9, "event": 14, "other": 1}  # counted without opening
        index = items_of().index
        assert len(index.gsi_blobs) == 3 and items_of().packed == len(PARTITIONS) + 1
        ddb, _ = ddb_clients()
        assert ddb.describe_table(TableName="t")["Table"]["ItemCount"] == 24
        got = ddb.query(TableName="t", IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
                        ExpressionAttributeValues={":g": {"S": "g1"}})["Items"]
        assert got == expected["gsi"][1]  # p8 moved to g1 in the last layer; found, opened with the others
        assert answers(ddb) == expected


def test_an_item_whose_ttl_passed_while_down_is_never_seen_however_it_is_reached(tmp_path, keeper):
    now = time.time()
    with mock_aws():
        ddb, _ = ddb_clients()
        make_world(ddb, now)  # p7's s1 expired
        for sk in range(3):  # a partition whose every item expired
            ddb.put_item(TableName="t", Item={"pk": {"S": "p9"}, "sk": {"S": f"s{sk}"}, "gsi1pk": {"S": "g1"},
                                              "gsi1sk": {"S": f"p9#{sk}"}, "expires_at": {"N": str(int(now) - 60)}})
        ddb.create_table(TableName="h", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.update_time_to_live(TableName="h", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        ddb.put_item(TableName="h", Item={"id": {"S": "gone"}, "ttl": {"N": str(int(now) - 1)}})
        ddb.put_item(TableName="h", Item={"id": {"S": "kept"}, "ttl": {"N": str(int(now) + 3600)}})
        save(tmp_path)
    with mock_aws():
        restored = keeper.restore()
        assert restored["expired_items"] == 5
        assert restored["items"] == {"resource": 8, "event": 15, "other": 1}
        ddb, _ = ddb_clients()
        assert "Item" not in ddb.get_item(TableName="h", Key={"id": {"S": "gone"}})
        assert ddb.describe_table(TableName="h")["Table"]["ItemCount"] == 1
        assert ddb.describe_table(TableName="t")["Table"]["ItemCount"] == 23
        assert [i["id"]["S"] for i in ddb.scan(TableName="h")["Items"]] == ["kept"]
        assert ddb.query(TableName="t", KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": {"S": "p9"}})["Count"] == 0
        got = ddb.query(TableName="t", IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
                        ExpressionAttributeValues={":g": {"S": "g1"}})["Items"]
        assert sorted(i["gsi1sk"]["S"] for i in got) == ["p1#0", "p1#1", "p1#2", "p4#0", "p4#1", "p4#2",
                                                         "p7#0", "p7#2"]
        ddb.put_item(TableName="t", Item={"pk": {"S": "p9"}, "sk": {"S": "s1"}},  # it is not there to conflict
                     ConditionExpression="attribute_not_exists(pk)")


def test_a_snapshot_of_an_older_format_is_refused_with_the_way_out(tmp_path, keeper, monkeypatch):
    current = persistence.FORMAT_VERSION
    with mock_aws():
        ddb, _ = ddb_clients()
        make_world(ddb, time.time())
        monkeypatch.setattr(persistence, "FORMAT_VERSION", current - 1)
        save(tmp_path)
    monkeypatch.setattr(persistence, "FORMAT_VERSION", current)
    with mock_aws(), pytest.raises(persistence.SnapshotError, match=rf"snapshot format {current - 1}.*FRESH=1"):
        keeper.restore()


def test_the_same_with_the_moto_servers_shims_and_speed_ups_applied_first(tmp_path):
    """The moto server applies its shims and speed-ups (partition_scoped_queries wraps
    Table.query, item_level_rollback the transactions) before the restore: the same
    tests, in a child process patched that way."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", os.path.abspath(__file__), "-q", "-p", "no:cacheprovider",
         "-k", "not moto_servers", "--basetemp", str(tmp_path / "child"), "--junit-xml", str(tmp_path / "child.xml")],
        cwd=root, env={**os.environ, "LAZY_ITEMS_SERVER_PATCHES": "1"}, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    report = (tmp_path / "child.xml").read_text()
    assert 'tests="5"' in report and 'failures="0"' in report and 'errors="0"' in report, report[:500]
