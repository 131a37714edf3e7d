"""No one in where they don't belong: the isolation matrix over every route of the
route table, keys stored only as hashes, and secrets (API keys, webhook signing
secrets) never in logs, events, errors or list responses, and no key in a query string
answered from the authorizer cache to whoever sends the same malformed header."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from typing import Any

import pytest
import requests

from resource_api.core import accounts
from resource_api import routes

from . import apigw, contract, figures

HOOK_URL = "http://127.0.0.1:9/hook"  # the local cloud allows loopback receivers (STAGE=local)


# --- the isolation matrix -------------------------------------------------------------


def _owner_objects(api) -> dict[str, str]:
    """One object of each kind a route's {id} can name, made by the owner (test mode)."""
    res = api.post("/v1/resources", data={"name": "owned", "type": "staging"})
    assert res.status_code == 201, res.text
    ids = {"resources": res.json()["id"]}
    we = api.post("/v1/webhook_endpoints", data=[("url", HOOK_URL), ("enabled_events[]", "*")])
    if we.status_code == 201:
        ids["webhook_endpoints"] = we.json()["id"]
    for _ in range(40):  # the stream processor makes the event a moment later
        evts = api.get("/v1/events", params={"limit": 1})
        if evts.status_code == 200 and evts.json()["data"]:
            ids["events"] = evts.json()["data"][0]["id"]
            break
        time.sleep(0.25)
    return ids


def _minimal_body(route: routes.Endpoint) -> dict[str, Any] | None:
    if route.method == "PATCH":
        return {"metadata[x]": "y"}
    if route.function == "replay_webhook_deliveries":
        return {"since": "0"}
    return None


def test_every_route_answers_404_to_other_accounts_and_the_other_mode(cloud, api):
    # Given an owner's objects, a stranger account and the owner's own live key
    owned = _owner_objects(api)
    strangers = {
        "other account": cloud.client(cloud.new_account()["keys"]["test"]),
        "other mode": cloud.client(api.account["keys"]["live"]),
    }
    checked = 0
    for route in routes.ROUTES:
        kind = route.path.split("/")[2]
        for who, client in strangers.items():
            if "{id}" in route.path:
                if kind not in owned:
                    continue  # that kind could not be made here (reported by the owner's tests)
                # When a stranger names the owner's object on any route
                path = route.path.replace("{id}", owned[kind])
                resp = client.request(route.method, path, data=_minimal_body(route))
                # Then it does not exist for them
                assert resp.status_code == 404, (who, route.method, path, resp.text)
                assert resp.json()["error"]["code"] == "resource_missing", resp.text
                checked += 1
            elif route.method == "GET":
                # And no list shows them anything of the owner's
                resp = client.get(route.path, params={"limit": 100})
                assert resp.status_code == 200, resp.text
                text = resp.text
                assert not any(oid in text for oid in owned.values()), (who, route.path)
                checked += 1
        if route.function == "batch":
            # A batch runs each operation as its caller: the owner's id is missing there too
            ops = [
                {"method": "GET", "path": f"/v1/resources/{owned['resources']}"},
                {"method": "PATCH", "path": f"/v1/resources/{owned['resources']}", "body": {"name": "stolen"}},
                {"method": "DELETE", "path": f"/v1/resources/{owned['resources']}"},
            ]
            for who, client in strangers.items():
                resp = client.post("/v1/batch", json={"operations": ops})
                assert resp.status_code in (200, 207), resp.text
                for result in resp.json()["results"]:
                    assert result["status"] == 404, (who, result)
                checked += len(ops)
    # And the owner still has everything, untouched
    mine = api.get(f"/v1/resources/{owned['resources']}")
    assert mine.status_code == 200 and mine.json()["name"] == "owned"
    figures.add("isolation", "cases", checked)
    assert checked >= 2 * len(routes.ROUTES) - 2


# --- keys at rest -----------------------------------------------------------------------



