"""The public resource object, as every answer and event shows it (resources/domain.py,
resources/expand.py's related resources, the resource.* events)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import rate_limit

if TYPE_CHECKING:
    from ..frame.request import RequestContext


def render(item: dict[str, Any], ctx: RequestContext | None = None) -> dict[str, Any]:
    """The public resource object. With the request's context it carries `limits`
    (they depend on the caller's plan); events render without it."""
    out = {
        "id": item["id"],
        "object": "resource",
        "created": item["created"],
        "updated": item["updated"],
        "livemode": item["mode"] == "live",
        "name": item["name"],
        "type": item["type"],
        "status": item["status"],
        "configuration": item["configuration"],
        "metadata": item.get("metadata") or {},
    }
    if item.get("provisioning"):
        out["provisioning"] = item["provisioning"]
    if ctx is not None:
        out["limits"] = rate_limit.block(item, ctx)
    return out
