"""The REQUEST authorizer (resource_api.auth) on the events API Gateway sends it.

The cached authorizer's answer is stored under the Authorization header alone, so it
must depend on that header alone: a malformed header is refused whatever else the
request carries, and `?api_key=` counts only on the routes of the uncached authorizer
(routes with query_key), and only when no Authorization header is sent."""

from __future__ import annotations

import pytest

from resource_api.core import accounts
from resource_api import routes
from resource_api.auth import Unauthorized, authorize

NON_WEBHOOK = routes.route_for("get_resource")  # GET /v1/resources/{id}: the cached authorizer
WEBHOOK = routes.route_for("list_events")  # GET /v1/events: the uncached, query-key one
MALFORMED = ["Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token x", "sk_test_bare", "bearer"]


@pytest.fixture
def victim(aws) -> dict[str, str]:
    account = accounts.create_account(plan="scale")
    return {
        "account_id": account["id"],
        "test": accounts.add_key(account["id"], "test")["secret"],
        "live": accounts.add_key(account["id"], "live")["secret"],
    }


def event(route: routes.Endpoint, headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
          multi_headers: dict[str, list[str]] | None = None) -> dict:
    """A REQUEST authorizer event as API Gateway builds it for `route`."""
    headers = dict(headers or {})
    path = route.resource_path.replace("{id}", "res_123")
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:abc123/v1/{route.method}{path}",
        "resource": route.resource_path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": multi_headers or {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "pathParameters": {"id": "res_123"} if "{id}" in route.resource_path else None,
        "requestContext": {"resourcePath": route.resource_path, "httpMethod": route.method, "stage": "v1"},
    }


def test_a_bearer_key_is_allowed_with_its_account_in_the_context(victim):
    answer = authorize(event(NON_WEBHOOK, {"Authorization": f"Bearer {victim['test']}"}))
    statement = answer["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*"
    assert answer["context"]["account_id"] == victim["account_id"] and answer["context"]["mode"] == "test"


@pytest.mark.parametrize("header", MALFORMED)
@pytest.mark.parametrize("route", [NON_WEBHOOK, WEBHOOK], ids=["cached", "query-key"])
@pytest.mark.parametrize("mode", ["test", "live"])
def test_a_malformed_authorization_header_is_refused_whatever_the_query_key(victim, header, route, mode):
    # The attack: a header API Gateway caches on, plus the victim's key in the query string
    with pytest.raises(Unauthorized):
        authorize(event(route, {"Authorization": header}, {"api_key": victim[mode]}))


def test_the_cached_authorizer_never_honours_the_query_key(victim):
    # No header: API Gateway itself answers 401 for this authorizer; were it called
    # anyway (a header it does not see as missing), the query string must not count.
    with pytest.raises(Unauthorized):
        authorize(event(NON_WEBHOOK, {}, {"api_key": victim["test"]}))
    for route in routes.ROUTES:
        if not route.query_key:
            with pytest.raises(Unauthorized):
                authorize(event(route, {"Authorization": "Basic eA=="}, {"api_key": victim["test"]}))


def test_the_query_key_is_honoured_on_webhook_routes_without_a_header(victim):
    for route in routes.ROUTES:
        if route.query_key:
            answer = authorize(event(route, {"User-Agent": "curl"}, {"api_key": victim["test"]}))
            assert answer["context"]["account_id"] == victim["account_id"], route
    # a blank header counts as none (API Gateway's rule for a missing identity source)
    answer = authorize(event(WEBHOOK, {"Authorization": "  "}, {"api_key": victim["test"]}))
    assert answer["context"]["account_id"] == victim["account_id"]


def test_the_route_is_the_matched_resource_not_the_callers_path(victim):
    # A path that looks like a webhook route does not make a non-webhook resource one
    ev = event(NON_WEBHOOK, {}, {"api_key": victim["test"]})
    ev["path"] = "/events"
    ev["methodArn"] = "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/GET/events"
    with pytest.raises(Unauthorized):
        authorize(ev)
    # and the right resource with another method is not the webhook route either
    ev = event(WEBHOOK, {}, {"api_key": victim["test"]})
    ev["httpMethod"] = "DELETE"
    with pytest.raises(Unauthorized):
        authorize(ev)


def test_two_authorization_headers_are_refused(victim):
    good = f"Bearer {victim['test']}"
    with pytest.raises(Unauthorized):
        two = {"Authorization": ["Basic eA==", good]}
        authorize(event(NON_WEBHOOK, {"Authorization": good}, multi_headers=two))


def test_unknown_or_blank_keys_are_refused(victim):
    for header in (f"Bearer {victim['test']}x", "Bearer sk_test_nope"):
        with pytest.raises(Unauthorized):
            authorize(event(NON_WEBHOOK, {"Authorization": header}))
    with pytest.raises(Unauthorized):
        authorize(event(WEBHOOK, {}, {"api_key": "  "}))
