"""Correctness shims: where moto behaves unlike AWS, and the local cloud needs AWS's
behaviour. They apply on any moto version, and the moto server does not start if one
cannot (registry.MotoShimError). Each has a test in tests/localcloud that shows the AWS
behaviour it restores, and that moto as installed still lacks it (when moto gains it,
that test says the shim can go).

The other shim of the local cloud is not a patch of moto but of how its server is run:
`motoserver.Serialized` serves DynamoDB requests one at a time, since moto's backends are
not thread-safe (concurrent transactions failed with "dictionary changed size during
iteration"); DynamoDB's own requests are atomic, whatever runs beside them.
"""

from __future__ import annotations

from typing import Any

from .registry import shim


@shim(
    "moto.dynamodb.models:DynamoDBBackend.transact_write_items",
    "moto.dynamodb.models.table:StreamShard",
    session="dynamodb",
)
def stream_survives_cancelled_transactions() -> None:
    """DynamoDB: a cancelled TransactWriteItems leaves no record in the table's stream, and
    the stream goes on with the next write. moto rolls a cancelled transaction back by
    putting the deep copies it took beforehand in place of the tables, stream shard
    included: records of the writes it had made before the failing condition stayed in the
    live shard, and every open shard iterator (the local stream poller's) read that shard,
    which nobody wrote to any more. The stream went silent after the first cancelled
    transaction (a 409, a provisioning step's failed condition).

    Here the copies share the live shard (StreamShard.__deepcopy__ returns the shard
    itself, which also spares copying every stream record so far once per item of every
    transaction: GBs over a test session), and a cancelled transaction trims the shard
    back to the records it held before."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard

    StreamShard.__deepcopy__ = lambda self, memo: self  # type: ignore[attr-defined]
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        shards = [
            (table.stream_shard, len(table.stream_shard.items))
            for table in self.tables.values()
            if table.stream_shard is not None
        ]
        try:
            return original(self, transact_items)
        except Exception:
            for shard, count in shards:  # DynamoDB's stream never shows a cancelled transaction
                del shard.items[count:]
            for table in self.tables.values():  # the restored copy is the table the shard belongs to now
                if table.stream_shard is not None:
                    table.stream_shard.table = table
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


@shim("moto.sqs.models:Queue.delete_message", "moto.sqs.models:Queue.add_message", session="server")
def sqs_delete_never_drops_a_send() -> None:
    """SQS: a message sent while another is deleted is kept. moto's Queue.delete_message
    rebuilds the queue's message list outside the lock that add_message appends under, so a
    SendMessage landing between the copy and the swap was appended to the discarded list:
    the message was acknowledged (it has an id) and gone. With several delivery pollers
    deleting while the stream processor sends, that is an event lost for good. Here the
    delete holds the queue's own lock (a reentrant Condition) for the whole rebuild."""
    from moto.sqs.models import Queue

    original = Queue.delete_message

    def delete_message(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:
            return original(self, receipt_handle)

    Queue.delete_message = delete_message  # type: ignore[method-assign]


@shim("moto.sqs.models:Queue.messages", "moto.sqs.models:SQSBackend.receive_message", session="server")
def sqs_fair_queue_order() -> None:
    """SQS fair queues: on a standard queue whose messages carry a MessageGroupId, a group
    with many messages in flight does not hold the others back. SQS hands out the
    messages of the other groups first (the noisy-neighbour case: one tenant's backlog,
    another tenant's dwell time kept low). moto hands out the oldest visible message
    first, so a quiet group's message waited behind every message of a backlog sent before
    it: the local delivery poller received it only after reading the whole backlog, ten
    at a time (a second and more under load), and gave the free invocations to the
    backlog meanwhile. Here a ReceiveMessage on a standard queue takes its visible
    messages quietest group first (fewest received and not yet deleted or visible
    again), the oldest first among equals; a FIFO queue, messages without a group, and
    every other use of the queue's message list keep moto's order. The in-flight count
    is taken from a copy of moto's set of received messages (other requests change it
    meanwhile)."""
    import threading

    from moto.sqs.models import Queue, SQSBackend

    visible = Queue.messages.fget  # type: ignore[attr-defined]
    receive = SQSBackend.receive_message
    receiving = threading.local()

    def messages(self: Any) -> list[Any]:
        listed = visible(self)
        if not getattr(receiving, "on", False) or self.fifo_queue or not any(m.group_id for m in listed):
            return listed
        in_flight: dict[str, int] = {}
        for m in tuple(self.pending_messages):  # a copy: other requests add and remove meanwhile
            if m.group_id is not None and not m.visible:
                in_flight[m.group_id] = in_flight.get(m.group_id, 0) + 1
        return sorted(listed, key=lambda m: in_flight.get(m.group_id, 0) if m.group_id is not None else 0)

    def receive_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        receiving.on = True
        try:
            return receive(self, *args, **kwargs)
        finally:
            receiving.on = False

    Queue.messages = property(messages)  # type: ignore[method-assign, assignment]
    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
