"""A DELETE inside POST /v1/batch stops a pending resource's provisioning, as DELETE
/v1/resources/{id} does; in an atomic batch only once the batch committed (a batch that
rolled back leaves the resource provisioning). Through the batch function's handler,
with moto's Step Functions running the real state machine (tests/unit/test_provisioning.py).

The batch function's grant (states:StopExecution) and the state machine's ARN in its
environment are asserted in tests/infrastructure/test_provisioning.py."""

from __future__ import annotations

import pytest

from resource_api.resources import provisioning, domain as resources
from tests.reliability import apigw

from .test_provisioning import prov  # noqa: F401 - the fixture


def _batch(ctx, operations: list[dict], atomic: bool = False) -> apigw.Answer:
    return apigw.invoke(
        ctx.principal, "POST", "/v1/batch", json_body=True, body={"operations": operations, "atomic": atomic}
    )


@pytest.fixture
def slow_steps(monkeypatch):
    monkeypatch.setenv(provisioning.STEP_SECONDS_ENV, "2")  # pending long enough to be deleted mid-way


@pytest.mark.parametrize("atomic", [False, True])
def test_a_batch_delete_of_a_pending_resource_stops_its_execution(prov, slow_steps, atomic):  # noqa: F811
    ctx = prov.account()
    created = prov.create(ctx)
    prov.wait_for_step(ctx, created["id"], 1)
    assert prov.execution(created["id"])["status"] == "RUNNING"
    # When a batch deletes it
    answer = _batch(ctx, [{"method": "DELETE", "path": f"/v1/resources/{created['id']}"}], atomic=atomic)
    assert answer.status == 200 and answer.body["results"][0]["status"] == 200
    # Then its execution is stopped, as a DELETE's is, and nothing is left held
    assert prov.wait(created["id"])["status"] == "ABORTED"
    assert prov.counter(ctx) == {}


def test_an_atomic_batch_that_rolls_back_leaves_the_resource_provisioning(prov, slow_steps):  # noqa: F811
    ctx = prov.account()
    created = prov.create(ctx)
    prov.wait_for_step(ctx, created["id"], 1)
    # When an atomic batch deletes it, but another of its operations fails
    answer = _batch(
        ctx,
        [
            {"method": "DELETE", "path": f"/v1/resources/{created['id']}"},
            {"method": "DELETE", "path": "/v1/resources/res_0000000000000000000000000z"},
        ],
        atomic=True,
    )
    assert answer.status == 200 and answer.body["atomic"] == {"committed": False, "failed_operation": 1}
    # Then nothing was deleted, and its provisioning was not stopped: it completes
    assert prov.wait(created["id"])["status"] == "SUCCEEDED"
    assert resources.retrieve(ctx, created["id"])["status"] == "active"
