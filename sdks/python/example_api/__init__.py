"""The Resource API's Python SDK.

    import example_api

    client = example_api.Client(api_key="sk_test_...", base_url="http://127.0.0.1:8000")
    resource = client.resources.create(name="Production API Resource", type="production")
    for r in client.resources.list(limit=100).auto_paging_iter():
        ...
    event = example_api.Webhook.construct_event(payload, headers, secret)
"""

from __future__ import annotations

from . import errors
from ._base import ApiObject, ApiResponse
from ._client import DEFAULT_BASE_URL, VERSION, Transport
from ._generated import models
from ._generated.models import (
    BatchResult,
    DeletedResource,
    DeletedWebhookEndpoint,
    DeliveryAttempt,
    Error,
    Event,
    LimitNotice,
    Resource,
    WebhookEndpoint,
)
from ._pagination import ListObject
from ._services import Batch, Events, Resources, WebhookEndpoints
from .webhook import Webhook

__version__ = VERSION
__all__ = [
    "ApiObject", "ApiResponse", "BatchResult", "Client", "DeletedResource", "DeletedWebhookEndpoint",
    "DeliveryAttempt", "Error", "Event", "LimitNotice", "ListObject", "Resource", "Webhook", "WebhookEndpoint",
    "errors", "models",
]


class Client:
    """A client of one account and mode (its secret key).

    api_version pins the `Api-Version` header on every request (else the account's
    default applies); any call can pin its own with api_version=. max_retries: how many
    times a retryable failure is retried (connection errors, 409 idempotency_key_in_use,
    429, 5xx); Retry-After is honoured up to max_retry_after seconds (a longer one is not
    waited for: the error is raised)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_version: str | None = None,
        max_retries: int = 3,
        timeout: float = 30.0,
        initial_retry_delay: float = 0.5,
        max_retry_delay: float = 8.0,
        max_retry_after: float = 60.0,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required (sk_test_... or sk_live_...)")
        self._transport = Transport(
            api_key,
            base_url,
            api_version=api_version,
            max_retries=max_retries,
            timeout=timeout,
            initial_retry_delay=initial_retry_delay,
            max_retry_delay=max_retry_delay,
            max_retry_after=max_retry_after,
        )
        self.resources = Resources(self._transport)
        self.batch = Batch(self._transport)
        self.webhook_endpoints = WebhookEndpoints(self._transport)
        self.events = Events(self._transport)

    @property
    def transport(self) -> Transport:
        """The transport (client.transport.request(...) reaches any route)."""
        return self._transport
