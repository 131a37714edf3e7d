"""The stream processor reads an account's webhook endpoints once per batch (not once per
event), and still fans every event out to every endpoint subscribed before the change."""

from __future__ import annotations

from collections import Counter

from resource_api import stream
from resource_api.core import db
from resource_api.resources.models import ResourceCreate, ResourceUpdate
from resource_api.webhooks import domain as webhook_endpoints
from resource_api.webhooks.models import WebhookEndpointCreate

from tests.unit.test_webhooks import drain, queue, stream_records  # noqa: F401 - the queue fixture


def _endpoint_queries() -> Counter:
    calls: Counter = Counter()

    def count(params, **_):
        if ":we" in (params.get("ExpressionAttributeValues") or {}):
            calls["endpoints"] += 1

    db.client().meta.events.register("provide-client-params.dynamodb.Query", count)
    return calls


def test_one_batch_reads_the_endpoints_once_and_fans_out_every_event(ctx, queue):  # noqa: F811
    from resource_api.resources import domain as resources

    a = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/a", enabled_events=["*"]))
    b = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/b",
                                                            enabled_events=["resource.updated"]))
    made = [resources.create(ctx, ResourceCreate(name=f"Resource {i}", type="staging")) for i in range(4)]
    for r in made:
        resources.update(ctx, r["id"], ResourceUpdate(name=r["name"] + " renamed"))
    calls = _endpoint_queries()
    assert stream.handle_batch(stream_records()) == {"batchItemFailures": []}
    assert calls["endpoints"] == 1  # 8 events, one read of the account's endpoints
    sent = Counter((m["webhook_endpoint"]) for m in drain(queue))
    assert sent == {a["id"]: 8, b["id"]: 4}


def test_an_endpoint_made_between_two_batches_gets_the_second_batchs_events(ctx, queue):  # noqa: F811
    from resource_api.resources import domain as resources

    resources.create(ctx, ResourceCreate(name="Before", type="staging"))
    first = stream_records()
    stream.handle_batch(first)
    assert drain(queue) == []  # no endpoint yet
    hook = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/a", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="After", type="staging"))
    calls = _endpoint_queries()
    stream.handle_batch(stream_records()[len(first):])
    assert [m["webhook_endpoint"] for m in drain(queue)] == [hook["id"]]
    assert calls["endpoints"] == 1
    # Outside a batch (resend), every call reads afresh.
    webhook_endpoints.all_of(ctx.account_id, ctx.mode)
    webhook_endpoints.all_of(ctx.account_id, ctx.mode)
    assert calls["endpoints"] == 3
