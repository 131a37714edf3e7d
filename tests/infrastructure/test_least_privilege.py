"""Least privilege on the table, by partition key (dynamodb:LeadingKeys).

The policies are checked two ways: what they allow (the authorizer reads API keys and
accounts only; no API function may write API keys, accounts, events, delivery attempts,
or notices unless it applies a resource's rate limit; the delivery function touches
deliveries, endpoints and events only), and that they allow everything the functions
really do: every DynamoDB request the functions made in a local cloud run
(tests/infrastructure/dynamo_calls.py) must be allowed by the synthesized policy of the
function that made it, since moto itself enforces no IAM. The run has token vending on
(VENDING=true): each write made with vended credentials is checked against the tenant
role's policy with the session's `account` tag substituted (and refused for another
account's item), and, as the same write would be made with the function's own role
without vending, against that role's policy in the default template too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from resource_api.core import keys
from resource_api import routes

from infra.functions import FUNCTIONS

from .conftest import ROOT
from .test_stack import as_list, policy_statements

ACCT, MODE = "acct_0000000000aaaaaaaaaaaaaa", "test"
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem"}
# Partition keys no API function may write, built by the key builders themselves.
FORBIDDEN = {
    "API key": keys.api_key("0" * 64)["pk"],
    "account": keys.account(ACCT)["pk"],
    "event": keys.event(ACCT, MODE, "evt_x")["pk"],
    "delivery attempt": keys.delivery(ACCT, MODE, "evt_x", "dlv_x")["pk"],
}
NOTICE = keys.notice(ACCT, MODE, "ntc_x")["pk"]


def _functions(synth) -> dict[str, dict]:
    """functions/<name> -> its AWS::Lambda::Function resource, from the staged assets."""
    out = {}
    for fn in synth.of_type("AWS::Lambda::Function").values():
        handler = (synth.asset_dir(fn["Properties"]["Code"]) / "handler.py").read_bytes()
        for folder in FUNCTIONS.iterdir():
            if (folder / "handler.py").is_file() and (folder / "handler.py").read_bytes() == handler:
                out[folder.name] = fn
    return out


def _dynamo_statements(synth, fn: dict) -> list[dict]:
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        s for s in policy_statements(synth, role_id)
        if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]


def _leading(statement: dict) -> list[str] | None:
    condition = statement.get("Condition")
    if condition is None:
        return None
    assert set(condition) == {"ForAllValues:StringLike"}, condition
    return condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]


def _table_arn(synth) -> dict:
    return {"Fn::GetAtt": [next(iter(synth.of_type("AWS::DynamoDB::Table"))), "Arn"]}


def _allows(synth, statements: list[dict], access: dict) -> bool:
    """Whether an Allow statement lets this request touch this item (as IAM decides it)."""
    table = _table_arn(synth)
    arn = table if access["index"] is None else {"Fn::Join": ["", [table, f"/index/{access['index']}"]]}
    for statement in statements:
        if statement["Effect"] != "Allow" or f"dynamodb:{access['action']}" not in as_list(statement["Action"]):
            continue
        if arn not in as_list(statement["Resource"]):
            continue
        leading = _leading(statement)
        if leading is None or any(fnmatchcase(access["pk"], p) for p in leading):
            return True
    return False


# --- what the policies allow ----------------------------------------------------------------


def test_the_authorizer_reads_api_keys_and_accounts_only(synth):
    fn = _functions(synth)[routes.AUTHORIZER_FUNCTION]
    (statement,) = _dynamo_statements(synth, fn)
    assert as_list(statement["Action"]) == ["dynamodb:GetItem"]
    assert as_list(statement["Resource"]) == [_table_arn(synth)]  # no index: no Query
    assert sorted(_leading(statement)) == sorted(keys.AUTH_PARTITIONS) == ["ACCOUNT#*", "APIKEY#*"]
    assert fnmatchcase(keys.api_key("0" * 64)["pk"], "APIKEY#*")
    for other in (keys.resource(ACCT, MODE, "res_x"), keys.webhook_endpoint(ACCT, MODE, "we_x"), keys.rate_limit(ACCT, MODE, "202401")):
        assert not any(fnmatchcase(other["pk"], p) for p in _leading(statement)), other


def test_no_api_function_may_write_api_keys_accounts_events_or_other_notices(synth):
    fns = _functions(synth)
    for route in routes.ROUTES:
        for statement in _dynamo_statements(synth, fns[route.function]):
            if not set(as_list(statement["Action"])) & WRITES:
                continue
            leading = _leading(statement)
            # Every write statement is scoped by partition key ...
            assert leading, (route.function, statement)
            # ... to none of the partitions the API never writes
            for what, pk in FORBIDDEN.items():
                assert not any(fnmatchcase(pk, p) for p in leading), (route.function, what, leading)
            # ... and notices (which become events) only where a resource's rate limit applies
            if any(fnmatchcase(NOTICE, p) for p in leading):
                assert routes.RESOURCE_LIMIT in route.access, route.function
    limiters = {r.function for r in routes.ROUTES if routes.RESOURCE_LIMIT in r.access}
    assert limiters == {"get_resource", "update_resource", "delete_resource", "batch"}


def test_the_delivery_function_touches_deliveries_endpoints_and_events_only(synth):
    from infra import webhooks

    fn = _functions(synth)[webhooks.DELIVERY_FUNCTION]
    granted = sorted((sorted(as_list(s["Action"])), sorted(_leading(s) or ["<any>"])) for s in _dynamo_statements(synth, fn))
    assert granted == sorted([
        (["dynamodb:BatchGetItem", "dynamodb:GetItem"], sorted(keys.DELIVERY_READ_PARTITIONS)),
        (["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], sorted(keys.DELIVERY_WRITE_PARTITIONS)),
    ])
    patterns = keys.DELIVERY_READ_PARTITIONS + keys.DELIVERY_WRITE_PARTITIONS
    assert fnmatchcase(keys.delivery(ACCT, MODE, "evt_x", "dlv_x")["pk"], "*#DLV#*")
    for other in (keys.api_key("0" * 64), keys.account(ACCT), keys.resource(ACCT, MODE, "res_x"),
                  keys.idempotency(ACCT, MODE, "h"), keys.notice(ACCT, MODE, "n"), keys.rate_limit(ACCT, MODE, "202401")):
        assert not any(fnmatchcase(other["pk"], p) for p in patterns), other


def test_the_stream_processor_writes_events_only(synth):
    from infra import webhooks

    fn = _functions(synth)[webhooks.STREAM_FUNCTION]
    writes = [s for s in _dynamo_statements(synth, fn) if set(as_list(s["Action"])) & WRITES]
    assert [sorted(_leading(s)) for s in writes] == [sorted(keys.EVENT_PARTITIONS)]


# --- what the functions really do -------------------------------------------------------------


@pytest.fixture(scope="session")
def recorded(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("dynamo-calls") / "calls.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared" / "python")])
    env["TABLE_NAME"] = "resource-api"
    env["VENDING"] = "true"  # the write path through vended credentials (resource_api/core/vending.py)
    done = subprocess.run(
        [sys.executable, "-m", "tests.infrastructure.dynamo_calls", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(Path(out).read_text())


def test_every_dynamodb_request_the_functions_make_is_allowed_by_their_policy(sandbox, recorded):
    fns = _functions(sandbox)
    # The run exercised every function we deploy
    assert {c["function"] for c in recorded} == {f.name for f in FUNCTIONS.iterdir() if (f / "handler.py").is_file()}
    denied = set()
    for call in recorded:
        statements = _dynamo_statements(sandbox, fns[call["function"]])
        for access in call["accesses"]:
            if not _allows(sandbox, statements, access):
                denied.add((call["function"], call["operation"], access["action"], access["pk"], access["index"]))
    assert not denied, "requests the deployed policies would refuse:\n" + "\n".join(map(str, sorted(denied)))


# --- through vended credentials (token vending, -c vending=true) -----------------------------------

TAG_VARIABLE = "${aws:PrincipalTag/account}"
VENDED_KINDS = (routes.WRITE, routes.WRITE_WEBHOOK_ENDPOINTS, routes.WRITE_IDEMPOTENCY)


def _write_partitions(kind: str) -> tuple[str, ...]:
    return {
        routes.WRITE: keys.RESOURCE_WRITE_PARTITIONS,
        routes.WRITE_WEBHOOK_ENDPOINTS: keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS,
        routes.WRITE_IDEMPOTENCY: keys.IDEMPOTENCY_PARTITIONS,
    }[kind]


def _session_statements(synth, fn: dict, session: dict) -> list[dict]:
    """The DynamoDB statements a vended session has: the tenant role the function's
    environment names for the session's write kind, its policy variable replaced by the
    session's `account` tag (as IAM evaluates it). Asserts the role trusts the function."""
    from resource_api.core import vending

    kind = session["role"].rsplit("/tenant-", 1)[1]  # localcloud.cloud.LOCAL_TENANT_ROLE
    variables = fn["Properties"]["Environment"]["Variables"]
    role_id = variables[vending.role_env(kind)]["Fn::GetAtt"][0]
    trust = synth.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert {"Fn::GetAtt": [fn["Properties"]["Role"]["Fn::GetAtt"][0], "Arn"]} in [t["Principal"]["AWS"] for t in trust]
    account = session["tags"][vending.TAG]
    return json.loads(json.dumps(_dynamo_statements_of_role(synth, role_id)).replace(TAG_VARIABLE, account))


