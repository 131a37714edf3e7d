"""The public status page's components, from the stage's CloudWatch alarms: each alarm
belongs to one component by its name (the stack's construct path, e.g.
...WebhooksWebhookDeliveryErrors..., or the local cloud's, localcloud/status_alarms.py).
A component is down when one of its alarms is in ALARM; no data is not an outage.
Answers are cached for CACHE_S so an unauthenticated page cannot drive CloudWatch calls."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

ALARM_PREFIX_ENV = "STATUS_ALARM_PREFIX"
CACHE_S = 30.0
COMPONENTS = (
    # (component, words in an alarm name that put it there; checked in order, API last)
    ("Webhook delivery", ("webhook", "delivery", "stream", "deadletter", "dlq")),
    ("Provisioning", ("provisioning", "statemachine")),
    ("API", ("",)),
)

DISPLAY = ("API", "Webhook delivery", "Provisioning")

_lock = threading.Lock()
_cached: tuple[float, list[dict[str, Any]]] | None = None
_client: Any = None


def _cloudwatch() -> Any:
    global _client
    if _client is None:
        import boto3  # noqa: PLC0415 - only the status page needs CloudWatch

        _client = boto3.client("cloudwatch")
    return _client


def component_of(alarm_name: str) -> str:
    name = alarm_name.lower()
    for component, words in COMPONENTS:
        if any(w in name for w in words):
            return component
    return "API"


def _alarms() -> list[dict[str, Any]]:
    prefix = os.environ.get(ALARM_PREFIX_ENV, "")
    kwargs = {"AlarmNamePrefix": prefix} if prefix else {}
    out: list[dict[str, Any]] = []
    for page in _cloudwatch().get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"], **kwargs):
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            out.append(alarm)
    return out


def components(now: float | None = None) -> list[dict[str, Any]]:
    """[{name, state: operational|degraded|unknown, alarms: n, firing: [descriptions]}]"""
    global _cached
    now = time.monotonic() if now is None else now
    with _lock:
        if _cached is not None and now - _cached[0] < CACHE_S:
            return _cached[1]
    try:
        alarms = _alarms()
        failed = False
    except Exception:
        alarms, failed = [], True
    result = []
    for name in DISPLAY:
        mine = [a for a in alarms if component_of(a["AlarmName"]) == name]
        firing = [a.get("AlarmDescription") or "An alarm is firing" for a in mine if a.get("StateValue") == "ALARM"]
        state = "unknown" if failed else "degraded" if firing else "operational"
        result.append({"name": name, "state": state, "alarms": len(mine), "firing": firing})
    with _lock:
        _cached = (now, result)
    return result


def forget() -> None:
    """Drop the cached answer (tests)."""
    global _cached
    with _lock:
        _cached = None
