"""The frame every function shares: a FastAPI app behind Mangum serving one route of
the route table, turning every failure into the spec's error object, and adding
`Request-Id` to every response.

A handler module is three lines of wiring around one logic call:

    api = Api("get_resource")

    @api.endpoint(query=RetrieveParams)
    def get_resource(req: Req, params: RetrieveParams) -> dict:
        return resources.retrieve(req.ctx, req.path_params["id"])

    handler = api.handler
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from fastapi import FastAPI, Request
from mangum import Mangum
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response

from . import conditional, idempotency, metrics, params, ratelimit, versions
from .context import RequestContext, request_id_of
from .errors import ApiError, error_body
from .idempotency import Outcome
from .routes import API_PREFIX, Route, route_for

logger = Logger(service="resource-api")
M = TypeVar("M", bound=BaseModel)


class Result:
    """A success answer with a status or headers other than the route's default."""

    def __init__(self, body: Any, status: int | None = None, headers: dict[str, str] | None = None):
        self.body = body
        self.status = status
        self.headers = headers or {}


class Req:
    """One request as the endpoint sees it."""

    def __init__(self, request: Request, body: bytes) -> None:
        self.request = request
        self.event: dict[str, Any] = request.scope.get("aws.event") or {}
        self.raw_body = body
        self.ctx = RequestContext.from_event(self.event)
        self.path_params: dict[str, str] = dict(self.event.get("pathParameters") or {})
        self.headers = request.headers
        # Headers every answer to this request carries (rate limits, API version).
        self.response_headers: dict[str, str] = {}

    def body_data(self) -> dict[str, Any]:
        return params.parse_body(self.raw_body, self.headers.get("content-type"))

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


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


WRITE_METHODS = {"POST", "PATCH", "DELETE"}
QUERY_KEY = "api_key"  # the spec's `?api_key=` authentication (routes with query_key only)


