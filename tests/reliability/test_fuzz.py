"""Schemathesis against the local cloud over real HTTP: no 5xx, every answer as
documented (status, headers, body), every error the spec's error object."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from . import contract, figures, fuzzing

schema = fuzzing.schema()
# The built-in data checks, replaced by versions that know the API's documented
# cross-parameter rules and its numbers-for-strings leniency (fuzzing.py).
BUILTIN = [CHECKS.get_one("positive_data_acceptance"), CHECKS.get_one("negative_data_rejection")]
OURS = [fuzzing.positive_data_accepted, fuzzing.negative_data_rejected]


@pytest.fixture(scope="module")
def fuzz_target(cloud):
    account = cloud.new_account()
    return cloud.url, {"Authorization": f"Bearer {account['keys']['test']}"}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_operations_answer_as_documented(case, fuzz_target):
    base_url, headers = fuzz_target
    fuzzing.unique_idempotency_keys(case)
    resp = case.call_and_validate(
        base_url=base_url,
        headers=headers,
        excluded_checks=BUILTIN,
        additional_checks=OURS,
    )
    figures.add_unique("fuzz", "operations", case.operation.label)
    figures.add("fuzz", "requests")
    if fuzzing.form_twin(case, resp, base_url, headers):
        figures.add("fuzz", "form twins")
    if resp.status_code >= 400:
        assert set(resp.json()["error"]) >= contract.ERROR_KEYS


CREATE = "POST /v1/resources"
# What the walk must do to a resource it created (an id from its own 201), whatever the answer
# (200, 404 after a delete, 409 while provisioning, 412 for a made-up If-Match...).
MUST_REACH = ("PATCH /v1/resources/{id}", "DELETE /v1/resources/{id}")


def test_stateful_create_read_update_delete(cloud):
    """Links in the document (create -> get/patch/delete; list -> get/...) drive
    sequences over real ids: use-after-free, availability of what was created, and
    every answer on the way as documented. One derandomized round; it must patch and
    delete a resource it created itself."""
    account = cloud.new_account()
    headers = {"Authorization": f"Bearer {account['keys']['test']}"}
    steps = {"n": 0}
    created: set[str] = set()
    reached: dict[str, int] = {}  # operation -> first step that used an id the walk created

    class Workflow(fuzzing.stateful_schema().as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"base_url": cloud.url, "headers": headers}

        def before_call(self, case):
            fuzzing.unique_idempotency_keys(case)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            steps["n"] += 1
            label = case.operation.label
            if (case.path_parameters or {}).get("id") in created:
                reached.setdefault(label, steps["n"])
            if label == CREATE and response.status_code == 201:
                created.add(response.json()["id"])
            case.validate_response(
                response,
                additional_checks=OURS,
                excluded_checks=BUILTIN,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    Workflow.run(
        settings=settings(
            max_examples=fuzzing.STATEFUL_RUNS,
            stateful_step_count=fuzzing.STATEFUL_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    figures.add("fuzz", "stateful steps", steps["n"])
    missing = [op for op in MUST_REACH if op not in reached]
    assert not missing, (
        f"in {steps['n']} steps the walk created {len(created)} resources but never called {missing} "
        f"on one of them; reached: {reached}"
    )
    figures.add("fuzz", "created resource patched at step", reached[MUST_REACH[0]])
    figures.add("fuzz", "deleted at step", reached[MUST_REACH[1]])
