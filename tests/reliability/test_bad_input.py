"""Hostile and malformed input the fuzzer will not think of, over real HTTP: every
answer is the error object (or a success), never a 5xx, and the gateway keeps serving.
Extends tests/e2e/test_resources_api.py::test_routing_and_body_errors."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from resource_api.frame.params import MAX_BODY_BYTES

from . import contract, figures

VALID = {"name": "abc", "type": "staging"}


@pytest.fixture(scope="module")
def api(cloud):
    """One fresh account for this module (not one per test: each costs an apictl run).
    These tests look at the answers to bad input, not at what the account holds; the
    one that lists the account's objects makes its own (test_forged_and_foreign_cursors)."""
    account = cloud.new_account()
    client = cloud.client(account["keys"]["test"])
    client.account = account  # type: ignore[attr-defined]
    return client


def expect_error(resp, status, code, param=None):
    assert resp.status_code == status, resp.text[:500]
    body = resp.json()
    assert contract.ERROR_KEYS <= set(body["error"]), body
    assert body["error"]["code"] == code, body
    if param is not None:
        assert body["error"].get("param") == param, body
    assert body["error"]["request_id"] == resp.headers["Request-Id"]
    figures.add("bad input", "cases")
    return body["error"]


def expect_ok(resp, status=201):
    assert resp.status_code == status, resp.text[:500]
    figures.add("bad input", "cases")
    return resp.json()


