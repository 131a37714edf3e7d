"""Request logs: every API request of an account and mode, recorded off the request path,
kept 30 days, and read by the dashboard through `get`, `query` and `usage`.

    frame / authorizer / API Gateway access log --(CloudWatch Logs subscription)-->
        metrics_ingest --> requestlogs.ingest --> the table (store.py's items)

- frame/request_log.py: what a request's log line carries (secrets removed and bodies
  capped by core/redact.py); the functions' frame writes it, the authorizer too for a
  key it refuses (refusals.py), and the local gateway writes the access log line.
- ingest.py: the log ingestion's entry point (functions/metrics_ingest): log lines ->
  per-resource metrics (metrics/ingest.py) and request-log records, each exactly once.
- store.py: the DynamoDB items and the readers below.

The design, its costs and its trade-offs: docs/request-logs.md.
"""

from __future__ import annotations

from .store import get, query, usage

__all__ = ["get", "query", "usage"]
