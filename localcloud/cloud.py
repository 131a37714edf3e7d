"""Starting and stopping the local cloud: a moto server child process, the table,
the demo account, and the gateway."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from . import persistence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
DEMO_ACCOUNT = "acct_demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_environment(moto_url: str) -> dict[str, str]:
    """What every process of the local cloud needs to reach moto instead of AWS."""
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


# VENDING=true (as `-c vending=true` deploys): the write path assumes a tenant role per
# write kind with the account as session tag (resource_api/core/vending.py); moto's STS
# answers AssumeRole and enforces no IAM, so tests/infrastructure/test_least_privilege.py
# checks each write made with vended credentials against the tenant role's policy.
LOCAL_TENANT_ROLE = "arn:aws:iam::123456789012:role/tenant-{kind}"


def vending_on(env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    return env.get("VENDING", "").strip().lower() in ("true", "1")


def configure_vending() -> None:
    """The tenant role of each write kind (one process serves every function here; each
    route picks its own kind's role, as each deployed function has only its own)."""
    from resource_api import routes
    from resource_api.core import vending

    for kind in (routes.WRITE, routes.WRITE_WEBHOOK_ENDPOINTS, routes.WRITE_IDEMPOTENCY):
        if vending_on():
            os.environ[vending.role_env(kind)] = LOCAL_TENANT_ROLE.format(kind=kind)
        else:
            os.environ.pop(vending.role_env(kind), None)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


@dataclass
class LocalCloud:
    port: int = 8000
    host: str = "127.0.0.1"
    moto_port: int = 0
    api_keys: list[str] = field(default_factory=list)
    auth_cache_ttl: float = 300.0
    log: Any = print
    moto: subprocess.Popen | None = None
    server: Any = None
    keys: dict[str, str] = field(default_factory=dict)
    state_file: str | None = None
    pollers: list = field(default_factory=list)
    workers: int = 1  # gateway processes in all, this one included (localcloud/workers.py)
    pool: Any = None
    log_subscription: Any = None
    dashboard_port: int | None = None  # None: PORT + 1 if free, else any free port
    dashboard_server: Any = None
    dashboard_serving: bool = False
    state_dir: str | None = None  # where the world is kept across restarts (localcloud/keep.py); None: nowhere
    fresh: bool = False  # FRESH=1: set the saved world aside and start from nothing
    keeper: Any = None

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://{self.host}:{self.dashboard_port}"

    def bind_dashboard(self) -> None:
        """The dashboard's gateway socket (localcloud/dashboard.py), bound before any
        function runs so DASHBOARD_URL (request_log_url's base) is known to all of them."""
        from .dashboard import ALARM_PREFIX, DashboardGateway

        gateway = DashboardGateway()
        wanted = self.dashboard_port
        candidates = [wanted] if wanted is not None else ([self.port + 1] if self.port else []) + [0]
        for port in candidates:
            try:
                self.dashboard_server = gateway.serve(self.host, port)
                break
            except OSError:
                if port == candidates[-1]:
                    raise
        self.dashboard_port = self.dashboard_server.server_address[1]
        os.environ["DASHBOARD_URL"] = self.dashboard_url
        os.environ.setdefault("STATUS_ALARM_PREFIX", ALARM_PREFIX)

    def start_moto(self) -> None:
        self.moto_port = self.moto_port or free_port()
        env = {**os.environ, "MOTO_PORT": str(self.moto_port)}
        from . import keep, persistence

        env.pop(persistence.STATE_DIR_ENV, None)
        if self.state_dir:
            self.keeper = keep.Keeper(self.state_dir, self.log)
            self.keeper.prepare(self.fresh)
            env[persistence.STATE_DIR_ENV] = self.state_dir
        self.log(f"starting moto on {self.moto_url}")
        self.moto = subprocess.Popen(
            # moto's server, one request at a time (see localcloud/motoserver.py). Its stderr
            # is ours: a skipped speed-up's warning, a shim that stops the start, a 500's
            # traceback (the access log is off unless LOCAL_ACCESS_LOG is set).
            [sys.executable, "-m", "localcloud.motoserver", "-H", "127.0.0.1", "-p", str(self.moto_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 30 + (self.keeper.load_allowance() if self.keeper else 0)
        while time.monotonic() < deadline:
            if self.moto.poll() is not None:
                if self.moto.returncode == persistence.EXIT_BAD_SNAPSHOT:
                    raise RuntimeError("the saved state could not be loaded (see above)")
                raise RuntimeError("moto server exited during start-up")
            try:
                urllib.request.urlopen(f"{self.moto_url}/moto-api/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start within 30 s")

    def configure_environment(self) -> None:
        os.environ.update(aws_environment(self.moto_url))
        os.environ.setdefault("TABLE_NAME", "resource-api")
        os.environ.setdefault("STAGE", "local")
        os.environ.setdefault("AWS_READ_TIMEOUT", "60")  # moto serves one request at a time
        os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "resource-api")
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", os.environ.get("LOG_LEVEL", "WARNING"))
        os.environ.setdefault("DOC_BASE_URL", f"{self.url}/docs")
        for p in (ROOT, os.path.join(ROOT, "layers", "shared", "python"), os.path.join(ROOT, "layers", "dashboard", "python")):
            if p not in sys.path:
                sys.path.insert(0, p)
        configure_vending()

    def create_tables(self) -> None:
        import boto3

        from resource_api.core import table

        from .keep import ensure_table

        client = boto3.client("dynamodb")
        if ensure_table(client, table.create_table_request()):
            return  # restored (localcloud/keep.py)
        client.update_time_to_live(
            TableName=table.table_name(),
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.TTL_ATTRIBUTE},
        )

    def create_queues(self) -> None:
        """The webhook delivery queue and its DLQ, from the definition CDK uses."""
        import boto3

        from resource_api.events import queues

        from .keep import ensure_queue

        sqs = boto3.client("sqs")
        dlq_request, queue_request = queues.create_queue_requests()
        dlq_url = ensure_queue(sqs, dlq_request)
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_request["Attributes"]["RedrivePolicy"] = queues.redrive_policy(dlq_arn)
        os.environ[queues.QUEUE_URL_ENV] = ensure_queue(sqs, queue_request)

    def create_state_machines(self) -> None:
        """The provisioning state machine, from the ASL document CDK deploys."""
        from .provisioning import create_state_machine

        create_state_machine(self.moto_url, os.environ["TABLE_NAME"])

    def bootstrap_account(self) -> None:
        """The demo account and its keys: LOCAL_API_KEYS's, else (with a kept world) the
        ones printed last time, else new ones."""
        from .keep import demo_keys

        remembered = self.keeper.remembered_keys() if self.keeper else {}
        self.keys.update(demo_keys(DEMO_ACCOUNT, list(self.api_keys), remembered))
        if self.keeper:
            self.keeper.remember_keys(self.keys)

    def start_pollers(self) -> None:
        from resource_api.core import table

        from resource_api.events import queues

        from resource_api import routes
        from resource_api.metrics import store as metrics
        from resource_api.frame import request_log as capture

        from .pollers import LogSubscription, SqsPoller, StreamPoller

        self.pollers.append(StreamPoller(table.table_name(), "stream_processor"))
        from resource_api.events import fairness

        # Deliveries: several invocations at once, and each account's share of them (events/fairness.py)
        os.environ.setdefault(fairness.SLOW_SLOTS_ENV, str(fairness.slow_slots_for(queues.LOCAL_MAX_CONCURRENCY)))
        self.pollers.append(
            SqsPoller(os.environ[queues.QUEUE_URL_ENV], "webhook_delivery", concurrency=queues.LOCAL_MAX_CONCURRENCY)
        )
        # Every function's request lines (and the gateway's access lines) -> metrics_ingest (infra/ingest.py)
        self.log_subscription = LogSubscription(metrics.INGEST_FUNCTION, capture.subscribed_functions(routes))
        self.log_subscription.install()
        self.pollers.append(self.log_subscription)
        for poller in self.pollers:
            poller.start()

    def start(self) -> None:
        from . import httpheaders
        from .gateway import Gateway

        httpheaders.install()  # this process's HTTP header parsing: the gateway's requests, boto3's responses
        self.start_moto()
        self.configure_environment()
        self.bind_dashboard()
        if self.keeper:
            self.keeper.report(self.moto_url)  # "restored 3 accounts, 120 resources, ..."
        self.create_tables()
        self.create_state_machines()
        self.create_queues()
        self.bootstrap_account()
        from .dashboard import create_status_alarms

        create_status_alarms()
        self.start_pollers()
        gateway = Gateway(auth_cache_ttl=self.auth_cache_ttl)
        gateway.access_log = self.log_subscription.publish  # the answers it makes itself
        gateway.redeliver_logs = self.log_subscription.redeliver
        self.server = gateway.serve(self.host, self.port, reuse_port=self.workers > 1)
        self.port = self.server.server_address[1]
        # Error objects' request_log_url (core/errors.py) is DASHBOARD_URL, set by bind_dashboard
        # before any request (workers inherit it).
        threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True).start()
        threading.Thread(target=self.dashboard_server.serve_forever, name="dashboard", daemon=True).start()
        self.dashboard_serving = True
        if self.workers > 1:
            from .workers import WorkerPool

            self.log(f"starting {self.workers - 1} more gateway worker process(es)")
            self.pool = WorkerPool(gateway, self.log)
            self.pool.start(self.workers - 1, self.host, self.port, self.auth_cache_ttl)
        self.write_state()
        from . import lambda_runtime

        lambda_runtime.freeze_when_warm()  # start-up's objects, then each function's once warm
        gateway.ready.set()

    def write_state(self) -> None:
        """Tell `python -m apictl --local` where this cloud's AWS endpoint is."""
        if self.state_file:
            with open(self.state_file, "w") as f:
                json.dump({"url": self.url, "moto_url": self.moto_url, "table_name": os.environ["TABLE_NAME"],
                           "dashboard_url": self.dashboard_url}, f)

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        if self.keeper:  # what they are doing is saved too (moto saves the world at SIGTERM)
            for poller in self.pollers:
                poller.join(timeout=5)
            if self.log_subscription is not None:  # the last metrics lines, not left in memory
                try:
                    self.log_subscription.deliver_pending()
                except Exception as exc:  # noqa: BLE001
                    self.log(f"could not deliver the last metrics lines: {exc}")
        if self.state_file and os.path.exists(self.state_file):
            os.remove(self.state_file)
        if self.pool is not None:
            self.pool.stop()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.dashboard_server is not None:
            if self.dashboard_serving:  # shutdown() waits for a serve_forever that must have begun
                self.dashboard_server.shutdown()
            self.dashboard_server.server_close()
        if self.moto is not None and self.moto.poll() is None:
            self.moto.terminate()
            try:
                self.moto.wait(timeout=120 if self.keeper else 5)  # with a kept world, its last snapshot
            except subprocess.TimeoutExpired:
                self.moto.kill()
        if self.keeper:
            self.keeper.release()
