"""What each resource endpoint runs (resources/api.py): the request's parts handed to the
domain (resources/domain.py). `request` is the frame's request or one operation of a batch (a Request).
The writes come back as a Unit (frame/unit.py), which the caller commits."""

from __future__ import annotations

from typing import Any

from ..frame.request import Request
from ..frame.unit import Unit
from . import domain
from .models import DeleteParams, ListParams, ResourceCreate, ResourceUpdate, RetrieveParams


def create(request: Request, params: ResourceCreate) -> Unit:
    return domain.plan_create(request.ctx, params)


def list_(request: Request, params: ListParams) -> dict[str, Any]:
    return domain.list_(request.ctx, params)


def retrieve(request: Request, params: RetrieveParams) -> dict[str, Any]:
    return domain.retrieve(request.ctx, request.path_params["id"], params.expand)


def update(request: Request, params: ResourceUpdate) -> Unit:
    # With an Idempotency-Key the key's lock is on this item and returned it: no read.
    return domain.plan_update(request.ctx, request.path_params["id"], params, request.locked_item)


def update_lock(request: Request) -> dict[str, str] | None:
    return domain.lock_key(request.ctx, request.path_params["id"])


def delete(request: Request, params: DeleteParams) -> Unit:
    return domain.plan_delete(request.ctx, request.path_params["id"])
