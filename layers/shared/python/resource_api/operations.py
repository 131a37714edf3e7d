"""The resource operations, each with the model it validates and the logic it runs.

A route's function serves one of these (functions/<name>/handler.py), and `POST
/v1/batch` runs the same ones in-process, so an operation in a batch gets exactly
the validation, idempotency and events of the single call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from . import resources
from .context import RequestContext
from .models import DeleteParams, ListParams, ResourceCreate, ResourceUpdate, RetrieveParams


class Call(Protocol):
    """What an operation sees of its request: the HTTP frame's Req, or a batch item."""

    ctx: RequestContext
    path_params: dict[str, str]


@dataclass(frozen=True)
class Operation:
    run: Callable[[Call, Any], Any]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    # The item a request with an Idempotency-Key locks (and so reads) instead of the
    # key's own record: see idempotency.execute. None: the key's record.
    lock_item: Callable[[Call], dict[str, str] | None] | None = None


OPERATIONS: dict[str, Operation] = {
    "create_resource": Operation(lambda c, p: resources.create(c.ctx, p), body=ResourceCreate),
    "list_resources": Operation(lambda c, p: resources.list_(c.ctx, p), query=ListParams),
    "get_resource": Operation(lambda c, p: resources.retrieve(c.ctx, c.path_params["id"], p.expand), query=RetrieveParams),
    "update_resource": Operation(
        lambda c, p: resources.update(c.ctx, c.path_params["id"], p),
        body=ResourceUpdate,
        lock_item=lambda c: resources.lock_key(c.ctx, c.path_params["id"]),
    ),
    "delete_resource": Operation(lambda c, p: resources.delete(c.ctx, c.path_params["id"]), body=DeleteParams),
}
