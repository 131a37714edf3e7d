"""Async provisioning: the state machine that walks a created resource to `active`.

    table stream --> stream processor --(StartExecution, name = resource id)--> state machine
    state machine --(DynamoDB TransactWriteItems / GetItem)--> the table
    DELETE /v1/resources/{id} --(StopExecution)--> its execution

The definition is infra/statemachines/provisioning.asl.json, inlined as it is with
DefinitionSubstitutions (the local cloud renders the same file into moto). Its role may
call exactly the DynamoDB actions the definition's tasks use (derived from the document),
on the table only, and only on the resource partitions (`*#RES`, `*#RUNTIME`) through
dynamodb:LeadingKeys. Logs go to /aws/vendedlogs/states/..., X-Ray tracing is on, and an
alarm fires on failed or timed-out executions (aborted ones are DELETEs: not an alarm).

Registers the "stop_execution" access kind of the route table (DELETE), and grants the
stream processor StartExecution (`grant_start`), each with the environment it needs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Aws, Duration, Fn, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from resource_api.resources import provisioning
from resource_api import routes

from . import statemachines
from .config import Config
from .monitoring import Monitoring
from .nag import acknowledge

# Deployed pacing: five steps of 6 s, the ~30 s the spec shows. `-c provisioning_step_seconds=N`.
STEP_SECONDS = provisioning.DEFAULT_STEP_SECONDS
# Items the state machine may touch: the resource partitions (resources and their counter)
# and runtime configuration items; see resource_api.keys.
LEADING_KEY_PATTERNS = ("*#RES", "*#RUNTIME")
# How cdk-nag spells the StopExecution grant's resource (acknowledged: execution names are resource ids).
EXECUTIONS_NAG_RESOURCE = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<AWS::StackName>-provisioning:*"
# A service integration's ARN, in any partition (the document says arn:${Partition}:...).
INTEGRATION = re.compile(r"arn:(\$\{Partition\}|aws[a-z-]*):states:::")
_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def definition_document() -> dict[str, Any]:
    return json.loads(statemachines.PROVISIONING.read_text())


def dynamodb_actions(definition: dict[str, Any]) -> set[str]:
    """The IAM actions the definition's DynamoDB tasks need: TransactWriteItems is
    authorised per item by its operation's action, the optimised getItem by GetItem."""
    actions: set[str] = set()
    for state in definition["States"].values():
        resource = state.get("Resource", "")
        match = INTEGRATION.match(resource)
        if match is None:
            continue
        service = resource[match.end():].removeprefix("aws-sdk:")
        name, _, api = service.partition(":")
        if name != "dynamodb":
            raise ValueError(f"{resource}: only DynamoDB integrations are granted here")
        if api == "transactWriteItems":
            for item in state["Parameters"]["TransactItems"]:
                (op,) = item
                actions.add(_TRANSACT_ACTIONS[op])
        else:
            actions.add("dynamodb:" + api[0].upper() + api[1:])
    return actions


class Provisioning(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        table: dynamodb.ITable,
        access: Any,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        document = definition_document()
        # Named after the stack, so StopExecution can be granted on its executions by name
        # with the same (acknowledged) wildcard in every deployment.
        self.name = f"{Aws.STACK_NAME}-provisioning"
        raw = self.node.try_get_context("provisioning_step_seconds")
        self.step_seconds = int(raw) if raw not in (None, "") else STEP_SECONDS

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Provisioning state machine: the table's resource items, its log group, tracing",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ResourceItems",
                actions=sorted(dynamodb_actions(document)),
                resources=[table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(LEADING_KEY_PATTERNS)}},
            )
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{config.stack_name}-provisioning",
            retention=config.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.name,
            # The document as it is (compact), with the same substitutions the local cloud
            # makes. The integrations' partition is the stack's (AWS::Partition, joined into
            # the string: aws-cn and aws-us-gov deploy too), not a DefinitionSubstitution,
            # so cfn-lint still checks every Resource ARN of the document.
            definition_body=sfn.DefinitionBody.from_string(
                json.dumps(document, separators=(",", ":")).replace("${Partition}", Aws.PARTITION)
            ),
            definition_substitutions={"TableName": table.table_name},
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=self.role,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only the log delivery actions (logs:CreateLogDelivery and friends) and X-Ray's PutTraceSegments, "
            "which AWS requires on '*' for vended logs and active tracing; table access is scoped to its ARN.",
        )

        # Failed or timed out: a step failed after its retries (plan-limit rejections
        # end in a Succeed state). Aborted executions are DELETEs of pending resources.
        failed = cw.MathExpression(
            expression="FILL(f, 0) + FILL(t, 0)",
            using_metrics={
                "f": self.state_machine.metric_failed(period=Duration.minutes(1), statistic="Sum"),
                "t": self.state_machine.metric_timed_out(period=Duration.minutes(1), statistic="Sum"),
            },
            label="Failed provisioning executions",
            period=Duration.minutes(1),
        )
        self.alarm = monitoring.alarm(
            "ProvisioningFailedExecutions",
            failed,
            threshold=0,
            evaluation_periods=1,
            description="Provisioning executions failed or timed out: resources were left failed (see the "
            "execution history and the resources' provisioning.failure)",
        )
        access.register(routes.STOP_EXECUTION, self.grant_stop)

    def _environment(self, fn: Any, *, step_seconds: bool) -> None:
        if isinstance(fn, lambda_.Function):
            fn.add_environment(provisioning.STATE_MACHINE_ARN_ENV, self.state_machine.state_machine_arn)
            if step_seconds:
                fn.add_environment(provisioning.STEP_SECONDS_ENV, str(self.step_seconds))

    def grant_start(self, grantee: iam.IGrantable) -> None:
        """The stream processor: StartExecution on this state machine, its ARN and pacing."""
        self.state_machine.grant_start_execution(grantee)
        self._environment(grantee, step_seconds=True)

    def grant_stop(self, grantee: iam.IGrantable) -> None:
        """The "stop_execution" access kind (DELETE): StopExecution on its executions."""
        executions_arn = Fn.join(
            "", ["arn:", Aws.PARTITION, ":states:", Aws.REGION, ":", Aws.ACCOUNT_ID, ":execution:", self.name, ":*"]
        )
        iam.Grant.add_to_principal(grantee=grantee, actions=["states:StopExecution"], resource_arns=[executions_arn])
        self._environment(grantee, step_seconds=False)
        if isinstance(grantee, lambda_.Function) and grantee.role is not None:
            executions = EXECUTIONS_NAG_RESOURCE
            acknowledge(
                grantee.role,
                f"AwsSolutions-IAM5[Resource::{executions}]",
                "StopExecution on this state machine's executions, whose names (resource ids) are only known at "
                "run time: the wildcard is the execution name within this one state machine.",
            )
