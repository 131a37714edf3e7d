"""The one clock every expiry, window and timestamp reads.

The local cloud can move it forward (`set_offset`) so tests exercise 24-hour
expiries without waiting; in Lambda the offset is always zero.
"""

from __future__ import annotations

import time

_offset = 0.0
_frozen: float | None = None


def now() -> float:
    if _frozen is not None:
        return _frozen
    return time.time() + _offset


def now_s() -> int:
    return int(now())


def now_ms() -> int:
    return int(now() * 1000)


def set_offset(seconds: float) -> None:
    global _offset
    _offset = float(seconds)


def offset() -> float:
    return _offset


def freeze(frozen: bool) -> None:
    """Stop the clock where it is (True) or let it run again from there (False)."""
    global _frozen, _offset
    if frozen:
        _frozen = now()
    elif _frozen is not None:
        _offset = _frozen - time.time()
        _frozen = None
