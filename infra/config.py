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
    # executions, and the API keeps the rest of the account's concurrency.
    webhook_delivery_concurrency: int = 25
    # Optional AWS WAF web ACL on the API stage: block an IP address that sends more
    # than this many requests in 5 minutes (None: no web ACL, nothing paid at rest).
    waf_rate_limit: int | None = None
    # The dashboard's base URL (its own domain or API URL): error objects' request_log_url
    # is {dashboard_url}/logs/{request_id}; None: request_log_url is null.
    dashboard_url: str | None = None

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
                "webhook_delivery_concurrency",
            )
            if (value := get(key)) is not None
        }
        # Lambda: an SQS event source's maximum concurrency is 2..1000 (and the function's
        # reserved concurrency is set to the same value).
        if not 2 <= numbers.get("webhook_delivery_concurrency", cls.webhook_delivery_concurrency) <= 1000:
            raise ValueError("webhook_delivery_concurrency must be 2..1000")
        waf = get("waf_rate_limit", "WAF_RATE_LIMIT")
        if waf is not None and not (waf.isdigit() and 10 <= int(waf) <= 2_000_000_000):
            raise ValueError(f"waf_rate_limit is requests per IP in 5 minutes, 10..2000000000 (got {waf!r})")
        dashboard = get("dashboard_url", "DASHBOARD_URL")
        if dashboard is not None and not re.fullmatch(r"https://[A-Za-z0-9.\-]+(:\d+)?(/[A-Za-z0-9._~/\-]*)?", dashboard):
            raise ValueError(f"dashboard_url is the dashboard's https base URL (got {dashboard!r})")
        return cls(
            stage=stage,
            dashboard_url=dashboard.rstrip("/") if dashboard else None,
            region=region,
            account=get("account", "CDK_DEFAULT_ACCOUNT"),
            doc_base_url=get("doc_base_url", "DOC_BASE_URL", DEFAULT_DOC_BASE_URL).rstrip("/"),
            domain_name=domain,
            certificate_arn=cert,
            alarm_email=get("alarm_email", "ALARM_EMAIL"),
            waf_rate_limit=int(waf) if waf is not None else None,
            **numbers,
        )
