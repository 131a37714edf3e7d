"""Plans from the spec's table. Each account has a plan; its keys inherit it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    requests_per_minute: int
    burst: int
    concurrent: int
    monthly_quota: int | None  # None: unlimited
    max_resources: int  # live resources per account and mode (checked by provisioning)


PLANS: dict[str, Plan] = {
    "free": Plan("free", 60, 100, 10, 10_000, 25),
    "starter": Plan("starter", 600, 1_000, 50, 100_000, 250),
    "growth": Plan("growth", 3_000, 5_000, 200, 1_000_000, 2_500),
    "scale": Plan("scale", 10_000, 15_000, 500, 10_000_000, 25_000),
    # Enterprise limits are set per account (see accounts); these are the defaults.
    "enterprise": Plan("enterprise", 50_000, 75_000, 2_000, None, 250_000),
}


def get(name: str) -> Plan:
    return PLANS.get(name, PLANS["free"])
