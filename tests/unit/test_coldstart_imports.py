"""What the small functions load at import (issue 8's cold-start target, bench/coldstart.py).

The authorizer and the webhook delivery function are measured against a floor of only
the third-party modules their code imports (Powertools' Logger; for the delivery
function boto3 too, which it imports at init). These tests keep them from
pulling the API's request path back in: the pydantic models (resource_api.<entity>.models,
through resources or an annotation), the error catalogue, or modules loaded only on a
rare path (decimal); and they pin down where the delivery function's clients are built:
through the shared caches, before its first batch starts its thread pool, and nowhere
else that imports deliveries (the API's delivery routes). Each import runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from resource_api.core import db
from resource_api.core.errors import ApiError

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(script: str, **env: str) -> str:
    path = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared" / "python")])
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": path, **env}, capture_output=True, text=True, timeout=60,
        check=True,
    )
    return out.stdout


def loaded_after(module: str) -> set[str]:
    script = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    return set(json.loads(run_fresh(script)))


@pytest.mark.parametrize(
    ("module", "not_loaded"),
    [
        ("resource_api.auth", {"pydantic", "resource_api.frame.models", "resource_api.core.errors", "decimal"}),
        (
            "resource_api.events.deliveries",
            # boto3: importing deliveries loads no SDK (list_event_deliveries and
            # replay_webhook_deliveries import it too); the delivery function's handler does.
            {"pydantic", "resource_api.frame.models", "resource_api.resources.domain", "resource_api.frame.idempotency",
             "boto3"},
        ),
    ],
)
def test_small_functions_do_not_load_the_request_path(module, not_loaded):
    assert not_loaded & loaded_after(module) == set()


INIT_CHECK = """
import json, sys
import functions.webhook_delivery.handler as h
from resource_api.core import db
from resource_api.events import queues
at_init = {
    "boto3": "boto3" in sys.modules,
    "clients": [db._client is not None, queues._client is not None],
    "request_path": sorted({"pydantic", "resource_api.frame.models", "resource_api.resources.domain"} & set(sys.modules)),
}
h.handle_batch([])
print(json.dumps({
    **at_init,
    "dynamodb": [db._client.meta.service_model.service_name, db._client.meta.endpoint_url],
    "sqs": [queues._client.meta.service_model.service_name, queues._client.meta.endpoint_url],
}))
"""


def test_the_delivery_function_loads_the_sdk_at_init_and_builds_clients_before_its_pool():
    # Given the local cloud's way of reaching moto (nothing listens there: building a
    # client makes no call)
    endpoint = "http://127.0.0.1:9"
    # When the delivery function's handler module is imported, as Lambda does at init,
    # and then handles a batch
    got = json.loads(run_fresh(INIT_CHECK, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"))
    # Then boto3 was loaded at init, without the API's request path, and no client yet
    assert got["boto3"] is True and got["request_path"] == [] and got["clients"] == [False, False]
    # And the batch built both clients, in the shared caches, at that endpoint
    assert got["dynamodb"] == ["dynamodb", endpoint]
    assert got["sqs"] == ["sqs", endpoint]


def test_init_clients_uses_the_caches_tests_set_or_clear(monkeypatch):
    from resource_api.events import deliveries, queues

    # Given clients a test has set
    dynamodb, sqs = object(), object()
    monkeypatch.setattr(db, "_client", dynamodb)
    monkeypatch.setattr(queues, "_client", sqs)
    # When the delivery function initialises
    deliveries.init_clients()
    # Then those are the clients it uses
    assert db.client() is dynamodb and queues.client() is sqs
    # And once a test clears them, the next init builds fresh ones
    monkeypatch.setattr(db, "_client", None)
    monkeypatch.setattr(queues, "_client", None)
    deliveries.init_clients()
    assert db.client().meta.service_model.service_name == "dynamodb"
    assert queues.client().meta.service_model.service_name == "sqs"


def test_decimal_values_are_still_stored_as_numbers():
    assert db.to_item({"n": Decimal("1.50"), "i": 2}) == {"n": {"N": "1.50"}, "i": {"N": "2"}}
    with pytest.raises(TypeError):
        db.to_item({"x": object()})


def test_translate_still_answers_the_error_catalogue():
    class Throttled(Exception):
        response = {"Error": {"Code": "ThrottlingException"}}

    err = db.translate(Throttled())
    assert isinstance(err, ApiError) and err.code == "service_unavailable" and err.store is False
    assert db.translate(RuntimeError("boom")).code == "internal_error"
