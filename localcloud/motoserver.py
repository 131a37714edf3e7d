"""`python -m localcloud.motoserver -H HOST -p PORT`: moto's server, one request at a time.

moto's backends are not thread-safe: DynamoDB's TransactWriteItems deep-copies the table
for its rollback while another request thread may be writing it ("dictionary changed size
during iteration"). With Step Functions executions writing in the background while the
API writes too, concurrent writes are the norm, so requests are serialised here. Nothing
waits on another request while holding the lock (executions run in their own threads and
call back over HTTP), so this cannot deadlock.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


class Serialized:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        with self.lock:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close:
                    close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # Step Functions tasks call back here
    run_simple(
        args.host, args.port, Serialized(DomainDispatcherApplication(create_backend_app)),
        threaded=True, request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
