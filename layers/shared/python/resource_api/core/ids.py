"""Object ids: a prefix, then 10 characters of creation time in milliseconds and 14
random characters, in an alphabet whose order is the byte order.

Because ids sort by creation time (ties broken by the random part), the id itself is
the sort key of every list, and a list cursor (`starting_after=res_...`) carries its
own position: it keeps working after its object was deleted or changed status.
"""

from __future__ import annotations

from . import clock

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case, sorted
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
TIME_CHARS = 10
RANDOM_CHARS = 14


def _encode(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, rem = divmod(value, 32)
        out.append(ALPHABET[rem])
    return "".join(reversed(out))


def time_part(ms: int) -> str:
    return _encode(max(ms, 0), TIME_CHARS)


def new_id(prefix: str, ms: int | None = None) -> str:
    import secrets  # noqa: PLC0415 - here, not at import: it loads hashlib/OpenSSL (~15 ms of a cold start)

    ms = clock.now_ms() if ms is None else ms
    rand = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return f"{prefix}_{time_part(ms)}{rand}"


def is_valid(value: str, prefix: str) -> bool:
    if not isinstance(value, str) or not value.startswith(prefix + "_"):
        return False
    body = value[len(prefix) + 1 :]
    return len(body) == TIME_CHARS + RANDOM_CHARS and all(c in _INDEX for c in body)


def pattern(prefix: str) -> str:
    """The regular expression of the ids is_valid takes (for documents)."""
    return f"^{prefix}_[{ALPHABET}]{{{TIME_CHARS + RANDOM_CHARS}}}$"


def created_ms(value: str, prefix: str) -> int:
    body = value[len(prefix) + 1 : len(prefix) + 1 + TIME_CHARS]
    ms = 0
    for c in body:
        ms = ms * 32 + _INDEX[c]
    return ms


def lower_bound(prefix: str, seconds: int) -> str:
    """The smallest id created at or after `seconds`."""
    return f"{prefix}_{time_part(seconds * 1000)}"
