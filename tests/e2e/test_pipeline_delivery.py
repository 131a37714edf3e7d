"""The event pipeline under a burst, over real HTTP: the local cloud's stream poller runs
its batches in lanes and several SQS pollers deliver concurrently (localcloud/pollers.py).
Every event still reaches every subscribed endpoint, once, with its own valid signature,
and each change of a resource makes one event (the order of a resource's changes through
the lanes is checked in tests/localcloud/test_pollers.py)."""

from __future__ import annotations

from collections import Counter

from standardwebhooks import Webhook

from tests.e2e.test_webhooks import make_endpoint, receiver  # noqa: F401 - the receiver fixture

N = 40


def test_a_burst_of_creates_reaches_each_endpoint_exactly_once(api, receiver):  # noqa: F811
    first = make_endpoint(api, receiver, ["resource.created"])
    second = api.post("/v1/webhook_endpoints", data={"url": receiver.url + "?second=1",
                                                     "enabled_events[]": "resource.created"})
    assert second.status_code == 201, second.text
    second = second.json()
    ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"burst {i}", "type": "production"}}
           for i in range(N)]
    resp = api.post("/v1/batch", json={"operations": ops})
    assert resp.status_code == 200, resp.text
    ids = {r["body"]["id"] for r in resp.json()["results"]}
    assert len(ids) == N

    def created_by_path(got):
        return Counter((d.path, d.event["data"]["object"]["id"]) for d in got
                       if d.event["type"] == "resource.created" and d.event["data"]["object"]["id"] in ids)

    got = receiver.wait(lambda got: len(created_by_path(got)) == 2 * N)
    counts = created_by_path(got)
    assert set(counts) == {(p, rid) for p in ("/hooks", "/hooks?second=1") for rid in ids}
    # Settled: every delivery attempt is recorded; no endpoint got an event twice.
    for rid in list(ids)[:5]:
        events = api.get("/v1/events", params={"type": "resource.created", "limit": 100}).json()["data"]
        event = next(e for e in events if e["data"]["object"]["id"] == rid)
        receiver.wait(lambda _: len(api.get(f"/v1/events/{event['id']}/deliveries").json()["data"]) >= 2)
    assert max(created_by_path(receiver.received).values()) == 1, "an event was delivered twice to an endpoint"
    secrets = {"/hooks": first["secret"], "/hooks?second=1": second["secret"]}
    for d in receiver.received:
        if d.event["type"] == "resource.created" and d.event["data"]["object"]["id"] in ids:
            Webhook(secrets[d.path]).verify(d.body, d.headers)


def test_each_change_of_a_resource_makes_one_event_from_its_own_before_and_after(api, receiver):  # noqa: F811
    make_endpoint(api, receiver, ["*"])
    created = [api.post("/v1/resources", data={"name": f"ordered {i}", "type": "production"}).json()
               for i in range(6)]
    for r in created:
        for n in range(3):
            resp = api.patch(f"/v1/resources/{r['id']}", data={"metadata[n]": str(n)})
            assert resp.status_code == 200, resp.text
    wanted = {r["id"] for r in created}

    def updates(got):
        return [d for d in got if d.event["type"] == "resource.updated"
                and d.event["data"]["object"]["id"] in wanted
                and "n" in (d.event["data"]["object"].get("metadata") or {})]

    receiver.wait(lambda got: len({(d.event["data"]["object"]["id"], d.event["data"]["object"]["metadata"]["n"])
                                   for d in updates(got)}) == 18)
    # One event per change, made from the change's own before and after: for each
    # resource the requests' updates are n=0, 1, 2, each naming the one before it.
    listed = []
    starting_after = None
    while True:
        params = {"type": "resource.updated", "limit": 100, **({"starting_after": starting_after} if starting_after else {})}
        page = api.get("/v1/events", params=params).json()
        listed += page["data"]
        if not page["has_more"]:
            break
        starting_after = page["data"][-1]["id"]
    for rid in wanted:
        mine = [e for e in listed if e["data"]["object"]["id"] == rid and e["request"]["id"] is not None]
        chain = sorted((e["data"]["object"]["metadata"]["n"],
                        (e["data"]["previous_attributes"].get("metadata") or {}).get("n")) for e in mine)
        assert chain == [("0", None), ("1", "0"), ("2", "1")], (rid, chain)
