"""The local cloud's side of keeping its world across restarts (the moto server's side,
the snapshots themselves, is localcloud/persistence.py).

- where the world lives: LOCAL_STATE_DIR, by default `.localcloud/` in the checkout
  (ignored by git); LOCAL_PERSIST=0 keeps nothing (the world lives and dies with the
  process, as the tests' clouds do);
- FRESH=1 starts from nothing: the last snapshot is set aside as `moto.snapshot.previous`;
- one local cloud per directory (a lock file): a second one is told which directory is
  taken and how to use another;
- the start-up steps that make the table, queues and state machine find them already
  there after a restore and bring them up to date (an index added to the table since);
- the demo account's keys: kept in `demo-keys.json` in the directory (the table keeps
  only their hashes), so `make run` prints the same keys every day.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from typing import Any

from . import persistence

PERSIST_ENV = "LOCAL_PERSIST"
FRESH_ENV = "FRESH"
DEFAULT_DIR = ".localcloud"
KEYS_FILE = "demo-keys.json"
LOCK_FILE = "lock"
OFF = ("0", "no", "off", "false")


class StateDirInUse(RuntimeError):
    pass


def state_directory(root: str, env: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """Where this cloud keeps its world, or None when it keeps none."""
    if env.get(PERSIST_ENV, "1").strip().lower() in OFF:
        return None
    given = env.get(persistence.STATE_DIR_ENV, "").strip()
    return os.path.abspath(given or os.path.join(root, DEFAULT_DIR))


def wants_fresh(env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    return env.get(FRESH_ENV, "").strip().lower() not in ("", *OFF)


def shown(path: str) -> str:
    """A path as the user would type it from the checkout."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else path


