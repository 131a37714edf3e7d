"""A local API Gateway (REST API, stage v1): real HTTP in, proxy events to the
functions of the route table, the two REQUEST authorizers of the stack (one cached on
the Authorization header, one uncached for the routes that take `?api_key=`), and the
deployed stack's gateway responses rendered from its own templates (templates.py)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from resource_api.core import clock
from resource_api import routes
from resource_api.auth import Unauthorized
from resource_api.frame.request import request_id_of
from resource_api.core.errors import error_body

from . import lambda_runtime, templates

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
STAGE = "v1"


class AuthorizerCache:
    """API Gateway's authorizer result cache, keyed on the identity source's value (the
    Authorization header as sent)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit and hit[0] > time.monotonic():
                return hit[1]
            self._items.pop(key, None)
            return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self.ttl > 0:
            with self._lock:
                self._items[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Gateway:
    def __init__(self, auth_cache_ttl: float = 300.0, admin: bool = True) -> None:
        self.cache = AuthorizerCache(auth_cache_ttl)
        self.admin = admin
        self.ready = threading.Event()
        # With gateway worker processes (localcloud/workers.py): a worker hands /_local/*
        # to the main process (admin_relay); the main process, having applied one, copies
        # the clock and clears the caches of every worker before answering (after_admin).
        self.admin_relay: Any = None
        self.after_admin: Any = None
        # The client address of the request this thread serves (the event's sourceIp).
        self.peer = threading.local()
        # Where the stage's access log lines of the answers the gateway makes itself go
        # (a LogSubscription's publish: they become request-log records of the account).
        self.access_log: Any = None
        self.redeliver_logs: Any = None  # POST /_local/logs/redeliver (LogSubscription.redeliver)

    # --- the request path --------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        request_id = str(uuid.uuid4())
        split = urlsplit(raw_path)
        path = split.path or "/"
        if path == "/health":
            if not self.ready.is_set():
                return _json(503, {"status": "starting"})
            return _json(200, {"status": "ok"})
        if path.startswith("/docs/") and path.endswith(".md") and method == "GET":
            return _doc(path[len("/docs/") :])
        if path in ("/v1/openapi.json", "/docs", "/docs/") and method == "GET":
            return _reference(path)
        if path.startswith("/_local/") and self.admin:
            return self._admin(method, path, body)
        route, path_params, allowed = routes.match(method, path)
        access = {"method": method, "path": path, "headers": headers, "started": time.monotonic(),
                  "resource": route.resource_path if route else None}
        if route is None:
            if allowed:
                return self._method_not_allowed(request_id, allowed)
            return self._gateway_response(request_id, "MISSING_AUTHENTICATION_TOKEN", access=access)
        if len(body) > API_GATEWAY_MAX_BODY:
            return self._gateway_response(request_id, "REQUEST_TOO_LARGE", access=access)
        multi_query: dict[str, list[str]] = {}
        for k, v in parse_qsl(split.query, keep_blank_values=True):
            multi_query.setdefault(k, []).append(v)
        event = self._event(method, path, route, path_params, headers, multi_query, body, request_id)
        access["time"] = event["requestContext"]["requestTimeEpoch"]
        authorizer = self._authorize(event, route.query_key)
        if isinstance(authorizer, str):
            return self._gateway_response(request_id, authorizer, access=access)
        event["requestContext"]["authorizer"] = authorizer
        access["authorizer"] = authorizer
        try:
            response = lambda_runtime.invoke(route.function, event)
        except lambda_runtime.RequestEntityTooLarge:
            # Lambda refuses an invoke payload over 6 MB before the function runs; API
            # Gateway answers that with its 413 "Request Too Long" (REQUEST_TOO_LARGE).
            return self._gateway_response(request_id, "REQUEST_TOO_LARGE", access=access)
        except Exception:  # a function error, lambda_runtime.ResponseTooLarge included: 502, as API Gateway
            return self._gateway_response(request_id, "DEFAULT_5XX", 502, access=access)
        return _from_proxy(response)

    def _event(self, method, path, route, path_params, headers, multi_query, body, request_id) -> dict[str, Any]:
        resource_path = route.resource_path
        now = clock.now()
        is_text = True
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            is_text = False
            text = base64.b64encode(body).decode("ascii")
        multi_headers: dict[str, list[str]] = {}
        for k, v in headers.items():
            multi_headers.setdefault(k, []).append(v)
        return {
            "resource": resource_path,
            "path": path[len(routes.API_PREFIX) :] or "/",
            "httpMethod": method,
            "headers": dict(headers),
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": resource_path,
                "httpMethod": method,
                "path": path,
                "stage": STAGE,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": headers.get("Host", "127.0.0.1"),
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent")},
            },
            "body": text if body else None,
            "isBase64Encoded": not is_text,
        }

    def _authorize(self, event: dict[str, Any], query_key: bool = False) -> dict[str, Any] | str:
        """The authorizer context, or the gateway response type to answer instead.

        As deployed (infra/api.py `Api.authorizer_for`): the routes that take `?api_key=`
        (route.query_key) have an authorizer with no identity source and no caching,
        called for every request. Every other route has the authorizer cached on the
        Authorization header: API Gateway answers 401 without calling it only when the
        header is missing or empty; otherwise it calls it, whatever the header holds,
        and caches the answer under the header's value."""
        if query_key:
            answer = self._invoke_authorizer(event)
        else:
            header = next((v for k, v in event["headers"].items() if k.lower() == "authorization"), "")
            if not header.strip():
                return "UNAUTHORIZED"
            answer = self.cache.get(header)
            if answer is None:
                answer = self._invoke_authorizer(event)
                if not isinstance(answer, str):
                    self.cache.put(header, answer)
        if isinstance(answer, str):
            return answer
        effect = answer["policyDocument"]["Statement"][0]["Effect"]
        if effect != "Allow":
            return "ACCESS_DENIED"
        return {"principalId": answer["principalId"], **answer.get("context", {})}

    def _invoke_authorizer(self, event: dict[str, Any]) -> dict[str, Any] | str:
        """The authorizer function's policy, or the gateway response type of its failure."""
        auth_event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:local/{STAGE}/"
            f"{event['httpMethod']}{event['path']}",
            "resource": event["resource"],
            "path": event["path"],
            "httpMethod": event["httpMethod"],
            "headers": event["headers"],
            "multiValueHeaders": event["multiValueHeaders"],
            "queryStringParameters": event["queryStringParameters"],
            "multiValueQueryStringParameters": event["multiValueQueryStringParameters"],
            "pathParameters": event["pathParameters"],
            "stageVariables": event["stageVariables"],
            "requestContext": event["requestContext"],
        }
        try:
            return lambda_runtime.invoke(routes.AUTHORIZER_FUNCTION, auth_event)
        except Unauthorized:
            return "UNAUTHORIZED"
        except Exception:
            return "AUTHORIZER_FAILURE"

    def _gateway_response(self, request_id: str, kind: str, status: int | None = None,
                          access: dict[str, Any] | None = None):
        """A gateway response, rendered from the template the stack installs, and its
        access log line (as the stage writes one for every request)."""
        answer = templates.gateway_response(kind, request_id, status=status)
        if self.access_log is not None and access is not None:
            try:
                self.access_log(self._access_line(request_id, kind, answer, access))
            except Exception:  # noqa: BLE001 - a log line never changes the answer
                pass
        return answer

    @staticmethod
    def _access_line(request_id: str, kind: str, answer: tuple[int, dict[str, str], bytes],
                     access: dict[str, Any]) -> str:
        auth = access.get("authorizer") or {}
        headers = {k.lower(): v for k, v in (access.get("headers") or {}).items()}
        found = templates.variables(kind, request_id)
        found.update({
            "context.identity.sourceIp": "127.0.0.1",
            "context.identity.userAgent": headers.get("user-agent", ""),
            "context.requestTimeEpoch": str(access.get("time") or int(clock.now() * 1000)),
            "context.httpMethod": access["method"],
            "context.resourcePath": access.get("resource") or "",
            "context.path": access["path"],
            "context.status": str(answer[0]),
            "context.protocol": "HTTP/1.1",
            "context.responseLength": str(len(answer[2])),
            "context.responseLatency": str(round((time.monotonic() - access["started"]) * 1000)),
        })
        for name, value in auth.items():
            found[f"context.authorizer.{name}"] = str(value)
        return templates.access_log_line(found)

    def _method_not_allowed(self, request_id: str, allowed: list[str]):
        """The 405 of a path's ANY method (a MOCK integration whose response mapping
        template is VTL, so it answers the functions' form of the request id)."""
        request_id = request_id_of({"requestContext": {"requestId": request_id}})
        body = error_body("method_not_allowed", request_id=request_id)
        allow = ", ".join(sorted(set(allowed)))
        headers = {"Content-Type": "application/json", "Request-Id": request_id, "Allow": allow}
        return 405, headers, json.dumps(body).encode()

    # --- local-only controls -----------------------------------------------------

    def _admin(self, method: str, path: str, body: bytes):
        if self.admin_relay is not None:
            return self.admin_relay(method, path, body)
        response = self._apply_admin(method, path, body)
        if self.after_admin is not None and response[0] == 200:
            self.after_admin(path)
        return response

    def _apply_admin(self, method: str, path: str, body: bytes):
        data = json.loads(body or b"{}")
        if path == "/_local/clock" and method == "POST":
            if "offset" in data:
                clock.set_offset(float(data["offset"]))
            if "advance" in data:
                frozen = clock._frozen is not None
                clock.freeze(False)
                clock.set_offset(clock.offset() + float(data["advance"]))
                clock.freeze(frozen)
            if "freeze" in data:
                clock.freeze(bool(data["freeze"]))
            return _json(200, {"offset": clock.offset(), "now": clock.now()})
        if path == "/_local/authorizer_cache" and method == "DELETE":
            self.cache.clear()
            return _json(200, {"cleared": True})
        if path == "/_local/logs/redeliver" and method == "POST" and self.redeliver_logs is not None:
            return _json(200, self.redeliver_logs())
        return _json(404, {"error": "unknown local control"})

    # --- serving -----------------------------------------------------------------

    def serve(self, host: str, port: int, reuse_port: bool = False) -> ThreadingHTTPServer:
        """The HTTP server (not yet serving). reuse_port: several processes listen on the
        same port (SO_REUSEPORT), the kernel spreading connections among them."""
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "resource-api-local"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > API_GATEWAY_MAX_BODY:
                    self.rfile.read(length)  # drain, then refuse
                    status, headers, payload = gateway._gateway_response(str(uuid.uuid4()), "REQUEST_TOO_LARGE")
                else:
                    body = self.rfile.read(length) if length else b""
                    headers_in = {k: v for k, v in self.headers.items()}
                    gateway.peer.ip = self.client_address[0]
                    status, headers, payload = gateway.handle(self.command, self.path, headers_in, body)
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "connection", "date", "server"):
                        # A multi-value header (a proxy response's multiValueHeaders, e.g.
                        # two Set-Cookie) goes out as one header line per value, as API
                        # Gateway sends it; joined with ", " a Set-Cookie would break.
                        for one in v if isinstance(v, list) else (v,):
                            self.send_header(k, one)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = _any

            def __getattr__(self, name: str) -> Any:
                # Any other method (TRACE, ...) gets the API's 405/404 error object, not
                # http.server's HTML 501.
                if name.startswith("do_"):
                    return self._any
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                if os.environ.get("LOCAL_ACCESS_LOG"):
                    super().log_message(format, *args)

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # the default backlog of 5 resets bursts of clients
            daemon_threads = True
            allow_reuse_port = reuse_port

        server = Server((host, port), Handler)
        server.daemon_threads = True
        return server


