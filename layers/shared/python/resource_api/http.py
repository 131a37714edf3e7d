"""The frame every function shares: a FastAPI app behind Mangum serving one route of
the route table, turning every failure into the spec's error object, and adding
`Request-Id` to every response.

A handler module is three lines of wiring around one logic call:

    api = Api("get_resource")

    @api.endpoint
    def get_resource(req: Req) -> dict:
        return resources.retrieve(req.ctx, req.path_params["id"], req.query(RetrieveParams))

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

from . import params
from .context import RequestContext, request_id_of
from .errors import ApiError, error_body
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

    def body_data(self) -> dict[str, Any]:
        return params.parse_body(self.raw_body, self.headers.get("content-type"))

    def body(self, model: type[M]) -> M:
        return params.validate(model, self.body_data())

    def query_data(self) -> dict[str, Any]:
        multi = self.event.get("multiValueQueryStringParameters")
        if multi is None:
            single = self.event.get("queryStringParameters") or {}
            multi = {k: [v] for k, v in single.items()}
        return params.parse_query(multi)

    def query(self, model: type[M]) -> M:
        return params.validate(model, self.query_data())


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


class Api:
    def __init__(self, function: str) -> None:
        self.route: Route = route_for(function)
        self.app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        self.app.add_exception_handler(HTTPException, self._routing_error)
        self._mangum = Mangum(self.app, lifespan="off")

    def endpoint(self, fn: Callable[[Req], Any]) -> Callable[[Req], Any]:
        route = self.route

        async def serve(request: Request) -> Response:
            started = time.perf_counter()
            body = await request.body()
            req: Req | None = None
            try:
                req = Req(request, body)
                result = fn(req)
                if isinstance(result, Result):
                    response = json_response(result.status or route.status, result.body, result.headers)
                else:
                    response = json_response(route.status, result)
            except ApiError as exc:
                response = json_response(exc.status, exc.body(_request_id(request)), exc.headers)
            except Exception:
                logger.exception("unhandled error")
                response = json_response(500, error_body("internal_error", request_id=_request_id(request)))
            logger.info(
                "request",
                extra={
                    "method": route.method,
                    "route": route.path,
                    "status": response.status_code,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                    "account_id": req.ctx.account_id if req else None,
                    "mode": req.ctx.mode if req else None,
                },
            )
            return response

        self.app.add_api_route(route.path, serve, methods=[route.method])
        return fn

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
