"""The API's operations as methods, grouped as Stripe groups them (client.resources.create...).

Parameters are the document's (TypedDicts generated from it, checked by mypy); what the
transport adds (idempotency_key, api_version, if_match) are keyword options of each call."""

from __future__ import annotations

from typing import Any, TypeVar, Unpack, cast

from ._base import ApiObject, ApiResponse
from ._client import Transport
from ._generated import models as m
from ._pagination import ListObject

T = TypeVar("T", bound=ApiObject)


class _Service:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def _one(self, cls: type[T], operation: str, **kwargs: Any) -> T:
        response, body = self._t.call(operation, **kwargs)
        return cast(T, cls.construct(body or {}, response))

    def _list(self, cls: type[T], operation: str, params: dict[str, Any], path_params: dict[str, str] | None,
              api_version: str | None) -> ListObject[T]:
        def fetch(p: dict[str, Any]) -> ListObject[T]:
            response, body = self._t.call(operation, path_params=path_params, query=p, api_version=api_version)
            return _page(cls, body, response, fetch, p)

        return fetch(dict(params))


def _page(cls: type[T], body: Any, response: ApiResponse, fetch: Any, params: dict[str, Any]) -> ListObject[T]:
    raw = body if isinstance(body, dict) else {}
    data = [cast(T, cls.construct(item, None)) for item in raw.get("data") or []]
    return ListObject(data, bool(raw.get("has_more")), raw, response, fetch, params)


class Resources(_Service):
    def create(
        self, *, idempotency_key: str | None = None, api_version: str | None = None,
        **params: Unpack[m.ResourceCreateParams],
    ) -> m.Resource:
        """POST /v1/resources: answers at once with status pending while provisioning runs."""
        return self._one(m.Resource, "create_resource", body=dict(params), idempotency_key=idempotency_key,
                         api_version=api_version)

    def retrieve(self, id: str, *, api_version: str | None = None,  # noqa: A002
                 **params: Unpack[m.GetResourceParams]) -> m.Resource:
        return self._one(m.Resource, "get_resource", path_params={"id": id}, query=dict(params),
                         api_version=api_version)

    def update(
        self, id: str, *, if_match: str | None = None, idempotency_key: str | None = None,  # noqa: A002
        api_version: str | None = None, **params: Unpack[m.ResourceUpdateParams],
    ) -> m.Resource:
        """PATCH: only the given fields change. if_match: the ETag read (obj.last_response.etag), else 412."""
        return self._one(m.Resource, "update_resource", path_params={"id": id}, body=dict(params),
                         if_match=if_match, idempotency_key=idempotency_key, api_version=api_version)

    def delete(self, id: str, *, if_match: str | None = None, idempotency_key: str | None = None,  # noqa: A002
               api_version: str | None = None) -> m.DeletedResource:
        return self._one(m.DeletedResource, "delete_resource", path_params={"id": id}, if_match=if_match,
                         idempotency_key=idempotency_key, api_version=api_version)

    def list(self, *, api_version: str | None = None,
             **params: Unpack[m.ListResourcesParams]) -> ListObject[m.Resource]:
        """A page of resources; .auto_paging_iter() walks every page with the same filters."""
        return self._list(m.Resource, "list_resources", dict(params), None, api_version)


class Batch(_Service):
    def create(self, *, idempotency_key: str | None = None, api_version: str | None = None,
               **params: Unpack[m.BatchRequestParams]) -> m.BatchResult:
        """POST /v1/batch: up to 100 operations; each result's body is typed (Resource, DeletedResource,
        ResourceList or Error)."""
        return self._one(m.BatchResult, "batch", body=dict(params), idempotency_key=idempotency_key,
                         api_version=api_version)

    __call__ = create


class WebhookEndpoints(_Service):
    def create(self, *, idempotency_key: str | None = None, api_version: str | None = None,
               **params: Unpack[m.WebhookEndpointCreateParams]) -> m.WebhookEndpoint:
        """The answer carries the signing `secret` (shown now and at rotation only)."""
        return self._one(m.WebhookEndpoint, "create_webhook_endpoint", body=dict(params),
                         idempotency_key=idempotency_key, api_version=api_version)

    def retrieve(self, id: str, *, api_version: str | None = None) -> m.WebhookEndpoint:  # noqa: A002
        return self._one(m.WebhookEndpoint, "get_webhook_endpoint", path_params={"id": id}, api_version=api_version)

    def update(self, id: str, *, idempotency_key: str | None = None, api_version: str | None = None,  # noqa: A002
               **params: Unpack[m.WebhookEndpointUpdateParams]) -> m.WebhookEndpoint:
        return self._one(m.WebhookEndpoint, "update_webhook_endpoint", path_params={"id": id}, body=dict(params),
                         idempotency_key=idempotency_key, api_version=api_version)

    def delete(self, id: str, *, idempotency_key: str | None = None,  # noqa: A002
               api_version: str | None = None) -> m.DeletedWebhookEndpoint:
        return self._one(m.DeletedWebhookEndpoint, "delete_webhook_endpoint", path_params={"id": id},
                         idempotency_key=idempotency_key, api_version=api_version)

    def list(self, *, api_version: str | None = None,
             **params: Unpack[m.ListWebhookEndpointsParams]) -> ListObject[m.WebhookEndpoint]:
        return self._list(m.WebhookEndpoint, "list_webhook_endpoints", dict(params), None, api_version)

    def rotate_secret(self, id: str, *, idempotency_key: str | None = None,  # noqa: A002
                      api_version: str | None = None) -> m.WebhookEndpoint:
        """A new secret; for 24 h deliveries are signed with both."""
        return self._one(m.WebhookEndpoint, "rotate_webhook_secret", path_params={"id": id},
                         idempotency_key=idempotency_key, api_version=api_version)

    def replay(self, id: str, *, idempotency_key: str | None = None, api_version: str | None = None,  # noqa: A002
               **params: Unpack[m.WebhookReplayParams]) -> m.WebhookReplayResult:
        """Deliver again the failed deliveries of events created at or after `since`."""
        return self._one(m.WebhookReplayResult, "replay_webhook_deliveries", path_params={"id": id},
                         body=dict(params), idempotency_key=idempotency_key, api_version=api_version)


class Events(_Service):
    def list(self, *, api_version: str | None = None,
             **params: Unpack[m.ListEventsParams]) -> ListObject[m.Event]:
        return self._list(m.Event, "list_events", dict(params), None, api_version)

    def retrieve(self, id: str, *, api_version: str | None = None) -> m.Event:  # noqa: A002
        return self._one(m.Event, "get_event", path_params={"id": id}, api_version=api_version)

    def resend(self, id: str, *, idempotency_key: str | None = None, api_version: str | None = None,  # noqa: A002
               **params: Unpack[m.EventResendParams]) -> m.EventResendResult:
        """Deliver again, to one endpoint (webhook_endpoint=...) or every subscribed one."""
        return self._one(m.EventResendResult, "resend_event", path_params={"id": id}, body=dict(params),
                         idempotency_key=idempotency_key, api_version=api_version)

    def list_deliveries(self, id: str, *, api_version: str | None = None,  # noqa: A002
                        **params: Unpack[m.ListEventDeliveriesParams]) -> ListObject[m.DeliveryAttempt]:
        """The event's delivery attempts."""
        return self._list(m.DeliveryAttempt, "list_event_deliveries", dict(params), {"id": id}, api_version)
