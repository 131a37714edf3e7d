"""Counting AWS API calls with botocore event hooks, and the DynamoDB capacity each
one consumes.

`Recorder.install()` wraps botocore's client factory so every client made afterwards
(by any module, in any thread) gets two hooks:

- `before-parameter-build`: notes the call, asks DynamoDB for its consumed capacity
  (`ReturnConsumedCapacity=TOTAL`, unless the code already asks), and remembers the
  items the write will touch, so their sizes before and after can be measured;
- `after-call`: records the operation, the error code if any, and the capacity
  DynamoDB (here: moto) reported.

moto's reported capacity is a placeholder (0.5 per GetItem and 1.0 per PutItem or
Query whatever the item size; nothing for UpdateItem and TransactWriteItems), so the
recorder also models what DynamoDB would bill, from item sizes and DynamoDB's rules:
reads are 4 KB units (x0.5 eventually consistent), writes 1 KB units of the larger of
the item before and after, transactional items x2. The items are sized by "shadow"
reads made with the hooks switched off; they are never counted.

Each call is attributed to the Lambda function invocation it was made from (the
local runtime's `invoke` is wrapped to say which) and to a scenario label.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
import threading
from dataclasses import asdict, dataclass, field
from collections.abc import Iterator
from typing import Any

READ_OPS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Call:
    service: str
    operation: str
    function: str | None  # the Lambda function whose invocation made it (None: outside any)
    scenario: str | None
    invocation: int | None
    caller: str = ""  # our module that made the call (resource_api.frame.idempotency, ...)
    keys: list[str] = field(default_factory=list)  # key shapes touched (DynamoDB)
    error: str | None = None
    injected_capacity_request: bool = False
    reported_capacity: float | None = None  # what the service reported (moto: placeholders)
    rru: float = 0.0  # modelled read request units
    wru: float = 0.0  # modelled write request units

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- DynamoDB item sizes and capacity --------------------------------------------------


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    return min(21, (len(digits) + 1) // 2 + 1)


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value, per DynamoDB's item-size rules (close approximation)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode("utf-8")) for v in inner)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in inner)
    if kind == "BS":
        return sum(len(v) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + attribute_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in inner)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(k.encode("utf-8")) + attribute_size(v) for k, v in item.items())


def read_units(total_bytes: int, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(total_bytes / 4096))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(size: int, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / 1024))
    return float(2 * units if transactional else units)


_SHAPES = [
    (re.compile(r"\b(acct|res|key|evt|we|whd|del)_[0-9a-z]{6,}\b"), r"{\1_id}"),
    (re.compile(r"\breq_[0-9a-f]{8,}\b"), "{request_id}"),
    (re.compile(r"\b[0-9a-f]{32,}\b"), "{hash}"),
    (re.compile(r"#(test|live)(#|$)"), r"#{mode}\2"),
    (re.compile(r"\b\d{6,}\b"), "{n}"),
]


def key_shape(key: dict[str, Any] | None) -> str:
    """A key with ids, hashes and modes replaced by placeholders: 'acct_x#test#RES' -> '{acct_id}#{mode}#RES'."""
    if not key:
        return ""
    parts = []
    for name in sorted(key):
        value = key[name]
        text = str(next(iter(value.values()))) if isinstance(value, dict) else str(value)
        for pattern, repl in _SHAPES:
            text = pattern.sub(repl, text)
        parts.append(f"{name}={text}")
    return " ".join(parts)


# --- the recorder ------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._key_schema: dict[str, list[str]] = {}
        self._shadow: Any = None
        self._invocations = 0
        self.scenario: str | None = None  # label for calls made outside any invocation
        self._installed = False
        self._orig_create_client: Any = None
        self.model_capacity = True  # off: count calls only (no shadow reads)

    # attribution ------------------------------------------------------------------

    def _stack(self) -> list[tuple[str, str | None, int]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def begin(self, function: str, scenario: str | None) -> None:
        with self._lock:
            self._invocations += 1
            number = self._invocations
        self._stack().append((function, scenario, number))

    def end(self) -> None:
        self._stack().pop()

    def wrap_runtime(self, runtime_module: Any, scenario_of: Any) -> None:
        """Wrap localcloud.lambda_runtime.invoke so each call knows its function and scenario."""
        real = runtime_module.invoke
        recorder = self

        def invoke(function: str, event: dict[str, Any]) -> Any:
            recorder.begin(function, scenario_of(function, event))
            try:
                return real(function, event)
            finally:
                recorder.end()

        runtime_module.invoke = invoke

    # hooks ------------------------------------------------------------------------

    def install(self) -> None:
        import botocore.session

        if self._installed:
            return
        self._orig_create_client = botocore.session.Session.create_client
        recorder, orig = self, self._orig_create_client

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = orig(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build", recorder._before)
            client.meta.events.register("after-call", recorder._after)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
        # Work handed to a thread pool (e.g. two writes sent in parallel) stays attributed
        # to the invocation that submitted it.
        from concurrent.futures import ThreadPoolExecutor

        self._orig_submit = ThreadPoolExecutor.submit

        def submit(pool: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            stack = list(recorder._stack())

            def attributed(*a: Any, **kw: Any) -> Any:
                saved = recorder._local.__dict__.get("stack")
                recorder._local.stack = list(stack)
                try:
                    return fn(*a, **kw)
                finally:
                    recorder._local.stack = saved if saved is not None else []

            return orig_submit(pool, attributed, *args, **kwargs)

        orig_submit = self._orig_submit
        ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]
        self._installed = True

    def uninstall(self) -> None:
        import botocore.session

        if self._installed:
            from concurrent.futures import ThreadPoolExecutor

            botocore.session.Session.create_client = self._orig_create_client  # type: ignore[method-assign]
            ThreadPoolExecutor.submit = self._orig_submit  # type: ignore[method-assign]
            self._installed = False

    @property
    def _suppressed(self) -> bool:
        return getattr(self._local, "suppress", 0) > 0

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Calls made inside are the bench's own (shadow reads): never recorded."""
        self._local.suppress = getattr(self._local, "suppress", 0) + 1
        try:
            yield
        finally:
            self._local.suppress -= 1

    def _caller(self) -> str:
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if (name.startswith("resource_api.") and name != "resource_api.core.db") or name == "handler" or (
                name.startswith("functions.")
            ):
                return name
            frame = frame.f_back  # type: ignore[assignment]
        return ""

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self._suppressed:
            return
        service = model.service_model.service_name
        stack = self._stack()
        function, scenario, number = stack[-1] if stack else (None, self.scenario, None)
        call = Call(service, model.name, function, scenario, number, caller=self._caller())
        if service == "dynamodb":
            members = model.input_shape.members if model.input_shape is not None else {}
            if "ReturnConsumedCapacity" in members and params.get("ReturnConsumedCapacity") in (None, "NONE"):
                params["ReturnConsumedCapacity"] = "TOTAL"
                call.injected_capacity_request = True
            context["bench_model"] = self.model_capacity
            try:
                context["bench_touched"] = self._touched(model.name, params) if self.model_capacity else []
            except Exception:  # sizing is best effort; the count is what matters
                context["bench_touched"] = []
            call.keys = [key_shape(key) for _, key, _ in context["bench_touched"]]
            if model.name in ("Query", "Scan"):
                call.keys = [params.get("IndexName", "table") + ": " + _query_shape(params)]
        context["bench_call"] = call
        context["bench_params"] = params
        with self._lock:
            self.calls.append(call)

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        call: Call | None = context.get("bench_call")
        if call is None or self._suppressed:
            return
        call.error = (parsed.get("Error") or {}).get("Code") if isinstance(parsed, dict) else None
        if call.service != "dynamodb":
            return
        reported = parsed.get("ConsumedCapacity") if isinstance(parsed, dict) else None
        if isinstance(reported, dict):
            call.reported_capacity = float(reported.get("CapacityUnits", 0))
        elif isinstance(reported, list):
            call.reported_capacity = float(sum(c.get("CapacityUnits", 0) for c in reported))
        if not context.get("bench_model", True):
            call.rru = call.wru = float("nan")
            return
        try:
            self._model_capacity(call, context.get("bench_params") or {}, parsed, context.get("bench_touched", []))
        except Exception:
            pass

    # capacity model -------------------------------------------------------------------

    def _shadow_client(self) -> Any:
        if self._shadow is None:
            import boto3

            with self._quiet():
                self._shadow = boto3.client("dynamodb")
        return self._shadow

    def _shadow_get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        with self._quiet():
            return self._shadow_client().get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    def _key_of(self, table: str, item: dict[str, Any]) -> dict[str, Any]:
        names = self._key_schema.get(table)
        if names is None:
            with self._quiet():
                schema = self._shadow_client().describe_table(TableName=table)["Table"]["KeySchema"]
            names = self._key_schema[table] = [k["AttributeName"] for k in schema]
        return {n: item[n] for n in names if n in item}

    def _touched(self, op: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], int]]:
        """(table, key, size before) of each item a write will touch."""
        out: list[tuple[str, dict[str, Any], int]] = []

        def add(table: str, key: dict[str, Any]) -> None:
            out.append((table, key, item_size(self._shadow_get(table, key))))

        if op in ("UpdateItem", "DeleteItem"):
            add(params["TableName"], params["Key"])
        elif op == "PutItem":
            add(params["TableName"], self._key_of(params["TableName"], params["Item"]))
        elif op == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                ((kind, body),) = entry.items()
                key = body.get("Key") or self._key_of(body["TableName"], body.get("Item", {}))
                add(body["TableName"], key)
        elif op == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                for req in requests:
                    if "PutRequest" in req:
                        add(table, self._key_of(table, req["PutRequest"]["Item"]))
                    else:
                        add(table, req["DeleteRequest"]["Key"])
        elif op in ("GetItem",):
            out.append((params["TableName"], params["Key"], 0))
        return out

    def _model_capacity(self, call: Call, params: dict[str, Any], parsed: dict[str, Any], touched: list) -> None:
        op = call.operation
        if op == "GetItem":
            call.rru = read_units(item_size(parsed.get("Item")), bool(params.get("ConsistentRead")))
        elif op in ("Query", "Scan"):
            items = parsed.get("Items")
            if items is None:  # Select=COUNT: DynamoDB still reads (and bills) the items it counts
                items = self._shadow_items(op, params)
            call.rru = read_units(sum(item_size(i) for i in items), bool(params.get("ConsistentRead")))
        elif op in ("PutItem", "UpdateItem", "DeleteItem"):
            table, key, before = touched[0]
            after = 0 if op == "DeleteItem" else item_size(self._shadow_get(table, key))
            call.wru = write_units(max(before, after))
        elif op == "TransactWriteItems":
            units = 0.0
            for table, key, before in touched:
                after = item_size(self._shadow_get(table, key))
                units += write_units(max(before, after), transactional=True)
            call.wru = units
        elif op == "BatchWriteItem":
            call.wru = sum(write_units(max(b, item_size(self._shadow_get(t, k)))) for t, k, b in touched)
        elif op == "TransactGetItems":
            call.rru = sum(read_units(item_size(r.get("Item")), True, True) for r in parsed.get("Responses", []))
        elif op == "BatchGetItem":
            call.rru = sum(
                read_units(item_size(i), False) for items in parsed.get("Responses", {}).values() for i in items
            )

    def _shadow_items(self, op: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        request = {k: v for k, v in params.items() if k not in ("Select", "ReturnConsumedCapacity")}
        with self._quiet():
            method = self._shadow_client().query if op == "Query" else self._shadow_client().scan
            return method(**request).get("Items", [])

    # results ----------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.calls = []

    def select(self, scenario: str | None = None, functions: set[str] | None = None) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if (scenario is None or c.scenario == scenario) and (functions is None or c.function in functions)
        ]


