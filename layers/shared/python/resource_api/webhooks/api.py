"""The webhook endpoint endpoints (docs/webhooks.md): one declaration each (frame/endpoint.py).
Every one takes the spec's `?api_key=` (query_key)."""

from __future__ import annotations

from ..frame.endpoint import READ, WRITE_WEBHOOK_ENDPOINTS, Endpoint, declare

ENDPOINTS = declare(
    __package__,
    Endpoint("POST", "/v1/webhook_endpoints", "create_webhook_endpoint", frozenset({WRITE_WEBHOOK_ENDPOINTS}), 201,
             "Create a webhook endpoint", query_key=True, body=".models:WebhookEndpointCreate",
             response="..responses:WebhookEndpoint", run=".operations:create"),
    Endpoint("GET", "/v1/webhook_endpoints", "list_webhook_endpoints", frozenset({READ}), 200,
             "List webhook endpoints", query_key=True, query=".models:WebhookEndpointListParams",
             response="..responses:WebhookEndpointList", run=".operations:list_"),
    Endpoint("GET", "/v1/webhook_endpoints/{id}", "get_webhook_endpoint", frozenset({READ}), 200,
             "Retrieve a webhook endpoint", query_key=True, query="..frame.models:NoParams",
             response="..responses:WebhookEndpoint", run=".operations:retrieve"),
    Endpoint("PATCH", "/v1/webhook_endpoints/{id}", "update_webhook_endpoint", frozenset({WRITE_WEBHOOK_ENDPOINTS}), 200,
             "Update a webhook endpoint", query_key=True, body=".models:WebhookEndpointUpdate",
             response="..responses:WebhookEndpoint", run=".operations:update"),
    Endpoint("DELETE", "/v1/webhook_endpoints/{id}", "delete_webhook_endpoint", frozenset({WRITE_WEBHOOK_ENDPOINTS}), 200,
             "Delete a webhook endpoint", query_key=True, body="..frame.models:WriteParams",
             response="..responses:DeletedWebhookEndpoint", run=".operations:delete"),
    Endpoint("POST", "/v1/webhook_endpoints/{id}/rotate_secret", "rotate_webhook_secret", frozenset({WRITE_WEBHOOK_ENDPOINTS}), 200,
             "Rotate an endpoint's signing secret (24 h grace)", query_key=True, body=".models:WebhookSecretRotate",
             response="..responses:WebhookEndpoint", run=".operations:rotate_secret"),
)
