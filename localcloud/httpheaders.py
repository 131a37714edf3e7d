"""A shorter route to the same parsed HTTP headers, for the local cloud's processes.

Every HTTP message the local cloud reads has its header block parsed by
`http.client.parse_headers`: each request the gateway and the moto server receive
(http.server), and each response a boto3 call reads (http.client, under urllib3). The
standard library hands the block to the email package's feed parser, which costs 40 to
60 us a block on this machine: per local GET, about one inbound request and one AWS
response in the gateway, one request or more in the moto server.

A header block of plain `Name: value` lines (a name of printable characters without
`:` and no line folded, split by a bare CR, or starting with whitespace) is parsed here
into the same message: the same class, the same (name, value) pairs as the email
package's compat32 policy stores them (name as sent, value without its leading blanks
and line ending), an empty payload and no defects. Any other block goes to the standard
parser as before: folded lines, a line that is not a header, an unterminated block, and
a Content-Type naming a multipart or message type (for those the email package goes on
to parse the empty body as parts, with defects that urllib3 looks at).
The line reading (its length and count limits) is the standard library's own.
tests/localcloud/test_httpheaders.py compares both parsers' messages attribute by
attribute.
"""

from __future__ import annotations

import http.client
import re
import warnings
from typing import Any

_LINE = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)\r?\n\Z")
_original = http.client.parse_headers


def parse_headers(fp: Any, _class: Any = http.client.HTTPMessage) -> Any:
    lines = http.client._read_headers(fp)  # type: ignore[attr-defined]
    return parse_header_lines(lines, _class)


def parse_header_lines(lines: list[bytes], _class: Any = http.client.HTTPMessage) -> Any:
    if not lines or lines[-1] not in (b"\r\n", b"\n"):
        return http.client._parse_header_lines(lines, _class)  # type: ignore[attr-defined]
    headers = []
    match = _LINE.match
    for raw in lines[:-1]:
        m = match(raw.decode("iso-8859-1"))
        if m is None:
            return http.client._parse_header_lines(lines, _class)  # type: ignore[attr-defined]
        name, value = m.group(1), m.group(2)
        if name.lower() == "content-type" and ("multipart" in value.lower() or "message" in value.lower()):
            return http.client._parse_header_lines(lines, _class)  # type: ignore[attr-defined]
        headers.append((name, value))
    msg = _class()
    msg._headers = headers
    msg._payload = ""
    return msg


def install() -> None:
    """Use it for every parse in this process (idempotent)."""
    if not hasattr(http.client, "_read_headers") or not hasattr(http.client, "_parse_header_lines"):
        # another Python's http.client: leave it as it is, and say so (a speed-up lost)
        warnings.warn(
            "localcloud.httpheaders: this Python's http.client has no _read_headers/_parse_header_lines; "
            "the local gateway keeps the standard (slower) header parser",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    http.client.parse_headers = parse_headers  # type: ignore[assignment]
