"""The SnapStart flag (`-c snapstart=true`, infra/config.py and infra/functions.py): every
Python function snapshots its published versions and everything that invokes one goes
through its `live` alias; without the flag the template has neither."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Synth, _synth


@pytest.fixture(scope="module")
def snapstart(layers, tmp_path_factory) -> Synth:
    return _synth("sandbox", tmp_path_factory.mktemp("cdk-snapstart"), {"stage": "sandbox", "snapstart": "true"})


def refs(value: Any) -> set[str]:
    """Every logical id a template value points at (Ref, Fn::GetAtt)."""
    if isinstance(value, dict):
        out: set[str] = set()
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                out.add(inner)
            elif key == "Fn::GetAtt":
                out.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            else:
                out |= refs(inner)
        return out
    if isinstance(value, list):
        return set().union(*map(refs, value)) if value else set()
    return set()


def invokers(synth: Synth) -> dict[str, set[str]]:
    """What each invocation path points at: API integrations, authorizers, event source
    mappings, log subscriptions, and API Gateway's invoke permissions."""
    out: dict[str, set[str]] = {}
    for lid, method in synth.of_type("AWS::ApiGateway::Method").items():
        integration = method["Properties"].get("Integration") or {}
        if integration.get("Type") == "AWS_PROXY":
            out[f"integration {lid}"] = refs(integration["Uri"])
    for lid, auth in synth.of_type("AWS::ApiGateway::Authorizer").items():
        out[f"authorizer {lid}"] = refs(auth["Properties"]["AuthorizerUri"])
    for lid, mapping in synth.of_type("AWS::Lambda::EventSourceMapping").items():
        out[f"event source {lid}"] = refs(mapping["Properties"]["FunctionName"])
    for lid, sub in synth.of_type("AWS::Logs::SubscriptionFilter").items():
        out[f"log subscription {lid}"] = refs(sub["Properties"]["DestinationArn"])
    for lid, perm in synth.of_type("AWS::Lambda::Permission").items():
        if perm["Properties"]["Principal"] in ("apigateway.amazonaws.com", "logs.amazonaws.com"):
            out[f"permission {lid}"] = refs(perm["Properties"]["FunctionName"])
    return out


def test_the_flag_snapshots_every_function_and_routes_every_invocation_to_its_alias(snapstart):
    functions = snapstart.of_type("AWS::Lambda::Function")
    python = {lid: f for lid, f in functions.items() if f["Properties"].get("Runtime", "").startswith("python")}
    assert python and all(f["Properties"]["Runtime"] >= "python3.12" for f in python.values())
    for lid, fn in python.items():
        assert fn["Properties"].get("SnapStart") == {"ApplyOn": "PublishedVersions"}, lid
    versions = snapstart.of_type("AWS::Lambda::Version")
    aliases = snapstart.of_type("AWS::Lambda::Alias")
    # One published version and one `live` alias on it per Python function.
    assert {refs(v["Properties"]["FunctionName"]).pop() for v in versions.values()} == set(python)
    assert len(aliases) == len(python)
    for lid, alias in aliases.items():
        assert alias["Properties"]["Name"] == "live"
        assert refs(alias["Properties"]["FunctionVersion"]) <= set(versions), lid
    paths = invokers(snapstart)
    assert any(k.startswith("integration") for k in paths) and any(k.startswith("event source") for k in paths)
    assert any(k.startswith("authorizer") for k in paths) and any(k.startswith("log subscription") for k in paths)
    for what, targets in paths.items():
        assert targets & set(aliases), f"{what} does not invoke an alias: {targets}"
        assert not targets & set(python), f"{what} invokes an unqualified function: {targets & set(python)}"
    assert snapstart.nag_error is None, snapstart.nag_error


def test_without_the_flag_nothing_changes(sandbox):
    functions = sandbox.of_type("AWS::Lambda::Function")
    assert not any("SnapStart" in f["Properties"] for f in functions.values())
    assert not sandbox.of_type("AWS::Lambda::Version") and not sandbox.of_type("AWS::Lambda::Alias")
    for what, targets in invokers(sandbox).items():
        assert targets & set(functions), f"{what}: {targets}"


def test_the_flag_takes_only_true_or_false():
    from aws_cdk import App

    from infra.config import Config

    assert Config.from_node(App(context={"snapstart": "true"}).node, env={}).snapstart
    assert not Config.from_node(App().node, env={}).snapstart
    assert Config.from_node(App().node, env={"SNAPSTART": "true"}).snapstart  # SNAPSTART=true make synth
    with pytest.raises(ValueError, match="snapstart"):
        Config.from_node(App(context={"snapstart": "yes"}).node, env={})
