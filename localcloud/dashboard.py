"""The dashboard's own local API Gateway (deployed: its own REST API with one
`/{proxy+}` route, infra/dashboard.py): every request becomes the proxy event API
Gateway would send the `dashboard` function, served by the same HTTP machinery as the
API's gateway (gateway.Gateway.serve), on a port of its own."""

from __future__ import annotations

import asyncio
import base64
import time
import traceback
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from resource_api.core import clock

from . import lambda_runtime
from .gateway import API_GATEWAY_MAX_BODY, Gateway, _from_proxy

FUNCTION = "dashboard"


class DashboardGateway(Gateway):
    def __init__(self) -> None:
        super().__init__(auth_cache_ttl=0, admin=False)
        self.ready.set()

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes):
        request_id = str(uuid.uuid4())
        if len(body) > API_GATEWAY_MAX_BODY:
            return self._gateway_response(request_id, "REQUEST_TOO_LARGE")
        split = urlsplit(raw_path)
        path = split.path or "/"
        multi_query: dict[str, list[str]] = {}
        for k, v in parse_qsl(split.query, keep_blank_values=True):
            multi_query.setdefault(k, []).append(v)
        multi_headers: dict[str, list[str]] = {}
        for k, v in headers.items():
            multi_headers.setdefault(k, []).append(v)
        try:
            text, is_b64 = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, is_b64 = base64.b64encode(body).decode("ascii"), True
        now = clock.now()
        resource = "/" if path == "/" else "/{proxy+}"
        event: dict[str, Any] = {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": dict(headers),
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": {"proxy": path.lstrip("/")} if resource != "/" else None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": resource,
                "httpMethod": method,
                "path": path,
                "stage": "dashboard",
                "requestId": request_id,
                "requestTimeEpoch": int(now * 1000),
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "accountId": "123456789012",
                "apiId": "local-dashboard",
                "domainName": headers.get("Host", "127.0.0.1"),
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": getattr(self.peer, "ip", "127.0.0.1"), "userAgent": headers.get("User-Agent")},
            },
            "body": text if body else None,
            "isBase64Encoded": is_b64,
        }
        # Mangum runs the app on the thread's event loop (Lambda's main thread has one);
        # each request here is a thread of its own: give it one.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            response = lambda_runtime.invoke(FUNCTION, event)
        except Exception:
            traceback.print_exc()  # what the function's log group would hold
            return self._gateway_response(request_id, "DEFAULT_5XX", 502)
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        return _from_proxy(response)


# The stage's alarms the status page reads (deployed: infra/monitoring.py's, named by
# CloudFormation from their construct paths). Locally, one per component in moto, so the
# page shows real CloudWatch state (tests set them to ALARM with SetAlarmState).
ALARM_PREFIX = "resource-api-local-"
LOCAL_ALARMS = (
    ("Api5xxErrors", "AWS/ApiGateway", "5XXError", "The API answers 5xx errors"),
    ("WebhookDeliveryErrors", "AWS/Lambda", "Errors", "Webhook deliveries are failing"),
    ("ProvisioningFailed", "AWS/States", "ExecutionsFailed", "Provisioning executions are failing"),
)


def create_status_alarms() -> None:
    import boto3

    cloudwatch = boto3.client("cloudwatch")
    for name, namespace, metric, description in LOCAL_ALARMS:
        cloudwatch.put_metric_alarm(
            AlarmName=ALARM_PREFIX + name, AlarmDescription=description, Namespace=namespace, MetricName=metric,
            Statistic="Sum", Period=60, EvaluationPeriods=3, Threshold=1, ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        )
