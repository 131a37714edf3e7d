"""What each resource endpoint runs (resources/api.py): the request's parts handed to the
domain (resources/domain.py). `call` is the frame's request or one operation of a batch.
The writes come back as a Unit (frame/unit.py), which the caller commits."""

from __future__ import annotations

from typing import Any

from ..frame.unit import Unit
from . import domain
from .models import DeleteParams, ListParams, ResourceCreate, ResourceUpdate, RetrieveParams


def create(call: Any, params: ResourceCreate) -> Unit:
    return domain.plan_create(call.ctx, params)


def list_(call: Any, params: ListParams) -> dict[str, Any]:
    return domain.list_(call.ctx, params)


def retrieve(call: Any, params: RetrieveParams) -> dict[str, Any]:
    return domain.retrieve(call.ctx, call.path_params["id"], params.expand)


def update(call: Any, params: ResourceUpdate) -> Unit:
    # With an Idempotency-Key the key's lock is on this item and returned it: no read.
    return domain.plan_update(call.ctx, call.path_params["id"], params, call.locked_item)


def update_lock(call: Any) -> dict[str, str] | None:
    return domain.lock_key(call.ctx, call.path_params["id"])


def delete(call: Any, params: DeleteParams) -> Unit:
    return domain.plan_delete(call.ctx, call.path_params["id"])
