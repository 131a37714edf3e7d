"""Per-deployment settings, from CDK context (`-c stage=production`) or the environment.

One app, several deployments: the spec's Production, Sandbox and EU Region base URLs are
`STAGE=production` in one region, `STAGE=sandbox`, and `STAGE=production` in an EU region.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Node

STAGES = ("sandbox", "production")
DEFAULT_DOC_BASE_URL = "https://github.com/resource-api/resource-api/blob/main/docs"
SERVICE_NAME = "resource-api"
# Lambda keeps this much of a region's concurrency quota unreserved: a function may
# reserve at most quota - reserved by others - UNRESERVED_MINIMUM ("You can reserve up to
# the Unreserved account concurrency value minus 100", Lambda developer guide,
# configuration-concurrency). With a quota of 100 or less nothing can be reserved.
UNRESERVED_MINIMUM = 100
SQS_MIN_CONCURRENCY, SQS_MAX_CONCURRENCY = 2, 1000  # an SQS event source's maximum concurrency
DEFAULT_DELIVERY_MAX_CONCURRENCY = 25


def check_delivery_concurrency(reserve: int, quota: int, elsewhere: int) -> None:
    """Refuse at synth time a delivery reservation the account would refuse at deploy."""
    if reserve == 0:
        return
    if not SQS_MIN_CONCURRENCY <= reserve <= SQS_MAX_CONCURRENCY:
        raise ValueError(
            f"webhook_delivery_concurrency must be 0 (no reservation) or {SQS_MIN_CONCURRENCY}..{SQS_MAX_CONCURRENCY} "
            f"(the SQS event source's maximum concurrency is the same number), got {reserve}"
        )
    room = quota - elsewhere - UNRESERVED_MINIMUM
    if reserve > room:
        raise ValueError(
            f"webhook_delivery_concurrency={reserve} cannot be reserved: the Lambda quota is {quota}, other stacks "
            f"reserve {elsewhere}, and Lambda keeps {UNRESERVED_MINIMUM} unreserved, so at most {max(room, 0)} can be "
            f"(quota - reserved elsewhere - {UNRESERVED_MINIMUM}). Use -c webhook_delivery_concurrency=0 (no "
            "reservation), a smaller value, or ask for a higher quota (lambda_concurrency_limit)."
        )


@dataclass(frozen=True)
class Config:
    stage: str
    region: str | None  # None: a region-agnostic template (synth without a region)
    account: str | None
    doc_base_url: str = DEFAULT_DOC_BASE_URL
    domain_name: str | None = None
    certificate_arn: str | None = None
    # Coarse backstop for the whole stage; per-account limits are enforced in the service.
    throttle_rate_limit: int = 1000
    throttle_burst_limit: int = 2000
    # Alarm thresholds
    error_rate_threshold: float = 0.01  # share of requests answered 5xx
    p99_latency_ms: int = 2000
    alarm_email: str | None = None
    # Reserved concurrency of the webhook delivery function (also the most its queue's
    # event source may invoke at once): slow receivers can hold at most this many
    # executions, and the API keeps the rest of the account's concurrency. 0: no
    # reservation (an account whose Lambda quota is too low to reserve any); the event
    # source's maximum concurrency then stays delivery_max_concurrency.
    webhook_delivery_concurrency: int = 25
    # The region's Lambda concurrency quota (1,000 by default; new accounts start lower)
    # and what other stacks in the region already reserve: a reservation is checked
    # against them at synth time (check_delivery_concurrency).
    lambda_concurrency_limit: int = 1000
    lambda_reserved_elsewhere: int = 0
    # Optional AWS WAF web ACL on the API stage: block an IP address that sends more
    # than this many requests in 5 minutes (None: no web ACL, nothing paid at rest).
    waf_rate_limit: int | None = None
    # The dashboard's base URL (its own domain or API URL): error objects' request_log_url
    # is {dashboard_url}/logs/{request_id}; None: request_log_url is null.
    dashboard_url: str | None = None
    # Lambda SnapStart on every Python function (`-c snapstart=true`): each deploy publishes
    # a version, snapshots its initialised memory, and everything that invokes a function
    # (API Gateway, the authorizer, the stream, the queue, the log subscription) goes
    # through its `live` alias. Off by default (docs/performance.md, SnapStart).
    snapstart: bool = False
    # Token vending for account isolation (`-c vending=true`): the write path assumes a
    # tenant role per write kind with the account as session tag, whose policy binds
    # dynamodb:LeadingKeys to that account (infra/data.py, resource_api/core/vending.py).
    # Default from the figures: docs/deploy.md, "Token vending".
    vending: bool = False

    @property
    def delivery_max_concurrency(self) -> int:
        """The SQS event source's maximum concurrency (2..1000): the reservation, or
        without one DEFAULT_DELIVERY_MAX_CONCURRENCY, at most half the quota."""
        if self.webhook_delivery_concurrency:
            return self.webhook_delivery_concurrency
        return max(SQS_MIN_CONCURRENCY, min(DEFAULT_DELIVERY_MAX_CONCURRENCY, self.lambda_concurrency_limit // 2))

    @property
    def production(self) -> bool:
        return self.stage == "production"

    @property
    def stack_name(self) -> str:
        return f"resource-api-{self.stage}"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """Stateful resources: kept in production, deletable in sandbox."""
        return RemovalPolicy.RETAIN if self.production else RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return logs.RetentionDays.THREE_MONTHS if self.production else logs.RetentionDays.ONE_MONTH

    @classmethod
    def from_node(cls, node: Node, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)

        def get(key: str, env_key: str | None = None, default: str | None = None) -> str | None:
            value = node.try_get_context(key)
            if value is None and env_key:
                value = env.get(env_key)
            return default if value in (None, "") else str(value)

        stage = get("stage", "STAGE", "sandbox")
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)} (got {stage!r}); STAGE=local is the local cloud")
        region = get("region", "AWS_REGION") or env.get("AWS_DEFAULT_REGION") or env.get("CDK_DEFAULT_REGION")
        if region and not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
            raise ValueError(f"not an AWS region: {region!r}")
        domain, cert = get("domain_name", "DOMAIN_NAME"), get("certificate_arn", "CERTIFICATE_ARN")
        if bool(domain) != bool(cert):
            raise ValueError("a custom domain needs both domain_name and certificate_arn")
        numbers = {
            key: type(getattr(cls, key))(value)
            for key in (
                "throttle_rate_limit", "throttle_burst_limit", "error_rate_threshold", "p99_latency_ms",
                "webhook_delivery_concurrency", "lambda_concurrency_limit", "lambda_reserved_elsewhere",
            )
            if (value := get(key)) is not None
        }
        # Lambda: an SQS event source's maximum concurrency is 2..1000 (and the function's
        # reserved concurrency is set to the same value), and a reservation must leave the
        # account its unreserved minimum.
        check_delivery_concurrency(
            numbers.get("webhook_delivery_concurrency", cls.webhook_delivery_concurrency),
            numbers.get("lambda_concurrency_limit", cls.lambda_concurrency_limit),
            numbers.get("lambda_reserved_elsewhere", cls.lambda_reserved_elsewhere),
        )
        waf = get("waf_rate_limit", "WAF_RATE_LIMIT")
        if waf is not None and not (waf.isdigit() and 10 <= int(waf) <= 2_000_000_000):
            raise ValueError(f"waf_rate_limit is requests per IP in 5 minutes, 10..2000000000 (got {waf!r})")
        dashboard = get("dashboard_url", "DASHBOARD_URL")
        if dashboard is not None and not re.fullmatch(r"https://[A-Za-z0-9.\-]+(:\d+)?(/[A-Za-z0-9._~/\-]*)?", dashboard):
            raise ValueError(f"dashboard_url is the dashboard's https base URL (got {dashboard!r})")
        snapstart = (get("snapstart", "SNAPSTART", "false") or "false").lower()
        if snapstart not in ("true", "false", "1", "0"):
            raise ValueError(f"snapstart is true or false (got {snapstart!r})")
        vending = (get("vending", "VENDING", "true" if cls.vending else "false") or "false").lower()
        if vending not in ("true", "false", "1", "0"):
            raise ValueError(f"vending is true or false (got {vending!r})")
        return cls(
            stage=stage,
            vending=vending in ("true", "1"),
            dashboard_url=dashboard.rstrip("/") if dashboard else None,
            snapstart=snapstart in ("true", "1"),
            region=region,
            account=get("account", "CDK_DEFAULT_ACCOUNT"),
            doc_base_url=get("doc_base_url", "DOC_BASE_URL", DEFAULT_DOC_BASE_URL).rstrip("/"),
            domain_name=domain,
            certificate_arn=cert,
            alarm_email=get("alarm_email", "ALARM_EMAIL"),
            waf_rate_limit=int(waf) if waf is not None else None,
            **numbers,
        )
