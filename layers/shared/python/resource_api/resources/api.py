"""The resource endpoints: one declaration each (frame/endpoint.py)."""

from __future__ import annotations

from ..frame.endpoint import READ, RESOURCE_LIMIT, STOP_EXECUTION, WRITE, Endpoint, declare

ENDPOINTS = declare(
    __package__,
    Endpoint("POST", "/v1/resources", "create_resource", frozenset({WRITE}), 201, "Create a resource",
             body=".models:ResourceCreate", response="..responses:Resource", run=".operations:create",
             batchable=True),
    Endpoint("GET", "/v1/resources", "list_resources", frozenset({READ}), 200, "List resources",
             query=".models:ListParams", response="..responses:ResourceList", run=".operations:list_",
             batchable=True),
    Endpoint("GET", "/v1/resources/{id}", "get_resource", frozenset({READ, RESOURCE_LIMIT}), 200,
             "Retrieve a resource", query=".models:RetrieveParams", response="..responses:Resource",
             run=".operations:retrieve", batchable=True),
    Endpoint("PATCH", "/v1/resources/{id}", "update_resource", frozenset({WRITE, RESOURCE_LIMIT}), 200,
             "Update a resource", body=".models:ResourceUpdate", response="..responses:Resource",
             run=".operations:update", lock_item=".operations:update_lock", batchable=True),
    Endpoint("DELETE", "/v1/resources/{id}", "delete_resource", frozenset({WRITE, STOP_EXECUTION, RESOURCE_LIMIT}),
             200, "Delete a resource", body=".models:DeleteParams", response="..responses:DeletedResource",
             run=".operations:delete", batchable=True),
)
