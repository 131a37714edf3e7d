"""The local gateway sends a proxy response's multi-value header as one header line per
value, as API Gateway does (two Set-Cookie joined with ", " would be one broken cookie)."""

from __future__ import annotations

import http.client
import threading

from localcloud.gateway import Gateway, _from_proxy


def test_two_set_cookie_values_are_two_header_lines():
    response = {
        "statusCode": 303,
        "headers": {"location": "/", "set-cookie": "ignored=1"},
        "multiValueHeaders": {"set-cookie": ["a=1; Path=/; HttpOnly", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]},
        "body": "",
    }

    class OneAnswer(Gateway):
        def handle(self, method, raw_path, headers, body):
            return _from_proxy(response)

    server = OneAnswer(admin=False).serve("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", "/")
        answer = conn.getresponse()
        assert answer.status == 303
        assert answer.headers.get_all("set-cookie") == response["multiValueHeaders"]["set-cookie"]
        assert answer.headers["location"] == "/"
    finally:
        server.shutdown()
        server.server_close()
