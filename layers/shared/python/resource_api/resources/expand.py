"""`expand[]`: what a resource can expand, checked before any work, and applied to
rendered resources.

On a resource (retrieve, create, update):

    metrics                         the spec's metrics: lifetime and last_24h (metrics.full)
    logs                            the newest requests on it, newest first (metrics.logs)
    related_resources               up to 10 other resources of the same account, mode
                                    and type, newest first (one gsi2 query)
    related_resources.data.metrics  the list-item metrics of each of those

On a list, paths take the `data.` prefix: `data.metrics` gives each item the spec's
list-item metrics (requests_today, success_rate, avg_latency_ms) with one BatchGetItem
for the whole page. Items of a list expand `metrics` only: `logs` and
`related_resources` cost a query per item, so they are refused on lists (retrieve the
resource instead). Paths are at most 4 levels deep; anything else is
`400 expand_invalid` with `param: "expand"`, raised before anything is written.
"""

from __future__ import annotations

from typing import Any

from ..core import db, keys
from ..core.errors import ApiError
from ..frame.request import RequestContext
from ..metrics import store as metrics
from .render import render

MAX_DEPTH = 4
MAX_PATHS = 20
RELATED_LIMIT = 10
ON_RESOURCE = ("metrics", "logs", "related_resources")
ON_LIST_ITEM = ("metrics",)

Tree = dict[str, Any]


def _invalid(message: str) -> ApiError:
    return ApiError("expand_invalid", message, param="expand")


def _item_paths(segments: list[str], path: str, *, in_list: bool) -> Tree:
    head, rest = segments[0], segments[1:]
    allowed = ON_LIST_ITEM if in_list else ON_RESOURCE
    if head not in allowed:
        if in_list and head in ON_RESOURCE:
            raise _invalid(
                f"'{path}': list items expand only {', '.join(ON_LIST_ITEM)} "
                f"({head} costs a query per item); retrieve the resource to expand {head}."
            )
        raise _invalid(f"'{path}' cannot be expanded: '{head}' is not expandable here (one of {', '.join(allowed)}).")
    if not rest:
        return {head: {}}
    if head != "related_resources":
        raise _invalid(f"'{path}' cannot be expanded: '{head}' has nothing expandable inside.")
    if rest[0] != "data" or len(rest) == 1:
        raise _invalid(f"'{path}' cannot be expanded: inside related_resources, expand 'related_resources.data.<field>'.")
    return {head: {"data": _item_paths(rest[1:], path, in_list=True)}}


def _merge(into: Tree, tree: Tree) -> None:
    for k, v in tree.items():
        _merge(into.setdefault(k, {}), v)


def parse(paths: list[str] | None, *, on_list: bool = False) -> Tree:
    """The validated expansion tree of `expand[]`; raises 400 expand_invalid."""
    tree: Tree = {}
    if not paths:
        return tree
    if len(paths) > MAX_PATHS:
        raise _invalid(f"At most {MAX_PATHS} expand paths may be given.")
    for path in paths:
        segments = path.split(".")
        if not path or any(not s for s in segments):
            raise _invalid(f"'{path}' is not an expand path (dot-separated field names, e.g. 'metrics').")
        if len(segments) > MAX_DEPTH:
            raise _invalid(f"'{path}' is deeper than {MAX_DEPTH} levels.")
        if on_list:
            if segments[0] != "data" or len(segments) == 1:
                raise _invalid(f"'{path}': on a list, expand paths start with 'data.' (e.g. 'data.metrics').")
            _merge(tree, {"data": _item_paths(segments[1:], path, in_list=True)})
        else:
            _merge(tree, _item_paths(segments, path, in_list=False))
    return tree


# --- applying ---------------------------------------------------------------------------


def resource(ctx: RequestContext, body: dict[str, Any], tree: Tree) -> dict[str, Any]:
    """Expand one rendered resource (a retrieve, create or update answer)."""
    if not tree:
        return body
    try:
        if "metrics" in tree:
            body["metrics"] = metrics.full(metrics.load(ctx.account_id, ctx.mode, body["id"]))
        if "logs" in tree:
            body["logs"] = metrics.logs(ctx.account_id, ctx.mode, body["id"])
        if "related_resources" in tree:
            body["related_resources"] = related(ctx, body, tree["related_resources"])
    except ApiError:
        raise
    except Exception as exc:
        raise db.translate(exc) from exc
    return body


def list_items(ctx: RequestContext, bodies: list[dict[str, Any]], tree: Tree) -> list[dict[str, Any]]:
    """Expand the items of a list (the subtree under `data`): metrics only."""
    if "metrics" in tree and bodies:
        try:
            found = metrics.load_many(ctx.account_id, ctx.mode, [b["id"] for b in bodies])
        except Exception as exc:
            raise db.translate(exc) from exc
        for b in bodies:
            b["metrics"] = metrics.summary(found.get(b["id"]))
    return bodies


def related(ctx: RequestContext, body: dict[str, Any], tree: Tree) -> dict[str, Any]:
    """Other resources of the same account, mode and type, newest first (bounded: one
    gsi2 query of RELATED_LIMIT + 2 items)."""
    resp = db.client().query(
        TableName=db.table(),
        IndexName="gsi2",
        KeyConditionExpression="gsi2pk = :p",
        ExpressionAttributeValues=db.values(p=keys.resource_type_partition(ctx.account_id, ctx.mode, body["type"])),
        ScanIndexForward=False,
        Limit=RELATED_LIMIT + 2,
    )
    items = [db.from_item(i) or {} for i in resp.get("Items", [])]
    others = [i for i in items if i.get("id") != body["id"]]
    data = [render(i, ctx) for i in others[:RELATED_LIMIT]]
    list_items(ctx, data, tree.get("data", {}))
    return {
        "object": "list",
        "data": data,
        "has_more": len(others) > RELATED_LIMIT,
    }
