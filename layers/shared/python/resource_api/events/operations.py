"""What each event endpoint runs (events/api.py): the request's parts handed to the domain
(events/domain.py, events/deliveries.py)."""

from __future__ import annotations

from typing import Any

from ..frame.request import Request
from . import deliveries, domain
from .models import DeliveryListParams, EventListParams, EventResend, WebhookReplay


def list_(request: Request, params: EventListParams) -> dict[str, Any]:
    return domain.list_(request.ctx, params)


def retrieve(request: Request, params: Any) -> dict[str, Any]:
    return domain.retrieve(request.ctx, request.path_params["id"])


def resend(request: Request, params: EventResend) -> dict[str, Any]:
    return domain.resend(request.ctx, request.path_params["id"], params)


def list_deliveries(request: Request, params: DeliveryListParams) -> dict[str, Any]:
    return deliveries.list_for_event(request.ctx, request.path_params["id"], params)


def replay(request: Request, params: WebhookReplay) -> dict[str, Any]:
    return deliveries.replay(request.ctx, request.path_params["id"], params)
