"""`make run` keeps its world across restarts (issue 21; localcloud/persistence.py, keep.py).

One local cloud, as `python -m localcloud` runs it, with its state in a temporary
directory: a world is made (resources in every status, a webhook endpoint whose receiver
fails, a resource still provisioning), the cloud is stopped with SIGINT (Ctrl-C) and
started again, then killed with SIGKILL (the whole process group, moto included) and
started again. Each time everything is found, the demo keys are the same, the pending
resource becomes active, and every event is delivered to the receiver exactly once once it
answers 200. Every wait ends on a final state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook

from localcloud import persistence
from tests import localcloud_process

ROOT = localcloud_process.ROOT
WAIT = 90.0


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Receiver:
    """A webhook receiver on 127.0.0.1: answers 500 while `failing`, else 200; keeps the
    verified deliveries it accepted, by webhook-id."""

    def __init__(self) -> None:
        self.failing = True
        self.secret: str | None = None
        self.accepted: list[str] = []
        self.refused = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    status = 500 if receiver.failing else 200
                    if status == 200:
                        Webhook(receiver.secret).verify(body, dict(self.headers.items()))  # raises if forged
                        receiver.accepted.append(self.headers["webhook-id"])
                    else:
                        receiver.refused += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


class Cloud:
    """`python -m localcloud` in its own process group, its world in `state_dir`."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp
        self.state_dir = os.path.join(tmp, "state")
        self.port = localcloud_process.free_port()
        self.runs = 0
        self.proc: subprocess.Popen | None = None
        self.log_text = ""

    def start(self, **extra: str) -> str:
        self.runs += 1
        self.moto_port = localcloud_process.free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "LOCAL_API_KEYS"},
            "PORT": str(self.port),
            "MOTO_PORT": str(self.moto_port),
            "LOCAL_STATE_DIR": self.state_dir,
            "LOCAL_STATE_FILE": os.path.join(self.tmp, "running.json"),
            "TABLE_NAME": "resource-api",
            "AUTHORIZER_CACHE_TTL": "1",
            "PROVISIONING_STEP_SECONDS": "2",  # ~10 s pending: time to stop it half-way
            "WEBHOOK_RETRY_SCHEDULE": ",".join(["2"] * 60),  # retried every 2 s, long enough to outlast restarts
            "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")]),
            **extra,
        }
        self.env = env
        log_path = os.path.join(self.tmp, f"run{self.runs}.log")
        log = open(log_path, "w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "localcloud"], cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"

        def ready() -> bool:
            assert self.proc is not None and self.proc.poll() is None, open(log_path).read()[-3000:]
            try:
                return requests.get(f"{self.url}/health", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for("the local cloud to start", ready, timeout=120)
        self.log_text = open(log_path).read()
        return self.log_text

    def key(self, mode: str = "test") -> str:
        line = next(ln for ln in self.log_text.splitlines() if f"{mode} key:" in ln)
        return line.split()[-1]

    def api(self, key: str) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        return session

    def state(self) -> dict[str, Any]:
        return requests.get(f"{self.moto_url}{persistence.STATUS_PATH}", timeout=10).json()

    def saved_since(self, moment: float) -> None:
        """Wait until a snapshot written after `moment` holds every change so far."""
        wait_for("a snapshot with everything", lambda: (s := self.state())["unsaved_changes"] == 0
                 and (s["last_written"] or 0) > moment)

    def interrupt(self) -> None:  # Ctrl-C
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            code = None
        with open(os.path.join(self.tmp, f"run{self.runs}.log")) as f:
            assert code == 0, f.read()[-3000:]

    def kill(self) -> None:  # kill -9 of the whole local cloud
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        wait_for("moto to be gone", lambda: not _port_open(self.moto_port))

    def queue_empty(self) -> bool:
        import boto3

        from localcloud.cloud import aws_environment

        env = aws_environment(self.moto_url)
        sqs = boto3.client("sqs", endpoint_url=self.moto_url, region_name=env["AWS_REGION"],
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        url = sqs.get_queue_url(QueueName="resource-api-webhooks")["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return all(attrs[a] == "0" for a in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                             "ApproximateNumberOfMessagesDelayed"))

    def stop_for_good(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def _port_open(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def cloud(tmp_path):
    c = Cloud(str(tmp_path))
    yield c
    c.stop_for_good()


def create(api: requests.Session, url: str, name: str) -> dict[str, Any]:
    resp = api.post(f"{url}/v1/resources", data={"name": name, "type": "production"}, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()


def get(api: requests.Session, url: str, rid: str) -> dict[str, Any]:
    resp = api.get(f"{url}/v1/resources/{rid}", timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


SUBSCRIBED = ("resource.created", "resource.status_changed")


def events(api: requests.Session, url: str) -> list[str]:
    """The ids of the account's events the endpoint subscribes to."""
    out, after = [], None
    while True:
        resp = api.get(f"{url}/v1/events", params={"limit": 100, **({"starting_after": after} if after else {})},
                       timeout=30)
        page = resp.json()
        out += [e["id"] for e in page["data"] if e["type"] in SUBSCRIBED]
        if not page["has_more"]:
            return out
        after = page["data"][-1]["id"]


def delivered_exactly_once(cloud: Cloud, receiver: Receiver, api: requests.Session) -> None:
    """Let the receiver answer 200, wait until every event of the account reached it and
    the delivery queue is empty (nothing more can come), then: each once."""
    with receiver.lock:
        receiver.failing = False
    wait_for("every event delivered and the delivery queue empty",
             lambda: set(events(api, cloud.url)) <= set(receiver.accepted) and cloud.queue_empty(), every=0.5)
    wanted = set(events(api, cloud.url))
    with receiver.lock:
        accepted = list(receiver.accepted)
    dupes = {e for e in accepted if accepted.count(e) > 1}
    assert not dupes, f"delivered twice: {dupes}"
    assert set(accepted) == wanted


@pytest.mark.timeout(900)  # four starts of the local cloud: minutes on a loaded machine, ~1.5 min on an idle one
def test_the_world_survives_ctrl_c_and_kill_9(cloud, tmp_path):
    receiver = Receiver()
    log = cloud.start()
    assert "no saved state" in log
    test_key, live_key = cloud.key("test"), cloud.key("live")
    api = cloud.api(test_key)

    endpoint = api.post(f"{cloud.url}/v1/webhook_endpoints", timeout=30,
                        data=[("url", receiver.url)] + [("enabled_events[]", e) for e in SUBSCRIBED]).json()
    receiver.secret = endpoint["secret"]
    active, paused, archived = (create(api, cloud.url, f"kept {s}") for s in ("active", "paused", "archived"))
    # a free account's 26th resource fails (plan_limit_exceeded): a resource in `failed`
    free = json.loads(subprocess.run([sys.executable, "-m", "apictl", "create-account", "--plan", "free"],
                                     env={**cloud.env, **_aws(cloud)}, cwd=ROOT, capture_output=True, text=True,
                                     check=True).stdout)
    free_api = cloud.api(free["keys"]["test"])
    for i in range(26):
        create(free_api, cloud.url, f"free {i}")
    for r in (active, paused, archived):
        wait_for("provisioning", lambda r=r: get(api, cloud.url, r["id"])["status"] == "active")
    assert api.patch(f"{cloud.url}/v1/resources/{paused['id']}", data={"status": "paused"}, timeout=30).ok
    assert api.patch(f"{cloud.url}/v1/resources/{archived['id']}", data={"status": "archived"}, timeout=30).ok
    failed = wait_for("the 26th free resource to fail", lambda: free_api.get(
        f"{cloud.url}/v1/resources", params={"status": "failed"}, timeout=30).json()["data"], every=1.0)[0]
    assert failed["provisioning"]["failure"]["code"] == "plan_limit_exceeded"
    pending = create(api, cloud.url, "kept pending")
    wait_for("the execution to be under way",
             lambda: get(api, cloud.url, pending["id"])["provisioning"]["steps_completed"] >= 1)
    wait_for("a failed delivery", lambda: receiver.refused > 0)

    # -- Ctrl-C, and back
    cloud.interrupt()
    log = cloud.start()
    assert "restored" in log and "resources" in log and "webhook endpoint" in log, log
    assert (cloud.key("test"), cloud.key("live")) == (test_key, live_key)  # the same keys as yesterday
    expect = {active["id"]: "active", paused["id"]: "paused", archived["id"]: "archived"}
    for rid, status in expect.items():
        assert get(api, cloud.url, rid)["status"] == status
    assert free_api.get(f"{cloud.url}/v1/resources/{failed['id']}", timeout=30).json()["status"] == "failed"
    assert api.get(f"{cloud.url}/v1/webhook_endpoints/{endpoint['id']}", timeout=30).json()["url"] == receiver.url
    got = wait_for("the pending resource to finish provisioning",
                   lambda: (r := get(api, cloud.url, pending["id"]))["status"] != "pending" and r)
    assert got["status"] == "active" and got["provisioning"]["steps_completed"] == 5
    delivered_exactly_once(cloud, receiver, api)

    # -- more work in flight, then kill -9 of everything
    with receiver.lock:
        receiver.failing = True
    refused = receiver.refused
    second = create(api, cloud.url, "kept through kill -9")
    wait_for("the execution to be under way",
             lambda: get(api, cloud.url, second["id"])["provisioning"]["steps_completed"] >= 1)
    wait_for("a failed delivery", lambda: receiver.refused > refused)
    moment = time.time()
    cloud.saved_since(moment)
    cloud.kill()
    log = cloud.start()
    assert "restored" in log, log
    assert (cloud.key("test"), cloud.key("live")) == (test_key, live_key)
    for rid, status in expect.items():
        assert get(api, cloud.url, rid)["status"] == status
    got = wait_for("the second pending resource to finish provisioning",
                   lambda: (r := get(api, cloud.url, second["id"]))["status"] != "pending" and r)
    assert got["status"] == "active" and got["provisioning"]["steps_completed"] == 5
    delivered_exactly_once(cloud, receiver, api)
    cloud.interrupt()

    # -- FRESH=1: from nothing, the old world set aside
    log = cloud.start(FRESH="1")
    assert "FRESH=1: starting from nothing" in log and "restored" not in log, log
    assert cloud.key("test") != test_key
    assert cloud.api(cloud.key("test")).get(f"{cloud.url}/v1/resources", timeout=30).json()["data"] == []
    assert api.get(f"{cloud.url}/v1/resources", timeout=30).status_code == 401
    assert os.path.exists(os.path.join(cloud.state_dir, persistence.SNAPSHOT_NAME + persistence.PREVIOUS_SUFFIX))
    cloud.interrupt()


def damaged_snapshot(directory, damage: str) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, persistence.SNAPSHOT_NAME)
    if damage == "not a snapshot":
        with open(path, "wb") as f:
            f.write(b"{}")
        return path
    persistence.write_file(path, persistence.dumps({"backends": [], "config": {}}), {})
    with open(path, "rb") as f:
        data = f.read()
    if damage == "older format":
        data = data.replace(b'"format": %d' % persistence.FORMAT_VERSION, b'"format": 0')
    else:
        data = data[:-3] + b"xyz"
    with open(path, "wb") as f:
        f.write(data)
    return path


@pytest.mark.parametrize("damage,says", [("older format", "another version"), ("damaged", "damaged"),
                                         ("not a snapshot", "not a local cloud snapshot")])
def test_a_snapshot_it_cannot_load_says_why_and_the_way_out(tmp_path, damage, says):
    path = damaged_snapshot(tmp_path, damage)
    with pytest.raises(persistence.SnapshotError) as err:
        persistence.read_payload(path)
    assert says in str(err.value) and "make run FRESH=1" in str(err.value)


def test_the_local_cloud_refuses_a_damaged_snapshot_without_a_traceback(tmp_path):
    path = damaged_snapshot(tmp_path / "state", "damaged")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "PORT": str(localcloud_process.free_port()),
        "LOCAL_STATE_DIR": str(tmp_path / "state"),
        "LOCAL_STATE_FILE": str(tmp_path / "running.json"),
        "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")]),
    }
    out = subprocess.run([sys.executable, "-m", "localcloud"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "Traceback" not in text, text
    assert "is damaged" in text and "make run FRESH=1" in text, text
    assert os.path.exists(path)  # nothing is thrown away without FRESH=1


def _aws(cloud: Cloud) -> dict[str, str]:
    from localcloud.cloud import aws_environment

    return {**aws_environment(cloud.moto_url), "AWS_READ_TIMEOUT": "60"}
