"""One Lambda function of ours, built the same way wherever it is deployed (the API's
routes, the webhook pipeline, the metrics ingestion): the code of functions/<name>,
every layer, its own log group and its own role with nothing but that log group and
tracing; the caller grants the rest. Alarmed and on the dashboard.

With SnapStart (`-c snapstart=true`, Config.snapstart) each function also publishes a
version on every deploy and gets an alias `live` on it; whatever invokes the function
invokes `invocation_target(fn)`: the alias then, the function itself otherwise (SnapStart
applies to published versions only: an unqualified invoke would run $LATEST, cold)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .config import Config
from .layers import ARCHITECTURE, RUNTIME, Layers
from .monitoring import Monitoring
from .nag import acknowledge

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
HANDLER = "handler.handler"
MEMORY_MB = 512
ALIAS = "live"


def construct_id(function: str) -> str:
    return "".join(part.capitalize() for part in function.split("_"))


@dataclass
class Built:
    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup


def python_function(
    scope: Construct,
    name: str,
    *,
    config: Config,
    layers: Layers,
    monitoring: Monitoring,
    environment: dict[str, str],
    timeout_s: int,
    role_description: str,
    description: str | None = None,
    tracing_wildcard: bool = True,
    extra_layers: list[lambda_.ILayerVersion] | None = None,
    memory_mb: int = MEMORY_MB,
    **options: Any,
) -> Built:
    """functions/<name> as a Lambda function in `scope` (construct ids <Name>, <Name>Logs,
    <Name>Role). `tracing_wildcard=False` when the caller acknowledges the role's
    wildcards itself; `options` go to lambda_.Function (destinations, retries...)."""
    cid = construct_id(name)
    if not (FUNCTIONS / name / "handler.py").is_file():
        raise FileNotFoundError(f"function {name!r}: functions/{name}/handler.py is missing")
    log_group = logs.LogGroup(scope, f"{cid}Logs", retention=config.log_retention, removal_policy=RemovalPolicy.DESTROY)
    role = iam.Role(
        scope, f"{cid}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=role_description
    )
    log_group.grant_write(role)
    fn = lambda_.Function(
        scope,
        cid,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        handler=HANDLER,
        code=lambda_.Code.from_asset(str(FUNCTIONS / name), exclude=["__pycache__", "*.pyc", "bench.json"]),
        layers=[*layers.all, *(extra_layers or [])],
        role=role,
        log_group=log_group,
        environment=dict(environment),
        memory_size=memory_mb,
        timeout=Duration.seconds(timeout_s),
        tracing=lambda_.Tracing.ACTIVE,
        description=description or f"Resource API {config.stage}: {name}",
        **({"snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS} if config.snapstart else {}),
        **options,
    )
    if config.snapstart:
        # A child of the function, so invocation_target finds it from the function alone.
        lambda_.Alias(fn, "Live", alias_name=ALIAS, version=fn.current_version)
    acknowledge(
        fn,
        "AwsSolutions-L1",
        "Pinned to python3.12 on purpose: the layers ship .pyc compiled by Python 3.12 (infra/build.py), "
        "which only a 3.12 runtime uses; the runtime moves together with the build interpreter.",
    )
    if tracing_wildcard:
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "The only '*' is xray:PutTraceSegments/PutTelemetryRecords, added by active tracing: X-Ray "
            "has no resource-level permissions (tests/infrastructure asserts no other '*').",
        )
    monitoring.watch_function(cid, fn)
    return Built(fn, role, log_group)


def invocation_target(fn: lambda_.IFunction) -> lambda_.IFunction:
    """What invokes `fn` should invoke: its `live` alias when it has one (SnapStart)."""
    alias = fn.node.try_find_child("Live")
    return alias if isinstance(alias, lambda_.Alias) else fn
