"""`python -m localcloud.motoserver -H HOST -p PORT`: moto's server, one DynamoDB request
at a time, and with DynamoDB streams that survive a cancelled transaction.

moto's backends are not thread-safe: DynamoDB's TransactWriteItems deep-copies the table
for its rollback while another request thread may be writing it ("dictionary changed size
during iteration"). With Step Functions executions writing in the background while the
API writes too, concurrent writes are the norm, so DynamoDB requests are serialised here.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def keep_stream_on_rollback() -> None:
    """moto rolls a cancelled TransactWriteItems back by putting a deep copy of the whole
    table in its place, stream shard included. Every open shard iterator (the local
    stream poller's) then reads a shard nobody writes to any more, and the stream goes
    silent after the first cancelled transaction (a 409, a provisioning step's failed
    condition). Keep the live shard instead, trimmed back to the records it held before
    the transaction, as DynamoDB's stream never shows a cancelled transaction."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard

    # moto deep-copies the table for the rollback once per item of every transaction;
    # with the stream shard in the copy, each transaction cost time and memory in
    # proportion to every stream record so far (cyclic garbage the GC frees late: GBs
    # over a test session, OOM-killed servers). The live shard is what is kept anyway
    # (below), so the copies share it instead of copying it.
    StreamShard.__deepcopy__ = lambda self, memo: self  # type: ignore[attr-defined]

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "keeps_stream", False):
        return
    import copy as real_copy

    import moto.dynamodb.models as backend_module
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class NoTableCopy:
        """moto also deep-copies every table a transaction touches before running it (its
        rollback plan), so each transaction cost time in proportion to the table: the
        local cloud slowed down as tests filled it. The rollback below restores only
        the items the transaction touched, so the table copy is skipped."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else real_copy.deepcopy(value, memo)

    def touched(self: Any, transact_items: Any) -> list[tuple[Any, Any, Any, Any]]:
        out = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            raw = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in raw:
                continue
            hash_key = DynamoType(raw[table.hash_key_attr])
            range_key = DynamoType(raw[table.range_key_attr]) if table.range_key_attr in raw else None
            out.append((table, hash_key, range_key, real_copy.deepcopy(table.get_item(hash_key, range_key))))
        return out

    def restore(before: list[tuple[Any, Any, Any, Any]]) -> None:
        for table, hash_key, range_key, item in reversed(before):
            if range_key is None:
                if item is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = item
            elif item is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = item

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        shards = [
            (table.stream_shard, len(table.stream_shard.items))
            for table in self.tables.values()
            if table.stream_shard is not None
        ]
        before = touched(self, transact_items)
        backend_module.copy = NoTableCopy  # DynamoDB requests are serialised (below)
        try:
            return original(self, transact_items)
        except Exception:
            restore(before)
            for shard, count in shards:  # DynamoDB's stream never shows a cancelled transaction
                del shard.items[count:]
            raise
        finally:
            backend_module.copy = real_copy

    transact_write_items.keeps_stream = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class Serialized:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        # Only DynamoDB (and its streams), whose handlers never wait for another request.
        # A lock around every request hung the local cloud in a full test run (some other
        # handler, e.g. of Step Functions or SQS, waited for a request queued behind it).
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self.lock:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close:
                    close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # Step Functions tasks call back here
    keep_stream_on_rollback()
    run_simple(
        args.host, args.port, Serialized(DomainDispatcherApplication(create_backend_app)),
        threaded=True, request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