def _dynamo_statements_of_role(synth, role_id: str) -> list[dict]:
    return [s for s in policy_statements(synth, role_id) if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]


def _other_account(pk: str, account: str) -> str:
    return pk.replace(account, "acct_0ther0000000000000000000", 1)


def test_the_write_path_ran_through_vended_credentials(recorded):
    writers = {r.function: kind for r in routes.ROUTES for kind in VENDED_KINDS if kind in r.access}
    vended_by = set()
    for call in recorded:
        kind = writers.get(call["function"])
        if kind is None:
            continue
        for access in call["accesses"]:
            if f"dynamodb:{access['action']}" in WRITES and any(fnmatchcase(access["pk"], p) for p in _write_partitions(kind)):
                # Every write of a route's entity items went with its account's session
                assert call["session"] is not None, (call["function"], call["operation"], access)
                assert access["pk"].replace("IDEM#", "", 1).startswith(call["session"]["tags"]["account"] + "#")
                vended_by.add(call["function"])
    assert {"create_resource", "update_resource", "delete_resource", "batch", "create_webhook_endpoint",
            "update_webhook_endpoint", "delete_webhook_endpoint", "rotate_webhook_secret"} <= vended_by, vended_by


def test_every_vended_write_is_allowed_for_its_account_and_refused_for_another(vended, recorded):
    fns = _functions(vended)
    checked, denied, leaked = 0, set(), set()
    for call in recorded:
        if call["session"] is None:  # the function's own role, in the vended template too
            own = _dynamo_statements(vended, fns[call["function"]])
            denied |= {(call["function"], call["operation"], a["action"], a["pk"]) for a in call["accesses"]
                       if not _allows(vended, own, a)}
            continue
        statements = _session_statements(vended, fns[call["function"]], call["session"])
        account = call["session"]["tags"]["account"]
        for access in call["accesses"]:
            checked += 1
            if not _allows(vended, statements, access):
                denied.add((call["function"], call["operation"], access["action"], access["pk"]))
            # The same request on another account's item: the tenant role refuses it
            if _allows(vended, statements, {**access, "pk": _other_account(access["pk"], account)}):
                leaked.add((call["function"], call["operation"], access["action"], access["pk"]))
    assert checked
    assert not denied, "requests the vended template would refuse:\n" + "\n".join(map(str, sorted(denied)))
    assert not leaked, "another account's items the tenant roles would allow:\n" + "\n".join(map(str, sorted(leaked)))
