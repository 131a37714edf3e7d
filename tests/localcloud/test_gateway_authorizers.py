"""The local gateway's two authorizers behave as API Gateway's (infra/api.py): the cached
one keyed on the Authorization header's exact value, the query-key one (webhook routes)
called on every request. Seen through a revoked key, in-process on moto."""

from __future__ import annotations

from localcloud.gateway import Gateway
from resource_api.core import accounts


def _status(gateway: Gateway, path: str, header: str) -> int:
    return gateway.handle("GET", path, {"Authorization": header, "Host": "127.0.0.1"}, b"")[0]


def test_answers_are_cached_per_header_value_and_never_for_query_key_routes(aws):
    account = accounts.create_account(plan="scale")
    key = accounts.add_key(account["id"], "test")
    gateway = Gateway(auth_cache_ttl=300.0, admin=False)
    # Given a key's answer cached under one spelling of the header
    assert _status(gateway, "/v1/resources", f"Bearer {key['secret']}") == 200
    assert _status(gateway, "/v1/events", f"Bearer {key['secret']}") == 200
    # When the key is revoked
    assert accounts.revoke_key(account["id"], key["id"])
    # Then that exact header is still let in from the cache (for the cache period)
    assert _status(gateway, "/v1/resources", f"Bearer {key['secret']}") == 200
    # but another spelling of it is another cache entry: the authorizer runs and refuses
    assert _status(gateway, "/v1/resources", f"bearer  {key['secret']}") == 401
    # and a webhook route's authorizer is not cached at all
    assert _status(gateway, "/v1/events", f"Bearer {key['secret']}") == 401
    # An empty header never reaches the authorizer, nor the cache
    assert _status(gateway, "/v1/resources", "") == 401
    assert sorted(gateway.cache._items) == sorted([f"Bearer {key['secret']}"])
