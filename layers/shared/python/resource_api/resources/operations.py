"""What each resource endpoint runs (resources/api.py): the request's parts handed to the
domain (resources/domain.py). `call` is the frame's request or one operation of a batch."""

from __future__ import annotations

from typing import Any

from . import domain
from .models import DeleteParams, ListParams, ResourceCreate, ResourceUpdate, RetrieveParams


def create(call: Any, params: ResourceCreate) -> dict[str, Any]:
    return domain.create(call.ctx, params)


def list_(call: Any, params: ListParams) -> dict[str, Any]:
    return domain.list_(call.ctx, params)


def retrieve(call: Any, params: RetrieveParams) -> dict[str, Any]:
    return domain.retrieve(call.ctx, call.path_params["id"], params.expand)


def update(call: Any, params: ResourceUpdate) -> dict[str, Any]:
    return domain.update(call.ctx, call.path_params["id"], params)


def update_lock(call: Any) -> dict[str, str] | None:
    return domain.lock_key(call.ctx, call.path_params["id"])


def delete(call: Any, params: DeleteParams) -> dict[str, Any]:
    return domain.delete(call.ctx, call.path_params["id"])
