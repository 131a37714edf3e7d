"""Shared fixtures: in-process moto for unit tests, and the real local cloud (a child
process serving real HTTP on 127.0.0.1) for end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

from tests import localcloud_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_KEY = "sk_test_" + "e2eDemoTestKey000000000000000000"
LIVE_KEY = "sk_live_" + "e2eDemoLiveKey000000000000000000"

# Unit tests never talk to anything but in-process moto.
for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(var, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "TABLE_NAME": "resource-api-test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)


# --- in-process moto ---------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh in-process moto with the table created from the shared schema."""
    import boto3
    from moto import mock_aws

    from resource_api.core import db, table
    from resource_api.frame import key_limits

    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(**table.create_table_request())
        db.set_client(client)
        key_limits.forget_leases()  # a fresh table: what this process leased is gone
        yield
        db.set_client(None)


@pytest.fixture
def principal(aws):
    from resource_api.core import accounts

    account = accounts.create_account(plan="scale")
    return accounts.Principal(account_id=account["id"], mode="test", key_id="key_test", plan="scale")


@pytest.fixture
def ctx(principal):
    from resource_api.frame.request import RequestContext

    return RequestContext(principal=principal, request_id="req_" + "0" * 32)


# --- the local cloud over real HTTP -----------------------------------------------------


@dataclass
class Cloud:
    url: str
    moto_url: str
    env: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)
    dashboard_url: str = ""  # the dashboard's gateway (localcloud/dashboard.py)
    log_path: str = ""  # everything the local cloud printed

    def client(self, key: str | None = None) -> Api:
        return Api(self.url, key or self.keys["test"])

    def apictl(self, *args: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "apictl", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise RuntimeError(f"apictl {' '.join(args)} failed:\n{out.stderr}")
        return json.loads(out.stdout)

    def new_account(self, plan: str = "scale") -> dict:
        return self.apictl("create-account", "--plan", plan)

    def dynamodb(self):  # noqa: ANN201 - a boto3 DynamoDB client
        """A client of the local cloud's moto server (to look at the table as it is)."""
        import boto3

        return boto3.client(
            "dynamodb",
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def advance_clock(self, seconds: float) -> None:
        requests.post(f"{self.url}/_local/clock", json={"advance": seconds}, timeout=5).raise_for_status()

    def reset_clock(self) -> None:
        requests.post(f"{self.url}/_local/clock", json={"offset": 0}, timeout=5).raise_for_status()


class Api(requests.Session):
    """requests, with the base URL and a bearer key filled in."""

    def __init__(self, base: str, key: str | None) -> None:
        super().__init__()
        self.base = base
        if key:
            self.headers["Authorization"] = f"Bearer {key}"

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 30)
        return super().request(method, url if url.startswith("http") else self.base + url, *args, **kwargs)


@pytest.fixture(scope="session")
def cloud(tmp_path_factory) -> Iterator[Cloud]:
    port, moto_port = localcloud_process.free_port(), localcloud_process.free_port()
    state = tmp_path_factory.mktemp("localcloud") / "state.json"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "PORT": str(port),
        "MOTO_PORT": str(moto_port),
        "LOCAL_API_KEYS": f"{TEST_KEY},{LIVE_KEY}",
        "AUTHORIZER_CACHE_TTL": "1",
        "LOCAL_STATE_FILE": str(state),
        "TABLE_NAME": "resource-api",
        # Webhook retries in seconds, not days (5 attempts, then the DLQ): tests/e2e/test_webhooks.py
        "WEBHOOK_RETRY_SCHEDULE": "1,1,1,1",
        "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")]),
    }
    log = open(tmp_path_factory.mktemp("logs") / "localcloud.log", "w+")
    proc = localcloud_process.start(env, log, timeout=60)
    url = f"http://127.0.0.1:{port}"
    from localcloud.cloud import aws_environment

    moto_url = f"http://127.0.0.1:{moto_port}"
    cli_env = {**env, **aws_environment(moto_url), "AWS_READ_TIMEOUT": "60"}
    with open(state) as f:
        dashboard_url = json.load(f)["dashboard_url"]
    yield Cloud(url=url, moto_url=moto_url, env=cli_env, keys={"test": TEST_KEY, "live": LIVE_KEY},
                dashboard_url=dashboard_url, log_path=log.name)
    localcloud_process.stop(proc, timeout=10)
    log.close()


@pytest.fixture
def api(cloud) -> Api:
    """A client of a fresh account (test mode), so tests never see each other's data."""
    account = cloud.new_account()
    client = cloud.client(account["keys"]["test"])
    client.account = account  # type: ignore[attr-defined]
    return client
