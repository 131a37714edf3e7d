"""`python -m localcloud.motoserver -H HOST -p PORT`: moto's server, with the local
cloud's shims and speed-ups (localcloud/motopatches/, docs/localcloud.md), one DynamoDB
request at a time.

moto's backends are not thread-safe: DynamoDB's TransactWriteItems deep-copies the table
for its rollback while another request thread may be writing it ("dictionary changed size
during iteration"). With Step Functions executions writing in the background while the
API writes too, concurrent writes are the norm, so DynamoDB requests are serialised here
(Serialized: a correctness shim, on any moto version). The speed-ups of this module (the
direct DynamoDB route, keep-alive connections) are registered in motopatches/speedups.py
and, like the others, used only on the pinned moto version.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import logging
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from localcloud import httpheaders, motopatches, persistence
from localcloud.motopatches import conflicts


def keep_stream_on_rollback() -> None:
    """For in-process moto (tests, bench): the shims (a cancelled transaction leaves the
    stream as it was and flowing, localcloud/motopatches/shims.py) and, on the pinned moto,
    the item-level rollback that spares moto's copy of every table a transaction touches."""
    motopatches.apply_shims()
    motopatches.apply_speedups(["item_level_rollback"])


class Serialized:
    """DynamoDB requests one at a time (a correctness shim: moto's backends are not
    thread-safe, see the module docstring); with `direct`, by the shorter route of
    direct_view (the speed-up direct_dynamodb_route); with `lean`, DynamoDB's, SQS's and
    Step Functions' JSON requests set up by lean_json_view (the speed-up
    lean_json_requests)."""

    LEAN_PREFIXES = ("AmazonSQS", "AWSStepFunctions")  # besides DynamoDB's, when lean

    def __init__(self, app: Any, direct: bool = True, lean: bool = False) -> None:
        self.app = app
        self.direct = direct
        self.lean = lean
        self.lock = threading.Lock()
        self.views: dict[str, Any] = {}

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        # Only DynamoDB (and its streams), whose handlers never wait for another request.
        # A lock around every request hung the local cloud in a full test run (some other
        # handler, e.g. of Step Functions or SQS, waited for a request queued behind it).
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB"):
            if self.lean and target.startswith(self.LEAN_PREFIXES):
                view = self._view(environ, target)
                if view is not None:
                    return view(environ, start_response)
            return self.app(environ, start_response)
        conflicts.arrive()  # it is in flight from now, waiting or not (motopatches/conflicts.py)
        view = self._view(environ, target, make=False)
        prepare = getattr(view, "prepare", None)  # the lean route: the request parsed before the lock
        rest = prepare(environ) if prepare is not None else None
        with self.lock:
            if view is None:
                view = self._view(environ, target)
            if PROFILE is not None:
                PROFILE.count(target)
                PROFILE.profiler.enable()
            try:
                if rest is not None:
                    body = rest(start_response)
                else:
                    body = view(environ, start_response) if view is not None else self.app(environ, start_response)
                try:
                    return [b"".join(body)]
                finally:
                    close = getattr(body, "close", None)
                    if close:
                        close()
            finally:
                if PROFILE is not None:
                    PROFILE.profiler.disable()

    @staticmethod
    def _key(environ: dict, target: str) -> str | None:
        """Views are kept per target prefix and signing service (see _view)."""
        try:
            service = environ["HTTP_AUTHORIZATION"].split(",")[0].split()[1].split("/")[3]
        except (KeyError, IndexError):
            return None
        return target.partition(".")[0] + " " + service

    def _view(self, environ: dict, target: str, make: bool = True) -> Any:
        """The service's moto view without Flask around it (see direct_view), or None for
        the ordinary route (through the dispatcher and Flask); with make=False only one
        already made (making one asks the dispatcher: under the DynamoDB lock)."""
        if (
            not self.direct
            or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("PATH_INFO") != "/"
            or "HTTP_ORIGIN" in environ
            or not isinstance(self.app, DomainDispatcherApplication)
        ):
            return None
        # The dispatcher picks the backend by the signature's service (an unsigned request
        # by the body and path): the view is kept per target prefix and signing service.
        key = self._key(environ, target)
        if key is None:
            return None
        if key not in self.views:
            if not make:
                return None
            self.views[key] = direct_view(self.app, environ, self.lean)
        return self.views[key]


