"""A committed change of the table, as its DynamoDB stream delivers it (stream.py hands
each to the subscribers: events, provisioning)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import db


@dataclass(frozen=True)
class Change:
    event_id: str  # the stream record's eventID: stable across retries of the batch
    name: str  # INSERT | MODIFY | REMOVE
    sequence_number: str
    created: int  # ApproximateCreationDateTime, epoch seconds
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def entity(self) -> str | None:
        return (self.new or self.old or {}).get("entity")

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Change:
        ddb = record["dynamodb"]
        return cls(
            event_id=record["eventID"],
            name=record["eventName"],
            sequence_number=ddb["SequenceNumber"],
            created=int(float(ddb.get("ApproximateCreationDateTime", 0))),
            old=db.from_item(ddb.get("OldImage")),
            new=db.from_item(ddb.get("NewImage")),
        )
