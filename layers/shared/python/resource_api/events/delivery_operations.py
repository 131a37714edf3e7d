"""What each delivery endpoint runs (events/api.py): the request's parts handed to
events/attempts.py (the attempt log, without the sender of events/deliveries.py). Apart from events/operations.py so that the event endpoints'
functions do not load the delivery machinery (ssl, http.client) on a cold start."""

from __future__ import annotations

from typing import Any

from ..frame.request import Request
from . import attempts
from .models import DeliveryListParams, WebhookReplay


def list_deliveries(request: Request, params: DeliveryListParams) -> dict[str, Any]:
    return attempts.list_for_event(request.ctx, request.path_params["id"], params)


def replay(request: Request, params: WebhookReplay) -> dict[str, Any]:
    return attempts.replay(request.ctx, request.path_params["id"], params)
