"""Every DynamoDB key of the single table is built here and nowhere else.

Items of one account and mode share a partition prefix `{account}#{mode}`, so test
and live data, and different accounts, can never meet in one query.
"""

from __future__ import annotations

# The two worlds of an account, the last part of every partition prefix (re-exported as
# accounts.MODES; here so that code building keys needs no more than this module).
MODES = ("test", "live")

COUNTER_SK = "#COUNT"
# The account's resource counts are kept on COUNTER_SHARDS items beside the main counter
# item (sort keys COUNTER_SK + "#00".."#31"): each write adds to one picked at random, so
# concurrent writes of one account rarely include the same item in their transactions
# (DynamoDB cancels overlapping transactions on one item: TransactionConflict). A count
# is the sum over the main item and its shards (resources/domain.counts).
COUNTER_SHARDS = 32

# --- IAM: what each kind of function may touch --------------------------------------
# Partition key patterns (dynamodb:LeadingKeys, StringLike: `*` is any run of characters,
# '#' included) that infra/ grants, per access kind. Keep them in step with the builders
# below: tests/infrastructure/test_least_privilege.py records every DynamoDB call the
# functions make in the local cloud and checks each against the deployed policies.
#
# The authorizer: an API key by its hash, then the key's account (plan, API version).
AUTH_PARTITIONS = ("APIKEY#*", "ACCOUNT#*")
# The usage counters every route writes, reads included (routes.COUNT): its key's
# rate-limit windows.
COUNTER_PARTITIONS = ("RATE#*",)
# A resource's own rate-limit windows and the limit notices they raise (an INSERT there
# becomes a resource.limit_exceeded event): the routes that apply
# configuration.rate_limit only (routes.RESOURCE_LIMIT).
RESOURCE_LIMIT_PARTITIONS = ("*#RESRATE#*", "*#NOTICE")
# Writes of the API's write routes, each entity's own item kinds only (never API keys,
# accounts, events, delivery attempts or notices):
# - routes.WRITE (resources, the batch): resources and their counters, runtime
#   configurations (removed with their resource), deletion tombstones, idempotency records;
RESOURCE_WRITE_PARTITIONS = ("*#RES", "*#RUNTIME", "*#RESDEL", "IDEM#*")
# - routes.WRITE_WEBHOOK_ENDPOINTS: webhook endpoints and their count, idempotency records;
WEBHOOK_ENDPOINT_WRITE_PARTITIONS = ("*#WHE", "IDEM#*")
# - routes.WRITE_IDEMPOTENCY (resend, replay): idempotency records only.
IDEMPOTENCY_PARTITIONS = ("IDEM#*",)


def tenant_partitions(patterns: tuple[str, ...], account: str) -> tuple[str, ...]:
    """`patterns` (above) bound to one account: the first `*` of each stands for the
    account and what follows it (`*#RES` matches `{account}#{mode}#RES`, `IDEM#*` matches
    `IDEM#{account}#{mode}#{hash}`), so it becomes `{account}#*`. With account
    `${aws:PrincipalTag/account}`, the tenant roles' LeadingKeys (core/vending.py, infra/
    data.py). An account id never holds '#', '*' or '?', so no account's pattern matches
    another account's keys."""
    return tuple(p.replace("*", f"{account}#*", 1) for p in patterns)


# The webhook delivery function: reads the event and the endpoint; writes the attempt
# log and the endpoint's failure streak / disabling; reads and writes its fairness
# state (the account's slow slots and its endpoints' circuit breakers: *#DLV#SHARE).
DELIVERY_READ_PARTITIONS = ("*#EVT", "*#WHE", "*#DLV#*")
DELIVERY_WRITE_PARTITIONS = ("*#DLV#*", "*#WHE")
# The stream processor's writes: the events it makes of changes (it reads what it needs).
EVENT_PARTITIONS = ("*#EVT",)
# The per-resource metrics and request logs: written only by the metrics_ingest function
# (metrics/ingest.py), off the request path; the API functions only read them.
METRICS_PARTITIONS = ("*#RESMET#*", "*#RESLOG#*")
# Resource items (resource_partition): the ingestion's existence check (ConditionCheck).
RESOURCE_PARTITIONS = ("*#RES",)
# The account-wide request logs (requestlogs/store.py): the log items by time, the
# request-id pointers and the hourly usage aggregates. Written only by the ingestion.
REQUEST_LOG_PARTITIONS = ("*#REQLOG", "*#REQID#*", "*#REQUSE")


def account(account_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "ACCOUNT"}


def api_key(key_hash: str) -> dict[str, str]:
    return {"pk": f"APIKEY#{key_hash}", "sk": "APIKEY"}


def api_key_index(account_id: str, key_id: str) -> dict[str, str]:
    """GSI entry listing an account's keys."""
    return {"gsi1pk": f"ACCOUNT#{account_id}#APIKEYS", "gsi1sk": key_id}


