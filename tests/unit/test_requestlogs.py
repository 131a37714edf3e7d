"""resource_api.requestlogs on moto: what the dashboard reads (get, query, usage) after
records are written by the ingestion's store.write, exactly once per request id."""

from __future__ import annotations

import uuid

import pytest

from resource_api import requestlogs
from resource_api.core import clock, db, table
from resource_api.core import redact
from resource_api.requestlogs import store

ACCT = "acct_logs"
NOW = 1_800_000_000.0  # a fixed "now" (the readers take clock.now())


@pytest.fixture
def now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


def rec(at: float, *, status: int = 200, method: str = "GET", path: str = "/v1/resources", mode: str = "test",
        account: str = ACCT, latency: float = 12.0, rid: str | None = None, **extra):
    return {
        "request_id": rid or "req_" + uuid.uuid4().hex,
        "account_id": account,
        "mode": mode,
        "at_ms": int(at * 1000),
        "method": method,
        "path": path,
        "status": status,
        "latency_ms": latency,
        **extra,
    }


def test_get_returns_the_record_with_every_field(aws, now):
    r = rec(now - 60, status=400, method="POST", key_id="key_1", key_last4="abcd", api_version="2024-06-01",
            idempotency_key="idem-1", idempotent_replayed=True, source_ip="203.0.113.9", user_agent="curl/8",
            error_type="invalid_request_error", error_code="parameter_invalid", error_param="name",
            request_body='{"name": 1}', response_body='{"error": {}}')
    store.write([r])
    got = requestlogs.get(ACCT, "test", r["request_id"])
    assert got is not None
    assert set(got) >= {
        "request_id", "created", "account_id", "livemode", "method", "path", "status", "latency_ms", "key_id",
        "key_last4", "api_version", "idempotency_key", "idempotent_replayed", "source_ip", "user_agent",
        "error_type", "error_code", "error_param", "request_body", "response_body",
    }
    assert got["created"] == pytest.approx(now - 60)
    assert (got["status"], got["method"], got["error_param"], got["idempotent_replayed"]) == (400, "POST", "name", True)
    assert got["livemode"] is False and got["key_last4"] == "abcd"
    # the other mode, another account: not there
    assert requestlogs.get(ACCT, "live", r["request_id"]) is None
    assert requestlogs.get("acct_other", "test", r["request_id"]) is None
    assert requestlogs.get(ACCT, "test", "req_" + "0" * 32) is None


def test_get_takes_the_gateway_uuid_form_of_a_request_id(aws, now):
    raw = str(uuid.uuid4())
    store.write([rec(now - 5, status=401, rid=store.normalize_id(raw))])
    assert requestlogs.get(ACCT, "test", raw)["status"] == 401


def test_records_expire_after_30_days_even_before_dynamodb_removes_them(aws, now):
    old = rec(now - store.TTL_S - 10)
    store.write([old])
    item = db.from_item(db.client().scan(TableName=db.table())["Items"][0])
    assert item[table.TTL_ATTRIBUTE] <= now
    assert requestlogs.get(ACCT, "test", old["request_id"]) is None
    assert requestlogs.query(ACCT, "test") == ([], False)


def test_write_is_exactly_once_per_request_id_across_redeliveries(aws, now):
    batch = [rec(now - 100 + i, status=500 if i % 2 else 200) for i in range(60)]  # > one transaction's worth
    first = store.write(batch)
    again = store.write(batch[10:] + [rec(now - 1)])
    assert first["written"] == 60
    assert (again["written"], again["duplicates"]) == (1, 50)
    page, more = requestlogs.query(ACCT, "test", limit=100)
    assert len(page) == 61 and not more
    hours = requestlogs.usage(ACCT, "test", now=now)
    assert sum(h["requests"] for h in hours) == 61
    assert sum(h["errors"] for h in hours) == 30


def test_query_is_newest_first_and_pages_with_starting_after(aws, now):
    batch = [rec(now - 100 + i) for i in range(7)]
    store.write(batch)
    seen = []
    cursor = None
    while True:
        page, more = requestlogs.query(ACCT, "test", limit=3, starting_after=cursor)
        seen += [r["request_id"] for r in page]
        if not more:
            break
        cursor = page[-1]["request_id"]
    assert seen == [r["request_id"] for r in reversed(batch)]


