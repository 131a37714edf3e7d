"""Request logs: every API request of an account and mode, recorded off the request path,
kept 30 days, and read by the dashboard through `get`, `query` and `usage`.

    frame / authorizer / API Gateway access log --(CloudWatch Logs subscription)-->
        metrics_ingest --> requestlogs.ingest --> the table (store.py's items)

- capture.py: what a request's log line carries (secrets removed, bodies capped);
  the functions' frame, the authorizer and the local gateway write it.
- ingest.py: log lines -> records, written exactly once per request id.
- store.py: the DynamoDB items and the readers below.

The design, its costs and its trade-offs: docs/request-logs.md.
"""

from __future__ import annotations

from .store import get, query, usage

__all__ = ["get", "query", "usage"]
