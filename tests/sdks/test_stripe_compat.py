"""Stripe's own libraries against the Resource API: what a user with Stripe tooling already has
keeps working. stripe-python (pinned in requirements-dev.txt) and stripe-node (pinned in
sdks/stripe-compat/package-lock.json) talk to the local cloud over real HTTP: create with nested
form parameters, replay an idempotency key, auto-paginate a list, delete, and raise Stripe's own
typed errors with code, param and request id."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest
import stripe

from . import ROOT


@pytest.fixture(scope="module")
def account(cloud):
    return cloud.new_account()


@pytest.fixture(scope="module")
def client(cloud, account):
    return stripe.StripeClient(account["keys"]["test"], base_addresses={"api": cloud.url}, max_network_retries=0)


def test_stripe_python_create_replay_paginate_delete(client):
    key = str(uuid.uuid4())
    params = {"name": "Stripe compat", "type": "production", "metadata": {"team": "platform"},
              "configuration": {"timeout_ms": 10000}}
    first = client.raw_request("post", "/v1/resources", idempotency_key=key, **params)
    created = client.deserialize(first, api_mode="V1")
    assert created.id.startswith("res_")
    assert created.metadata.to_dict() == {"team": "platform"}, "nested form parameters (metadata[team]) arrive"
    assert created.configuration.timeout_ms == 10000

    again = client.raw_request("post", "/v1/resources", idempotency_key=key, **params)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert client.deserialize(again, api_mode="V1").id == created.id

    more = [client.deserialize(client.raw_request("post", "/v1/resources", name=f"Stripe compat {i}", type="staging"),
                               api_mode="V1").id for i in range(2)]
    page = client.deserialize(client.raw_request("get", "/v1/resources", limit=1), api_mode="V1")
    assert isinstance(page, stripe.ListObject) and page.has_more
    seen = [r.id for r in page.auto_paging_iter()]
    assert seen == sorted([created.id, *more], reverse=True), "every resource once, newest first, over 3 pages"

    deleted = client.deserialize(client.raw_request("delete", f"/v1/resources/{created.id}"), api_mode="V1")
    assert deleted.deleted is True and deleted.id == created.id


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "code", "param"),
    [
        ("get", "/v1/resources/res_doesnotexist00000000000", {}, 404, "resource_missing", "id"),
        ("post", "/v1/resources", {"name": "Stripe compat", "type": "nope"}, 400, "parameter_invalid", "type"),
    ],
)
def test_stripe_python_typed_errors(client, method, path, params, status, code, param):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.raw_request(method, path, **params)
    err = raised.value
    assert (err.http_status, err.code, err.param) == (status, code, param)
    assert err.request_id and err.request_id.startswith("req_")


def test_stripe_node(cloud, account):
    script = os.path.join(ROOT, "sdks", "stripe-compat", "check.js")
    env = {**os.environ, "SDK_API_URL": cloud.url, "SDK_API_KEY": account["keys"]["test"]}
    out = subprocess.run(["node", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["created"]["metadata"] == {"team": "platform"} and got["created"]["timeout_ms"] == 10000
    assert got["replay"] == {"id": got["created"]["id"], "replayed": "true"}
    for name, status, code, param in (("not_found", 404, "resource_missing", "id"), ("invalid", 400, "parameter_invalid", "type")):
        err = got[name]
        assert err["raised"] and err["class"] == "StripeInvalidRequestError"
        assert (err["status"], err["code"], err["param"]) == (status, code, param)
        assert err["request_id"].startswith("req_")
    assert got["deleted"] == {"id": got["created"]["id"], "deleted": True}