def api_keys_of(account_id: str) -> str:
    return f"ACCOUNT#{account_id}#APIKEYS"


def resource_partition(account_id: str, mode: str) -> str:
    return f"{account_id}#{mode}#RES"


def resource(account_id: str, mode: str, resource_id: str) -> dict[str, str]:
    return {"pk": resource_partition(account_id, mode), "sk": resource_id}


def resource_status_partition(account_id: str, mode: str, status: str) -> str:
    return f"{account_id}#{mode}#RES#{status}"


def resource_index(account_id: str, mode: str, status: str, resource_id: str) -> dict[str, str]:
    """GSI entry that lists resources by status, newest first."""
    return {"gsi1pk": resource_status_partition(account_id, mode, status), "gsi1sk": resource_id}


def resource_counter(account_id: str, mode: str) -> dict[str, str]:
    """The main counter item of an account and mode: `reserved` (the plan capacity held,
    which provisioning's ReserveCapacity checks against max_resources in one item), and
    the status moves provisioning makes. `total` and the per-status counts are the sums
    over it and its shards (resource_counter_shard)."""
    return {"pk": resource_partition(account_id, mode), "sk": COUNTER_SK}


def counter_shard(counter: dict[str, str], shard: int) -> dict[str, str]:
    """Shard `shard` of a counter item (same partition, its sort key + "#NN")."""
    return {"pk": counter["pk"], "sk": f"{counter['sk']}#{shard:02d}"}


def resource_counter_shard(account_id: str, mode: str, shard: int) -> dict[str, str]:
    """One of the COUNTER_SHARDS items the API's writes add `total` and status deltas to."""
    return counter_shard(resource_counter(account_id, mode), shard)


def resource_runtime(account_id: str, mode: str, resource_id: str) -> dict[str, str]:
    """A resource's runtime configuration, written by provisioning. Its own partition,
    so resource lists (a sort-key range of the resource partition) never meet it."""
    return {"pk": f"{account_id}#{mode}#RUNTIME", "sk": resource_id}


def resource_type_index(account_id: str, mode: str, type_: str, resource_id: str) -> dict[str, str]:
    """GSI (gsi2) entry that lists resources of one type, newest first (the
    `related_resources` expansion, see resources/expand.py)."""
    return {"gsi2pk": f"{account_id}#{mode}#RES#TYPE#{type_}", "gsi2sk": resource_id}


def resource_type_partition(account_id: str, mode: str, type_: str) -> str:
    return f"{account_id}#{mode}#RES#TYPE#{type_}"


def resource_metrics(account_id: str, mode: str, resource_id: str) -> dict[str, str]:
    """A resource's request counters and latency histograms (metrics/store.py): one item per
    resource, in its own partition so every resource's writes spread out."""
    return {"pk": f"{account_id}#{mode}#RESMET#{resource_id}", "sk": "METRICS"}


def resource_log_partition(account_id: str, mode: str, resource_id: str) -> str:
    return f"{account_id}#{mode}#RESLOG#{resource_id}"


def resource_log(account_id: str, mode: str, resource_id: str, at_ms: int, request_id: str) -> dict[str, str]:
    """One request on a resource (the `logs` expansion), sorted by time; TTL-cleaned."""
    return {"pk": resource_log_partition(account_id, mode, resource_id), "sk": resource_log_sort(at_ms, request_id)}


def resource_log_sort(at_ms: int, request_id: str = "") -> str:
    return f"{at_ms:013d}#{request_id}"


def request_log_partition(account_id: str, mode: str) -> str:
    """Every logged request of an account and mode, sorted by time (requestlogs/store.py)."""
    return f"{account_id}#{mode}#REQLOG"


def request_log_sort(at_ms: int, request_id: str = "") -> str:
    return f"{at_ms:013d}#{request_id}"


def request_log(account_id: str, mode: str, at_ms: int, request_id: str) -> dict[str, str]:
    return {"pk": request_log_partition(account_id, mode), "sk": request_log_sort(at_ms, request_id)}


def request_log_pointer(account_id: str, mode: str, request_id: str) -> dict[str, str]:
    """A request id -> its log item's sort key; its conditional Put makes ingestion exactly once."""
    return {"pk": f"{account_id}#{mode}#REQID#{request_id}", "sk": "REQID"}


def request_usage_partition(account_id: str, mode: str) -> str:
    return f"{account_id}#{mode}#REQUSE"


def request_usage_sort(hour: int) -> str:
    return f"H{hour:010d}"


def request_usage(account_id: str, mode: str, hour: int) -> dict[str, str]:
    """The request counters of one clock hour (epoch seconds // 3600) of an account and mode."""
    return {"pk": request_usage_partition(account_id, mode), "sk": request_usage_sort(hour)}


