"""localcloud/httpheaders.py parses a header block into the very message the standard
library's parser makes (every attribute compared), and hands every other block to it."""

from __future__ import annotations

import http.client
import io

import pytest

from localcloud import httpheaders

BLOCKS = [
    b"Host: 127.0.0.1:8000\r\nAuthorization: Bearer sk_test_x\r\nUser-Agent: Python-urllib/3.12\r\n\r\n",
    b"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n"
    b"Authorization: AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/dynamodb/aws4_request, "
    b"SignedHeaders=content-type;host, Signature=abc\r\nContent-Length: 97\r\n\r\n",
    b"Server: Werkzeug/3.1.3 Python/3.12.1\r\nDate: Sat, 28 Nov 2026 19:55:00 GMT\r\nx-amzn-RequestId: ABC\r\n"
    b"x-amz-crc32: 123\r\nserver: amazon.com\r\nContent-Length: 2\r\n\r\n",
    b"\r\n",  # no headers
    b"\n",
    b"A: b\n\n",  # bare LF line endings
    b"Empty:\r\nSpaces:   \t  padded value \t \r\nColon: a:b:c\r\nTab:\tx\r\n\r\n",
    b"Dup: 1\r\ndup: 2\r\nDup: 3\r\n\r\n",
    b"Latin: caf\xe9 \x85 \xff\r\n\r\n",
    b"From: someone\r\nX: y\r\n\r\n",
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
    b"Content-Type: application/json\r\nIf-None-Match: \"abc\", W/\"def\"\r\n\r\n",
    # the standard parser's cases: folded, not a header, envelope line, odd line ends, multipart
    b"Folded: a\r\n continued\r\nNext: b\r\n\r\n",
    b" Leading: whitespace\r\nA: b\r\n\r\n",
    b"No colon here\r\nA: b\r\n\r\n",
    b"A: b\r\nNo colon here\r\n\r\n",
    b": no name\r\nA: b\r\n\r\n",
    b"From someone Sat Nov 28\r\nA: b\r\n\r\n",
    b"Name With Space: x\r\n\r\n",
    b"Bare: c\rr\r\n\r\n",
    b"A: b\r\n",  # the connection closed before the blank line
    b"",
    b"Content-Type: multipart/form-data; boundary=xyz\r\n\r\n",
    b"content-type: Multipart/mixed\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: message/delivery-status\r\nA: b\r\n\r\n",
]


def _state(msg):
    out = dict(vars(msg))
    out["defects"] = [(type(d).__name__, str(d)) for d in msg.defects]
    payload = msg.get_payload()
    if isinstance(payload, list):
        out["_payload"] = [_state(p) if hasattr(p, "defects") else p for p in payload]
    return type(msg), out


@pytest.mark.parametrize("block", BLOCKS)
def test_same_message_as_the_standard_parser(block):
    for cls in (http.client.HTTPMessage,):
        expected = http.client.parse_headers(io.BytesIO(block + b"BODY"), _class=cls)
        got = httpheaders.parse_headers(io.BytesIO(block + b"BODY"), _class=cls)
        assert _state(got) == _state(expected)
        assert got.items() == expected.items()
        assert got.get_all("dup") == expected.get_all("dup")
        assert got.is_multipart() == expected.is_multipart()


def test_server_and_client_messages_are_unchanged_over_real_http():
    """http.server's request headers and http.client's response headers, patched or not."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append(_state(self.headers))
            self.send_response(200)
            self.send_header("X-Odd", "  spaced  ")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers = []
    original = http.client.parse_headers
    try:
        for patched in (False, True):
            http.client.parse_headers = httpheaders.parse_headers if patched else original
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
            conn.request("GET", "/", headers={"X-Test": "caf\xe9", "Authorization": "Bearer x"})
            resp = conn.getresponse()
            del resp.msg["Date"]  # the one header that may differ between the two requests
            answers.append((_state(resp.msg), resp.read()))
            conn.close()
    finally:
        http.client.parse_headers = original
        server.shutdown()
        server.server_close()
    assert seen[0] == seen[1]
    assert answers[0] == answers[1]