def test_query_filters(aws, now):
    store.write([
        rec(now - 50, status=201, method="POST", path="/v1/resources", key_id="key_a", idempotency_key="k1"),
        rec(now - 40, status=404, method="GET", path="/v1/resources/res_x", key_id="key_b"),
        rec(now - 30, status=429, method="GET", path="/v1/events", key_id="key_a"),
        rec(now - 20, status=502, method="DELETE", path="/v1/resources/res_y", key_id="key_b"),
        rec(now - 10, status=200, method="GET", path="/v1/resources", mode="live", key_id="key_l"),
    ])

    def statuses(**f):
        return [r["status"] for r in requestlogs.query(ACCT, "test", **f)[0]]

    assert statuses() == [502, 429, 404, 201]
    assert statuses(status_class="4xx") == [429, 404]
    assert statuses(status_class="5xx") == [502]
    assert statuses(method="get") == [429, 404]
    assert statuses(path="/v1/resources") == [502, 404, 201]
    assert statuses(path="/v1/resources/") == [502, 404]
    assert statuses(key_id="key_a") == [429, 201]
    assert statuses(idempotency_key="k1") == [201]
    assert statuses(since=int(now - 40), until=int(now - 30)) == [429, 404]
    assert statuses(status_class="4xx", key_id="key_b") == [404]
    assert [r["status"] for r in requestlogs.query(ACCT, "live")[0]] == [200]
    page, more = requestlogs.query(ACCT, "test", status_class="4xx", limit=1)
    assert [r["status"] for r in page] == [429] and more
    with pytest.raises(ValueError):
        requestlogs.query(ACCT, "test", status_class="6xx")


def test_usage_has_one_entry_per_hour_oldest_first(aws, now):
    hour = int(now) // 3600 * 3600
    store.write(
        [rec(hour + 1, latency=5.0) for _ in range(98)]
        + [rec(hour + 2, status=429, latency=900.0), rec(hour + 3, status=500, latency=900.0)]
        + [rec(hour - 3 * 3600 + 5, status=404, latency=40.0)]
    )
    hours = requestlogs.usage(ACCT, "test", now=now)
    assert len(hours) == 24
    assert [h["start"] for h in hours] == [hour - (23 - i) * 3600 for i in range(24)]
    current, three_ago = hours[-1], hours[-4]
    assert (current["requests"], current["errors"], current["rate_limited"]) == (100, 2, 1)
    # bucket upper bounds: never below the true value, at most one ~19% bucket above it
    assert 5 <= current["p50_ms"] <= 5 * 1.2 and 900 <= current["p99_ms"] <= 900 * 1.2
    assert (three_ago["requests"], three_ago["errors"], three_ago["rate_limited"]) == (1, 1, 0)
    assert hours[0] == {"start": hours[0]["start"], "requests": 0, "errors": 0, "rate_limited": 0,
                        "p50_ms": None, "p99_ms": None}
    assert len(requestlogs.usage(ACCT, "test", hours=3, now=now)) == 3
    assert requestlogs.usage(ACCT, "live", now=now)[-1]["requests"] == 0


def test_redaction_removes_keys_and_webhook_secrets_anywhere():
    key = "sk_live_" + "A1b2" * 8
    secret = "whsec_" + "c2VjcmV0K3Nl/3JldA=="
    for text in (
        f'{{"secret": "{secret}", "note": "key {key}"}}',
        f"url=x&api_key={key}&s={secret.replace('+', '%2B').replace('/', '%2F')}",
        f"Bearer {key}",
        f"{key}{secret}",
    ):
        out = redact.clean(text)
        assert "A1b2A1b2" not in out and "c2VjcmV0" not in out, out
        assert "REDACTED" in out


def test_bodies_are_capped_on_a_character_boundary():
    text = "é" * 5000  # 2 bytes each
    out = redact.cap(text, 4096)
    assert out.startswith("é" * 2048) and "truncated 5904 bytes" in out
    assert redact.cap("short") == "short"


# --- what the ingestion takes from log lines ------------------------------------------


def _access_line(kind: str, **auth: str) -> str:
    from localcloud import templates

    found = templates.variables(kind, "0f0f0f0f-1111-2222-3333-444444444444", message="m")
    found.update({"context.requestTimeEpoch": "1800000000123", "context.httpMethod": "POST",
                  "context.path": "/v1/resources", "context.status": "413", "context.responseLatency": "12",
                  "context.identity.userAgent": "curl/8 sk_test_abcdefabcdef"})
    found.update({f"context.authorizer.{k}": v for k, v in auth.items()})
    return templates.access_log_line(found)


