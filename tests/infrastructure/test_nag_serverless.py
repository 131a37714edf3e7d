"""Reliability and security checks on the synthesized stacks (issue 9), on the infra
tests' own synths: cdk-nag's Serverless rule pack (AwsSolutions runs in every synth,
test_checks.py), encryption at rest, and no wildcard resource in any role but where AWS requires one."""

from __future__ import annotations

from cdk_nag import ServerlessChecks

# Serverless findings reviewed for this stack, by rule, with the reason each is right
# here. A finding of any other rule fails: fix it, or review it and add it here.
REVIEWED = {
    "Serverless-LambdaLatestVersion": "python3.12 is pinned: the layers ship .pyc built for it (as AwsSolutions-L1)",
    "Serverless-LambdaDLQ": "API functions are invoked synchronously (the caller gets the error); the stream "
    "processor and the metrics ingest function have on-failure destinations, the delivery function its queue's DLQ",
    "Serverless-SQSRedrivePolicy": "the queues without one are dead-letter queues themselves",
    "Serverless-LambdaEventSourceMappingDestination": "an SQS event source cannot take an on-failure "
    "destination; failed messages go to the queue's redrive DLQ",
}


def _findings(synth) -> list[tuple[str, str]]:
    report = ServerlessChecks(synth.stack.node.root).validate_scope(synth.stack)
    out = []
    for violation in report.violations:
        for resource in violation.violating_resources:
            out.append((violation.rule_name, resource.construct_path or resource.resource_logical_id or ""))
    return out


def test_serverless_rule_pack_findings_are_all_reviewed(synth):
    findings = _findings(synth)
    unknown = sorted({f"{rule}: {path}" for rule, path in findings if rule not in REVIEWED})
    assert not unknown, "new cdk-nag Serverless findings:\n" + "\n".join(unknown)


def test_queues_are_encrypted_at_rest(synth):
    queues = synth.of_type("AWS::SQS::Queue")
    assert queues
    for name, queue in queues.items():
        props = queue.get("Properties", {})
        assert props.get("SqsManagedSseEnabled") or props.get("KmsMasterKeyId"), name


# Actions that take no resource-level permissions: AWS requires Resource "*" for them.
WILDCARD_ONLY = (
    "xray:",
    "dynamodb:ListStreams",
    # Step Functions' vended log delivery (the provisioning state machine's log group)
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)


def test_no_role_has_a_wildcard_resource_but_where_aws_requires_it(synth):
    for name, policy in synth.of_type("AWS::IAM::Policy").items():
        for stmt in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = stmt.get("Resource")
            resources = resources if isinstance(resources, list) else [resources]
            if "*" in resources:
                actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
                assert all(a.startswith(WILDCARD_ONLY) for a in actions), (name, actions)
