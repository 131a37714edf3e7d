"""The provisioning state machine in the local cloud: the same ASL document CDK
deploys (infra/statemachines), created in moto with execution turned on, so every
created resource is provisioned for real by moto's Step Functions interpreter."""

from __future__ import annotations

import json
import os
import urllib.request

STATE_MACHINE_NAME = "resource-api-provisioning"
ROLE_ARN = "arn:aws:iam::123456789012:role/resource-api-provisioning"  # moto does not check it
LOCAL_STEP_SECONDS = "1"  # ~5 s from pending to active: long enough to watch, short enough to wait for


def definition(table_name: str) -> str:
    from infra import statemachines

    return statemachines.render(statemachines.PROVISIONING, TableName=table_name)


def enable_execution(moto_url: str) -> None:
    """moto runs no state machine unless told to (platform-facts: execute_state_machine)."""
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    req = urllib.request.Request(
        f"{moto_url}/moto-api/config", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(req, timeout=10).read()


def create_state_machine(moto_url: str, table_name: str) -> str:
    """Create it and point the functions at it (the environment CDK gives them)."""
    import boto3

    from resource_api.resources import provisioning

    from .keep import ensure_state_machine

    enable_execution(moto_url)
    # a restored one (localcloud/keep.py) gets the current definition
    arn = ensure_state_machine(boto3.client("stepfunctions"), STATE_MACHINE_NAME, definition(table_name), ROLE_ARN)
    os.environ[provisioning.STATE_MACHINE_ARN_ENV] = arn
    os.environ.setdefault(provisioning.STEP_SECONDS_ENV, LOCAL_STEP_SECONDS)
    return arn
