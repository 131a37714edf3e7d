"""Loading and invoking function handlers the way the Lambda service does."""

from __future__ import annotations

import gc
import importlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

# A synchronous invoke's request payload (the event as JSON) must be under 6 MB
# (RequestEntityTooLargeException, "Request must be smaller than 6291456 bytes").
INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024
# JSON escaping makes a character at most 6 bytes (\u00XX): a body this short, with
# headers far under API Gateway's limits, cannot make an event over the limit.
_SURELY_SMALL_BODY = INVOKE_PAYLOAD_LIMIT // 6 - 65_536

# A synchronous invoke's response must be at most 6 MB too: Lambda answers a larger one
# with a function error (Function.ResponseSizeTooLarge), which API Gateway turns into
# 502 {"message": "Internal server error"} after the function did all its work.
RESPONSE_PAYLOAD_LIMIT = 6_291_556
_SURELY_SMALL_RESPONSE = RESPONSE_PAYLOAD_LIMIT // 6 - 65_536

_loaded: dict[str, Callable[[dict, Any], Any]] = {}
_lock = threading.Lock()
_thread = threading.local()
_freeze_when_warm = False
_warm: set[str] = set()


def freeze_when_warm() -> None:
    """For the local cloud's long-running processes (the gateway, its workers): after
    the first invocation of each function, move every object the process holds into
    the garbage collector's permanent generation (gc.freeze), as motoserver does after
    its start-up.

    What a warm container keeps (the handler's modules, pydantic models,
    boto3 clients with their service models and endpoint rules, made on first use) is
    a hundred thousand objects that live as long as the process. Left in the collector's
    oldest generation, every full collection walked them all, with the GIL held: pauses
    of 100 ms and more in the middle of the requests in flight, which is where the local
    GET's p99 came from. Frozen, a full collection walks only what requests made since.
    At most one freeze per function (the first invocations are the cold starts), so
    whatever else happened to be alive then stays for good: a bounded few objects. Off
    unless a local cloud process asks (tests and benches that invoke handlers in their
    own process keep Python's default collector)."""
    global _freeze_when_warm
    _freeze_when_warm = True
    gc.collect()
    gc.freeze()


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_s: float = 29.0
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self.started)) * 1000))


def handler_of(function: str) -> Callable[[dict, Any], Any]:
    """functions/<function>/handler.py's `handler`, imported once (a warm container)."""
    fn = _loaded.get(function)
    if fn is None:
        with _lock:
            fn = _loaded.get(function)
            if fn is None:
                fn = importlib.import_module(f"functions.{function}.handler").handler
                _loaded[function] = fn
    return fn


def current_function() -> str | None:
    """The function whose invocation this thread is running (whose log group a line
    logged now goes to), or None outside any invocation."""
    return getattr(_thread, "function", None)


class RequestEntityTooLarge(Exception):
    """The Lambda service refused the invoke: its payload is over INVOKE_PAYLOAD_LIMIT."""


def check_payload(event: Any) -> None:
    """Refuse, as Lambda does before any function runs, an event too large to invoke with."""
    body = event.get("body") if isinstance(event, dict) else None
    if not isinstance(body, str) or len(body) < _SURELY_SMALL_BODY:
        return
    size = len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > INVOKE_PAYLOAD_LIMIT:
        raise RequestEntityTooLarge(f"Request must be smaller than {INVOKE_PAYLOAD_LIMIT} bytes")


class ResponseTooLarge(Exception):
    """Lambda refused the function's response: over RESPONSE_PAYLOAD_LIMIT (the function ran)."""

    error_type = "Function.ResponseSizeTooLarge"


def check_response(response: Any) -> None:
    """Refuse, as Lambda does, a response over 6 MB as JSON (cheap for the usual small ones)."""
    body = response.get("body") if isinstance(response, dict) else None
    if not isinstance(body, str) or len(body) < _SURELY_SMALL_RESPONSE:
        return  # not a proxy response (event-source invokes answer little), or surely small
    size = len(json.dumps(response, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8"))
    if size > RESPONSE_PAYLOAD_LIMIT:
        raise ResponseTooLarge(
            f"Response payload size ({size} bytes) exceeded maximum allowed payload size ({RESPONSE_PAYLOAD_LIMIT} bytes)."
        )


def invoke(function: str, event: dict[str, Any]) -> Any:
    check_payload(event)
    outer = getattr(_thread, "function", None)
    _thread.function = function
    try:
        response = handler_of(function)(event, LambdaContext(function_name=function))
        check_response(response)
        return response
    finally:
        _thread.function = outer
        if _freeze_when_warm and function not in _warm:
            _warm.add(function)
            gc.freeze()
