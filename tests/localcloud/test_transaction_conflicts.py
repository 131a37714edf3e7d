"""The shim transactions_on_one_item_conflict (localcloud/motopatches/conflicts.py),
against DynamoDB's documented behaviour (TransactWriteItems, "Transaction conflict
handling"): two TransactWriteItems that include the same item and are in flight at once
do not both commit: one is cancelled with TransactionCanceledException, the reason
`TransactionConflict` at that item's index and `None` at the others, and nothing of it is
written (nor in the stream). Transactions in flight at once on different items both
commit, and so do transactions on one item that do not overlap.

Overlap is made, not hoped for: the script holds the server's DynamoDB lock while two
clients send their transactions, waits until both have reached the server, then lets
them run. A transaction is in flight at most a DynamoDB transaction's time
(`LOCAL_TRANSACTION_WINDOW_S`): the overlapping cases widen it to 5 s, so that a loaded
machine's thread start-up cannot separate two arrivals; the last case keeps two
transactions queued together in the server but arriving 0.5 s apart, past a 0.2 s
window: at DynamoDB the first would have committed before the second arrived, and the
local server's queue must not make them conflict. Patched moto runs only in a child
process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")])}

SCRIPT = r"""
import json, os, sys, threading, time
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[k] = "testing"
import boto3
from botocore.config import Config
from werkzeug.serving import make_server
from localcloud import motopatches, motoserver
from localcloud.motopatches import conflicts
from resource_api.core import table as schema

if sys.argv[1] == "shim":
    motopatches.apply()
app = motoserver.make_app() if sys.argv[1] == "shim" else motoserver.Serialized(
    motoserver.DomainDispatcherApplication(motoserver.create_backend_app), direct=False)
server = make_server("127.0.0.1", 0, app, threaded=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_port}"

def client(service="dynamodb"):
    return boto3.client(service, region_name="us-east-1", endpoint_url=url,
                        config=Config(retries={"max_attempts": 1}))

ddb = client()
ddb.create_table(**schema.create_table_request("t"))
def key(pk): return {"pk": {"S": pk}, "sk": {"S": "1"}}
def add(pk): return {"Update": {"TableName": "t", "Key": key(pk), "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}}}}
def put(pk): return {"Put": {"TableName": "t", "Item": key(pk)}}

def senders(transactions):
    # each transaction from its own client; what each got: "committed" or its reasons
    clients = [client() for _ in transactions]
    got = [None] * len(transactions)
    def send(i):
        try:
            clients[i].transact_write_items(TransactItems=transactions[i])
            got[i] = "committed"
        except clients[i].exceptions.TransactionCanceledException as e:
            got[i] = [r["Code"] for r in e.response["CancellationReasons"]]
    return send, got

def together(*transactions):
    # all in flight at once: they reach the server while it holds its DynamoDB lock,
    # which is released once all have arrived
    send, got = senders(transactions)
    base = conflicts.arrived()
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(transactions))]
    with app.lock:
        for t in threads:
            t.start()
        while conflicts.arrived() < base + len(transactions):  # a final state: all have arrived
            time.sleep(0.005)
    for t in threads:
        t.join()
    return sorted(got, key=json.dumps)

def n(pk):
    return ddb.get_item(TableName="t", Key=key(pk), ConsistentRead=True).get("Item", {}).get("n", {}).get("N")

def apart(gap, *transactions):
    # all queued behind the server's lock, arriving `gap` seconds apart
    send, got = senders(transactions)
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(transactions))]
    with app.lock:
        for i, t in enumerate(threads):
            base = conflicts.arrived()
            t.start()
            while conflicts.arrived() < base + 1:
                time.sleep(0.005)
            time.sleep(gap)
    for t in threads:
        t.join()
    return got

os.environ[conflicts.WINDOW_ENV] = "5"
seen = {}
seen["same item, overlapping"] = together([put("a1"), add("hot")], [put("b1"), add("hot")])
seen["hot counter after"] = n("hot")
seen["the cancelled one's own item written"] = sum(
    "Item" in ddb.get_item(TableName="t", Key=key(k), ConsistentRead=True) for k in ("a1", "b1"))
seen["different items, overlapping"] = together([put("a2"), add("x")], [put("b2"), add("y")])
ddb.transact_write_items(TransactItems=[add("hot")])
ddb.transact_write_items(TransactItems=[add("hot")])
seen["same item, one after the other"] = n("hot")
os.environ[conflicts.WINDOW_ENV] = "0.2"
seen["same item, queued together, arrived past the window"] = apart(0.5, [add("cold")], [add("cold")])
seen["cold counter after"] = n("cold")
print(json.dumps(seen))
"""

AWS = {  # what DynamoDB does
    "same item, overlapping": ["committed", ["None", "TransactionConflict"]],
    "hot counter after": "1",  # the cancelled transaction wrote nothing
    "the cancelled one's own item written": 1,  # not even its other item
    "different items, overlapping": ["committed", "committed"],
    "same item, one after the other": "3",
    "same item, queued together, arrived past the window": ["committed", "committed"],
    "cold counter after": "2",
}


def _run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, env=ENV, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_overlapping_transactions_on_one_item_conflict_as_on_dynamodb():
    assert _run("shim") == AWS


def test_moto_as_installed_still_needs_the_shim():
    seen = _run("moto")
    assert seen != AWS, "moto now raises TransactionConflict itself: the shim can go"
    assert seen["same item, overlapping"] == ["committed", "committed"] and seen["hot counter after"] == "2"