def direct_view(dispatcher: DomainDispatcherApplication, environ: dict, lean: bool = False) -> Any:
    """moto's handler for a DynamoDB (or DynamoDB Streams) request, called as moto's Flask
    view calls it, as a WSGI application, or None if the route is not the expected one
    (the speed-up direct_dynamodb_route); with `lean`, by lean_json_view's route where it
    applies (also to SQS and Step Functions).

    Each request used to find its backend by inferring the service from its headers
    (listing moto's package directory on the way), then went through Flask: request
    context, URL routing, the view, after-request hooks. For these requests the outcome
    is always the same: the backend's `dispatch` view (moto.core.utils.
    convert_to_flask_response), whose response Flask-CORS gives one header,
    `Access-Control-Allow-Origin: *` (requests with an Origin header, which the SDKs do
    not send, still take Flask's route). The view is found once, through the
    dispatcher and the app's own URL map, and called here with the request class moto's
    app uses (BackendRequest) and the Response class Flask would have made."""
    from moto.core.utils import convert_to_flask_response

    try:
        app = dispatcher.get_application(environ)
        endpoint, _ = app.url_map.bind_to_environ(environ).match()
        view = app.view_functions[endpoint]
    except Exception:
        return None
    if not isinstance(view, convert_to_flask_response):
        return None
    if lean:
        fast = lean_json_view(view)
        if fast is not None:
            return fast
    return view_application(view.callback)


