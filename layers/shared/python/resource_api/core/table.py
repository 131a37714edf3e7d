"""The DynamoDB table: one definition read by the CDK stack and by the local cloud."""

from __future__ import annotations

import os

TABLE_NAME_ENV = "TABLE_NAME"
DEFAULT_TABLE_NAME = "resource-api"
TTL_ATTRIBUTE = "expires_at"
PARTITION_KEY = "pk"
SORT_KEY = "sk"
# name -> (partition key attribute, sort key attribute); every index projects ALL.
INDEXES: dict[str, tuple[str, str]] = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk")}
STREAM_VIEW = "NEW_AND_OLD_IMAGES"


def table_name() -> str:
    return os.environ.get(TABLE_NAME_ENV, DEFAULT_TABLE_NAME)


def create_table_request(name: str | None = None) -> dict:
    """The CreateTable request (boto3 form) for the table, as the local cloud makes it."""
    attrs = {PARTITION_KEY, SORT_KEY} | {a for pair in INDEXES.values() for a in pair}
    return {
        "TableName": name or table_name(),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": pk, "KeyType": "HASH"},
                    {"AttributeName": sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, (pk, sk) in INDEXES.items()
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
    }
