"""What each webhook endpoint endpoint runs (webhooks/api.py): the request's parts handed to
the domain (webhooks/domain.py)."""

from __future__ import annotations

from typing import Any

from ..frame.unit import Unit
from . import domain
from .models import WebhookEndpointCreate, WebhookEndpointListParams, WebhookEndpointUpdate, WebhookSecretRotate


def create(call: Any, params: WebhookEndpointCreate) -> Unit:
    return domain.plan_create(call.ctx, params)


def list_(call: Any, params: WebhookEndpointListParams) -> dict[str, Any]:
    return domain.list_(call.ctx, params)


def retrieve(call: Any, params: Any) -> dict[str, Any]:
    return domain.retrieve(call.ctx, call.path_params["id"])


def update(call: Any, params: WebhookEndpointUpdate) -> dict[str, Any]:
    return domain.update(call.ctx, call.path_params["id"], params)


def delete(call: Any, params: Any) -> Unit:
    return domain.plan_delete(call.ctx, call.path_params["id"])


def rotate_secret(call: Any, params: WebhookSecretRotate) -> dict[str, Any]:
    return domain.rotate_secret(call.ctx, call.path_params["id"], params.expires_in)
