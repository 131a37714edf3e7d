"""What each webhook endpoint endpoint runs (webhooks/api.py): the request's parts handed to
the domain (webhooks/domain.py)."""

from __future__ import annotations

from typing import Any

from ..frame.request import Request
from ..frame.unit import Unit
from . import domain
from .models import WebhookEndpointCreate, WebhookEndpointListParams, WebhookEndpointUpdate, WebhookSecretRotate


def create(request: Request, params: WebhookEndpointCreate) -> Unit:
    return domain.plan_create(request.ctx, params)


def list_(request: Request, params: WebhookEndpointListParams) -> dict[str, Any]:
    return domain.list_(request.ctx, params)


def retrieve(request: Request, params: Any) -> dict[str, Any]:
    return domain.retrieve(request.ctx, request.path_params["id"])


def update(request: Request, params: WebhookEndpointUpdate) -> dict[str, Any]:
    return domain.update(request.ctx, request.path_params["id"], params)


def delete(request: Request, params: Any) -> Unit:
    return domain.plan_delete(request.ctx, request.path_params["id"])


def rotate_secret(request: Request, params: WebhookSecretRotate) -> dict[str, Any]:
    return domain.rotate_secret(request.ctx, request.path_params["id"], params.expires_in)