def lean_json_view(view: Any) -> Any:
    """A shorter route to the same answer for a JSON-protocol request (the speed-up
    lean_json_requests), or None when the view's handler class does not set requests up
    the way this route replays (BaseResponse's own dispatch, setup_class and
    parse_parameters).

    moto's handler sets itself up from the request (BaseResponse.setup_class) in ways
    that matter to S3 forms, query-protocol services and compressed bodies but not to a
    plain JSON request: it parses the body as a form (werkzeug's form machinery, to find
    it holds no form), builds the request's URL through werkzeug's host and IRI handling,
    copies every header into a dict, and collects the query parameters into a
    MultiDict, on every request. This route sets the same attributes to the same values
    with less: the URL and raw path kept per (host, server, path), the empty form and
    files as werkzeug would find them for a JSON content type, the header dict made only
    when moto would read it (an empty body), the body handed to moto's own JSON request
    parser as parse_parameters would hand it. Everything else (the body's query-string
    reading, region, access key, account, the IAM visit, the action itself, errors,
    the response) is moto's code, called as setup_class calls it. Requests this route
    does not replay go the usual way: another content type, a query string, a
    Content-Encoding, a method other than POST, the request recorder on, a body that
    is not UTF-8."""
    from collections import OrderedDict
    from urllib.parse import parse_qsl, urlparse

    from moto.core import responses as core_responses
    from moto.core.parse import JSONParser
    from moto.core.request import determine_request_protocol
    from moto.core.utils import convert_to_flask_response
    from moto.iam.models import mark_account_as_visited
    from moto.moto_api import recorder
    from moto.moto_server.werkzeug_app import BackendRequest
    from moto.utilities.utils import get_partition
    from werkzeug.datastructures import ImmutableMultiDict

    base = core_responses.BaseResponse
    if not isinstance(view, convert_to_flask_response):
        return None
    callback = view.callback
    cls = getattr(callback, "__self__", None)
    if (
        not isinstance(cls, type)
        or not issubclass(cls, base)
        or getattr(callback, "__func__", None) is not base.dispatch.__func__  # type: ignore[attr-defined]
        or cls._dispatch is not base._dispatch
        or cls.setup_class is not base.setup_class
        or cls.parse_parameters is not base.parse_parameters
        or cls.decompress_request_body is not base.decompress_request_body
        or cls.use_raw_body
        or BackendRequest.parameter_storage_class is not ImmutableMultiDict
    ):
        return None
    urls: dict[tuple[Any, ...], tuple[str, str, Any]] = {}
    usual = view_application(callback)

    def where(request: Any, environ: dict) -> tuple[str, str, Any]:
        """(raw_url, raw_path, urlparse(raw_url)) as moto's Request computes them, kept per
        the environ entries they are made of."""
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"),
               environ.get("RAW_URI"), environ.get("REQUEST_URI"))
        got = urls.get(key)
        if got is None:
            raw_url = request.raw_url
            got = (raw_url, request.raw_path, urlparse(raw_url))
            if len(urls) > 256:
                urls.clear()
            urls[key] = got
        return got

    def setup(self: Any, request: Any, environ: dict, body: bytes, text: str) -> None:
        """BaseResponse.setup_class(request, request.raw_url, dict(request.headers)), for a
        POST with a JSON content type, no query string and no Content-Encoding."""
        self.is_werkzeug_request = request.from_wsgi_server
        full_url, raw_path, parsed_url = where(request, environ)
        self.normalized_request = request
        self.parsed_url = parsed_url
        querystring: dict[str, Any] = OrderedDict()
        self.form_data = ImmutableMultiDict()  # what werkzeug parses out of a JSON body
        self.raw_body = body
        self.body = text
        try:
            querystring.update(OrderedDict((key, [value]) for key, value in parse_qsl(text, keep_blank_values=True)))
        except (UnicodeEncodeError, UnicodeDecodeError, AttributeError):
            pass
        if not querystring:
            querystring.update(dict(request.headers))
        try:
            querystring = core_responses._decode_dict(querystring)
        except UnicodeDecodeError:
            pass
        self.uri = full_url
        self.path = parsed_url.path
        self.raw_path = raw_path
        self.querystring = querystring
        self.data = querystring
        self.method = request.method
        self.region = self.get_region_from_url(request, full_url)
        self.partition = get_partition(self.region)
        self.uri_match = {}
        if "HTTP_HOST" not in environ:
            environ["HTTP_HOST"] = parsed_url.netloc
        self.headers = request.headers
        self.response_headers = {"server": "amazon.com"}
        if not self.is_werkzeug_request:
            self.response_headers["date"] = core_responses.http_date(core_responses.utcnow())
        if self.automated_parameter_parsing and self._get_action():
            service_model = core_responses.get_service_model(self.boto3_service_name)
            operation_model = service_model.operation_model(self._get_action())
            protocol = determine_request_protocol(service_model, request.content_type)
            parser_cls = core_responses.PROTOCOL_PARSERS[protocol]
            if parser_cls is JSONParser:
                parser = parser_cls(operation_model, map_type=self.PROTOCOL_PARSER_MAP_TYPE)
                self.params = parser.parse({"method": request.method, "values": None,  # type: ignore[typeddict-item]
                                            "headers": request.headers, "body": body,
                                            "url_path": request.path, "url_params": self.uri_match})
            else:
                self.parse_parameters(request)
        self.access_key = self.get_access_key()
        self.current_account = self.get_current_account()
        mark_account_as_visited(account_id=self.current_account, access_key=self.access_key,
                                service=self.service_name, region=self.region)

    def prepare(environ: dict) -> Any:
        """The request set up for its handler (its body parsed: the part of the work that
        reads no backend), and the rest to run as a WSGI application of start_response
        alone; None for a request this route does not replay. Serialized runs the setup
        before it takes the DynamoDB lock, so a large request (a transaction of 25 items)
        holds the lock only while moto runs it. A setup that raised raises again in the
        rest, where it raised before (answer() turns a ClientError into moto's 400)."""
        stream = environ.get("wsgi.input")
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or not environ.get("CONTENT_TYPE", "").startswith("application/x-amz-json-1.")
            or environ.get("QUERY_STRING")
            or "HTTP_CONTENT_ENCODING" in environ
            or recorder._user_enabled
            or type(stream) is not io.BytesIO
            or stream.tell() != 0
        ):
            return None
        body = stream.getvalue()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        request = BackendRequest(environ)
        handler = cls()
        try:
            setup(handler, request, environ, body, text)
        except Exception as exc:  # noqa: BLE001 - raised again where it used to be
            failed = exc

            def call() -> Any:
                raise failed
        else:
            call = handler.call_action
        return lambda start_response: answer(call, environ, start_response)

    def application(environ: dict, start_response: Any) -> Iterable[bytes]:
        rest = prepare(environ)
        return usual(environ, start_response) if rest is None else rest(start_response)

    application.prepare = prepare  # type: ignore[attr-defined]
    return application


