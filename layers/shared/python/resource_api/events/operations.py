"""What each event endpoint runs (events/api.py): the request's parts handed to the domain
(events/domain.py); the delivery endpoints' are in delivery_operations.py."""

from __future__ import annotations

from typing import Any

from ..frame.request import Request
from . import domain
from .models import EventListParams, EventResend


def list_(request: Request, params: EventListParams) -> dict[str, Any]:
    return domain.list_(request.ctx, params)


def retrieve(request: Request, params: Any) -> dict[str, Any]:
    return domain.retrieve(request.ctx, request.path_params["id"])


def resend(request: Request, params: EventResend) -> dict[str, Any]:
    return domain.resend(request.ctx, request.path_params["id"], params)
