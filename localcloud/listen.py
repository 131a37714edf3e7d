"""`make listen` (python -m localcloud.listen): like `stripe listen`, for the local cloud.

Opens a webhook receiver on 127.0.0.1, registers it as a webhook endpoint of the
running local cloud (`make run`), and prints every event that arrives after verifying
its signatures: Standard Webhooks (`webhook-signature`, with the `standardwebhooks`
library) and the spec's hex `Resource-Signature`. Ctrl-C deletes the endpoint again.

    make listen                                    # every event of the demo account (test mode)
    make listen ARGS="--events resource.created,resource.deleted --print-json"
    make listen ARGS="--forward-to http://127.0.0.1:3000/webhooks"   # relay to your app
    API_KEY=sk_test_... make listen                # another account's key

Without API_KEY it makes a temporary test-mode key for the demo account (acct_demo)
and revokes it on exit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .cloud import DEMO_ACCOUNT, ROOT, aws_environment

GREEN, RED, DIM, BOLD, RESET = "\033[32m", "\033[31m", "\033[2m", "\033[1m", "\033[0m"


def _color(enabled: bool):
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if enabled else text

    return paint


def _state(path: str) -> dict[str, Any]:
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise SystemExit(f"no local cloud found ({path} is missing): start one with `make run` first") from None


def _call(method: str, url: str, key: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    body = None
    headers = {"Authorization": f"Bearer {key}"}
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{method} {url} answered {exc.code}: {exc.read().decode(errors='replace')}") from None


class _TemporaryKey:
    """A test-mode key for the demo account, made and revoked through moto directly
    (as `apictl --local` does)."""

    def __init__(self, state: dict[str, Any]) -> None:
        os.environ.update(aws_environment(state["moto_url"]))
        os.environ["TABLE_NAME"] = state.get("table_name", "resource-api")
        for p in (ROOT, os.path.join(ROOT, "layers", "shared", "python")):
            if p not in sys.path:
                sys.path.insert(0, p)
        from resource_api.core import accounts

        self.accounts = accounts
        key = accounts.add_key(DEMO_ACCOUNT, "test")
        self.secret, self.id = key["secret"], key["id"]

    def revoke(self) -> None:
        self.accounts.revoke_key(DEMO_ACCOUNT, self.id)


def verify(body: bytes, headers: dict[str, str], secret: str) -> tuple[bool, bool]:
    """(Standard Webhooks signature valid, spec hex signature valid)."""
    import hashlib
    import hmac

    lower = {k.lower(): v for k, v in headers.items()}
    try:
        from standardwebhooks import Webhook, WebhookVerificationError

        try:
            Webhook(secret).verify(body, lower)
            standard = True
        except WebhookVerificationError:
            standard = False
    except ImportError:  # pragma: no cover - the dev venv has it
        standard = False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = [lower.get("resource-signature", ""), lower.get("resource-signature-previous", "")]
    hex_ok = any(hmac.compare_digest(expected, g) for g in given if g)
    return standard, hex_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Receive and print the local cloud's webhooks, verified.")
    parser.add_argument("--events", default="*", help="comma-separated event types (default: every type)")
    parser.add_argument("--port", type=int, default=0, help="receiver port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--forward-to", help="also POST each event, with its headers, to this URL (your app)")
    parser.add_argument("--print-json", action="store_true", help="print each event's JSON")
    parser.add_argument("--api-url", help="the local cloud (default: from .localcloud.json)")
    parser.add_argument("--state-file", default=os.environ.get("LOCAL_STATE_FILE", os.path.join(ROOT, ".localcloud.json")))
    args = parser.parse_args(argv)
    paint = _color(sys.stdout.isatty() and not os.environ.get("NO_COLOR"))

    state = _state(args.state_file) if not (args.api_url and os.environ.get("API_KEY")) else {}
    api = (args.api_url or state["url"]).rstrip("/")
    temporary = None
    key = os.environ.get("API_KEY")
    if not key:
        temporary = _TemporaryKey(state)
        key = temporary.secret
    secret_box: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            status = 200
            try:
                event = json.loads(body)
            except ValueError:
                event = {}
            standard, hex_ok = verify(body, headers, secret_box.get("secret", ""))
            mark = paint(GREEN, "verified") if standard and hex_ok else paint(RED, "SIGNATURE INVALID")
            line = (
                f"{time.strftime('%H:%M:%S')}  --> {paint(BOLD, event.get('type', '?'))} "
                f"[{event.get('id', headers.get('webhook-id', '?'))}]  {mark}"
            )
            if args.forward_to:
                req = urllib.request.Request(
                    args.forward_to,
                    data=body,
                    headers={k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")},
                    method="POST",
                )
                try:
                    with urllib.request.urlopen(req, timeout=15) as resp:
                        status = resp.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except OSError as exc:
                    status = 502
                    line += paint(RED, f"  forward failed: {exc}")
                line += f"  <-- [{status}] POST {args.forward_to}"
            print(line, flush=True)
            if args.print_json:
                print(paint(DIM, json.dumps(event, indent=2)), flush=True)
            payload = b"{}"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *a: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/webhooks"
    events = [e.strip() for e in args.events.split(",") if e.strip()]
    endpoint = _call(
        "POST",
        f"{api}/v1/webhook_endpoints",
        key,
        {"url": url, "enabled_events": events, "description": "make listen", "metadata": {"created_by": "make listen"}},
    )
    secret_box["secret"] = endpoint["secret"]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(
        f"Ready! Listening on {url} as {endpoint['id']} for {', '.join(events)}\n"
        f"Your webhook signing secret is {paint(BOLD, endpoint['secret'])} (^C to quit)",
        flush=True,
    )
    stop.wait()
    try:
        _call("DELETE", f"{api}/v1/webhook_endpoints/{endpoint['id']}", key)
    finally:
        if temporary is not None:
            temporary.revoke()
        server.shutdown()
    print(f"deleted {endpoint['id']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