def answer(call: Any, environ: dict, start_response: Any) -> Iterable[bytes]:
    """What moto's Flask view (convert_to_flask_response) makes of `call()`, the handler's
    result, sent as Flask sends it for a request without an Origin header: the Response
    Flask would build and the one header Flask-CORS adds."""
    from botocore.exceptions import ClientError
    from flask import Response

    try:
        result = call()
    except ClientError as exc:  # as convert_to_flask_response does
        result = 400, {}, exc.response["Error"]["Message"]
    if len(result) == 3:
        status, headers, content = result
    else:
        status, headers, content = 200, {}, result
    response = Response(response=content, status=status, headers=headers)
    response.headers["Access-Control-Allow-Origin"] = "*"  # what Flask-CORS adds
    return response(environ, start_response)


def view_application(callback: Any) -> Any:
    """moto's view `callback` (what convert_to_flask_response calls) as a WSGI application,
    as Flask would run it for a request without an Origin header."""
    from moto.core.request import normalize_request
    from moto.moto_api import recorder
    from moto.moto_server.werkzeug_app import BackendRequest

    def application(environ: dict, start_response: Any) -> Iterable[bytes]:
        request = normalize_request(BackendRequest(environ))
        recorder._record_request(request)
        return answer(lambda: callback(request, request.raw_url, dict(request.headers)), environ, start_response)

    return application