def test_an_access_line_of_a_gateway_answer_to_an_account_is_a_record():
    from resource_api.requestlogs import ingest

    record = ingest.parse(_access_line("REQUEST_TOO_LARGE", account_id=ACCT, mode="live", principalId="key_9",
                                       key_last4="wxyz"))
    assert record["request_id"] == "req_0f0f0f0f111122223333444444444444"
    assert (record["account_id"], record["mode"], record["status"], record["at_ms"]) == (ACCT, "live", 413, 1800000000123)
    assert (record["error_code"], record["error_type"], record["source"]) == ("body_too_large", "invalid_request_error", "gateway")
    assert (record["key_id"], record["key_last4"], record["method"]) == ("key_9", "wxyz", "POST")
    assert record["user_agent"] == "curl/8 sk_test_REDACTED"
    # no account (an unknown key's 401), or a line that is not a gateway answer: nothing
    assert ingest.parse(_access_line("UNAUTHORIZED")) is None
    assert ingest.parse(_access_line("NOT_A_TYPE", account_id=ACCT, mode="test")) is None  # a function's answer
    assert ingest.parse(_access_line("THROTTLED", account_id=ACCT, mode="prod")) is None


def test_malformed_or_foreign_lines_are_no_records():
    import json

    from resource_api.requestlogs import ingest

    good = {"record": "request", "request_log": {"request_id": "req_1", "account_id": ACCT, "mode": "test",
                                                 "at_ms": 1, "status": 200, "latency_ms": 1.5, "method": "GET"}}
    assert ingest.parse(json.dumps(good))["status"] == 200
    for bad in ("START RequestId: x", "{not json", json.dumps({"record": "request"}),
                json.dumps({**good, "record": "other"}),
                *(json.dumps({**good, "request_log": {**good["request_log"], k: v}}) for k, v in (
                    ("status", "200"), ("status", 99), ("mode", "prod"), ("request_id", "x"), ("account_id", ""),
                    ("at_ms", -1), ("latency_ms", -3)))):
        assert ingest.parse(bad) is None, bad


def test_the_authorizer_logs_a_refused_key_of_an_account_and_not_an_unknown_one(aws, monkeypatch):
    import json

    from resource_api import auth
    from resource_api.core import accounts
    from resource_api.requestlogs import ingest, refusals

    lines = []
    monkeypatch.setattr(refusals.log, "info", lambda msg, extra: lines.append(json.dumps(extra)))
    account = accounts.create_account(plan="free")
    key = accounts.add_key(account["id"], "live")
    accounts.revoke_key(account["id"], key["id"])

    def event(secret):
        return {"headers": {"Authorization": f"Bearer {secret}"}, "httpMethod": "GET", "path": "/resources",
                "requestContext": {"requestId": "0f0f0f0f-0000-0000-0000-000000000000", "path": "/v1/resources",
                                   "requestTimeEpoch": 1_800_000_000_000, "identity": {"sourceIp": "1.2.3.4"}}}

    for secret in (key["secret"], "sk_live_" + "x" * 30, "garbage"):
        with pytest.raises(auth.Unauthorized):
            auth.authorize(event(secret))
    (line,) = lines  # the unknown and malformed keys have no account
    record = ingest.parse(line)
    assert (record["account_id"], record["mode"], record["key_id"], record["key_last4"]) == (
        account["id"], "live", key["id"], key["secret"][-4:])
    assert (record["status"], record["error_code"], record["source_ip"]) == (401, "api_key_invalid", "1.2.3.4")
    assert key["secret"] not in line
    # a live key on the sandbox stage: API Gateway's 403, logged for the account
    monkeypatch.setenv("STAGE", "sandbox")
    live = accounts.add_key(account["id"], "live")
    assert auth.authorize(event(live["secret"]))["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    record = ingest.parse(lines[-1])
    assert (record["status"], record["error_code"], record["key_id"]) == (403, "livemode_not_allowed", live["id"])


def test_gateway_templates_name_the_dashboard_only_as_a_stage_variable():
    import json

    from localcloud import templates
    from resource_api.frame.gateway_responses import GATEWAY_RESPONSES, template

    for kind in GATEWAY_RESPONSES:
        with_dashboard = template(kind, "https://docs.example.com", dashboard=True)
        assert set(templates.references(with_dashboard)) <= {
            "context.requestId", "context.error.messageString", "stageVariables.dashboardUrl"}
        assert '"request_log_url": null' in template(kind, "https://docs.example.com")
        _, _, body = templates.gateway_response(kind, "0f0f0f0f-0000-0000-0000-000000000000",
                                                dashboard_url="https://dash.example.com/")
        error = json.loads(body)["error"]
        assert error["request_log_url"] == "https://dash.example.com/logs/0f0f0f0f-0000-0000-0000-000000000000"


def test_error_bodies_name_the_log_page_only_with_a_dashboard_url(monkeypatch):
    from resource_api.core.errors import error_body

    monkeypatch.delenv("DASHBOARD_URL", raising=False)
    assert error_body("url_invalid", request_id="req_1")["error"]["request_log_url"] is None
    monkeypatch.setenv("DASHBOARD_URL", "https://dash.example.com/")
    assert error_body("url_invalid", request_id="req_1")["error"]["request_log_url"] == "https://dash.example.com/logs/req_1"
