"""Secrets out, size capped: what every request-log text goes through before it is
logged (the frame, on the request path) and again before it is stored (the ingestion).

Secrets are API keys (`sk_test_...`, `sk_live_...`) and webhook signing secrets
(`whsec_...`), wherever they appear (a JSON or form body, a query string, a header);
each is replaced by its prefix and REDACTED, so the reader still sees which kind of
secret was there. Texts are capped at BODY_CAP bytes of UTF-8 (cut on a character
boundary), with a marker saying how much was cut.
"""

from __future__ import annotations

import re

BODY_CAP = 4096  # bytes of UTF-8 per stored body (request and response each)
TEXT_CAP = 512  # bytes of a short text (user agent, path, idempotency key)
REDACTED = "REDACTED"
# The secret's prefix, then its characters: keys are [0-9A-Za-z]; a whsec_ secret is
# base64 (+ / =). A `\b`-less start: a secret glued to other text is still a secret.
_SECRET = r"(sk_(?:test|live)_|rk_(?:test|live)_|whsec_)[0-9A-Za-z+/=_%\-]+"
# The same prefixes escaped the way JSON or a form encoding may write them.
_ESCAPED = r"(sk(?:_|%5[Ff]|\\u005[Ff])(?:test|live)(?:_|%5[Ff]|\\u005[Ff])|whsec(?:_|%5[Ff]|\\u005[Ff]))[0-9A-Za-z+/=%\\]+"


def redact(text: str) -> str:
    """`text` with every API key and webhook secret replaced by `<prefix>REDACTED`.
    The patterns are compiled the first time a text may hold a secret (re caches them):
    most request bodies never do, and the frame imports this module on every cold start."""
    if "sk_" not in text and "whsec" not in text and "%5" not in text and "\\u" not in text and "rk_" not in text:
        return text
    text = re.sub(_SECRET, lambda m: m.group(1) + REDACTED, text)
    return re.sub(_ESCAPED, lambda m: m.group(1) + REDACTED, text)


SECRET_MAX = 256  # longer than any key or webhook secret


def cap(text: str, limit: int = BODY_CAP, total: int | None = None) -> str:
    """`text` cut to `limit` bytes of UTF-8, with a marker of what was cut (`total`: the
    byte length of the text `text` was cut from, if it was)."""
    data = text.encode("utf-8")
    total = len(data) if total is None else total
    if total <= limit:
        return text
    kept = data[:limit].decode("utf-8", errors="ignore")
    return f"{kept}...[truncated {total - len(kept.encode('utf-8'))} bytes]"


def clean(text: str | None, limit: int = BODY_CAP) -> str | None:
    """Redacted, then capped (redacting first: a cut never leaves part of a secret).
    A long text is first cut to limit + SECRET_MAX characters, so a 1 MB body costs the
    request path no 1 MB regex scan: what is kept in the end lies well inside that cut,
    and so does any secret that starts in it."""
    if text is None:
        return None
    text = str(text)
    total = None
    if len(text) > limit + SECRET_MAX:
        total = len(text.encode("utf-8"))
        text = text[: limit + SECRET_MAX]
    return cap(redact(text), limit, total)