def _scan(cloud) -> list[dict[str, Any]]:
    client, items, start = cloud.dynamodb(), [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        resp = client.scan(TableName=cloud.env.get("TABLE_NAME", "resource-api"), **kwargs)
        items += resp["Items"]
        start = resp.get("LastEvaluatedKey")
        if not start:
            return items


def test_keys_are_stored_only_as_sha256_hashes(cloud):
    # Given a fresh account and an extra live key
    account = cloud.new_account()
    extra = cloud.apictl("add-key", account["id"], "--mode", "live")
    secrets = [account["keys"]["test"], account["keys"]["live"], extra.get("secret") or extra["key"]["secret"]]
    # When the whole table is read
    dump = json.dumps(_scan(cloud))
    # Then no secret is in it, each is there as its SHA-256 hash
    for secret in secrets:
        assert secret not in dump and secret[8:] not in dump
        assert f"APIKEY#{hashlib.sha256(secret.encode()).hexdigest()}" in dump
        figures.add("secrets", "keys checked at rest")


def test_the_authorizer_compares_the_stored_hash_in_constant_time(aws, monkeypatch):
    import hmac

    # Given a key, and every constant-time comparison the authorizer makes recorded
    account = accounts.create_account(plan="scale")
    secret = accounts.add_key(account["id"], "test")["secret"]
    compared: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def compare_digest(a, b):  # noqa: ANN001, ANN202
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(accounts.hmac, "compare_digest", compare_digest)
    # When the key is presented
    principal = accounts.authenticate(secret)
    # Then it is accepted after its stored hash was compared with hmac.compare_digest
    assert principal is not None and principal.account_id == account["id"]
    stored = f"APIKEY#{hashlib.sha256(secret.encode()).hexdigest()}"
    assert compared == [(stored, stored)], compared
    # And a key one character off is refused
    compared.clear()
    assert accounts.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None


# --- secrets never leak --------------------------------------------------------------------


def test_secrets_never_appear_in_logs_events_errors_or_lists(aws, capsys, caplog):
    """In-process, with every application logger at DEBUG (the AWS SDK's wire log stays
    off, as in Lambda): create keys and webhook endpoints, rotate a secret, make errors
    that carry keys in the wrong places; no secret appears in any log line, event,
    error or list answer."""
    caplog.set_level(logging.DEBUG)
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("resource-api").setLevel(logging.DEBUG)
    account = accounts.create_account(plan="scale")
    test_key = accounts.add_key(account["id"], "test")["secret"]
    live_key = accounts.add_key(account["id"], "live")["secret"]
    principal = accounts.authenticate(test_key)
    assert principal is not None
    secrets = [test_key, live_key]
    answers: list[Any] = []

    def call(method, path, **kw):
        ans = apigw.invoke(principal, method, path, **kw)
        answers.append(ans.body)
        return ans

    # authorizer runs, with good and bad keys (a near-miss of a real key too)
    from functions.authorizer import handler as authorizer

    for token in (test_key, test_key[:-1] + "x", live_key):
        try:
            authorizer.handler({"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:1:a/v1/GET/resources",
                                "headers": {"Authorization": f"Bearer {token}"}}, apigw.Context("authorizer"))
        except Exception:  # noqa: BLE001 - Unauthorized is the 401
            pass
    # webhook endpoints: created (secret shown once), listed, read, rotated
    we = call("POST", "/v1/webhook_endpoints", body={"url": "https://93.184.216.34/hook", "enabled_events[]": "*"})
    answers.pop()  # creation shows the secret, once, by design
    if we.status == 201:
        secrets.append(we.body["secret"])
        wid = we.body["id"]
        rotated = call("POST", f"/v1/webhook_endpoints/{wid}/rotate_secret")
        answers.pop()  # as does rotation
        if rotated.status == 200 and rotated.body.get("secret"):
            secrets.append(rotated.body["secret"])
        for ans in (call("GET", "/v1/webhook_endpoints"), call("GET", f"/v1/webhook_endpoints/{wid}")):
            assert ans.status == 200
            assert not any(s in json.dumps(ans.body) for s in secrets[2:]), "a signing secret in a read/list answer"
            answers.pop()  # these are checked above (reads never show it), not allowed to carry it
    # errors with keys where they do not belong: as a query parameter, a body parameter, a header
    call("GET", "/v1/resources", query={"api_key": test_key})
    call("POST", "/v1/resources", body={"name": "abc", "type": "staging", "api_key": test_key})
    call("POST", "/v1/resources", body={"name": "abc", "type": "staging"}, headers={"Idempotency-Key": live_key + "\u00e9"})
    # (a key pasted into a URL path is in every access log of every proxy: not tested)
    call("GET", "/v1/resources", query={"starting_after": live_key})
    created = call("POST", "/v1/resources", body={"name": "abc", "type": "staging"})
    # the events that writes make
    from resource_api.events import domain as events_module  # noqa: F401 - events are rendered from the stream

    logs = capsys.readouterr()
    text = logs.out + logs.err + "\n".join(r.getMessage() + json.dumps(getattr(r, "__dict__", {}), default=str)
                                           for r in caplog.records)
    bodies = json.dumps([a for a in answers if a is not None])
    for secret in secrets:
        for where, blob in (("logs", text), ("answers", bodies)):
            assert secret not in blob, f"a secret ({secret[:8]}...) in the {where}"
            figures.add("secrets", "leak checks")
    assert created.status == 201 and text, "nothing was logged: the check would be empty"


def test_secrets_never_appear_in_the_local_clouds_log(cloud, api, tmp_path_factory):
    # Given a webhook endpoint (secret shown once) and a rotation, over real HTTP
    we = api.post("/v1/webhook_endpoints", data=[("url", HOOK_URL), ("enabled_events[]", "*")])
    assert we.status_code == 201, we.text
    secrets = [api.account["keys"]["test"], api.account["keys"]["live"], we.json()["secret"]]
    rotated = api.post(f"/v1/webhook_endpoints/{we.json()['id']}/rotate_secret")
    if rotated.status_code == 200 and rotated.json().get("secret"):
        secrets.append(rotated.json()["secret"])
    created = api.post("/v1/resources", data={"name": "abc", "type": "staging"})
    assert created.status_code == 201, created.text
    api.get("/v1/resources", params={"api_key": secrets[0]})
    # When events and lists are read, once the stream processor made the resource's event
    for _ in range(600):
        events = api.get("/v1/events", params={"limit": 100})
        if any(e["data"]["object"].get("id") == created.json()["id"] for e in events.json()["data"]):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the resource's event never appeared")
    answers = [events.text] + [api.get(p, params={"limit": 100}).text for p in ("/v1/webhook_endpoints", "/v1/resources")]
    # Then no secret is in them, nor in the local cloud's captured output (there is one to read)
    logs = "".join(p.read_text(errors="replace") for p in tmp_path_factory.getbasetemp().glob("logs*/localcloud.log"))
    assert logs.strip(), "no local cloud log found: the check would be empty"
    for secret in secrets:
        for where, blob in (("log", logs), ("answers", "".join(answers))):
            assert secret not in blob, f"secret {secret[:8]}... in the {where}"
            figures.add("secrets", "leak checks")


# --- the authorizer cache -------------------------------------------------------------


def _malformed_headers() -> list[str]:
    """Authorization headers that are present (so API Gateway calls the cached authorizer
    and caches its answer under them) but are not `Bearer <key>`."""
    nonce = uuid.uuid4().hex[:8]
    return ["Bearer", f"Basic {nonce}eDp5", f"Token {nonce}"]


def test_a_query_key_cannot_be_cached_under_a_malformed_authorization_header(cloud, api):
    # Given a victim's object and its live and test keys
    victim = api.account["keys"]
    owned = api.post("/v1/resources", data={"name": "the victim's", "type": "staging"})
    assert owned.status_code == 201, owned.text
    resource_url = f"{cloud.url}/v1/resources/{owned.json()['id']}"
    events_url = f"{cloud.url}/v1/events"
    for mode in ("test", "live"):
        for header in _malformed_headers():
            auth = {"Authorization": header}
            for url in (resource_url, events_url):
                # When an attacker sends a malformed header with the victim's key as ?api_key=
                # (a non-webhook route: the cached authorizer; a webhook route: the uncached one)
                attack = requests.get(url, headers=auth, params={"api_key": victim[mode]}, timeout=30)
                # and then anyone sends the same header alone, at once (within the cache period)
                reuse = requests.get(url, headers=auth, timeout=30)
                # Then the header alone is no one: nothing was cached under it
                assert reuse.status_code == 401, (mode, header, url, reuse.text)
                assert owned.json()["id"] not in reuse.text
                # And the attack itself was refused as unauthenticated
                assert attack.status_code == 401, (mode, header, url, attack.text)
                assert attack.json()["error"]["code"] == "api_key_invalid", attack.text


def test_the_query_key_still_works_where_the_spec_allows_it(cloud, api):
    key = api.account["keys"]["test"]
    # On a webhook route, with no Authorization header, ?api_key= authenticates
    listed = requests.get(f"{cloud.url}/v1/events", params={"api_key": key}, timeout=30)
    assert listed.status_code == 200, listed.text
    # On any other route, alone, it is not an identity source: API Gateway answers 401
    alone = requests.get(f"{cloud.url}/v1/resources", params={"api_key": key}, timeout=30)
    assert alone.status_code == 401 and alone.json()["error"]["code"] == "api_key_invalid", alone.text
    # and beside a bearer key the function refuses it
    both = api.get("/v1/resources", params={"api_key": key})
    assert both.status_code == 401 and both.json()["error"]["code"] == "api_key_query_not_allowed", both.text
