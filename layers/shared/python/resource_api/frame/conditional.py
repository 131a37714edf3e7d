"""ETags and conditional requests (If-None-Match -> 304, If-Match -> 412).

An object's ETag is a hash of its plain JSON representation, so it changes exactly
when what a client sees changes. Lists get weak ETags.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def etag(body: Any, weak: bool = False) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]
    return f'W/"{digest}"' if weak else f'"{digest}"'


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def none_match(header: str | None, current: str) -> bool:
    """True when If-None-Match matches (weak comparison): answer 304."""
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or _opaque(current) in {_opaque(t) for t in tags}


def match(header: str, current: str) -> bool:
    """True when If-Match matches (strong comparison)."""
    tags = _tags(header)
    return "*" in tags or (not current.startswith("W/") and current in tags)