class Keeper:
    def __init__(self, directory: str, log: Any) -> None:
        self.directory = directory
        self.log = log
        self.lock_fd: int | None = None

    def prepare(self, fresh: bool) -> None:
        """Make the directory, take its lock, and with `fresh` set the last world aside."""
        import fcntl

        os.makedirs(self.directory, exist_ok=True)
        ignore = os.path.join(self.directory, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w") as f:
                f.write("# the local cloud's saved world (make run); FRESH=1 starts afresh\n*\n")
        fd = os.open(os.path.join(self.directory, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            other = ""
            with contextlib.suppress(OSError, ValueError):
                with open(os.path.join(self.directory, LOCK_FILE)) as f:
                    other = f" (pid {int(f.read().strip())})"
            raise StateDirInUse(
                f"another local cloud{other} is using {shown(self.directory)}; stop it first, or give this one "
                f"its own state with LOCAL_STATE_DIR=/some/dir (or none with LOCAL_PERSIST=0)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.lock_fd = fd
        for name in os.listdir(self.directory):  # a snapshot being written when the cloud was killed
            if name.startswith(persistence.SNAPSHOT_NAME + ".tmp."):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.directory, name))
        if fresh:
            aside = persistence.set_aside(self.directory)
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(self.directory, KEYS_FILE))
            if aside:
                self.log(f"FRESH=1: starting from nothing (the last state is kept as {shown(aside)} "
                         "until the next FRESH=1)")
            else:
                self.log("FRESH=1: starting from nothing (there was no saved state)")

    def load_allowance(self) -> float:
        """Seconds more for the moto server to start when it loads a saved world (a big
        one takes a while: say so)."""
        try:
            size = os.path.getsize(persistence.snapshot_path(self.directory))
        except OSError:
            return 0.0
        if size > 50e6:
            self.log(f"loading the saved world ({size / 1e6:.0f} MB) ...")
        return size / 2e6  # 2 MB/s: far slower than measured

    def release(self) -> None:
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def report(self, moto_url: str) -> dict[str, Any] | None:
        """Say what the moto server restored (or that it starts empty); its summary."""
        with urllib.request.urlopen(f"{moto_url}{persistence.STATUS_PATH}", timeout=10) as resp:
            status = json.load(resp)
        restored = status.get("restored")
        where = shown(self.directory)
        if restored:
            self.log(
                f"restored {persistence.describe(restored)} from {where}/ (saved {persistence.age(restored['written'])}, "
                f"loaded in {restored['seconds']:.2f} s)"
            )
        else:
            self.log(f"no saved state in {where}/: starting from nothing")
        self.log(f"the world is kept in {where}/ (every {status['interval_s']:g} s and at stop); "
                 "`make run FRESH=1` starts from nothing")
        return restored

    # -- the demo account's keys

    def remembered_keys(self) -> dict[str, str]:
        try:
            with open(os.path.join(self.directory, KEYS_FILE)) as f:
                keys = json.load(f)
            return {k: v for k, v in keys.items() if isinstance(v, str)}
        except (OSError, ValueError, AttributeError):
            return {}

    def remember_keys(self, keys: dict[str, str]) -> None:
        path = os.path.join(self.directory, KEYS_FILE)
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(keys, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)


def key_is_active(account_id: str, secret: str) -> bool:
    """Whether `secret` is a live key of `account_id` in the table."""
    from resource_api.core import accounts, db, keys

    item = db.from_item(
        db.client()
        .get_item(TableName=db.table(), Key=db.to_item(keys.api_key(accounts.hash_key(secret))), ConsistentRead=True)
        .get("Item")
    )
    return bool(item) and item.get("account_id") == account_id and not item.get("revoked")


def demo_keys(account_id: str, given: list[str], remembered: dict[str, str]) -> dict[str, str]:
    """The demo account (made if it is not there) and its key of each mode: a key given
    in LOCAL_API_KEYS (added if new), else the one remembered from the last start if it
    is still valid, else a new one."""
    from resource_api.core import accounts

    if accounts.get_account(account_id) is None:
        accounts.create_account(plan="scale", account_id=account_id, name="Demo account")
    out = {}
    for mode in accounts.MODES:
        mine = [s for s in given if accounts.mode_of(s) == mode]
        candidate = mine[0] if mine else remembered.get(mode)
        if candidate and accounts.mode_of(candidate) == mode and key_is_active(account_id, candidate):
            out[mode] = candidate
        elif mine:
            out[mode] = accounts.add_key(account_id, mode, mine[0])["secret"]
        else:
            out[mode] = accounts.add_key(account_id, mode)["secret"]
    return out


# -- start-up steps that find their resources already there after a restore


def ensure_table(client: Any, request: dict[str, Any]) -> bool:
    """Create the table, or bring a restored one up to date (indexes added since); True
    if it was there already."""
    name = request["TableName"]
    try:
        described = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        client.create_table(**request)
        return False
    have = {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])}
    wanted = [i for i in request.get("GlobalSecondaryIndexes", []) if i["IndexName"] not in have]
    if wanted:
        attrs = request.get("AttributeDefinitions", [])
        for index in wanted:
            update = {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
            if "ProvisionedThroughput" in index:
                update["ProvisionedThroughput"] = index["ProvisionedThroughput"]
            client.update_table(TableName=name, AttributeDefinitions=attrs,
                                GlobalSecondaryIndexUpdates=[{"Create": update}])
    return True


def ensure_queue(sqs: Any, request: dict[str, Any]) -> str:
    """Create the queue, or give a restored one the attributes asked for; its URL."""
    try:
        return sqs.create_queue(**request)["QueueUrl"]
    except sqs.exceptions.QueueNameExists:
        url = sqs.get_queue_url(QueueName=request["QueueName"])["QueueUrl"]
        if request.get("Attributes"):
            sqs.set_queue_attributes(QueueUrl=url, Attributes=request["Attributes"])
        return url


def ensure_state_machine(sfn: Any, name: str, definition: str, role_arn: str) -> str:
    """Create the state machine, or give a restored one the current definition; its ARN."""
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                sfn.update_state_machine(stateMachineArn=machine["stateMachineArn"], definition=definition,
                                         roleArn=role_arn)
                return machine["stateMachineArn"]
    return sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn, type="STANDARD")[
        "stateMachineArn"
    ]
