"""Concurrent clients on one account over real HTTP for a bounded time, mixing creates
(some sent twice at once with one Idempotency-Key), updates, deletes and lists. After:
total_count equals the live resources, no key made two objects, and every successful
write has exactly one event carrying its request id (none lost, none doubled)."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from . import figures

SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "6"))


class Ledger:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.created: dict[str, str] = {}  # id -> request id
        self.by_key: dict[str, set[str]] = defaultdict(set)  # idempotency key -> ids answered
        self.deleted: dict[str, str] = {}  # id -> request id
        self.updated: list[tuple[str, str]] = []  # (id, request id)
        self.statuses: Counter[str] = Counter()
        self.live: list[str] = []

    def pick(self, rng: random.Random) -> str | None:
        with self.lock:
            return rng.choice(self.live) if self.live else None


def _client(api, ledger: Ledger, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    session = type(api)(api.base, None)
    session.headers.update(api.headers)
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.4:
            key = f"load-{uuid.uuid4().hex}"
            body = {"name": f"load {rng.randrange(10**6)}", "type": rng.choice(["production", "staging"])}
            twice = rng.random() < 0.3
            answers = []
            if twice:  # the same request at once from two connections
                other = type(api)(api.base, None)
                other.headers.update(api.headers)
                with ThreadPoolExecutor(2) as pool:
                    futures = [pool.submit(s.post, "/v1/resources", data=body, headers={"Idempotency-Key": key})
                               for s in (session, other)]
                    answers = [f.result() for f in futures]
            else:
                answers = [session.post("/v1/resources", data=body, headers={"Idempotency-Key": key})]
            # The request that made the object first: a replay answers with its own
            # Request-Id, while the event carries the one of the request that made it
            answers.sort(key=lambda r: r.headers.get("Idempotent-Replayed") == "true")
            for resp in answers:
                with ledger.lock:
                    ledger.statuses[f"POST {resp.status_code}"] += 1
                    if resp.status_code == 201:
                        rid = resp.json()["id"]
                        ledger.by_key[key].add(rid)
                        if rid not in ledger.created:
                            ledger.created[rid] = resp.headers["Request-Id"]
                            ledger.live.append(rid)
                    elif resp.status_code != 503:  # 503: see _unavailable
                        assert resp.status_code == 409 and resp.json()["error"]["code"] == "idempotency_key_in_use", resp.text
                    else:
                        _unavailable(resp)
            # a client that got 409 in_use retries until it gets the object
            if not any(r.status_code == 201 for r in answers):
                for _ in range(50):
                    time.sleep(0.1)
                    resp = session.post("/v1/resources", data=body, headers={"Idempotency-Key": key})
                    if resp.status_code == 201:
                        with ledger.lock:
                            rid = resp.json()["id"]
                            ledger.by_key[key].add(rid)
                            if rid not in ledger.created:
                                ledger.created[rid] = resp.headers["Request-Id"]
                                ledger.live.append(rid)
                        break
        elif roll < 0.65:
            rid = ledger.pick(rng)
            if rid:
                resp = session.patch(f"/v1/resources/{rid}", data={"metadata[n]": str(rng.randrange(10**6))})
                with ledger.lock:
                    ledger.statuses[f"PATCH {resp.status_code}"] += 1
                if resp.status_code == 200:
                    with ledger.lock:
                        ledger.updated.append((rid, resp.headers["Request-Id"]))
                elif resp.status_code == 503:
                    _unavailable(resp)
                else:
                    assert resp.status_code in (404, 409), resp.text  # deleted meanwhile, or a race
        elif roll < 0.8:
            rid = ledger.pick(rng)
            if rid:
                with ledger.lock:
                    if rid not in ledger.live:
                        continue
                    ledger.live.remove(rid)
                resp = session.delete(f"/v1/resources/{rid}")
                with ledger.lock:
                    ledger.statuses[f"DELETE {resp.status_code}"] += 1
                    if resp.status_code == 200:
                        ledger.deleted[rid] = resp.headers["Request-Id"]
                    else:
                        if resp.status_code == 503:
                            _unavailable(resp)
                        else:
                            assert resp.status_code in (404, 409), resp.text
                        ledger.live.append(rid)
        else:
            resp = session.get("/v1/resources", params={"limit": rng.choice([1, 10, 100])})
            assert resp.status_code == 200, resp.text
            with ledger.lock:
                ledger.statuses[f"GET {resp.status_code}"] += 1


def _all(api, path: str, **params) -> list[dict]:
    out, after = [], None
    while True:
        query = {"limit": 100, **params, **({"starting_after": after} if after else {})}
        page = api.get(path, params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["data"]
        if not body["has_more"]:
            return out
        after = body["data"][-1]["id"]


def _unavailable(resp) -> None:
    """Writes of one item from several clients at once can keep colliding in DynamoDB
    (TransactionConflict) past the frame's bounded retries: the answer is then 503
    service_unavailable with Retry-After, and nothing happened (the counts below prove it),
    so a client retries later. Never a 500."""
    assert resp.json()["error"]["code"] == "service_unavailable" and resp.headers.get("Retry-After"), resp.text


def test_concurrent_clients_leave_exact_counts_and_events(api):
    ledger = Ledger()
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=_client, args=(api, ledger, deadline, i)) for i in range(CLIENTS)]
    errors: list[BaseException] = []

    def guarded(t):
        try:
            t.run()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    runners = [threading.Thread(target=guarded, args=(t,)) for t in threads]
    for r in runners:
        r.start()
    for r in runners:
        r.join()
    assert not errors, errors
    operations = sum(ledger.statuses.values())
    figures.add("load", "clients", CLIENTS)
    figures.add("load", "operations", operations)
    assert ledger.created, ledger.statuses

    # Then total_count equals what the lists hold, and what the clients made minus deleted
    live = {r["id"] for r in _all(api, "/v1/resources")}
    total = api.get("/v1/resources", params={"limit": 1}).json()["total_count"]
    expected = set(ledger.created) - set(ledger.deleted)
    assert live == expected, (len(live), len(expected))
    assert total == len(live), (total, len(live))
    # And no idempotency key made two objects
    assert all(len(ids) == 1 for ids in ledger.by_key.values()), [k for k, v in ledger.by_key.items() if len(v) > 1]
    figures.add("load", "same-key creates", sum(v for k, v in ledger.statuses.items() if k.startswith("POST")) - len(ledger.by_key))

    # And every successful write has exactly one event with its request id (the stream
    # processor runs behind: wait for it)
    wanted: dict[str, tuple[str, str]] = {}
    for rid, req in ledger.created.items():
        wanted[req] = ("resource.created", rid)
    for rid, req in ledger.updated:
        wanted[req] = ("resource.updated", rid)
    for rid, req in ledger.deleted.items():
        wanted[req] = ("resource.deleted", rid)
    seen: Counter[tuple[str, str, str]] = Counter()
    for _ in range(60):
        events = _all(api, "/v1/events")
        seen = Counter(
            (e["type"], e["data"]["object"]["id"], (e.get("request") or {}).get("id"))
            for e in events
            if e["type"] in ("resource.created", "resource.updated", "resource.deleted")
        )
        if all(seen[(t, rid, req)] >= 1 for req, (t, rid) in wanted.items()):
            break
        time.sleep(0.5)
    missing = [(t, rid, req) for req, (t, rid) in wanted.items() if seen[(t, rid, req)] == 0]
    # (updates by provisioning steps carry no request: several per resource are right)
    doubled = [k for k, n in seen.items() if n > 1 and k[2] is not None]
    assert not missing, f"{len(missing)} writes without their event, e.g. {missing[:3]}"
    assert not doubled, f"events doubled: {doubled[:3]}"
    figures.add("load", "events checked", len(wanted))