class Api:
    def __init__(self, function: str) -> None:
        self.route: Route = route_for(function)
        self.app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        self.app.add_exception_handler(HTTPException, self._routing_error)
        self._mangum = Mangum(self.app, lifespan="off")
        # What the endpoint accepts, for the OpenAPI document and tooling.
        self.body_model: type[BaseModel] | None = None
        self.query_model: type[BaseModel] | None = None
        self.lock_item: Callable[[Any], dict[str, str] | None] | None = None  # see operations.Operation

    def endpoint(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
    ) -> Any:
        """Register the route's endpoint.

        `@api.endpoint(body=Model)` (or `query=Model`): the frame validates the input and
        calls `fn(req, params)`; write methods then get idempotency keys for free, with
        the validated parameters as the request's fingerprint. Bare `@api.endpoint`
        calls `fn(req)` and leaves parsing to it.
        """
        if fn is None:
            return lambda f: self._register(f, body, query)
        return self._register(fn, None, None)

    def serve_operation(self) -> Api:
        """Serve the route's entry of the operations registry (operations.py)."""
        from .operations import OPERATIONS

        op = OPERATIONS[self.route.function]
        self.lock_item = op.lock_item
        self.endpoint(body=op.body, query=op.query)(op.run)
        return self

    def _register(self, fn: Callable[..., Any], body_model: Any, query_model: Any) -> Callable[..., Any]:
        route = self.route
        self.body_model, self.query_model = body_model, query_model

        async def serve(request: Request) -> Response:
            started = time.perf_counter()
            raw = await request.body()
            req: Req | None = None
            try:
                req = Req(request, raw)
                outcome = self._serve(req, fn, body_model, query_model)
                headers = {**req.response_headers, **outcome.headers}
                if outcome.replayed:
                    headers["Idempotent-Replayed"] = "true"
                if outcome.status == 304:
                    response = Response(status_code=304, headers=headers)
                else:
                    response = json_response(outcome.status, outcome.body, headers)
            except ApiError as exc:  # refused before any work began: nothing stored
                headers = {**(req.response_headers if req else {}), **exc.headers}
                response = json_response(exc.status, exc.body(_request_id(request)), headers)
            except Exception:
                logger.exception("unhandled error")
                response = json_response(500, error_body("internal_error", request_id=_request_id(request)))
            latency_ms = round((time.perf_counter() - started) * 1000, 2)
            line = {
                "method": route.method,
                "route": route.path,
                "status": response.status_code,
                "latency_ms": latency_ms,
                "account_id": req.ctx.account_id if req else None,
                "mode": req.ctx.mode if req else None,
            }
            if req is not None:
                # A request on one resource: this line is also its record for the per-resource
                # metrics and logs, ingested off the request path (metrics.py, ingest.py).
                line.update(metrics.request_record(req.ctx, route.method, route.path, req.path_params,
                                                   response.status_code, latency_ms))
            logger.info("request", extra=line)
            return response

        self.app.add_api_route(route.path, serve, methods=[route.method])
        return fn

    def _serve(self, req: Req, fn: Callable[..., Any], body_model: Any, query_model: Any) -> Outcome:
        route = self.route
        if not route.query_key and QUERY_KEY in (req.event.get("queryStringParameters") or {}):
            raise ApiError("api_key_query_not_allowed", param=QUERY_KEY)
        ctx = req.ctx
        ctx.api_version = versions.resolve(req.headers.get(versions.HEADER), ctx.account_api_version)
        req.response_headers[versions.HEADER] = ctx.api_version
        # A conditional GET is counted only if it is not answered 304 (as GitHub does).
        if_none_match = req.headers.get("if-none-match") if route.method == "GET" else None
        if not if_none_match:
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
            if isinstance(result, Result):
                outcome = Outcome(result.status or route.status, result.body, dict(result.headers))
            else:
                outcome = Outcome(route.status, result)
            body = outcome.body
            if 200 <= outcome.status < 300 and isinstance(body, dict) and not body.get("deleted"):
                outcome.headers.setdefault("ETag", conditional.etag(body, weak=body.get("object") == "list"))
            return outcome

        def work() -> Outcome:
            return shape(fn(req) if body_model is None and query_model is None else fn(req, params))

        if route.method not in WRITE_METHODS:
            outcome = idempotency.execute(ctx, None, "", work)
            if if_none_match:
                tag = outcome.headers.get("ETag")
                if outcome.status == 200 and tag and conditional.none_match(if_none_match, tag):
                    self._count(req, peek=True)
                    return Outcome(304, None, {"ETag": tag})
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
        context = req.request.scope.get("aws.context")
        remaining = context.get_remaining_time_in_millis() if context is not None else 30_000
        item_key = self.lock_item(req) if self.lock_item is not None else None
        return idempotency.execute(ctx, key, print_, work, lock_ms=remaining + 1_000, shape=shape, item_key=item_key)

    def _count(self, req: Req, peek: bool = False) -> None:
        """Count the request against the key's limits; the headers go on every answer."""
        principal = req.ctx.principal
        if not principal.key_id:
            return
        if peek:
            limits = ratelimit.peek(principal)
        else:
            try:
                limits = ratelimit.hit(principal)
            except ApiError as exc:
                req.response_headers.update(exc.headers)
                raise
        req.response_headers.update(limits.headers())

    async def _routing_error(self, request: Request, exc: HTTPException) -> Response:
        code = "method_not_allowed" if exc.status_code == 405 else "url_invalid"
        return json_response(exc.status_code, error_body(code, request_id=_request_id(request)))

    def handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda entry point."""
        request_id = request_id_of(event)
        logger.append_keys(request_id=request_id)
        path = event.get("path") or "/"
        # API Gateway's execute-api URL gives the path without the stage (/resources);
        # a custom domain mapped at /v1 gives it with (/v1/resources). Routes use the latter.
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            event = {**event, "path": API_PREFIX + path}
        response = self._mangum(event, context)
        headers = response.setdefault("headers", {}) or {}
        headers["Request-Id"] = request_id
        response["headers"] = headers
        return response


def _request_id(request: Request) -> str:
    return request_id_of(request.scope.get("aws.event") or {})
