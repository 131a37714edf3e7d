"""The README's examples, run as written: every ```python block of sdks/python/README.md, in
order, in one namespace, against the session's local cloud. Only the host, the key and the
webhook secret change; the webhook block gets a delivery signed moments ago (what a web
framework would hand it). They are type-checked with mypy --strict first."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Any

from .conftest import env

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def blocks() -> list[str]:
    with open(README, encoding="utf-8") as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)


def program(secret: str) -> str:
    code = "\n".join(blocks())
    # the SDKs share one account in these tests: the spec's idempotency key gets a suffix of its own
    code = code.replace('"order_12345_create_resource"', repr(f"order_12345_create_resource_python_{os.getpid()}"))
    code = code.replace('"sk_test_..."', repr(env("SDK_API_KEY"))).replace('"http://127.0.0.1:8000"', repr(env("SDK_API_URL")))
    return code.replace('"whsec_..."', repr(secret))


def signed_delivery(fixture: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The fixture's delivery, signed again now (the fixture may be older than the tolerance)."""
    body = fixture["payload"].encode()
    stamp = int(time.time())
    headers = dict(fixture["headers"])
    key = base64.b64decode(fixture["secret"].removeprefix("whsec_"))
    digest = hmac.new(key, f"{headers['webhook-id']}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers.update({"webhook-timestamp": str(stamp), "webhook-signature": "v1," + base64.b64encode(digest).decode()})
    return body, headers


def test_readme_has_the_examples() -> None:
    assert len(blocks()) >= 8


def test_readme_examples_type_check(webhook_fixture: dict[str, Any]) -> None:
    prelude = "request_body: bytes = b''\nrequest_headers: dict[str, str] = {}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(prelude + program(webhook_fixture["secret"]))
    try:
        out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir=/dev/null", "--config-file",
                              os.path.join(HERE, "pyproject.toml"), f.name], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": HERE})
    finally:
        os.unlink(f.name)
    assert out.returncode == 0, out.stdout + out.stderr


def test_readme_examples_run(webhook_fixture: dict[str, Any]) -> None:
    body, headers = signed_delivery(webhook_fixture)
    namespace: dict[str, Any] = {"request_body": body, "request_headers": headers}
    exec(compile(program(webhook_fixture["secret"]), README, "exec"), namespace)  # noqa: S102
    assert namespace["deleted"].deleted is True
    assert namespace["event"].id == webhook_fixture["event_id"]