def raw(url: str, data: bytes, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client-side header validation) and read the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            blob = b"".join(chunks)
            head, sep, body = blob.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    (int(l.split(b":", 1)[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")),
                    None,
                )
                if length is not None and len(body) >= length:
                    break
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


# --- sizes ----------------------------------------------------------------------------


def test_body_at_and_over_the_size_limit(api):
    # Given a valid JSON body padded with whitespace to exactly the limit
    core = json.dumps(VALID).encode()
    at_limit = core + b" " * (MAX_BODY_BYTES - len(core))
    assert len(at_limit) == MAX_BODY_BYTES
    jh = {"Content-Type": "application/json"}
    # Then it is accepted, one byte more is 413 in the error object
    expect_ok(api.post("/v1/resources", data=at_limit, headers=jh))
    expect_error(api.post("/v1/resources", data=at_limit + b" ", headers=jh), 413, "body_too_large")
    # And a form body over the limit is refused the same way on every write route
    for path, method in (("/v1/resources", "POST"), ("/v1/resources/res_00000000000000000000000000", "PATCH")):
        expect_error(api.request(method, path, data=b"name=" + b"a" * MAX_BODY_BYTES), 413, "body_too_large")


def test_body_over_the_gateway_limit(api):
    # API Gateway's own 10 MB limit, answered by the gateway in the error object
    big = b"name=" + b"a" * (10 * 1024 * 1024 + 1)
    resp = api.post("/v1/resources", data=big)
    assert resp.status_code == 413, resp.text[:300]
    assert resp.json()["error"]["type"] == "invalid_request_error"
    figures.add("bad input", "cases")
    expect_ok(api.post("/v1/resources", data=VALID))  # and it keeps serving


# --- nesting, duplicates, shapes ------------------------------------------------------


def test_deeply_nested_brackets_and_json(api):
    deep_form = "name=abc&type=staging&metadata" + "[a]" * 5000 + "=1"
    expect_error(api.post("/v1/resources", data=deep_form), 400, "parameter_invalid")
    expect_error(api.post("/v1/resources", data="name=abc&type=staging&configuration" + "[]" * 3000 + "=1"), 400,
                 "parameter_invalid")
    expect_error(api.get("/v1/resources?created" + "[gte]" * 2000 + "=1"), 400, "parameter_invalid")
    deep_json = '{"name":"abc","type":"staging","metadata":' + "[" * 100_000 + "]" * 100_000 + "}"
    expect_error(api.post("/v1/resources", data=deep_json, headers={"Content-Type": "application/json"}), 400,
                 "body_invalid")
    deep_obj = '{"name":"abc","type":"staging","metadata":' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "}"
    expect_error(api.post("/v1/resources", data=deep_obj, headers={"Content-Type": "application/json"}), 400,
                 "body_invalid")
    # malformed brackets
    for bad in ("metadata[a=1", "metadata]a[=1", "[a]=1", "metadata[a]]=1", "metadata[][a]=1"):
        resp = api.post("/v1/resources", data="name=abc&type=staging&" + bad)
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["error"]["type"] == "invalid_request_error"
        figures.add("bad input", "cases")


def test_duplicate_and_conflicting_keys(api):
    expect_error(api.post("/v1/resources", data="name=abc&type=staging&configuration[timeout_ms]=100&configuration[timeout_ms]=200"),
                 400, "parameter_invalid", "configuration[timeout_ms]")
    expect_error(api.post("/v1/resources", data="name=abc&type=staging&metadata=x&metadata[a]=b"), 400, "parameter_invalid",
                 "metadata")
    expect_error(api.post("/v1/resources", data='{"name":"abc","type":"staging","metadata":{"a":"1","a":"2"}}',
                          headers={"Content-Type": "application/json"}), 400, "body_invalid")
    expect_error(api.get("/v1/resources?limit=1&limit=2"), 400, "parameter_invalid", "limit")
    expect_error(api.get("/v1/resources?created[gte]=1&created.gte=2"), 400, "parameter_invalid")


def test_wrong_content_types(api):
    body = json.dumps(VALID)
    for ctype, status, code in (
        ("text/plain", 415, "content_type_unsupported"),
        ("multipart/form-data; boundary=x", 415, "content_type_unsupported"),
        ("application/xml", 415, "content_type_unsupported"),
        ("application/x-www-form-urlencoded", 400, "body_invalid"),  # JSON text read as a form
        ("", 400, "body_invalid"),
    ):
        expect_error(api.post("/v1/resources", data=body, headers={"Content-Type": ctype}), status, code)
    # vendor JSON types and a charset parameter are JSON
    expect_ok(api.post("/v1/resources", data=body, headers={"Content-Type": "application/vnd.api+json"}))
    expect_ok(api.post("/v1/resources", data=body, headers={"Content-Type": "Application/JSON; charset=utf-8"}))
    # JSON that is not an object, or not JSON
    for text in ("null", "1", '"x"', "[]", "{", "\ufeff{}", "NaN"):
        resp = api.post("/v1/resources", data=text.encode(), headers={"Content-Type": "application/json"})
        assert resp.status_code == 400 and resp.json()["error"]["code"] in {"body_invalid", "parameter_missing"}, text
        figures.add("bad input", "cases")


def test_non_utf8_everywhere(api):
    expect_error(api.post("/v1/resources", data=b'{"name":"\xff\xfe","type":"staging"}',
                          headers={"Content-Type": "application/json"}), 400, "body_invalid")
    expect_error(api.post("/v1/resources", data=b"name=abc&type=staging&metadata[k]=\xc3\x28"), 400, "body_invalid")
    # percent-encoded invalid UTF-8 in a query value is read as U+FFFD, then validated
    expect_error(api.get("/v1/resources?status=%ff%fe"), 400, "parameter_invalid", "status")
    resp = api.post("/v1/resources", data=VALID, headers={"Idempotency-Key": "caf\u00e9".encode("latin-1")})
    expect_error(resp, 400, "parameter_invalid", "Idempotency-Key")


def test_huge_and_odd_limits(api):
    for value in ("10" * 40, "1e2", "-0", " 5", "0x10", "", "NaN", "Infinity", "٣"):
        resp = api.get("/v1/resources", params={"limit": value})
        assert resp.status_code in (200, 400), (value, resp.text)
        if resp.status_code == 400:
            assert resp.json()["error"]["param"] == "limit"
        else:
            assert len(resp.json()["data"]) <= 100
        figures.add("bad input", "cases")
    expect_error(api.get("/v1/resources", params={"limit": str(10**30)}), 400, "parameter_invalid", "limit")


def test_forged_and_foreign_cursors(cloud):
    # Given objects in my account and in another one
    api = cloud.client(cloud.new_account()["keys"]["test"])
    mine = [expect_ok(api.post("/v1/resources", data={"name": f"mine {i}", "type": "staging"}))["id"] for i in range(3)]
    other = cloud.client(cloud.new_account()["keys"]["test"])
    theirs = other.post("/v1/resources", data=VALID).json()["id"]
    # When another account's id is my cursor, it is only a position: I see my objects only
    page = expect_ok(api.get("/v1/resources", params={"starting_after": theirs}), 200)
    assert {r["id"] for r in page["data"]} <= set(mine)
    page = expect_ok(api.get("/v1/resources", params={"ending_before": "res_" + "0" * 24}), 200)
    assert {r["id"] for r in page["data"]} <= set(mine)
    page = expect_ok(api.get("/v1/resources", params={"starting_after": "res_" + "z" * 24}), 200)
    assert [r["id"] for r in page["data"]] == list(reversed(mine))
    # And forged cursors of other shapes are refused with the parameter named
    for forged in ("res_' OR 1=1 --", "res_" + "Z" * 24, "evt_" + "0" * 24, "res_" + "0" * 23, "res_\u0660" * 3,
                   "../../etc/passwd", "res_" + "0" * 24 + "#COUNT", theirs + "\x00"):
        expect_error(api.get("/v1/resources", params={"starting_after": forged}), 400, "parameter_invalid",
                     "starting_after")


def test_unicode_names_at_the_length_bounds(api):
    cases = {
        "\U0001f600" * 3: 201,  # 3 characters, 12 bytes
        "\U0001f600" * 2: 400,
        "\U0001f600" * 255: 201,
        "\U0001f600" * 256: 400,
        "e\u0301e": 201,  # a combining mark is a character of its own
        "\u202eabc": 201,  # right-to-left override is kept as given
        "a\u0000b": 201,
        "   ": 201,  # not stripped: three characters
    }
    for name, status in cases.items():
        resp = api.post("/v1/resources", json={"name": name, "type": "staging"})
        assert resp.status_code == status, (name[:10], resp.text[:200])
        if status == 201:
            rid = resp.json()["id"]
            assert api.get(f"/v1/resources/{rid}").json()["name"] == name  # stored and read back intact
        else:
            assert resp.json()["error"]["param"] == "name"
        figures.add("bad input", "cases")


# --- headers --------------------------------------------------------------------------


def test_header_injection_is_not_reflected(cloud, api):
    key = api.headers["Authorization"]
    base = f"POST /v1/resources HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\n"
    body = b"name=abc&type=staging"
    # CR/LF smuggled into a value can only end the header line: the rest is a header of its own
    request = (base + "Idempotency-Key: k1\r\nSet-Cookie: evil=1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    status, headers, payload = raw(cloud.url, request)
    assert status == 201 and "set-cookie" not in headers
    # Encoded CR/LF in the path and query are data, never headers
    for path in ("/v1/resources/res_x%0d%0aSet-Cookie:%20evil=1", "/v1/resources?status=a%0d%0aSet-Cookie:%20evil=1"):
        resp = api.get(path)
        assert resp.status_code in (400, 404) and "Set-Cookie" not in resp.headers
        assert "\n" not in "".join(resp.headers.values())
        figures.add("bad input", "cases")
    # A bare LF or a NUL in a header value does not reach a handler as a header break
    for value in (b"a\nb", b"a\x00b", b"a\rb"):
        request = (base + "Content-Type: application/x-www-form-urlencoded\r\n").encode() + b"Idempotency-Key: " + value + (
            f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        status, headers, payload = raw(cloud.url, request)
        assert status < 500, (value, status, payload[:200])
        figures.add("bad input", "cases")
    expect_ok(api.post("/v1/resources", data=VALID))


def test_oversized_headers_and_keys(cloud, api):
    # A 300-character bearer token, and an 8 KiB one: 401 in the error object
    for token in ("sk_test_" + "a" * 300, "sk_test_" + "a" * 8192):
        resp = requests.get(f"{cloud.url}/v1/resources", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        expect_error(resp, 401, "api_key_invalid")
    # An Idempotency-Key of 256 characters
    expect_error(api.post("/v1/resources", data=VALID, headers={"Idempotency-Key": "k" * 256}), 400,
                 "parameter_invalid", "Idempotency-Key")
    # A header line longer than the server reads, and too many headers: a 4xx, never a
    # crash, and the gateway keeps serving
    key = api.headers["Authorization"]
    for extra in ("X-Big: " + "b" * 70_000 + "\r\n", "".join(f"X-H{i}: v\r\n" for i in range(150))):
        request = f"GET /v1/resources HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\n{extra}\r\n".encode()
        status, headers, payload = raw(cloud.url, request)
        assert 400 <= status < 500, status
        figures.add("bad input", "cases")
    expect_ok(api.get("/v1/resources"), 200)


def test_json_booleans_are_not_numbers(api):
    # Found by `make fuzz`: JSON true/false were taken as 1/0 for integer parameters,
    # while the same request as a form ("true") was refused. Both are refused now.
    for value in (True, False):
        body = {"name": "abc", "type": "staging", "configuration": {"retry_count": value}}
        expect_error(api.post("/v1/resources", json=body), 400, "parameter_invalid", "configuration[retry_count]")
        expect_error(api.post("/v1/resources", data={"name": "abc", "type": "staging",
                                                      "configuration[retry_count]": str(value).lower()}),
                     400, "parameter_invalid", "configuration[retry_count]")
