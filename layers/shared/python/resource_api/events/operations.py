"""What each event endpoint runs (events/api.py): the request's parts handed to the domain
(events/domain.py, events/deliveries.py)."""

from __future__ import annotations

from typing import Any

from . import deliveries, domain
from .models import DeliveryListParams, EventListParams, EventResend, WebhookReplay


def list_(call: Any, params: EventListParams) -> dict[str, Any]:
    return domain.list_(call.ctx, params)


def retrieve(call: Any, params: Any) -> dict[str, Any]:
    return domain.retrieve(call.ctx, call.path_params["id"])


def resend(call: Any, params: EventResend) -> dict[str, Any]:
    return domain.resend(call.ctx, call.path_params["id"], params)


def list_deliveries(call: Any, params: DeliveryListParams) -> dict[str, Any]:
    return deliveries.list_for_event(call.ctx, call.path_params["id"], params)


def replay(call: Any, params: WebhookReplay) -> dict[str, Any]:
    return deliveries.replay(call.ctx, call.path_params["id"], params)
