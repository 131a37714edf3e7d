"""The event and delivery endpoints (docs/webhooks.md): one declaration each
(frame/endpoint.py). Redelivering an endpoint's failures is declared here, beside the
deliveries it replays, though its path is under the webhook endpoint."""

from __future__ import annotations

from ..frame.endpoint import READ, SEND_WEBHOOKS, WRITE_IDEMPOTENCY, Endpoint, declare

ENDPOINTS = declare(
    __package__,
    Endpoint("POST", "/v1/webhook_endpoints/{id}/replay", "replay_webhook_deliveries",
             frozenset({WRITE_IDEMPOTENCY, SEND_WEBHOOKS}), 200, "Redeliver an endpoint's failed deliveries since a time",
             query_key=True, body=".models:WebhookReplay", response="..responses:WebhookReplayResult",
             run=".delivery_operations:replay"),
    Endpoint("GET", "/v1/events", "list_events", frozenset({READ}), 200, "List events", query_key=True,
             query=".models:EventListParams", response="..responses:EventList", run=".operations:list_"),
    Endpoint("GET", "/v1/events/{id}", "get_event", frozenset({READ}), 200, "Retrieve an event", query_key=True,
             query="..frame.models:NoParams", response="..responses:Event", run=".operations:retrieve"),
    Endpoint("GET", "/v1/events/{id}/deliveries", "list_event_deliveries", frozenset({READ}), 200,
             "List an event's delivery attempts", query_key=True, query=".models:DeliveryListParams",
             response="..responses:DeliveryAttemptList", run=".delivery_operations:list_deliveries"),
    Endpoint("POST", "/v1/events/{id}/resend", "resend_event", frozenset({WRITE_IDEMPOTENCY, SEND_WEBHOOKS}), 200,
             "Deliver an event again", query_key=True, body=".models:EventResend",
             response="..responses:EventResendResult", run=".operations:resend"),
)
