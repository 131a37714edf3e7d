"""The scripted stub the SDK tests run their retry cases against (docs: the SDK contract,
sdks/README.md): a loopback HTTP server that answers what a test scripted, in order, and
records every request it got.

- `POST /_script` with `{"responses": [{"status": 503, "headers": {"Retry-After": "0"},
  "body": {...}}, ...]}` answers `{"id": "...", "base_url": "http://127.0.0.1:PORT/s/<id>"}`.
- Any request under `/s/<id>/...` gets the script's next answer (the last one repeats
  once the list is used up) and is recorded. An answer gets `Content-Type:
  application/json` and a `Request-Id` unless the script gives them; a `body` that is a
  string is sent as it is, anything else as JSON; no `body` (or null) sends none.
- `GET /_log/<id>` answers `{"requests": [{"method", "path" (without /s/<id>), "query",
  "headers" (lower-case names), "body" (text), "time" (Unix seconds, float)}...]}`.

`python -m tests.sdks.stub [PORT]` runs one by itself (to run an SDK's test.sh by hand).
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class Script:
    def __init__(self, responses: list[dict[str, Any]]) -> None:
        self.responses = responses
        self.requests: list[dict[str, Any]] = []

    def next(self) -> dict[str, Any]:
        return self.responses[min(len(self.requests) - 1, len(self.responses) - 1)]


class Stub:
    """The server and its scripts; `url` once started."""

    def __init__(self, port: int = 0) -> None:
        self.scripts: dict[str, Script] = {}
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Stub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            headers = dict(headers or {})
            if body is None:
                payload = b""
            elif isinstance(body, str):
                payload = body.encode()
            else:
                payload = json.dumps(body).encode()
            names = {k.lower() for k in headers}
            if payload and "content-type" not in names:
                headers["Content-Type"] = "application/json"
            if "request-id" not in names:
                headers["Request-Id"] = f"req_stub{next(stub.counter)}"
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, str(v))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            segments = parts.path.split("/")
            if self.command == "POST" and parts.path == "/_script":
                try:
                    responses = json.loads(raw or b"{}")["responses"]
                    assert isinstance(responses, list) and responses and all(isinstance(r, dict) for r in responses)
                except Exception:  # noqa: BLE001 - a test's mistake: say so
                    self._send(400, {"error": 'want {"responses": [{"status": ..., "headers": {...}, "body": ...}]}'})
                    return
                sid = uuid.uuid4().hex[:12]
                with stub.lock:
                    stub.scripts[sid] = Script(responses)
                self._send(200, {"id": sid, "base_url": f"{stub.url}/s/{sid}"})
                return
            if self.command == "GET" and len(segments) == 3 and segments[1] == "_log":
                with stub.lock:
                    script = stub.scripts.get(segments[2])
                    log = list(script.requests) if script else None
                if log is None:
                    self._send(404, {"error": "no such script"})
                else:
                    self._send(200, {"requests": log})
                return
            if len(segments) >= 3 and segments[1] == "s":
                with stub.lock:
                    script = stub.scripts.get(segments[2])
                    if script is not None:
                        script.requests.append(
                            {
                                "method": self.command,
                                "path": "/" + "/".join(segments[3:]),
                                "query": parts.query,
                                "headers": {k.lower(): v for k, v in self.headers.items()},
                                "body": raw.decode("utf-8", "replace"),
                                "time": time.time(),
                            }
                        )
                        answer = script.next()
                if script is None:
                    self._send(404, {"error": "no such script"})
                    return
                self._send(int(answer.get("status", 200)), answer.get("body"), answer.get("headers"))
                return
            self._send(404, {"error": "unknown stub path"})

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _serve  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


if __name__ == "__main__":
    stub = Stub(int(sys.argv[1]) if len(sys.argv) > 1 else 0).start()
    print(stub.url, flush=True)
    try:
        stub.thread.join()
    except KeyboardInterrupt:
        stub.stop()
