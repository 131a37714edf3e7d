"""DynamoDB's TransactWriteItems takes a ClientRequestToken of 1-36 characters; a longer
one is a ValidationException, which would fail every provisioning run or API write
that made it. Each token we send has room to spare for the longest input it is made of
(moto does not check the length, so these tests do)."""

from __future__ import annotations

import json
import re

import pytest

from infra import statemachines
from resource_api.core import db, ids
from resource_api.resources import provisioning, domain as resources
from resource_api.resources.models import ResourceCreate
from tests.reliability import apigw

DYNAMODB_MAX = 36
OURS_MAX = 32  # at least 4 characters under DynamoDB's limit
_FORMAT = re.compile(r"^States\.Format\('([^']*)', \$\$\.Execution\.Name\)$")


def _tokens(node) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k.startswith("ClientRequestToken")]
        return found + [t for v in node.values() for t in _tokens(v)]
    if isinstance(node, list):
        return [t for v in node for t in _tokens(v)]
    return []


def test_provisioning_tokens_fit_for_the_longest_execution_name():
    # The execution's name is the resource's id (provisioning.start), and an id has one length
    longest_id = "res_" + "z" * (ids.TIME_CHARS + ids.RANDOM_CHARS)
    assert ids.is_valid(longest_id, "res") and len(ids.new_id("res")) == len(longest_id)
    definition = json.loads(statemachines.render(TableName="t"))
    tokens = _tokens(definition)
    assert len(tokens) == 7  # five steps and the two failure branches
    rendered = []
    for token in tokens:
        match = _FORMAT.match(token)
        assert match, token  # only the execution's name varies
        rendered.append(match.group(1).replace("{}", longest_id))
    assert max(len(t) for t in rendered) <= OURS_MAX < DYNAMODB_MAX
    # one token per step (the two failure branches are alternatives: one runs)
    assert len(set(rendered)) == 6


class _Sent:
    """ClientRequestTokens of the TransactWriteItems calls the API's DynamoDB client makes."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def __call__(self, params, **_) -> None:
        self.tokens.append(params.get("ClientRequestToken"))


@pytest.fixture
def sent(aws):
    spy = _Sent()
    events = db.client().meta.events
    events.register("provide-client-params.dynamodb.TransactWriteItems", spy)
    yield spy
    events.unregister("provide-client-params.dynamodb.TransactWriteItems", spy)


def test_api_write_tokens_fit_whatever_the_idempotency_key(ctx, sent, monkeypatch):
    monkeypatch.delenv(provisioning.STATE_MACHINE_ARN_ENV, raising=False)
    # A write without a key, and through the handler with the longest key allowed
    resources.create(ctx, ResourceCreate(name="Plain", type="staging"))
    made = apigw.invoke(
        ctx.principal, "POST", "/v1/resources", body={"name": "Keyed", "type": "staging"},
        headers={"Idempotency-Key": "k" * 255},
    )
    assert made.status == 201
    assert len(sent.tokens) == 2
    for token in sent.tokens:
        assert token and re.fullmatch(r"[0-9a-f]{32}", token)
        assert len(token) <= OURS_MAX < DYNAMODB_MAX
    assert len(set(sent.tokens)) == 2  # one per transaction
