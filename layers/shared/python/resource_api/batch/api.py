"""POST /v1/batch (batch/domain.py)."""

from __future__ import annotations

from ..frame.endpoint import RESOURCE_LIMIT, STOP_EXECUTION, WRITE, Endpoint, declare

ENDPOINTS = declare(
    __package__,
    # STOP_EXECUTION: a DELETE in a batch stops a pending resource's provisioning, as DELETE does.
    Endpoint("POST", "/v1/batch", "batch", frozenset({WRITE, STOP_EXECUTION, RESOURCE_LIMIT}), 200,
             "Run up to 100 resource operations", body=".domain:BatchRequest", response="..responses:BatchResult",
             run=".domain:run"),
)
