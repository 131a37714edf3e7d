"""What an event is before it is stored (a Draft), and who drafts events from a change of
the table: each entity registers the events its own changes make (`register_drafter`),
so the events entity renders no other entity's objects. Light on purpose: an entity's
domain module imports it to register, without loading the events machinery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.changes import Change


@dataclass(frozen=True)
class Draft:
    type: str
    created_ms: int
    account_id: str
    mode: str
    object: dict[str, Any]
    previous_attributes: dict[str, Any] | None
    request_id: str | None
    idempotency_key: str | None


# --- from changes to events ------------------------------------------------------------


def previous_attributes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed, with their old values (None where a field is new).
    Nested objects (configuration, metadata) list only their changed keys."""
    out: dict[str, Any] = {}
    for name in list(old) + [k for k in new if k not in old]:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            out[name] = previous_attributes(before, after)
        else:
            out[name] = before
    return out


# entity -> the events its changes make, registered by the entity that owns it (e.g.
# resources/domain.py): drafter(change, {account_id, mode}, {request_id,
# idempotency_key}) -> drafts. So events/domain.py renders no other entity's objects itself.
Drafter = Callable[["Change", dict[str, Any], dict[str, Any]], list[Draft]]
DRAFTERS: dict[str, Drafter] = {}


def register_drafter(entity: str, drafter: Drafter) -> None:
    DRAFTERS[entity] = drafter
