"""The frame every function shares: an API Gateway REST proxy event in, a proxy
response out, for the one route of the route table the function serves; every failure
(refused input, an unhandled exception, a malformed event) answered with the spec's
error object, and `Request-Id` on every answer.

No web framework: the function serves one route, API Gateway has already routed,
and validation is the endpoint's pydantic model (params.validate), so an ASGI app
would only translate the event there and back. `make bench` measures what that costs
(bench/frame.py, docs/performance.md "Frame").

`Api(endpoint)` serves one endpoint declaration (frame/endpoint.py): it validates the
input with the declared model, runs the declared operation, and, if the operation
returns a unit of work (frame/unit.py), commits it, with the request's idempotency
record when it has a key. A handler module binds its declaration by function name:

    from resource_api.routes import handler_for

    handler = handler_for("get_resource")
"""

from __future__ import annotations

import binascii
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from ..core import clock, versions
from ..core.errors import ApiError, error_body
from ..metrics import store as metrics
from . import request_log as capture
from . import conditional, idempotency, key_limits, params, unit
from .endpoint import API_PREFIX, Endpoint
from .idempotency import Attempt, Outcome
from .request import RequestContext, request_id_of
from .unit import Unit

logger = Logger(service="resource-api")
M = TypeVar("M", bound=BaseModel)


class Headers:
    """Request headers, looked up case-insensitively. A header API Gateway gives with
    several values (`multiValueHeaders`) reads as them joined by ", " (RFC 9110 5.3)."""

    def __init__(self, event: dict[str, Any]) -> None:
        self._values = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        for k, v in (event.get("multiValueHeaders") or {}).items():
            self._values[str(k).lower()] = ", ".join(map(str, v)) if isinstance(v, list) else ""

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._values.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values


