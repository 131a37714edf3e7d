"""The DynamoDB table, built from the same definition the local cloud uses
(resource_api.core.table), and the table's access kinds of the route table ("read",
"write", "count", "resource_limit", "authenticate"). Writes are scoped by partition
key (dynamodb:LeadingKeys, patterns in resource_api.core.keys): docs/deploy.md lists what
each function may touch.

With token vending (`-c vending=true`, Config.vending) the write kinds ("write",
"write_webhook_endpoints", "write_idempotency") are not granted to the functions: each
kind has a tenant role whose policy binds LeadingKeys to the session tag `account`
(keys.tenant_partitions with `${aws:PrincipalTag/account}`), trusted by that kind's
functions' roles only when they tag the session with an account, and each function
gets its kind's role ARN as TENANT_ROLE_ARN_<KIND> (resource_api.core.vending)."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from resource_api.core import keys, table, vending
from resource_api import routes

from .access import Access
from .config import Config
from .monitoring import Monitoring

# Exactly what the shared code calls (TransactWriteItems is authorised per item by the
# Put/Update/Delete/ConditionCheck actions, TransactGetItems by GetItem).
READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")
WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)

COUNT_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# The tenant roles' LeadingKeys name the account by the session's tag (IAM policy variable).
ACCOUNT_TAG = f"${{aws:PrincipalTag/{vending.TAG}}}"
# Who may assume a tenant role: only with the account as a session tag, and no other tag.
TENANT_TRUST_CONDITIONS = {
    "StringLike": {f"aws:RequestTag/{vending.TAG}": "?*"},
    "ForAllValues:StringEquals": {"aws:TagKeys": [vending.TAG]},
}

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}


def _attribute(request: dict, key_schema: list[dict], key_type: str) -> dynamodb.Attribute | None:
    types = {a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]}
    for key in key_schema:
        if key["KeyType"] == key_type:
            return dynamodb.Attribute(name=key["AttributeName"], type=_TYPES[types[key["AttributeName"]]])
    return None


class Data(Construct):
    def __init__(self, scope: Construct, id: str, *, config: Config, access: Access, monitoring: Monitoring) -> None:
        super().__init__(scope, id)
        self.vending = config.vending
        self.tenant_roles: dict[str, iam.Role] = {}
        request = table.create_table_request()
        if request["BillingMode"] != "PAY_PER_REQUEST":
            raise ValueError("the table is on-demand: nothing is paid at rest but storage")
        self.table = dynamodb.Table(
            self,
            "Table",
            # No fixed name: CloudFormation names it, so stages can share an account and
            # region; functions get it as TABLE_NAME.
            partition_key=_attribute(request, request["KeySchema"], "HASH"),
            sort_key=_attribute(request, request["KeySchema"], "RANGE"),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=table.TTL_ATTRIBUTE,
            stream=dynamodb.StreamViewType[request["StreamSpecification"]["StreamViewType"]],
            deletion_protection=config.production,
            removal_policy=config.removal_policy,
        )
        self.index_names: list[str] = []
        for index in request.get("GlobalSecondaryIndexes", []):
            if index["Projection"]["ProjectionType"] != "ALL":
                raise ValueError(f"index {index['IndexName']}: only ALL projections are mapped")
            self.table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=_attribute(request, index["KeySchema"], "HASH"),
                sort_key=_attribute(request, index["KeySchema"], "RANGE"),
                projection_type=dynamodb.ProjectionType.ALL,
            )
            self.index_names.append(index["IndexName"])

        access.register(routes.READ, self.grant_read)
        access.register(routes.WRITE, self.grant_write)
        access.register(routes.WRITE_WEBHOOK_ENDPOINTS, self.grant_write_webhook_endpoints)
        access.register(routes.WRITE_IDEMPOTENCY, self.grant_write_idempotency)
        access.register(routes.COUNT, self.grant_count)
        access.register(routes.RESOURCE_LIMIT, self.grant_resource_limit)
        access.register(routes.AUTHENTICATE, self.grant_authenticate)
        monitoring.watch_table(self.table)

    @property
    def index_arns(self) -> list[str]:
        return [f"{self.table.table_arn}/index/{name}" for name in self.index_names]

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """Reads of the table and of each index by name (no index/* wildcard)."""
        iam.Grant.add_to_principal(
            grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[self.table.table_arn, *self.index_arns]
        )

    def grant_partitions(self, grantee: iam.IGrantable, actions: tuple[str, ...], partitions: tuple[str, ...]) -> None:
        """`actions` on the table's items whose partition key matches one of `partitions`
        (dynamodb:LeadingKeys, core/keys.py). ForAllValues: every key a request names must
        match, so a BatchWriteItem with one foreign key is refused whole. Table ARN only:
        no index, so no Query on an index either."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(actions),
            resource_arns=[self.table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(partitions)}},
        )

    def grant_count(self, grantee: iam.IGrantable) -> None:
        """Writes to the usage-counter items only (every function counts its requests):
        restricted by partition key, so a read-only function still cannot touch data."""
        self.grant_partitions(grantee, COUNT_ACTIONS, keys.COUNTER_PARTITIONS)

    def grant_resource_limit(self, grantee: iam.IGrantable) -> None:
        """A resource's rate-limit windows and limit notices (resources/rate_limit.py)."""
        self.grant_partitions(grantee, COUNT_ACTIONS, keys.RESOURCE_LIMIT_PARTITIONS)

    def grant_authenticate(self, grantee: iam.IGrantable) -> None:
        """The authorizer: GetItem of API keys (by hash) and of accounts, nothing else."""
        self.grant_partitions(grantee, ("dynamodb:GetItem",), keys.AUTH_PARTITIONS)

    def grant_write(self, grantee: iam.IGrantable) -> None:
        """Resource writes (and the reads a conditional write path needs), to the
        resource item kinds (keys.RESOURCE_WRITE_PARTITIONS) only."""
        self.grant_read(grantee)
        self.grant_writes(grantee, routes.WRITE, keys.RESOURCE_WRITE_PARTITIONS)

    def grant_write_webhook_endpoints(self, grantee: iam.IGrantable) -> None:
        """Webhook endpoint writes (keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS) only."""
        self.grant_read(grantee)
        self.grant_writes(grantee, routes.WRITE_WEBHOOK_ENDPOINTS, keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS)

    def grant_write_idempotency(self, grantee: iam.IGrantable) -> None:
        """Idempotency records only (resend, replay: keys.IDEMPOTENCY_PARTITIONS)."""
        self.grant_read(grantee)
        self.grant_writes(grantee, routes.WRITE_IDEMPOTENCY, keys.IDEMPOTENCY_PARTITIONS)

    def grant_writes(self, grantee: iam.IGrantable, kind: str, partitions: tuple[str, ...]) -> None:
        """The writes of one write kind: to the function's own role, or with token
        vending, the right to assume the kind's tenant role with an account tag."""
        if not self.vending:
            self.grant_partitions(grantee, WRITE_ACTIONS, partitions)
            return
        principal = grantee.grant_principal
        if not isinstance(principal, iam.Role):
            raise TypeError(f"token vending: {kind} is granted to a role, not {principal}")
        trusted = iam.ArnPrincipal(principal.role_arn).with_session_tags().with_conditions(TENANT_TRUST_CONDITIONS)
        role = self.tenant_roles.get(kind)
        if role is None:
            role = self.tenant_roles[kind] = self._tenant_role(kind, partitions, trusted)
        else:
            role.assume_role_policy.add_statements(iam.PolicyStatement(
                actions=["sts:AssumeRole", "sts:TagSession"],
                principals=[iam.ArnPrincipal(principal.role_arn)],
                conditions=TENANT_TRUST_CONDITIONS,
            ))
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["sts:AssumeRole", "sts:TagSession"], resource_arns=[role.role_arn]
        )
        if isinstance(grantee, lambda_.Function):
            grantee.add_environment(vending.role_env(kind), role.role_arn)

    def _tenant_role(self, kind: str, partitions: tuple[str, ...], trusted: iam.IPrincipal) -> iam.Role:
        """The tenant role of a write kind (one per kind, so vending keeps the per-entity
        separation): WRITE_ACTIONS on the kind's partitions of the session's account only."""
        cid = "".join(part.capitalize() for part in kind.split("_"))
        role = iam.Role(
            self, f"Tenant{cid}Role", assumed_by=trusted,  # and every other function of the kind (grant_writes)
            description=f"Token vending ({kind}): its item kinds of the account in session tag '{vending.TAG}' only",
        )
        iam.Grant.add_to_principal(
            grantee=role,
            actions=list(WRITE_ACTIONS),
            resource_arns=[self.table.table_arn],
            conditions={"ForAllValues:StringLike": {
                "dynamodb:LeadingKeys": list(keys.tenant_partitions(partitions, ACCOUNT_TAG)),
            }},
        )
        return role
