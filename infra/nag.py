"""cdk-nag AwsSolutions checks on the whole app (cdk-nag 3.x: a CDK validation plugin):
a finding left unacknowledged fails the synth, and `make test` with it.

Acknowledge a finding where the decision is made, on the narrowest construct, with the
reason: `acknowledge(construct, "AwsSolutions-L1", "why")`. ACKNOWLEDGED records every
acknowledgement (rule, construct path, reason) so tests and reviewers can list them.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"
ACKNOWLEDGED: list[tuple[str, str, str]] = []


def check(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a cdk-nag finding (e.g. "AwsSolutions-IAM5[Resource::*]") for scope and below."""
    if len(reason.split()) < 8:
        raise ValueError(f"{rule}: give a real reason")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{PACK}::{rule}", reason=reason))
    ACKNOWLEDGED.append((rule, scope.node.path, reason))
