"""cfn-lint and cdk-nag on the synthesized templates."""

from __future__ import annotations

import json

# CDK adds DependsOn from each function to its role's default policy, next to the
# GetAtt of the role: cfn-lint calls the dependency redundant (W3005). That is CDK's
# doing and harmless; nothing else is ignored.
CFN_LINT_IGNORED = {"W3005"}

# Every cdk-nag acknowledgement in the app, by rule. Adding one is a reviewed change here.
EXPECTED_ACKNOWLEDGEMENTS = {
    "AwsSolutions-APIG2",  # request validation is the functions' job (error object with param)
    "AwsSolutions-APIG3",  # no WAF: it costs money at rest
    "AwsSolutions-APIG4",  # only the 405 MOCK methods skip the authorizer
    "AwsSolutions-COG4",  # API keys via a Lambda authorizer, not Cognito
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
    "AwsSolutions-IAM5[Resource::*]",  # X-Ray only (asserted in test_stack)
    "AwsSolutions-L1",  # python3.12 pinned to the .pyc the layers ship
    "AwsSolutions-SQS3",  # the stream's on-failure queue is itself a dead-letter target (infra/monitoring.py failure_queue)
    # DELETE may stop the provisioning state machine's executions, named by resource id (infra/provisioning.py)
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<AWS::StackName>-provisioning:*]",
    # The dashboard's status page reads the stack's own alarms, by name prefix (infra/dashboard.py)
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:<AWS::StackName>-*]",
}


def test_cfn_lint_is_clean(synth):
    from cfnlint.api import ManualArgs, lint_file

    region = synth.stack.config.region or "us-east-1"
    matches = lint_file(synth.template_path, config=ManualArgs(regions=[region], ignore_checks=sorted(CFN_LINT_IGNORED)))
    assert not matches, "\n".join(f"{m.rule.id} {m.message} ({m.path})" for m in matches)


def test_cdk_nag_has_no_unacknowledged_findings(synth):
    assert synth.nag_error is None, "unacknowledged cdk-nag findings:\n" + synth.nag_error


def test_every_acknowledgement_is_known_and_reasoned(synth):
    rules = {rule for rule, _, _ in synth.acknowledged}
    assert rules == EXPECTED_ACKNOWLEDGEMENTS, (
        "cdk-nag acknowledgements changed: review the reason and update EXPECTED_ACKNOWLEDGEMENTS",
        sorted(rules ^ EXPECTED_ACKNOWLEDGEMENTS),
    )
    for rule, path, reason in synth.acknowledged:
        assert len(reason) > 80, (rule, path)
        # Scoped to the construct the reason is about, never the whole stack or app.
        assert path.count("/") >= 1, (rule, path)


def test_a_new_finding_fails_the_synth(tmp_path, layers):
    # Given the app with one more resource breaking an AwsSolutions rule
    from aws_cdk import aws_sqs as sqs
    from aws_cdk.assertions import Template
    import pytest

    from infra.app import build

    app, stack = build({"stage": "sandbox"}, outdir=str(tmp_path), env={})
    sqs.Queue(stack, "NoDeadLetterQueue")
    # When it is synthesized, Then cdk-nag fails it
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        Template.from_stack(stack)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "AwsSolutions-SQS3" in rules