def resource_rate_window(account_id: str, mode: str, resource_id: str, window: int) -> dict[str, str]:
    """Requests on one resource in one minute window (its configuration.rate_limit)."""
    return {"pk": f"{account_id}#{mode}#RESRATE#{resource_id}", "sk": f"W#{window}"}


def idempotency(account_id: str, mode: str, key_hash: str) -> dict[str, str]:
    """An idempotency record: its own partition, scoped to account and mode."""
    return {"pk": f"IDEM#{account_id}#{mode}#{key_hash}", "sk": "IDEM"}


# --- events and webhooks ------------------------------------------------------------


def resource_tombstone(account_id: str, mode: str, resource_id: str) -> dict[str, str]:
    """A short-lived item written in the same transaction as a resource's deletion, so
    the stream carries the deleting request's id (the REMOVE record's old image has the
    previous request's)."""
    return {"pk": f"{account_id}#{mode}#RESDEL", "sk": resource_id}


def notice(account_id: str, mode: str, notice_id: str) -> dict[str, str]:
    """A short-lived item whose INSERT becomes an event of its `event_type`
    (e.g. resource.limit_exceeded)."""
    return {"pk": f"{account_id}#{mode}#NOTICE", "sk": notice_id}


def event_partition(account_id: str, mode: str) -> str:
    return f"{account_id}#{mode}#EVT"


def event(account_id: str, mode: str, event_id: str) -> dict[str, str]:
    return {"pk": event_partition(account_id, mode), "sk": event_id}


def event_type_partition(account_id: str, mode: str, event_type: str) -> str:
    return f"{account_id}#{mode}#EVT#{event_type}"


def event_type_index(account_id: str, mode: str, event_type: str, event_id: str) -> dict[str, str]:
    """GSI entry that lists events of one type, newest first."""
    return {"gsi1pk": event_type_partition(account_id, mode, event_type), "gsi1sk": event_id}


def webhook_endpoint_partition(account_id: str, mode: str) -> str:
    return f"{account_id}#{mode}#WHE"


def webhook_endpoint(account_id: str, mode: str, endpoint_id: str) -> dict[str, str]:
    return {"pk": webhook_endpoint_partition(account_id, mode), "sk": endpoint_id}


def webhook_endpoint_counter(account_id: str, mode: str) -> dict[str, str]:
    """How many endpoints an account has in a mode (`count`), moved in the same
    transaction as each create and delete; sorts before every `we_` id."""
    return {"pk": webhook_endpoint_partition(account_id, mode), "sk": COUNTER_SK}


def delivery_partition(account_id: str, mode: str, event_id: str) -> str:
    """Delivery attempts of one event."""
    return f"{account_id}#{mode}#DLV#{event_id}"


def delivery(account_id: str, mode: str, event_id: str, attempt_id: str) -> dict[str, str]:
    return {"pk": delivery_partition(account_id, mode, event_id), "sk": attempt_id}


def delivery_share(account_id: str, mode: str) -> dict[str, str]:
    """An account and mode's delivery state (events/fairness.py): the slow attempts it has
    in flight and its endpoints' circuit breakers."""
    return {"pk": f"{account_id}#{mode}#DLV#SHARE", "sk": "SLOW"}


def endpoint_deliveries_partition(account_id: str, mode: str, endpoint_id: str) -> str:
    return f"{account_id}#{mode}#WHE#{endpoint_id}#DLV"


def endpoint_delivery_index(account_id: str, mode: str, endpoint_id: str, attempt_id: str) -> dict[str, str]:
    """GSI entry listing an endpoint's delivery attempts by time (replay of failures)."""
    return {"gsi1pk": endpoint_deliveries_partition(account_id, mode, endpoint_id), "gsi1sk": attempt_id}


def rate_limit(account_id: str, mode: str, month: str) -> dict[str, str]:
    """An account's request counters in one mode for one month (per-minute windows
    inside): every key of the account and mode counts here (frame/key_limits.py)."""
    return {"pk": f"RATE#{account_id}#{mode}", "sk": month}


# --- the dashboard (layers/dashboard) --------------------------------------------------
# Its own writes beside the API's (infra/dashboard.py): API keys (create, roll, revoke),
# its sessions and sign-in counters, and the test events it sends (*#EVT).
DASHBOARD_PARTITIONS = ("APIKEY#*", "DASHSESSION#*", "DASHSIGNIN#*", "*#EVT")


def dashboard_session(session_digest: str) -> dict[str, str]:
    """A dashboard session, by the SHA-256 of its cookie's id (never the id itself)."""
    return {"pk": f"DASHSESSION#{session_digest}", "sk": "SESSION"}


def dashboard_signin(source_ip: str, minute: int) -> dict[str, str]:
    """Failed sign-ins of one source address in one minute (TTL-cleaned)."""
    return {"pk": f"DASHSIGNIN#{source_ip}", "sk": f"W#{minute}"}