def _body_of(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:  # base64.b64decode's own call, without importing base64 on every cold start
            return binascii.a2b_base64(body.encode("ascii") if isinstance(body, str) else body)
        except (binascii.Error, ValueError):
            raise ApiError("body_invalid", "The request body is not valid base64.") from None
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


class HttpRequest:
    """One HTTP request (a `Request`, frame/request.py), as the frame reads it from the event."""

    def __init__(self, event: dict[str, Any], context: Any) -> None:
        self.event = event
        self.context = context  # Lambda's: its remaining time bounds idempotency locks
        self.ctx = RequestContext.from_event(event)
        self.path_params: dict[str, str] = dict(event.get("pathParameters") or {})
        self.headers = Headers(event)
        # Headers every answer to this request carries (rate limits, API version).
        self.response_headers: dict[str, str] = {}
        # The item the request's idempotency lock holds, as the lock returned it (the
        # endpoint's lock_item), so the operation needs no read of it.
        self.locked_item: dict[str, Any] | None = None

    def body_data(self) -> dict[str, Any]:
        return params.parse_body(_body_of(self.event), self.headers.get("content-type"))

    def body(self, model: type[M]) -> M:
        return params.validate(model, self.body_data())

    def query_data(self) -> dict[str, Any]:
        multi = self.event.get("multiValueQueryStringParameters")
        if multi is None:
            single = self.event.get("queryStringParameters") or {}
            multi = {k: [v] for k, v in single.items()}
        # `api_key` is authentication (webhook routes only, see Api._serve), not a parameter.
        return params.parse_query({k: v for k, v in multi.items() if k != QUERY_KEY})

    def query(self, model: type[M]) -> M:
        return params.validate(model, self.query_data())


def proxy_response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A proxy response: the body as compact JSON (none for 304), header names in lower
    case (HTTP's are case-insensitive; `Request-Id` is added last, as written)."""
    out = {k.lower(): v for k, v in (headers or {}).items()}
    text = ""
    if status != 304:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        out["content-length"] = str(len(text.encode("utf-8")))
        out["content-type"] = "application/json"
    return {"statusCode": status, "headers": out, "multiValueHeaders": {}, "body": text, "isBase64Encoded": False}


WRITE_METHODS = {"POST", "PATCH", "DELETE"}
QUERY_KEY = "api_key"  # the spec's `?api_key=` authentication (routes with query_key only)


class Api:
    """The Lambda handler of one endpoint."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.route = endpoint
        self._endpoint: Callable[[HttpRequest, Any], Any] | None = endpoint.operation
        self.body_model: type[BaseModel] | None = endpoint.body_model
        self.query_model: type[BaseModel] | None = endpoint.query_model
        self.lock_item: Callable[[Any], dict[str, str] | None] | None = endpoint.lock

    def handler(self, event: Any, context: Any) -> dict[str, Any]:
        """The Lambda entry point."""
        event = event if isinstance(event, dict) else {}
        request_id = request_id_of(event)
        logger.append_keys(request_id=request_id)
        try:
            response = self._answer(event, context, request_id)
        except Exception:  # a malformed event, or a bug in the frame itself
            logger.exception("unhandled error")
            response = proxy_response(500, error_body("internal_error", request_id=request_id))
        response["headers"]["Request-Id"] = request_id
        return response

    def _answer(self, event: dict[str, Any], context: Any, request_id: str) -> dict[str, Any]:
        route = self.route
        path = unquote(event.get("path") or "/")
        # API Gateway's execute-api URL gives the path without the stage (/resources);
        # a custom domain mapped at /v1 gives it with (/v1/resources). Routes use the latter.
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            path = API_PREFIX + path
        if self._endpoint is None or not route.pattern.match(path):
            return proxy_response(404, error_body("url_invalid", request_id=request_id))
        if event.get("httpMethod") != route.method:
            return proxy_response(405, error_body("method_not_allowed", request_id=request_id))
        started = time.perf_counter()
        req: HttpRequest | None = None
        try:
            req = HttpRequest(event, context)
            # The request's writes go with its account's own credentials when the
            # route's write kind has a tenant role (token vending, core/vending.py;
            # loaded on the first request, not at import: cold start is counted).
            from ..core import vending  # noqa: PLC0415

            bound = vending.bind(req.ctx.account_id, route.access)
            try:
                outcome = self._serve(req, self._endpoint)
            finally:
                vending.unbind(bound)
            headers = {**req.response_headers, **outcome.headers}
            if outcome.replayed:
                headers["Idempotent-Replayed"] = "true"
            response = proxy_response(outcome.status, outcome.body, headers)
        except ApiError as exc:  # refused before any work began: nothing stored
            headers = {**(req.response_headers if req else {}), **exc.headers}
            response = proxy_response(exc.status, exc.body(request_id), headers)
        except Exception:
            logger.exception("unhandled error")
            response = proxy_response(500, error_body("internal_error", request_id=request_id))
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        status = response["statusCode"]
        line = {
            "method": route.method,
            "route": route.path,
            "status": status,
            "latency_ms": latency_ms,
            "account_id": req.ctx.account_id if req else None,
            "mode": req.ctx.mode if req else None,
        }
        if req is not None:
            # A request on one resource: this line is also its record for the per-resource
            # metrics and logs, ingested off the request path (metrics/store.py, metrics/ingest.py).
            line.update(metrics.request_record(req.ctx, route.method, route.path, req.path_params, status, latency_ms))
            if req.ctx.account_id and req.ctx.mode:
                # Every request of an account is also its request-log record (requestlogs/).
                line[capture.FIELD] = capture.fields(
                    event, request_id, account_id=req.ctx.account_id, mode=req.ctx.mode,
                    key_id=req.ctx.principal.key_id, status=status, latency_ms=latency_ms, response=response,
                    api_version=req.ctx.api_version, idempotency_key=req.ctx.idempotency_key, at_ms=clock.now_ms(),
                )
                line.setdefault(capture.RECORD_FIELD, capture.REQUEST_MARKER)
        logger.info("request", extra=line)
        return response

    def _serve(self, req: HttpRequest, fn: Callable[[HttpRequest, Any], Any]) -> Outcome:
        route, body_model, query_model = self.route, self.body_model, self.query_model
        if not route.query_key and QUERY_KEY in (req.event.get("queryStringParameters") or {}):
            raise ApiError("api_key_query_not_allowed", param=QUERY_KEY)
        ctx = req.ctx
        ctx.api_version = versions.resolve(req.headers.get(versions.HEADER), ctx.account_api_version)
        req.response_headers[versions.HEADER] = ctx.api_version
        # A conditional GET is counted only if it is not answered 304 (as GitHub does),
        # and only while the budget lasts: past the limit or the quota it is counted
        # (so answered 429) before any read, like every other request.
        if_none_match = req.headers.get("if-none-match") if route.method == "GET" else None
        counted = not if_none_match or not self._within_limits(req)
        if counted:
            self._count(req)
        params: BaseModel | None = None
        if body_model is not None:
            params = req.body(body_model)
        elif query_model is not None:
            params = req.query(query_model)
        if route.method in ("PATCH", "DELETE"):
            ctx.if_match = req.headers.get("if-match")

        def shape(result: Any) -> Outcome:
            """The answer for what the endpoint returned (also what idempotency stores)."""
            outcome = Outcome(route.status, result)
            body = outcome.body
            if 200 <= outcome.status < 300 and isinstance(body, dict) and not body.get("deleted"):
                outcome.headers.setdefault("ETag", conditional.etag(body, weak=body.get("object") == "list"))
            return outcome

        def work(attempt: Attempt | None) -> Outcome:
            req.locked_item = attempt.locked(item_key) if attempt is not None else None
            result = fn(req, params)
            charged = ctx.extras.pop(key_limits.CHARGED, None)
            if charged is not None:  # the request queued work it was charged for: headers after that
                req.response_headers.update(charged.headers())
            if isinstance(result, Unit):  # what the operation wants written: committed here
                return unit.commit(result, shape, attempt)
            return shape(result)

        item_key: dict[str, str] | None = None

        if route.method not in WRITE_METHODS:
            try:
                outcome = idempotency.execute(ctx, None, "", work)
            except ApiError:
                if not counted:  # only a 304 goes uncounted; an error counts
                    self._count(req)
                raise
            if if_none_match:
                tag = outcome.headers.get("ETag")
                if outcome.status == 200 and tag and conditional.none_match(if_none_match, tag):
                    return Outcome(304, None, {"ETag": tag})  # the headers are the peek's
                if not counted:
                    self._count(req)
            return outcome
        key = idempotency.check_key(req.headers.get(idempotency.HEADER))
        in_body = idempotency.check_key(getattr(params, "idempotency_key", None), "idempotency_key")
        if key and in_body and key != in_body:
            raise ApiError(
                "parameter_invalid",
                "The idempotency_key parameter and the Idempotency-Key header differ.",
                param="idempotency_key",
            )
        key = key or in_body
        ctx.idempotency_key = key
        if key is None:
            return idempotency.execute(ctx, None, "", work)
        data = (
            params.model_dump(mode="json", exclude={"idempotency_key"}) if params is not None else req.body_data()
        )
        print_ = idempotency.fingerprint(route.method, route.path, req.path_params, data)
        context = req.context
        remaining = context.get_remaining_time_in_millis() if context is not None else 30_000
        item_key = self.lock_item(req) if self.lock_item is not None else None
        return idempotency.execute(ctx, key, print_, work, lock_ms=remaining + 1_000, item_key=item_key)

    def _within_limits(self, req: HttpRequest) -> bool:
        """Whether the account has requests left in this window and month (as this
        container sees them), without counting; its headers go on the answer."""
        principal = req.ctx.principal
        if not principal.key_id:
            return True
        limits = key_limits.peek(principal)
        req.response_headers.update(limits.headers())
        return limits.remaining > 0 and limits.quota_remaining != 0

    def _count(self, req: HttpRequest) -> None:
        """Count the request against the account's limits; the headers go on every answer."""
        principal = req.ctx.principal
        if not principal.key_id:
            return
        try:
            limits = key_limits.hit(principal)
        except ApiError as exc:
            req.response_headers.update(exc.headers)
            raise
        req.response_headers.update(limits.headers())
