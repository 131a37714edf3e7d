"""Turning request bodies and query strings into validated models.

Form bodies (`-d "configuration[timeout_ms]=10000"`), JSON bodies and query strings
all become one nested dict first, then go through the same pydantic model, so the
same input is accepted or refused the same way whatever its encoding.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError

from ..core.errors import ApiError, echo

MAX_BODY_BYTES = 1_048_576  # 1 MiB; API Gateway itself allows 10 MB
MAX_DEPTH = 4
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")

M = TypeVar("M", bound=BaseModel)


def bracket(loc: tuple[Any, ...] | list[Any]) -> str:
    """('configuration', 'timeout_ms') -> 'configuration[timeout_ms]'."""
    parts = [str(p) for p in loc]
    if not parts:
        return ""
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def nest(pairs: list[tuple[str, str]], *, dotted: bool = False) -> dict[str, Any]:
    """Build a nested dict from `a[b][c]=v` pairs (`a[]=v` appends to a list).

    With `dotted`, `created.gte` is read as `created[gte]` (the spec's query form).
    A key given twice, or both as a value and as an object, is refused.
    """
    out: dict[str, Any] = {}
    for raw_key, value in pairs:
        key = raw_key
        if dotted and "[" not in key and "." in key:
            head, *rest = key.split(".")
            key = head + "".join(f"[{p}]" for p in rest)
        m = _KEY.match(key)
        if not m:
            raise ApiError("body_invalid", f"Malformed parameter name '{echo(raw_key)}'.", param=raw_key)
        path = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        if len(path) > MAX_DEPTH:
            raise ApiError(
                "parameter_invalid",
                f"Parameter '{echo(raw_key)}' is nested more than {MAX_DEPTH} levels deep.",
                param=raw_key,
            )
        node: Any = out
        for i, part in enumerate(path[:-1]):
            nxt = path[i + 1]
            want_list = nxt == ""
            if part == "":
                raise ApiError("body_invalid", f"Malformed parameter name '{echo(raw_key)}'.", param=raw_key)
            child = node.get(part)
            if child is None:
                child = [] if want_list else {}
                node[part] = child
            elif want_list != isinstance(child, list) or not isinstance(child, (dict, list)):
                raise ApiError(
                    "parameter_invalid",
                    f"Parameter '{echo(bracket(path[: i + 1]))}' is given in conflicting forms.",
                    param=bracket(path[: i + 1]),
                )
            node = child
        last = path[-1]
        if isinstance(node, list):
            if last != "":
                raise ApiError("body_invalid", f"Malformed parameter name '{echo(raw_key)}'.", param=raw_key)
            node.append(value)
        elif last in node:
            raise ApiError(
                "parameter_invalid",
                f"Parameter '{echo(bracket(path))}' is given more than once.",
                param=bracket(path),
            )
        else:
            node[last] = value
    return _lists(out)


# Maps whose keys are the caller's own: `metadata[0]=x` is the key "0", never a list.
KEYED_BY_CALLER = frozenset({"metadata"})


def _lists(node: Any) -> Any:
    """Dicts keyed 0..n-1 (`operations[0][method]=...`) become lists, as Stripe reads them
    (except the maps of KEYED_BY_CALLER, whose keys may be digits)."""
    if isinstance(node, dict):
        node = {k: v if k in KEYED_BY_CALLER and isinstance(v, dict) else _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node) and sorted(map(int, node)) == list(range(len(node))):
            return [node[str(i)] for i in range(len(node))]
        return node
    if isinstance(node, list):
        return [_lists(v) for v in node]
    return node


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            raise ApiError("body_invalid", f"JSON key '{echo(k)}' appears more than once.", param=k)
        seen[k] = v
    return seen


def parse_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The request body as a nested dict, from form encoding or JSON."""
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(
            "body_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes."
        )
    if not body.strip():
        return {}
    media = (content_type or "application/x-www-form-urlencoded").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("body_invalid", "The request body is not valid UTF-8.") from None
    if media == "application/json" or media.endswith("+json"):
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except ApiError:
            raise
        except (ValueError, RecursionError):
            raise ApiError("body_invalid", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ApiError("body_invalid", "The JSON body must be an object.")
        return data
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise ApiError("body_invalid", "The form-encoded body is malformed.") from None
        return nest(pairs)
    raise ApiError(
        "content_type_unsupported",
        f"Content-Type '{media}' is not supported; "
        "send application/x-www-form-urlencoded or application/json.",
    )


def parse_query(multi: dict[str, list[str]] | None) -> dict[str, Any]:
    pairs = [(k, v) for k, values in (multi or {}).items() for v in values]
    return nest(pairs, dotted=True)


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Validate `data` with `model`, turning the first problem into the spec's error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


def validation_error(exc: ValidationError) -> ApiError:
    err = exc.errors(include_url=False)[0]
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    param = bracket(loc)
    kind = err["type"]
    if kind == "missing":
        return ApiError("parameter_missing", f"Missing required parameter: '{echo(param)}'.", param=param)
    if kind == "extra_forbidden":
        return ApiError("parameter_unknown", f"Received unknown parameter: '{echo(param)}'.", param=param)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return ApiError("parameter_invalid", f"Invalid '{echo(param)}': {msg}.".replace("..", "."), param=param)