def run_application(app: Any, environ: dict, start_response: Any, chunks: list[bytes], started: list[Any]) -> None:
    """Run a WSGI application to the end of its body, into `chunks` (its iterable closed
    after); raises if it never called start_response (which fills `started`)."""
    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the application did not call start_response")


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler (werkzeug's dev server), with HTTP/1.1 keep-alive (the
    speed-up keep_alive_connections).

    werkzeug's dev server answers every request with `Connection: close`, so each AWS
    call of the local cloud opened a new TCP connection and this server started a new
    thread for it (and the caller's urllib3 a new connection, with a name lookup). This
    handler reads the whole request body before the application runs and sends the
    whole response with its Content-Length, so the connection is left at the next
    request line and can be kept: it is closed only when the client asks (HTTP/1.0, or
    `Connection: close`) or when a request could not be answered cleanly. Requests and
    environ are built by werkzeug's and moto's code, as before. The access log (which
    went to /dev/null under the local cloud) is written only with LOCAL_ACCESS_LOG set.
    """

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        try:
            # werkzeug's make_environ wraps a chunked body in its dechunker; read either
            # to its end so the next request starts where this one ends.
            if environ.get("wsgi.input_terminated"):
                body = environ["wsgi.input"].read()
            else:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = self.rfile.read(length) if length > 0 else b""
                if len(body) < length:
                    self.close_connection = True
                    return
        except (ValueError, OSError):
            self.close_connection = True
            return
        environ["wsgi.input"] = io.BytesIO(body)
        status_headers: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info and status_headers:
                raise exc_info[1].with_traceback(exc_info[2])
            status_headers[:] = [status, headers]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        try:
            run_application(self.server.app, environ, start_response, chunks, status_headers)
        except Exception as exc:  # what werkzeug's dev server does: its 500 page, logged
            from werkzeug.debug.tbtools import DebugTraceback
            from werkzeug.exceptions import InternalServerError

            self.server.log("error", f"Error on request:\n{DebugTraceback(exc).render_traceback_text()}")
            self.close_connection = True
            status_headers[:] = []
            chunks = []
            chunks.extend(InternalServerError()(environ, start_response))
        status, headers = status_headers
        code_str, _, msg = status.partition(" ")
        code = int(code_str)
        payload = b"".join(chunks)
        self.send_response(code, msg)
        has_length = False
        for key, value in headers:
            if key.lower() == "connection":
                continue
            if key.lower() == "content-length":
                has_length = True
            self.send_header(key, value)
        no_body = environ["REQUEST_METHOD"] == "HEAD" or 100 <= code < 200 or code in (204, 304)
        if not has_length and not no_body:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body in one write: two small writes meet Nagle's algorithm and the
        # client's delayed ACK (40 ms per response).
        self._headers_buffer.append(b"\r\n")
        if payload and not no_body:
            self._headers_buffer.append(payload)
        self.flush_headers()

    access_log = bool(os.environ.get("LOCAL_ACCESS_LOG"))  # read once (it was read on every request)
    _date: tuple[int, str] = (0, "")  # the Date header of the current second

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.access_log:
            super().log_request(code, size)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, formatted once a second (it has whole seconds), not per response."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        now = int(time.time())
        date = KeepAliveRequestHandler._date
        if date[0] != now:
            date = KeepAliveRequestHandler._date = (now, super().date_time_string(now))
        return date[1]


class InProcessCalls:
    """The moto server's calls to itself answered in its own process (the speed-up
    in_process_task_calls): a botocore `before-send` handler on the clients moto's Step
    Functions tasks make (moto.stepfunctions...boto_client_for points them at this
    server). Each call used to go out over a loopback connection and come back in on
    one of this server's request threads: urllib3 and http.client on one side, the HTTP
    server's request parsing and werkzeug's WSGI environ on the other, and the GIL
    handed between the two threads twice. Here the signed request botocore would have
    sent becomes the WSGI environ the server would have built from it (the same request
    line, headers, body, server and client addresses) and goes to the same application
    (`Serialized`: the DynamoDB lock, the arrival stamp of motopatches/conflicts.py)
    from the task's own thread; botocore reads the status, headers and body the server
    would have sent. Requests to anything but this server go out as before."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        import importlib.metadata

        self.app = app
        self.host, self.port = host, port
        self.prefixes = (f"http://localhost:{port}/", f"http://127.0.0.1:{port}/", f"http://{host}:{port}/")
        self.server_software = f"Werkzeug/{importlib.metadata.version('werkzeug')}"  # BaseWSGIServer's

    def environ(self, request: Any) -> dict[str, Any]:
        """What werkzeug's WSGIRequestHandler.make_environ (and moto's handler's) make of
        the request as urllib3 sends it (http.client adds Host and Accept-Encoding)."""
        from urllib.parse import unquote, urlsplit

        from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY
        from werkzeug.serving import _wsgi_encoding_dance

        url = urlsplit(request.url)
        target = url.path or "/"
        if url.query:
            target += "?" + url.query
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):
            body = body.read() if hasattr(body, "read") else bytes(body)
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "SERVER_SOFTWARE": self.server_software, "REQUEST_METHOD": request.method, "SCRIPT_NAME": "",
            "PATH_INFO": _wsgi_encoding_dance(unquote(url.path)), "QUERY_STRING": _wsgi_encoding_dance(url.query),
            "REQUEST_URI": _wsgi_encoding_dance(target), "RAW_URI": _wsgi_encoding_dance(target),
            "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": 0, "SERVER_NAME": self.host, "SERVER_PORT": str(self.port),
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        headers = [("Host", url.netloc), ("Accept-Encoding", "identity")]
        headers += [(k, v.decode("latin-1") if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()]
        if body and not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        for key, value in headers:
            if "_" in key:
                continue
            key = key.upper().replace("-", "_")
            value = value.replace("\r\n", "")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = f"HTTP_{key}"
                if key in environ:
                    value = f"{environ[key]},{value}"
            environ[key] = value
        environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = {}
        return environ

    def __call__(self, request: Any, **_: Any) -> Any:
        if not request.url.startswith(self.prefixes):
            return None
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse

        environ = self.environ(request)
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        try:
            run_application(self.app, environ, start_response, chunks, started)
        except Exception:  # what KeepAliveRequestHandler answers (and logs): werkzeug's 500 page
            from werkzeug.exceptions import InternalServerError

            logging.getLogger("werkzeug").exception("Error on request")
            started[:] = []
            chunks = []
            chunks.extend(InternalServerError()(environ, start_response))
        status, headers = started
        payload = b"".join(chunks)
        answer = {k: v for k, v in headers if k.lower() != "connection"}
        if not any(k.lower() == "content-length" for k in answer):
            answer["Content-Length"] = str(len(payload))
        return AWSResponse(request.url, int(status.split(" ", 1)[0]), answer, MockRawResponse(payload))

    def install(self) -> None:
        """From now on, on every client moto's Step Functions tasks get (a client cached
        by cache_step_functions_clients too); a later install (another server of this
        process, as the comparison sessions start) takes over from the earlier one."""
        global IN_PROCESS
        first = IN_PROCESS is None
        IN_PROCESS = self
        if not first:
            return
        from moto.stepfunctions.parser.asl.utils import boto_client

        make = boto_client.boto_client_for

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            client = make(region, service, state_credentials)
            if not getattr(client, "_local_in_process", False):
                client.meta.events.register("before-send", _in_process_call)
                client._local_in_process = True
            return client

        boto_client_for.__wrapped__ = make  # type: ignore[attr-defined]
        boto_client.boto_client_for = boto_client_for
        for name, module in list(sys.modules.items()):
            if name.startswith("moto.stepfunctions.") and getattr(module, "boto_client_for", None) is make:
                module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


IN_PROCESS: InProcessCalls | None = None


def _in_process_call(request: Any, **kwargs: Any) -> Any:
    return IN_PROCESS(request, **kwargs) if IN_PROCESS is not None else None


def serving(app: Any, host: str, port: int) -> None:
    """What the server sets up once it knows its address (main, and the comparison
    sessions of tests/localcloud): the in-process calls of the speed-up
    in_process_task_calls, when applied."""
    if motopatches.applied("in_process_task_calls"):
        InProcessCalls(app, host, port).install()


class Profile:
    """MOTO_PROFILE=/path/name.prof: cProfile while DynamoDB requests run (one at a time)
    and a count of DynamoDB requests by X-Amz-Target, written to /path/name.prof and
    /path/name.prof.json when the server stops (SIGTERM, SIGINT) and every 30 s. Since
    Python 3.12 cProfile sees every thread while it is on, so work other threads do
    meanwhile (Step Functions executions, SQS) shows too. A development switch
    (docs/performance.md); off by default."""

    def __init__(self, path: str, lock: Any) -> None:
        import cProfile

        self.path = path
        self.profiler = cProfile.Profile()
        self.counts: dict[str, int] = {}
        self.lock = lock  # the DynamoDB lock: no request is being profiled while dumping

    def count(self, target: str) -> None:
        self.counts[target] = self.counts.get(target, 0) + 1

    def dump(self) -> None:
        with self.lock:
            self.profiler.dump_stats(self.path)
            with open(self.path + ".json", "w") as f:
                json.dump(self.counts, f, indent=1, sort_keys=True)

    def install(self) -> None:
        import signal

        def stop(signum: int, _frame: Any) -> None:
            self.dump()
            os._exit(0)

        def restart(signum: int, _frame: Any) -> None:  # SIGUSR1: start counting afresh
            import cProfile

            with self.lock:
                self.profiler = cProfile.Profile()
                self.counts.clear()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGUSR1, restart)

        def every_30_s() -> None:
            while True:
                threading.Event().wait(30)
                self.dump()

        threading.Thread(target=every_30_s, name="moto-profile", daemon=True).start()


