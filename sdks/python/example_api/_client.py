"""The transport: one HTTP request with the key, version and idempotency headers, retried
as Stripe's SDKs do. Standard library only (urllib)."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from http.client import HTTPException
from typing import Any

from . import errors
from ._base import ApiResponse, Operation
from ._generated.models import OPERATIONS

VERSION = "2.0.0"
USER_AGENT = f"example-api-python/{VERSION}"
WRITE_METHODS = ("POST", "PATCH", "DELETE")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # the local cloud (`make run`)


def encode_query(op: Operation, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs as the API reads them: expand[]=a&expand[]=b, created[gte]=1."""
    pairs: list[tuple[str, str]] = []
    for name, wire, style in op.query:
        value = params.get(name)
        if value is None:
            continue
        if style == "deepObject" and isinstance(value, Mapping):
            pairs += [(f"{wire}[{k}]", _scalar(v)) for k, v in value.items() if v is not None]
        elif isinstance(value, (list, tuple)):
            pairs += [(wire, _scalar(v)) for v in value]
        else:
            pairs.append((wire, _scalar(value)))
    return pairs


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Transport:
    """Sends requests and retries them.

    Retried, with exponential backoff and full jitter (or the answer's Retry-After when it
    is at most `max_retry_after` seconds): connection errors and timeouts, 409
    idempotency_key_in_use, 429 and 5xx. Never 400, 401, 403, 404, 412 or another 409.
    Every POST, PATCH and DELETE carries an Idempotency-Key (the caller's, else a new
    UUID) that stays the same on every attempt, so a retried write happens once.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        api_version: str | None,
        max_retries: int,
        timeout: float,
        initial_retry_delay: float,
        max_retry_delay: float,
        max_retry_after: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.max_retries = max_retries
        self.timeout = timeout
        self.initial_retry_delay = initial_retry_delay
        self.max_retry_delay = max_retry_delay
        self.max_retry_after = max_retry_after
        self.sleep = sleep

    def call(
        self,
        operation: str,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        api_version: str | None = None,
        if_match: str | None = None,
    ) -> tuple[ApiResponse, Any]:
        """Run one documented operation (OPERATIONS, generated from the document)."""
        op = OPERATIONS[operation]
        path = op.path
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe=""))
        headers: dict[str, str] = {}
        if if_match is not None:
            headers["If-Match"] = if_match
        payload = {k: v for k, v in (body or {}).items() if v is not None} if op.body else None
        return self.request(
            op.method,
            path,
            query=encode_query(op, query or {}),
            body=payload,
            headers=headers,
            idempotency_key=idempotency_key,
            api_version=api_version,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        api_version: str | None = None,
    ) -> tuple[ApiResponse, Any]:
        """Any request to the API (what every method uses): the answer and its JSON."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        sent = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        }
        version = api_version or self.api_version
        if version:
            sent["Api-Version"] = version
        if method in WRITE_METHODS:
            sent["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                response = self._send(method, url, data, sent)
            except (urllib.error.URLError, HTTPException, OSError) as exc:
                if attempt >= self.max_retries:
                    raise errors.APIConnectionError(f"Could not reach the API at {self.base_url}: {exc}") from exc
                self.sleep(self._backoff(attempt))
                attempt += 1
                continue
            parsed = _json(response.body)
            if 200 <= response.status < 300:
                return response, parsed
            error = errors.from_response(response.status, response.headers, parsed)
            delay = self._retry_delay(response, error, attempt)
            if delay is None:
                raise error
            self.sleep(delay)
            attempt += 1

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> ApiResponse:
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - the API's URL
                return ApiResponse(resp.status, dict(resp.headers.items()), resp.read())
        except urllib.error.HTTPError as exc:  # an answer, not a failure to connect
            with exc:
                return ApiResponse(exc.code, dict(exc.headers.items()), exc.read())
        except socket.timeout as exc:
            raise urllib.error.URLError(exc) from exc

    def _retry_delay(self, response: ApiResponse, error: errors.ExampleApiError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None: do not retry."""
        if attempt >= self.max_retries:
            return None
        status = response.status
        retryable = status == 429 or status >= 500 or (status == 409 and error.code == "idempotency_key_in_use")
        if not retryable:
            return None
        retry_after = _seconds(response.header("Retry-After"))
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None  # e.g. a monthly quota: waiting is not a retry
            return retry_after
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half the exponential delay, plus up to as much again."""
        delay = min(self.max_retry_delay, self.initial_retry_delay * float(2**attempt))
        return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
