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
import logging
import os
import socket
import sys
import threading
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
    dynamodb_view (the speed-up direct_dynamodb_route)."""

    def __init__(self, app: Any, direct: bool = True) -> None:
        self.app = app
        self.direct = direct
        self.lock = threading.Lock()
        self.views: dict[str, Any] = {}

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        # Only DynamoDB (and its streams), whose handlers never wait for another request.
        # A lock around every request hung the local cloud in a full test run (some other
        # handler, e.g. of Step Functions or SQS, waited for a request queued behind it).
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB"):
            return self.app(environ, start_response)
        conflicts.arrive()  # it is in flight from now, waiting or not (motopatches/conflicts.py)
        with self.lock:
            view = self._view(environ, target)
            if PROFILE is not None:
                PROFILE.count(target)
                PROFILE.profiler.enable()
            try:
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

    def _view(self, environ: dict, target: str) -> Any:
        """DynamoDB's moto view without Flask around it (see dynamodb_view), or None for
        the ordinary route (through the dispatcher and Flask)."""
        if (
            not self.direct
            or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("PATH_INFO") != "/"
            or "HTTP_ORIGIN" in environ
            or not isinstance(self.app, DomainDispatcherApplication)
        ):
            return None
        prefix = target.partition(".")[0]
        if prefix not in self.views:
            self.views[prefix] = dynamodb_view(self.app, environ)
        return self.views[prefix]


def dynamodb_view(dispatcher: DomainDispatcherApplication, environ: dict) -> Any:
    """moto's handler for a DynamoDB (or DynamoDB Streams) request, called as moto's Flask
    view calls it, as a WSGI application, or None if the route is not the expected one
    (the speed-up direct_dynamodb_route).

    Each request used to find its backend by inferring the service from its headers
    (listing moto's package directory on the way), then went through Flask: request
    context, URL routing, the view, after-request hooks. For these requests the outcome
    is always the same: the backend's `dispatch` view (moto.core.utils.
    convert_to_flask_response), whose response Flask-CORS gives one header,
    `Access-Control-Allow-Origin: *` (requests with an Origin header, which the SDKs do
    not send, still take Flask's route). The view is found once, through the
    dispatcher and the app's own URL map, and called here with the request class moto's
    app uses (BackendRequest) and the Response class Flask would have made."""
    from flask import Response
    from moto.core.request import normalize_request
    from moto.core.utils import convert_to_flask_response
    from moto.moto_api import recorder
    from moto.moto_server.werkzeug_app import BackendRequest

    try:
        app = dispatcher.get_application(environ)
        endpoint, _ = app.url_map.bind_to_environ(environ).match()
        view = app.view_functions[endpoint]
    except Exception:
        return None
    if not isinstance(view, convert_to_flask_response):
        return None
    callback = view.callback

    def application(environ: dict, start_response: Any) -> Iterable[bytes]:
        from botocore.exceptions import ClientError

        request = normalize_request(BackendRequest(environ))
        recorder._record_request(request)
        try:
            result = callback(request, request.raw_url, dict(request.headers))
        except ClientError as exc:  # as convert_to_flask_response does
            result = 400, {}, exc.response["Error"]["Message"]
        if len(result) == 3:
            status, headers, content = result
        else:
            status, headers, content = 200, {}, result
        response = Response(response=content, status=status, headers=headers)
        response.headers["Access-Control-Allow-Origin"] = "*"  # what Flask-CORS adds
        return response(environ, start_response)

    return application


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
            result = self.server.app(environ, start_response)
            try:
                for data in result:
                    chunks.append(data)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if not status_headers:
                raise RuntimeError("the application did not call start_response")
        except Exception as exc:  # what werkzeug's dev server does: a 500, logged
            from werkzeug.debug.tbtools import DebugTraceback

            self.server.log("error", f"Error on request:\n{DebugTraceback(exc).render_traceback_text()}")
            self.close_connection = True
            status_headers[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain; charset=utf-8")]]
            chunks = [b"Internal Server Error"]
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

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if os.environ.get("LOCAL_ACCESS_LOG"):
            super().log_request(code, size)


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
        import json

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
                      direct=motopatches.applied("direct_dynamodb_route"))


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
    if os.environ.get("MOTO_PROFILE"):
        global PROFILE
        PROFILE = Profile(os.environ["MOTO_PROFILE"], serialized.lock)
        PROFILE.install()
    run_simple(args.host, args.port, app, threaded=True, request_handler=request_handler())


if __name__ == "__main__":
    main()