PROFILE: Profile | None = None


class OpStats:
    """MOTO_OPSTATS=/path/name.json: the CPU (thread time) of every request this server
    answers, by operation (X-Amz-Target, or method and path; a Step Functions task's
    in-process call as "task <target>"), its count, the CPU of the HTTP handling around
    the application (request parsing, environ, the answer's write) and the whole
    process's CPU, written to the file every 2 s. What the process spent outside requests
    (Step Functions' interpreter threads, timers, the collector) is the process's CPU
    less the requests'. A development switch (docs/performance.md, section 7); off by
    default: the server is then built without it."""

    def __init__(self, path: str, app: Any) -> None:
        self.path = path
        self.app = app
        self.ops: dict[str, list[float]] = {}
        self.http = 0.0
        self.requests = 0
        self.local = threading.local()
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        key = environ.get("HTTP_X_AMZ_TARGET") or f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        if key.endswith((".Query", ".Scan")):  # by index: moto reads a whole table for an index's
            body = environ.get("wsgi.input")
            if isinstance(body, io.BytesIO):
                index = re.search(rb'"IndexName"\s*:\s*"([^"]*)"', body.getvalue())
                key += f" {index.group(1).decode()}" if index else " (table)"
        if environ.get("REMOTE_PORT") == 0:  # InProcessCalls: a Step Functions task's call
            key = "task " + key
        status: list[str] = []

        def starting(code: str, headers: Any, exc_info: Any = None) -> Any:
            status[:] = [code]
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        t0 = time.thread_time()
        result = self.app(environ, starting)
        try:
            chunks = list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        spent = time.thread_time() - t0
        self.local.app = getattr(self.local, "app", 0.0) + spent
        if status and not status[0].startswith("200"):  # e.g. a transaction cancelled (conflict)
            key += " -> " + status[0].split(" ", 1)[0]
        with self.lock:
            row = self.ops.setdefault(key, [0, 0.0])
            row[0] += 1
            row[1] += spent
        return chunks

    def handler(self, base: type) -> type:
        """The request handler class, with each request's whole CPU measured."""
        stats = self

        class Measured(base):  # type: ignore[misc, valid-type]
            def handle_one_request(self) -> None:
                stats.local.app = 0.0
                t0 = time.thread_time()
                try:
                    super().handle_one_request()
                finally:
                    outside = time.thread_time() - t0 - stats.local.app
                    with stats.lock:
                        stats.http += outside
                        stats.requests += 1

        return Measured

    def dump(self) -> None:
        with self.lock:
            out = {"process_cpu_s": time.process_time(), "http_cpu_s": self.http, "http_requests": self.requests,
                   "ops": {k: {"count": int(v[0]), "cpu_s": v[1]} for k, v in sorted(self.ops.items())}}
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, self.path)

    def install(self) -> None:
        def every_2_s() -> None:
            while True:
                threading.Event().wait(2)
                self.dump()

        threading.Thread(target=every_2_s, name="moto-opstats", daemon=True).start()


def freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    """A gc callback: after each full collection, freeze what survived it.

    The server's data only grows (items, every stream record, executions, messages), and
    each full collection walked all of it with the GIL held: at the load bench's GET rate
    the server kept some 8,000 more objects a second, and its full collections took 100
    to 220 ms (a 2-core machine under load), every request in flight waiting. What
    survives a full collection is reachable at that moment; frozen, it is left to
    reference counting, so the next full collection walks only what was made since the
    last one (about 10 ms). The price: an object alive at a freeze that later becomes
    garbage inside a reference cycle is never freed. Those are the requests in flight at
    that instant (werkzeug's request objects are cyclic): measured, 2,600 objects kept
    over a minute of mixed traffic (creates, updates, deletes, lists, gets, a webhook
    endpoint), beside the 480,000 the server holds and keeps anyway."""
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def make_app() -> Serialized:
    """moto's WSGI application as this server serves it (after motopatches.apply())."""
    return Serialized(DomainDispatcherApplication(create_backend_app),
                      direct=motopatches.applied("direct_dynamodb_route"),
                      lean=motopatches.applied("lean_json_requests"))


def request_handler() -> type[MotoRequestHandler]:
    return KeepAliveRequestHandler if motopatches.applied("keep_alive_connections") else MotoRequestHandler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # Step Functions tasks call back here
    # werkzeug's start-up banner off; its request errors and motopatches' warnings go to
    # stderr, which the local cloud shows (`make run`).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # moto's Step Functions interpreter logs every failed state with the repr of the whole
    # program (kilobytes a line); the failure is in the execution's history anyway.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    motopatches.apply()  # raises (the server does not start) if a correctness shim cannot apply
    httpheaders.install()  # the requests this server reads (and its Step Functions tasks' AWS responses)
    keeper = persistence.Persistence.from_env()  # LOCAL_STATE_DIR: the saved world (localcloud/persistence.py)
    if keeper is not None:
        try:
            keeper.restore()
        except persistence.SnapshotError as exc:
            print(f"[localcloud] {exc}", file=sys.stderr, flush=True)
            sys.exit(persistence.EXIT_BAD_SNAPSHOT)
    serialized = make_app()
    app: Any = serialized if keeper is None else keeper.serve(serialized, args.host, args.port)
    # moto, botocore's models and Flask are hundreds of thousands of objects that live as
    # long as the server; out of the cyclic collector's way, its full collections only
    # walk what requests made (tables, stream records, executions).
    gc.collect()
    gc.freeze()
    gc.callbacks.append(freeze_survivors)
    handler = request_handler()
    if os.environ.get("MOTO_OPSTATS"):
        opstats = OpStats(os.environ["MOTO_OPSTATS"], app)
        opstats.install()
        app, handler = opstats, opstats.handler(handler)
    serving(app, args.host, args.port)
    if os.environ.get("MOTO_PROFILE"):
        global PROFILE
        PROFILE = Profile(os.environ["MOTO_PROFILE"], serialized.lock)
        PROFILE.install()
    run_simple(args.host, args.port, app, threaded=True, request_handler=handler)


if __name__ == "__main__":
    main()
