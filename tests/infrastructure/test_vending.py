"""Token vending (`-c vending=true`, infra/data.py; issue 23 item 5): a tenant role per
write kind whose DynamoDB policy binds dynamodb:LeadingKeys to the session's `account`
tag, trusted only by that kind's functions and only with that tag; the write functions'
own roles then cannot write their entity's items at all. That what the functions really
write through vended credentials is allowed, and another account's item refused, is
tests/infrastructure/test_least_privilege.py's (a recorded local run)."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from aws_cdk import App
from resource_api import routes
from resource_api.core import keys, vending

from infra import data
from infra.config import Config

from .test_least_privilege import ACCT, MODE, WRITES, _allows, _dynamo_statements, _functions
from .test_stack import as_list, policy_statements

KINDS = {
    routes.WRITE: keys.RESOURCE_WRITE_PARTITIONS,
    routes.WRITE_WEBHOOK_ENDPOINTS: keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS,
    routes.WRITE_IDEMPOTENCY: keys.IDEMPOTENCY_PARTITIONS,
}
# One item of each write kind, of account ACCT
SAMPLES = {
    routes.WRITE: keys.resource(ACCT, MODE, "res_x")["pk"],
    routes.WRITE_WEBHOOK_ENDPOINTS: keys.webhook_endpoint(ACCT, MODE, "we_x")["pk"],
    routes.WRITE_IDEMPOTENCY: keys.idempotency(ACCT, MODE, "0" * 64)["pk"],
}


def tenant_roles(synth) -> dict[str, tuple[str, dict]]:
    """write kind -> (logical id, resource) of its tenant role, by the functions' environment."""
    out: dict[str, tuple[str, dict]] = {}
    for fn in synth.of_type("AWS::Lambda::Function").values():
        variables = fn["Properties"].get("Environment", {}).get("Variables", {})
        for kind in KINDS:
            value = variables.get(vending.role_env(kind))
            if value is not None:
                role_id = value["Fn::GetAtt"][0]
                out[kind] = (role_id, synth.resources[role_id])
    return out


def test_without_the_flag_there_is_no_tenant_role(sandbox, production):
    for synth in (sandbox, production):
        assert not tenant_roles(synth)
        assert not [r for r in synth.of_type("AWS::IAM::Role") if "Tenant" in r]


def test_each_write_kind_has_a_tenant_role_bound_to_the_sessions_account(vended):
    roles = tenant_roles(vended)
    assert set(roles) == set(KINDS)
    assert len({role_id for role_id, _ in roles.values()}) == 3  # one per kind: entities stay apart
    for kind, (role_id, _) in roles.items():
        statements = [s for s in policy_statements(vended, role_id)
                      if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
        (statement,) = statements
        assert set(as_list(statement["Action"])) == set(data.WRITE_ACTIONS)
        leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert sorted(leading) == sorted(keys.tenant_partitions(KINDS[kind], data.ACCOUNT_TAG))
        # No wildcard account: every pattern names the tag's account, then '#'
        tag = "${aws:PrincipalTag/account}#"
        assert all(p.startswith(tag) or p.startswith("IDEM#" + tag) for p in leading), leading
        # The tag's value substituted (as IAM does): its own item, not another account's,
        # not another kind's
        mine = [p.replace("${aws:PrincipalTag/account}", ACCT) for p in leading]
        theirs = [p.replace("${aws:PrincipalTag/account}", "acct_other") for p in leading]
        assert any(fnmatchcase(SAMPLES[kind], p) for p in mine), (kind, mine)
        assert not any(fnmatchcase(SAMPLES[kind], p) for p in theirs), (kind, theirs)
        for other, pk in SAMPLES.items():
            if not set(KINDS[other]) <= set(KINDS[kind]):
                assert not any(fnmatchcase(pk, p) for p in mine), (kind, other)
        # ... and a prefix of the account id is not the account
        assert not any(fnmatchcase(SAMPLES[kind], p.replace("${aws:PrincipalTag/account}", ACCT[:-1])) for p in leading)


def test_a_tenant_role_trusts_only_its_kinds_functions_and_only_with_the_account_tag(vended):
    fns = _functions(vended)
    for kind, (_, role) in tenant_roles(vended).items():
        trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        granted = {r.function for r in routes.ROUTES if kind in r.access}
        trusted = set()
        for statement in trust:
            assert statement["Effect"] == "Allow"
            assert sorted(as_list(statement["Action"])) == ["sts:AssumeRole", "sts:TagSession"]
            assert statement["Condition"] == data.TENANT_TRUST_CONDITIONS  # the tag is required, no other
            trusted.add(statement["Principal"]["AWS"]["Fn::GetAtt"][0])
        expected = {fns[f]["Properties"]["Role"]["Fn::GetAtt"][0] for f in granted}
        dashboard = fns["dashboard"]["Properties"]["Role"]["Fn::GetAtt"][0]  # runs some API routes in-process
        assert trusted - {dashboard} == expected, kind


def test_with_vending_a_write_functions_own_role_cannot_write_its_entity(vended, sandbox):
    vfns, sfns = _functions(vended), _functions(sandbox)
    for route in routes.ROUTES:
        for kind in set(KINDS) & route.access:
            item = {"action": "PutItem", "pk": SAMPLES[kind], "index": None}
            # Without vending the function's own role writes the item; with it, it cannot ...
            assert _allows(sandbox, _dynamo_statements(sandbox, sfns[route.function]), item), route.function
            assert not _allows(vended, _dynamo_statements(vended, vfns[route.function]), item), route.function
            # ... nor any other of its kind's item kinds: its own writes left are usage counters
            for statement in _dynamo_statements(vended, vfns[route.function]):
                if set(as_list(statement["Action"])) & WRITES:
                    assert set(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]) <= set(
                        keys.COUNTER_PARTITIONS + keys.RESOURCE_LIMIT_PARTITIONS), route.function
            # It may assume its kind's tenant role (with a session tag), and no other
            role_id = vfns[route.function]["Properties"]["Role"]["Fn::GetAtt"][0]
            sts = [s for s in policy_statements(vended, role_id) if any(a.startswith("sts:") for a in as_list(s["Action"]))]
            assert [sorted(as_list(s["Action"])) for s in sts] == [["sts:AssumeRole", "sts:TagSession"]]
            assert as_list(sts[0]["Resource"]) == [{"Fn::GetAtt": [tenant_roles(vended)[kind][0], "Arn"]}]


def test_the_vended_template_passes_cfn_lint_and_cdk_nag(vended):
    from cfnlint.api import ManualArgs, lint_file

    from .test_checks import CFN_LINT_IGNORED

    matches = lint_file(vended.template_path, config=ManualArgs(regions=["us-east-1"], ignore_checks=sorted(CFN_LINT_IGNORED)))
    assert not matches, "\n".join(f"{m.rule.id} {m.message} ({m.path})" for m in matches)
    assert vended.nag_error is None, vended.nag_error


def test_the_flag_is_read_from_context_and_environment_and_checked():
    assert Config.from_node(App().node, env={}).vending is False  # the default: docs/deploy.md, "Token vending"
    assert Config.from_node(App(context={"vending": "true"}).node, env={}).vending
    assert Config.from_node(App().node, env={"VENDING": "1"}).vending
    with pytest.raises(ValueError, match="vending is true or false"):
        Config.from_node(App(context={"vending": "yes"}).node, env={})