def _query_shape(params: dict[str, Any]) -> str:
    values = {k: next(iter(v.values())) for k, v in (params.get("ExpressionAttributeValues") or {}).items()}
    text = params.get("KeyConditionExpression", "")
    for name, value in values.items():
        text = text.replace(name, key_shape({"v": {"S": str(value)}})[2:])
    return text


def _units(values: Any) -> float | None:
    values = list(values)
    if any(v != v for v in values):  # NaN: not modelled
        return None
    return round(sum(values), 2)


def is_rate_limit(call: dict[str, Any]) -> bool:
    """A call (as `summarize` lists it) made by the key's rate limiter."""
    return "ratelimit" in call["caller"] or "rate_limit" in call["caller"] or any(
        k.startswith("pk=RATE#") for k in call["keys"]
    )


def mean(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The per-request average of several requests' summaries (counts and capacity)."""
    n = max(1, len(summaries))
    kinds: dict[str, float] = {}
    for s in summaries:
        for k, v in s["by_kind"].items():
            kinds[k] = kinds.get(k, 0) + v
    out: dict[str, Any] = {"requests": len(summaries), "by_kind": {k: round(v / n, 3) for k, v in kinds.items()}}
    for field in ("aws_calls", "dynamodb_reads", "dynamodb_writes", "scans", "rru", "wru"):
        out[field] = round(sum(s[field] for s in summaries) / n, 3)
    return out


def summarize(calls: list[Call]) -> dict[str, Any]:
    """Counts by kind, capacity, and the call list, for one scenario (or function)."""
    kinds: dict[str, int] = {}
    for c in calls:
        name = f"{c.service}:{c.operation}"
        kinds[name] = kinds.get(name, 0) + 1
    ddb = [c for c in calls if c.service == "dynamodb"]
    reported = [c.reported_capacity for c in ddb if c.reported_capacity is not None]
    return {
        "aws_calls": len(calls),
        "by_kind": kinds,
        "dynamodb_reads": sum(1 for c in ddb if c.operation in READ_OPS),
        "dynamodb_writes": sum(1 for c in ddb if c.operation in WRITE_OPS),
        "scans": sum(1 for c in ddb if c.operation == "Scan"),
        "rru": _units(c.rru for c in ddb),
        "wru": _units(c.wru for c in ddb),
        "reported_capacity": round(sum(reported), 2) if reported else None,
        "calls": [
            {
                "function": c.function,
                "call": f"{c.service}:{c.operation}",
                "caller": c.caller,
                "keys": c.keys,
                "error": c.error,
                "rru": None if c.rru != c.rru else c.rru,
                "wru": None if c.wru != c.wru else c.wru,
                "reported_capacity": c.reported_capacity,
            }
            for c in calls
        ],
    }