def _doc(name: str):
    """The project's docs, so error doc_urls resolve on the local cloud too."""
    docs = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")
    path = os.path.normpath(os.path.join(docs, name))
    if not path.startswith(docs + os.sep) or not os.path.isfile(path):
        return _json(404, {"error": "no such document"})
    with open(path, "rb") as f:
        return 200, {"Content-Type": "text/markdown; charset=utf-8"}, f.read()


def _reference(path: str):
    """The OpenAPI document and the HTML reference made from it (no key needed)."""
    from . import openapi

    if path == "/v1/openapi.json":
        return 200, {"Content-Type": "application/json"}, json.dumps(openapi.document()).encode()
    return 200, {"Content-Type": "text/html; charset=utf-8"}, openapi.html_page().encode()


def _json(status: int, body: Any):
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _from_proxy(response: dict[str, Any]) -> tuple[int, dict[str, Any], bytes]:
    """(status, headers, body) of a proxy response; a header of multiValueHeaders is a
    list of its values (each sent as its own header line, as API Gateway does)."""
    headers: dict[str, Any] = dict(response.get("headers") or {})
    for k, values in (response.get("multiValueHeaders") or {}).items():
        for name in [h for h in headers if h.lower() == k.lower()]:
            del headers[name]  # API Gateway: multiValueHeaders win over headers of the same name
        headers[k] = list(values) if len(values) != 1 else values[0]
    body = response.get("body") or ""
    payload = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
    return int(response.get("statusCode", 200)), headers, payload
