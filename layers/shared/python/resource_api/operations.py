"""Temporary alias for http.py until it moves into frame/ (issue 16): the endpoints'
declarations, in the shape http.Api.serve_operation reads (resolved on first use)."""
from dataclasses import dataclass
from typing import Any

from .routes import route_for


@dataclass(frozen=True)
class _Operation:
    run: Any
    body: Any
    query: Any
    lock_item: Any


class _Operations(dict):
    def __missing__(self, function: str) -> _Operation:
        e = route_for(function)
        return _Operation(e.operation, e.body_model, e.query_model, e.lock)


OPERATIONS = _Operations()
