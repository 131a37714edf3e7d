"""The local cloud keeps its world across restarts: a snapshot of moto's state.

The moto server (localcloud/motoserver.py) holds every piece of AWS state the local cloud
has: DynamoDB tables and items (with their streams), SQS queues and their messages
(in flight, delayed, scheduled for a retry), Step Functions state machines and
executions, CloudWatch, and whatever another service a later change starts to use. This
module, loaded in that process, saves all of it and loads it back:

- *Generic.* Every moto backend in use (moto's own list, `BackendDict._instances`) is
  pickled as it is, in every account and region, with moto's run-time configuration. A
  table, an index, an item or a queue that a later change adds persists with no code
  here. DynamoDB items, the bulk of a world, are saved packed per partition and opened
  on first touch (localcloud/lazyitems.py), and so are finished Step Functions
  executions (localcloud/lazyexecutions.py), so a big world starts at once and an idle
  partition is saved again as it was loaded. The packed blobs lie after the pickle
  (protocol 5 buffers) and are read from the mapped file where they lie. Only what
  cannot outlive the process is replaced in the file: locks and threads
  (fresh ones on load), the open shard iterators of streams (a reader takes new ones),
  and a running execution's interpreter (its history and where it had got to are kept;
  see "Work in flight").
- *Consistent.* A snapshot is taken between requests: every request passes a gate, and
  the snapshot closes it for as long as it takes to fork the process (a few ms); the
  child writes the copy of the world it was forked with while the server goes on (as
  Redis's BGSAVE does), so the server's own cost is the fork. The file is written to a
  temporary name, fsynced, and renamed over the last one (then the directory is
  fsynced), so a crash leaves the previous snapshot or the new one, never half of one.
  A header carries the format version, the moto version that wrote it, and the payload's
  SHA-256: an older or foreign file, or a damaged one, is refused with a message that
  says how to start afresh, never loaded half-way.
- *Periodic.* A snapshot is taken at most every LOCAL_SNAPSHOT_INTERVAL seconds (default
  1) when something changed: at once when the server is idle (its own CPU under a tenth
  of a core over the last 0.6 s); while it is busy, no sooner than CPU_SHARE times the
  last snapshot's CPU (the child's) after the last one started, so that snapshots never
  take more than 1/CPU_SHARE of a core from the requests; and once more when the server
  is stopped (SIGTERM, which the local cloud sends on Ctrl-C). A `kill -9` loses at most
  the writes since the last snapshot started (docs/localcloud.md has the measured
  figures).

On load (`restore`), before the server answers its first request:

- items whose TTL attribute (the table's TimeToLiveSpecification) has passed are
  gone, as DynamoDB would have deleted them while the cloud was down (a packed
  partition is dropped whole if they were all it held, else they are removed when it is
  opened, before anything sees them: LazyItems.expire);
- each stream keeps only the records its reader had not yet taken: the reader's position
  is the start of its last GetRecords (a reader asks for the next batch only once it
  has processed the one before, or asks again from the record that failed), so the
  local stream poller, which starts at TRIM_HORIZON, goes on from where it stopped: a
  change committed but not yet turned into an event is processed after the restart
  (the subscribers are idempotent, so a batch that was in hand is processed again
  without effect);
- an SQS message a consumer had received but not yet deleted, and whose visibility the
  consumer had not changed, becomes visible again at once: its consumer died with the
  cloud (a message whose visibility was set on purpose, a scheduled webhook retry,
  keeps its time, as does a delayed one);
- executions that were running are resumed from the state they had reached (the last
  state entered, with its input; the next state with the output of the last one exited),
  once the server listens; a Task state that had completed its call but not recorded it
  is called again with the same ClientRequestToken, which DynamoDB answers as the same
  request (localcloud/motopatches/tokens.py), so every provisioning step applies once.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import copyreg
import datetime
import functools
import gc
import hashlib
import io
import json
import mmap
import os
import pickle
import resource
import signal
import struct
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from localcloud import lazyexecutions, lazyitems

FORMAT_VERSION = 3  # 2: DynamoDB items packed per partition (localcloud/lazyitems.py); 3: a table's partitions
# in one PackedTable with flat summaries, finished executions packed (localcloud/lazyexecutions.py)
MAGIC = b"LOCALCLOUD-SNAPSHOT\n"
SNAPSHOT_NAME = "moto.snapshot"
PREVIOUS_SUFFIX = ".previous"
STATE_DIR_ENV = "LOCAL_STATE_DIR"  # where the world is kept (the local cloud sets it; default .localcloud/)
INTERVAL_ENV = "LOCAL_SNAPSHOT_INTERVAL"
DEFAULT_INTERVAL_S = 1.0
EXIT_BAD_SNAPSHOT = 3  # the moto server's exit status when the saved state cannot be loaded
STATUS_PATH = "/_localcloud/state"
SNAPSHOT_PATH = "/_localcloud/snapshot"
GATE_TIMEOUT_S = 2.0
STOP_TIMEOUT_S = 100.0  # the last snapshot at stop, at most (the local cloud waits 120 s for it)
HISTORY = 64  # periodic snapshots whose costs `status` lists
CPU_SHARE = 50  # while the server is busy, snapshots use at most 1/50 of a core: a big world's are taken less often
TICK_S = 0.2  # the snapshot loop looks this often whether one is due
IDLE_TICKS = 3  # ... and whether the server was idle over the last IDLE_TICKS ticks:
IDLE_CPU_SHARE = 0.1  # at most a tenth of a core of its own CPU (pollers included): then one is taken at once

# Requests that change nothing (by the last part of X-Amz-Target): no snapshot for them.
READ_ONLY_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet")
READ_ONLY_EXCEPTIONS = ("GetRecords",)  # moves the stream reader's position (marked by the patch)


class SnapshotError(Exception):
    """The saved state cannot be loaded; str() says why and what to do."""


# ---------------------------------------------------------------------------- the file


def snapshot_path(directory: str) -> str:
    return os.path.join(directory, SNAPSHOT_NAME)


@functools.cache
def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


def write_file(path: str, payload: bytes, summary: dict[str, Any]) -> int:
    """Header + payload to `path`, atomically and durably; returns the bytes written."""
    header = {
        "format": FORMAT_VERSION,
        "moto": moto_version(),
        "python": "%d.%d" % sys.version_info[:2],
        "written": time.time(),
        "length": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "summary": summary,
    }
    head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
    tmp = f"{path}.tmp.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return len(head) + len(payload)


def read_header(path: str) -> tuple[dict[str, Any], int]:
    """The header of a snapshot and where its payload starts; SnapshotError if it is not
    one this version can load."""
    way_out = (
        f"Start from nothing with `make run FRESH=1` (the file is kept as {os.path.basename(path)}{PREVIOUS_SUFFIX}), "
        f"or move {path} away."
    )
    try:
        with open(path, "rb") as f:
            magic = f.read(len(MAGIC))
            line = f.readline(1 << 20)
    except OSError as exc:
        raise SnapshotError(f"the saved state {path} cannot be read ({exc.strerror}). {way_out}") from None
    if magic != MAGIC or not line.endswith(b"\n"):
        raise SnapshotError(f"the saved state {path} is not a local cloud snapshot, or is damaged. {way_out}")
    try:
        header = json.loads(line)
        header["format"], header["moto"], header["length"], header["sha256"]  # noqa: B018
    except (ValueError, KeyError, TypeError):
        raise SnapshotError(f"the saved state {path} has a damaged header. {way_out}") from None
    if header["format"] != FORMAT_VERSION or header["moto"] != moto_version():
        raise SnapshotError(
            f"the saved state {path} was written by another version of the local cloud "
            f"(snapshot format {header['format']}, moto {header['moto']}; this is format {FORMAT_VERSION}, "
            f"moto {moto_version()}) and cannot be loaded. {way_out}"
        )
    return header, len(MAGIC) + len(line)


def read_payload(path: str) -> tuple[dict[str, Any], memoryview]:
    """The header and the payload, mapped from the file (not copied: the packed
    partitions are read from it in place, `loads`), once its checksum is right."""
    header, offset = read_header(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size <= offset:
            payload = memoryview(b"")
        else:  # the mapping outlives a later snapshot renamed over the file (it keeps the inode)
            flags = mmap.MAP_PRIVATE | getattr(mmap, "MAP_POPULATE", 0)
            payload = memoryview(mmap.mmap(f.fileno(), 0, flags=flags, prot=mmap.PROT_READ))[offset:]
    if len(payload) != header["length"] or hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise SnapshotError(
            f"the saved state {path} is damaged (its contents do not match its checksum). "
            f"Start from nothing with `make run FRESH=1` (the file is kept as "
            f"{os.path.basename(path)}{PREVIOUS_SUFFIX}), or move it away."
        )
    return header, payload


def set_aside(directory: str) -> str | None:
    """FRESH=1: the snapshot becomes `<name>.previous` (one generation kept); returns its
    new path, or None if there was none."""
    path = snapshot_path(directory)
    if not os.path.exists(path):
        return None
    os.replace(path, path + PREVIOUS_SUFFIX)
    return path + PREVIOUS_SUFFIX


# ----------------------------------------------------------------- what is pickled how


def _none() -> None:
    return None


class FrozenHistory:
    """What a pickled Step Functions execution keeps of its interpreter: the history
    (GetExecutionHistory), the program's end state (DescribeExecution), and where it had
    got to (for resuming it)."""

    def __init__(self, history: list[dict[str, Any]], state: Any) -> None:
        self.history = history
        self.state = state
        self.event_manager = self
        self.callback_pool_manager = None

    def get_event_history(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.history)

    def program_state(self) -> Any:
        return self.state

    def set_stop(self, stop_date: Any, cause: Any, error: Any) -> None:  # a StopExecution before it resumed
        self.stop_requested = (stop_date, cause, error)


class FrozenWorker:
    def __init__(self, env: FrozenHistory | None) -> None:
        self.env = env

    def stop(self, stop_date: Any, error: Any, cause: Any) -> None:
        if self.env is not None:
            self.env.set_stop(stop_date, cause, error)

    def start(self) -> None:  # pragma: no cover - never started
        pass


def _frozen_worker(history: list[dict[str, Any]] | None, state: Any) -> FrozenWorker:
    return FrozenWorker(None if history is None else FrozenHistory(history, state))


FULL_HISTORIES = 200  # finished executions whose whole history is kept (the most recent ones)
_SHORT_HISTORY: set[int] = set()  # id() of the workers whose history is cut to its first and last events


def _reduce_worker(worker: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    env = getattr(worker, "env", None)
    if env is None:
        return _frozen_worker, (None, None)
    manager = env.event_manager
    # the events themselves (pickling copies them): no deep copy per execution per snapshot
    history = list(manager._history_event_list) if hasattr(manager, "_history_event_list") else list(
        manager.history)
    if id(worker) in _SHORT_HISTORY and len(history) > 2:
        history = [history[0], history[-1]]
    try:
        state = env.program_state()
    except Exception:  # noqa: BLE001
        state = None
    return _frozen_worker, (history, state)


def _limited_size_dict(items: dict[str, Any]) -> Any:
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    d = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(d, items)  # the item was within the size limit when saved: no check per attribute
    return d


def dispatch_table() -> dict[type, Callable[[Any], Any]]:
    """Reductions for what cannot be pickled as it is (see the module docstring)."""
    table: dict[type, Callable[[Any], Any]] = dict(copyreg.dispatch_table)
    table[type(threading.Lock())] = lambda _: (threading.Lock, ())
    table[type(threading.RLock())] = lambda _: (threading.RLock, ())
    table[threading.Condition] = lambda _: (threading.Condition, ())
    table[threading.Event] = lambda _: (threading.Event, ())
    table[threading.Semaphore] = lambda s: (threading.Semaphore, (s._value,))
    table[threading.Thread] = lambda _: (_none, ())
    table[FrozenWorker] = _reduce_worker
    with contextlib.suppress(ImportError):
        from moto.dynamodb.models.dynamo_type import LimitedSizeDict

        # unpickled one attribute at a time, each __setitem__ re-added the item's whole size
        table[LimitedSizeDict] = lambda d: (_limited_size_dict, (dict(d),))
    with contextlib.suppress(ImportError):
        from moto.dynamodbstreams.models import ShardIterator

        table[ShardIterator] = lambda _: (_none, ())
    with contextlib.suppress(ImportError):
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker, SyncExecutionWorker

        table[ExecutionWorker] = _reduce_worker
        table[SyncExecutionWorker] = _reduce_worker
        if _RESUMED is not None:
            table[_RESUMED] = _reduce_worker
    return table


_LAYOUT = struct.Struct("<QQ")  # the pickle's length, how many buffers


def dumps(world: Any) -> bytes:
    """The payload: the pickle of `world`, with the big buffers (a table's packed
    partitions, lazyitems.PackedTable) out of it, after it (pickle protocol 5), so that
    `loads` refers to them where they lie in the file instead of copying them."""
    buf = io.BytesIO()
    buffers: list[pickle.PickleBuffer] = []
    pickler = pickle.Pickler(buf, protocol=5, buffer_callback=buffers.append)
    pickler.dispatch_table = dispatch_table()
    pickler.dump(world)
    raws = [b.raw() for b in buffers]
    lengths = struct.pack(f"<{len(raws)}Q", *(len(r) for r in raws))
    return b"".join([_LAYOUT.pack(buf.tell(), len(raws)), lengths, buf.getbuffer(), *raws])


def loads(payload: Any) -> Any:
    """`dumps`'s world back; its buffers are views of `payload`."""
    view = memoryview(payload)
    length, count = _LAYOUT.unpack_from(view, 0)
    at = _LAYOUT.size + 8 * count
    pickled = view[at:at + length]
    at += length
    buffers = []
    for n in struct.unpack_from(f"<{count}Q", view, _LAYOUT.size):
        buffers.append(view[at:at + n])
        at += n
    return pickle.loads(pickled, buffers=buffers)


def partition_dumps() -> Callable[[Any], bytes]:
    """`dumps` for the many small values of one snapshot (a DynamoDB partition each):
    the dispatch table built once."""
    table = dispatch_table()

    def dump(value: Any) -> bytes:
        buf = io.BytesIO()
        pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = table
        pickler.dump(value)
        return buf.getvalue()

    return dump


# ------------------------------------------------------------------ moto's backends


def _backend_dicts() -> list[Any]:
    from moto.core.base_backend import BackendDict

    return list(BackendDict._instances)


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def capture() -> dict[str, Any]:
    """The world as a picklable value: every backend in use, and moto's configuration."""
    from moto.core.config import default_user_config

    trim_read_records()
    finished = []
    for backend in iter_backends("moto.stepfunctions"):
        for machine in getattr(backend, "state_machines", []):
            lazyexecutions.prepare(machine)  # its finished executions packed (packed ones as they were loaded)
            for execution in lazyexecutions.unpacked(getattr(machine, "executions", [])):
                if lazyexecutions.status_of(execution) != lazyexecutions.RUNNING:
                    finished.append(execution)
    finished.sort(key=lambda e: getattr(e, "stop_date", None) or getattr(e, "start_date", None) or 0, reverse=True)
    _SHORT_HISTORY.clear()
    _SHORT_HISTORY.update(id(e.exec_worker) for e in finished[FULL_HISTORIES:])
    for backend in iter_backends("moto.dynamodb.models"):
        for table in getattr(backend, "tables", {}).values():
            lazyitems.prepare(table)  # its items packed per partition (a packed one as it was loaded)
    backends = []
    for bd in _backend_dicts():
        for account_id, region, backend in list(bd.iter_backends()):
            backends.append((_class_path(bd.backend), account_id, region, backend))
    return {"backends": backends, "config": copy.deepcopy(dict(default_user_config))}


def _backend_dict_for(class_path: str) -> Any:
    import importlib

    from moto.core.base_backend import BackendDict

    module_name, _, qualname = class_path.partition(":")
    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if isinstance(value, BackendDict) and _class_path(value.backend) == class_path:
            return value
    raise SnapshotError(f"moto has no backend {class_path} any more")


def install(world: dict[str, Any]) -> None:
    """Put a loaded world in place of moto's (empty) state."""
    from moto.core.config import default_user_config

    for key, value in (world.get("config") or {}).items():
        if isinstance(value, dict) and isinstance(default_user_config.get(key), dict):
            default_user_config[key].update(value)  # type: ignore[literal-required]
        else:
            default_user_config[key] = value  # type: ignore[literal-required]
    for class_path, account_id, region, backend in world["backends"]:
        bd = _backend_dict_for(class_path)
        bd[account_id][region] = backend  # creates the account's entry and registers bd as in use


def iter_backends(kind: str) -> Iterator[Any]:
    for bd in _backend_dicts():
        if bd.backend.__module__.startswith(kind):
            for _, _, backend in list(bd.iter_backends()):
                yield backend


# ------------------------------------------------------------ restore's adjustments


def purge_expired(now: float) -> int:
    """Delete items whose TTL passed (DynamoDB deletes them within days; a stopped local
    cloud catches up at once). No stream record: nothing reads TTL deletions here."""
    removed = 0
    for backend in iter_backends("moto.dynamodb.models"):
        for table in list(getattr(backend, "tables", {}).values()):
            ttl = getattr(table, "ttl", None) or {}
            attr = ttl.get("AttributeName")
            if ttl.get("TimeToLiveStatus") != "ENABLED" or not attr:
                continue
            expired = []
            packed = table.items.expire(now, attr) if isinstance(table.items, lazyitems.LazyItems) else None
            if packed is not None:  # the packed partitions' expired items counted, and gone when opened
                removed += packed
                candidates = [i for part in table.items.opened_values() for i in
                              (part.values() if isinstance(part, dict) else [part])]
            else:
                candidates = table.all_items()
            for item in candidates:
                value = item.attrs.get(attr)
                if value is None or value.type != "N":
                    continue
                try:
                    if float(value.value) < now:
                        expired.append(item)
                except (TypeError, ValueError):
                    continue
            shard, table.stream_shard = table.stream_shard, None
            try:
                for item in expired:
                    table.delete_item(item.hash_key, item.range_key)
            finally:
                table.stream_shard = shard
            removed += len(expired)
    return removed


def trim_read_records() -> int:
    """Drop the stream records its reader has taken (as DynamoDB drops records after 24 h):
    what is saved and restored is what the reader has not processed yet."""
    kept = 0
    for backend in iter_backends("moto.dynamodb.models"):
        for table in getattr(backend, "tables", {}).values():
            shard = getattr(table, "stream_shard", None)
            if shard is None:
                continue
            position = getattr(shard, "reader_position", None)
            if position is not None:
                done = max(0, min(len(shard.items), position - shard.starting_sequence_number))
                if done:
                    del shard.items[:done]
                    shard.starting_sequence_number += done
            kept += len(shard.items)
    return kept


def trim_streams() -> int:
    """At restore: each stream from its reader's position on, and no open iterator;
    returns the records kept."""
    kept = trim_read_records()
    for backend in iter_backends("moto.dynamodbstreams"):
        if hasattr(backend, "shard_iterators"):
            backend.shard_iterators.clear()
    return kept


def release_received_messages(now_ms: float) -> tuple[int, int]:
    """(messages kept, in-flight messages whose consumer died made visible again)."""
    messages = released = 0
    for backend in iter_backends("moto.sqs"):
        for queue in getattr(backend, "queues", {}).values():
            for message in list(getattr(queue, "_messages", [])):
                messages += 1
                if message.visible_at > now_ms and not getattr(message, "visibility_set", False):
                    message.visible_at = 0.0
                    released += 1
    return messages, released


def resume_point(definition: str, history: list[dict[str, Any]]) -> tuple[str, Any] | None:
    """Where a running execution had got to: (state name, its input), or None to start
    it again from the beginning. Only top-level states are considered."""
    try:
        states = json.loads(definition)["States"]
    except (ValueError, KeyError, TypeError):
        return None
    entered: tuple[str, Any] | None = None
    exited: tuple[str, Any] | None = None
    for event in history:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            details = event.get("stateEnteredEventDetails") or {}
            if details.get("name") in states:
                entered, exited = (details["name"], details.get("input")), None
        elif kind.endswith("StateExited"):
            details = event.get("stateExitedEventDetails") or {}
            if entered is not None and details.get("name") == entered[0]:
                exited = (details["name"], details.get("output"))
    if entered is None:
        return None
    if exited is not None:
        state = states.get(exited[0]) or {}
        if state.get("Type") in ("Task", "Wait", "Pass") and state.get("Next") in states:
            return state["Next"], _json(exited[1])
    return entered[0], _json(entered[1])


def _json(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def running_executions() -> list[Any]:
    out = []
    for backend in iter_backends("moto.stepfunctions"):
        for machine in getattr(backend, "state_machines", []):
            for execution in lazyexecutions.unpacked(getattr(machine, "executions", [])):  # running: never packed
                status = getattr(execution, "status", None)
                if status == "RUNNING" and isinstance(getattr(execution, "exec_worker", None), FrozenWorker):
                    out.append(execution)
    return out


_RESUMED: type | None = None


def resumed_worker_class() -> type:
    """moto's execution worker, started at the state a restored execution had reached,
    with the history it had so far."""
    global _RESUMED
    if _RESUMED is None:
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        class ResumedExecutionWorker(ExecutionWorker):
            resume: tuple[list[dict[str, Any]], tuple[str, Any] | None, Any] = ([], None, None)

            def _execution_logic(self) -> None:
                from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext

                history, point, stop = self.resume
                program = self._get_evaluation_entrypoint()
                self.env = self._get_evaluation_environment()
                manager = self.env.event_manager
                if history:
                    manager._history_event_list.extend(history)
                    last = max(int(e.get("id", 0) or 0) for e in history)
                    manager._event_id_gen._next_id = last + 1
                    self.env.event_history_context = EventHistoryContext(previous_event_id=last)
                if point is not None:
                    program = copy.copy(program)  # the parsed program may be shared (a speed-up caches it)
                    program.start_at = copy.copy(program.start_at)
                    program.start_at.start_at_name = point[0]
                    self.env.states.reset(input_value=point[1])
                if stop is not None:
                    self.env.set_stop(stop_date=stop[0], cause=stop[1], error=stop[2])
                program.eval(self.env)
                self._execution_communication.terminated()

        _RESUMED = ResumedExecutionWorker
    return _RESUMED


def resume_execution(execution: Any) -> str:
    """Run a restored RUNNING execution on from where it was (in a new interpreter)."""
    frozen: FrozenWorker = execution.exec_worker
    history = list(frozen.env.history) if frozen.env is not None else []
    stop = getattr(frozen.env, "stop_requested", None) if frozen.env is not None else None
    point = resume_point(execution.state_machine.definition, history)
    worker = execution._get_start_execution_worker()
    worker.__class__ = resumed_worker_class()
    worker.resume = (history, point, stop)
    execution.exec_worker = worker
    worker.start()
    return point[0] if point else "(the start)"


# ------------------------------------------------------------------------- summary


def summarize() -> dict[str, Any]:
    """What the world holds, by kind: items of each table by their `entity` (or `object`)
    attribute, queues and messages, executions by status."""
    items: dict[str, int] = {}
    tables = 0
    for backend in iter_backends("moto.dynamodb.models"):
        for table in getattr(backend, "tables", {}).values():
            tables += 1
            if isinstance(table.items, lazyitems.LazyItems):
                for name, n in table.items.kind_counts().items():
                    items[name] = items.get(name, 0) + n
                continue
            for item in table.all_items():
                name = lazyitems.kind_of(item)
                items[name] = items.get(name, 0) + 1
    queues = messages = 0
    for backend in iter_backends("moto.sqs"):
        for queue in getattr(backend, "queues", {}).values():
            queues += 1
            messages += len(getattr(queue, "_messages", []))
    executions: dict[str, int] = {}
    for backend in iter_backends("moto.stepfunctions"):
        for machine in getattr(backend, "state_machines", []):
            machine_executions = getattr(machine, "executions", [])
            if isinstance(machine_executions, lazyexecutions.LazyExecutions):
                for status, n in machine_executions.status_counts().items():
                    executions[status] = executions.get(status, 0) + n
                continue
            for execution in machine_executions:
                status = str(getattr(execution, "status", "") or "")
                executions[status] = executions.get(status, 0) + 1
    return {"tables": tables, "items": items, "queues": queues, "messages": messages, "executions": executions}


# ---------------------------------------------------------------------------- gate


class Gate:
    """Requests pass in any number; `closed()` waits until none is inside and keeps new
    ones out while it lasts. It gives up after `timeout` (a request that waits on another
    one, such as an SQS long poll, must not stall the server): then no snapshot is taken
    this time."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.inside = 0
        self.shut = False

    def enter(self) -> None:
        with self.cond:
            while self.shut:
                self.cond.wait()
            self.inside += 1

    def leave(self) -> None:
        with self.cond:
            self.inside -= 1
            if self.inside == 0 and self.shut:
                self.cond.notify_all()

    @contextlib.contextmanager
    def closed(self, timeout: float) -> Iterator[bool]:
        with self.cond:
            mine = self.cond.wait_for(lambda: not self.shut, timeout)  # else another snapshot holds it
            if mine:
                self.shut = True
                ok = self.cond.wait_for(lambda: self.inside == 0, timeout)
        if not mine:
            yield False
            return
        try:
            yield ok
        finally:
            with self.cond:
                self.shut = False
                self.cond.notify_all()


# ------------------------------------------------------------------------ the keeper


def _faults() -> int:
    """The server's minor page faults so far (all its threads)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Persistence:
    """In the moto server: restore at start, snapshot periodically and at stop."""

    def __init__(self, directory: str, interval: float = DEFAULT_INTERVAL_S) -> None:
        self.directory = directory
        self.path = snapshot_path(directory)
        self.interval = interval
        self.gate = Gate()
        self.changes = 0  # requests that changed something since the server started
        self.saved_changes = 0  # `changes` when the last snapshot was taken
        self.restored: dict[str, Any] | None = None
        self.stats: dict[str, Any] = {"last_cpu_seconds": None, "snapshots": 0, "failures": 0, "last_error": None, "last_bytes": None,
                                      "last_seconds": None, "last_written": None, "skipped_busy": 0}
        # What each periodic snapshot cost, for `make bench` (bench/persistence.py): the
        # child's CPU, the server's own CPU in fork(), and the server's page faults while
        # the child lived (its copy-on-write copies), beside the server's fault rate while
        # no child lived (`between`).
        self.history: collections.deque[dict[str, Any]] = collections.deque(maxlen=HISTORY)
        self.between = {"faults": 0, "seconds": 0.0}
        self._free_since: tuple[float, int] | None = None  # (monotonic, faults) when the last child ended
        self._child_record: dict[str, Any] = {}
        self.child: int | None = None
        self.child_started = 0.0
        self.child_changes = 0
        self.lock = threading.Lock()  # one snapshot at a time
        self.reaper: threading.Thread | None = None
        self.stopping = False

    @classmethod
    def from_env(cls) -> Persistence | None:
        directory = os.environ.get(STATE_DIR_ENV, "").strip()
        if not directory:
            return None
        interval = float(os.environ.get(INTERVAL_ENV, "") or DEFAULT_INTERVAL_S)
        return cls(os.path.abspath(directory), interval)

    # -- restore

    def restore(self) -> dict[str, Any] | None:
        """Load the saved world, if there is one; SnapshotError if it cannot be."""
        os.makedirs(self.directory, exist_ok=True)
        patch_moto(self)
        if not os.path.exists(self.path):
            return None
        started, cpu_started = time.monotonic(), time.process_time()
        header, payload = read_payload(self.path)
        gc.disable()  # a big world is millions of objects: no collection passes while they are made
        try:
            world = loads(payload)
            install(world)
        except SnapshotError:
            raise
        except Exception as exc:  # noqa: BLE001 - a payload this moto cannot rebuild
            raise SnapshotError(
                f"the saved state {self.path} could not be loaded ({type(exc).__name__}: {exc}). "
                f"Start from nothing with `make run FRESH=1` (the file is kept as "
                f"{SNAPSHOT_NAME}{PREVIOUS_SUFFIX}), or move it away."
            ) from None
        finally:
            gc.enable()
        gc.freeze()  # and none later over what was loaded (as after a fork-server's preload)
        del world, payload
        now = time.time()
        from localcloud.motopatches import tokens

        for backend in iter_backends("moto.dynamodb.models"):
            tokens.refresh(backend, now)
        expired = purge_expired(now)
        pending_records = trim_streams()
        messages, released = release_received_messages(now * 1000)
        running = running_executions()
        self.restored = {
            "written": header["written"],
            "seconds": round(time.monotonic() - started, 3),
            "cpu_seconds": round(time.process_time() - cpu_started, 3),  # the server does nothing else meanwhile
            "bytes": header["length"],
            "expired_items": expired,
            "stream_records_pending": pending_records,
            "messages_released": released,
            "executions_resumed": len(running),
            **summarize(),
        }
        return self.restored

    def resume(self) -> None:
        """Resume the executions that were running (once the server takes requests)."""
        for execution in running_executions():
            try:
                resume_execution(execution)
            except Exception as exc:  # noqa: BLE001
                print(f"[localcloud] could not resume execution {execution.name}: {exc}", file=sys.stderr, flush=True)

    # -- requests

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if path.startswith("/_localcloud/"):
                return self.admin(environ, start_response)
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            self.gate.enter()
            try:
                result = app(environ, start_response)
                try:
                    body = b"".join(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
                if self.changes_state(target, body):
                    self.changes += 1
            finally:
                self.gate.leave()
            return [body]

        return application

    @staticmethod
    def changes_state(target: str, body: bytes) -> bool:
        operation = target.rpartition(".")[2]
        if not operation:
            return True  # REST and query APIs, moto-api: assume it did
        if operation == "ReceiveMessage":
            return b"ReceiptHandle" in body
        if operation in READ_ONLY_EXCEPTIONS:
            return False  # the patched get_records counts a move of the reader
        return not operation.startswith(READ_ONLY_PREFIXES)

    def admin(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == SNAPSHOT_PATH and environ.get("REQUEST_METHOD") == "POST":
            ok = self.snapshot(fork=False, force=True)
            out = {"saved": ok, **self.status()}
        elif path == STATUS_PATH:
            out = self.status()
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "not found"}']
        body = json.dumps(out, default=str).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def status(self) -> dict[str, Any]:
        return {"directory": self.directory, "file": self.path, "interval_s": self.interval,
                "restored": self.restored, "unsaved_changes": self.changes - self.saved_changes, **self.stats,
                "history": list(self.history), "between": dict(self.between),
                "writing_since": self._child_record.get("started") if self.child is not None else None}

    # -- snapshots

    def snapshot(self, fork: bool = True, force: bool = False) -> bool:
        """Take one if anything changed since the last; True if one was written (or, with
        fork, started)."""
        while True:
            if not fork:
                self._wait_child()
            with self.lock:
                if self.child is None:
                    break
            if fork:
                return False  # the last one is still being written
        with self.lock:
            if self.child is not None:
                return False
            if not force and self.changes == self.saved_changes:
                return False
            started = time.monotonic()
            with self.gate.closed(GATE_TIMEOUT_S) as ok:
                if not ok:
                    self.stats["skipped_busy"] += 1
                    return False
                changes = self.changes
                if fork:
                    faults, cpu = _faults(), time.thread_time()
                    pid = self._fork()
                    if pid:
                        now = time.monotonic()
                        if self._free_since is not None:
                            self.between["faults"] += faults - self._free_since[1]
                            self.between["seconds"] = round(self.between["seconds"] + now - self._free_since[0], 3)
                        self._child_record = {"started": time.time(), "fork_cpu_seconds": round(time.thread_time() - cpu, 6),
                                              "faults_at_fork": faults}
                        self.child, self.child_started, self.child_changes = pid, started, changes
                        self.reaper = threading.Thread(target=self._reap, args=(pid,), name="snapshot-reaper",
                                                       daemon=True)
                        self.reaper.start()
                        return True
                payload, summary = dumps(capture()), {}
            size = write_file(self.path, payload, summary)
            self._done(started, size, changes)
            return True

    def _fork(self) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded, fork() may deadlock"
            moto_version()  # read once, in the server: the child inherits it
            pid = os.fork()
        if pid == 0:  # the child: write the world as it was at the fork, and go
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                gc.disable()  # a collection pass would touch (copy) the server's pages: this process ends soon
                write_file(self.path, dumps(capture()), {})
            except BaseException as exc:  # noqa: BLE001
                with contextlib.suppress(Exception):
                    os.write(2, f"[localcloud] snapshot failed: {type(exc).__name__}: {exc}\n".encode())
                code = 1
            os._exit(code)
        return pid

    def _reap(self, pid: int) -> None:
        _, status, usage = os.wait4(pid, 0)
        with self.lock:
            cpu, faults, now = usage.ru_utime + usage.ru_stime, _faults(), time.monotonic()
            self.stats["last_cpu_seconds"] = round(cpu, 3)
            record = self._child_record
            self.history.append({"started": record.get("started"), "seconds": round(now - self.child_started, 3),
                                 "cpu_seconds": round(cpu, 4),
                                 "child_faults": usage.ru_minflt,
                                 "fork_cpu_seconds": record.get("fork_cpu_seconds"),
                                 "server_faults": faults - record.get("faults_at_fork", faults)})
            self._free_since = (now, faults)
            if os.waitstatus_to_exitcode(status) == 0:
                self._done(self.child_started, os.path.getsize(self.path), self.child_changes)
            else:
                self.stats["failures"] += 1
                self.stats["last_error"] = f"snapshot process exited with {os.waitstatus_to_exitcode(status)}"
            self.child = None

    def _wait_child(self) -> None:
        reaper = self.reaper
        if reaper is not None:
            reaper.join()

    def _done(self, started: float, size: int, changes: int) -> None:
        self.saved_changes = max(self.saved_changes, changes)
        self.stats["snapshots"] += 1
        self.stats["last_bytes"] = size
        self.stats["last_seconds"] = round(time.monotonic() - started, 3)
        self.stats["last_written"] = time.time()

    def run_periodically(self) -> None:
        def loop() -> None:
            last_start: float | None = None
            samples: collections.deque[tuple[float, float]] = collections.deque(maxlen=IDLE_TICKS + 1)
            while not self.stopping:
                time.sleep(TICK_S)
                if self.stopping:
                    return
                now = time.monotonic()
                samples.append((now, time.process_time()))
                if last_start is not None and now - last_start < self.interval:
                    continue
                # A big world's snapshot costs more CPU: while the server is busy, snapshots
                # start no more often than once per CPU_SHARE times the last one's CPU
                # (start to start), so that they never take more than 1/CPU_SHARE of a core
                # from the requests; while it is idle they cost no request anything.
                due = last_start is None or now - last_start >= CPU_SHARE * (self.stats.get("last_cpu_seconds") or 0.0)
                (t0, c0), (t1, c1) = samples[0], samples[-1]
                idle = len(samples) > IDLE_TICKS and (c1 - c0) <= IDLE_CPU_SHARE * (t1 - t0)
                if not (due or idle):
                    continue
                try:
                    if self.snapshot(fork=True):
                        last_start = now
                        self._wait_child()
                        samples.clear()  # the server's copy-on-write while it lived is not a request's
                except Exception as exc:  # noqa: BLE001 - a failed one is retried at the next tick
                    self.stats["failures"] += 1
                    self.stats["last_error"] = f"{type(exc).__name__}: {exc}"

        threading.Thread(target=loop, name="snapshots", daemon=True).start()

    def final_snapshot(self) -> None:
        """At stop: wait for a snapshot being written, then write the world as it is now."""
        self.stopping = True
        started = time.monotonic()
        try:
            if self.changes == self.saved_changes:
                self._wait_child()
                print("[localcloud] nothing changed since the last snapshot", file=sys.stderr, flush=True)
                return
            for _ in range(30):  # a request still inside the gate (an execution's task) ends soon
                if self.snapshot(fork=False, force=True):
                    print(f"[localcloud] saved the world to {self.path} ({self.stats['last_bytes'] / 1e6:.1f} MB, "
                          f"{time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)
                    return
            print("[localcloud] could not save the state at stop: requests kept running; the last snapshot "
                  f"({self.path}) stays", file=sys.stderr, flush=True)
        except Exception as exc:  # noqa: BLE001
            print(f"[localcloud] could not save the state at stop: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)

    def serve(self, app: Callable[..., Iterable[bytes]], host: str, port: int) -> Callable[..., Iterable[bytes]]:
        """The moto server's hooks: the gate around `app`, the signals, the periodic
        snapshots, and the resumption of executions once `host:port` answers."""
        self.install_signals()
        self.run_periodically()

        def resume_when_listening() -> None:
            import socket

            for _ in range(600):
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            self.resume()

        threading.Thread(target=resume_when_listening, name="resume-executions", daemon=True).start()
        return self.wrap(app)

    def install_signals(self) -> None:
        def stop(signum: int, _frame: Any) -> None:
            # Once: a second SIGTERM (the parent's death after its own) must not re-enter
            # the snapshot this one holds the locks of. The snapshot runs in a thread, so
            # that whatever this (main) thread was doing cannot block it; bounded.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            saver = threading.Thread(target=self.final_snapshot, name="final-snapshot", daemon=True)
            saver.start()
            saver.join(STOP_TIMEOUT_S)
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
        # Ctrl-C reaches the whole process group; the local cloud stops its pollers first
        # and then sends SIGTERM, so that what they do until then is saved too.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


# ------------------------------------------------------------ moto patches it needs


_PATCHED = False


def patch_moto(keeper: Persistence) -> None:
    """Record what the restore needs and moto does not keep: a stream reader's position,
    whether a consumer set a message's visibility, and the end of an execution (a change
    made by no request)."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    lazyitems.patch_moto()
    lazyexecutions.patch_moto()
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend
    from moto.sqs.models import Message, SQSBackend

    original_get_records = DynamoDBStreamsBackend.get_records

    def get_records(self: Any, iterator_arn: str, limit: int) -> Any:
        iterator = self.shard_iterators.get(iterator_arn)
        if iterator is not None:
            shard = iterator.stream_shard
            if getattr(shard, "reader_position", None) != iterator.sequence_number:
                shard.reader_position = iterator.sequence_number
                keeper.changes += 1
        return original_get_records(self, iterator_arn, limit)

    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]

    original_received = Message.mark_received

    def mark_received(self: Any, visibility_timeout: Any = None) -> None:
        original_received(self, visibility_timeout)
        self.visibility_set = False

    Message.mark_received = mark_received  # type: ignore[method-assign]

    original_change = SQSBackend.change_message_visibility

    def change_message_visibility(self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
        original_change(self, queue_name, receipt_handle, visibility_timeout)
        queue = self.get_queue(queue_name)
        for message in queue._messages:
            if message.had_receipt_handle(receipt_handle):
                message.visibility_set = True

    SQSBackend.change_message_visibility = change_message_visibility  # type: ignore[method-assign]

    with contextlib.suppress(ImportError):
        from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

        original_terminated = BaseExecutionWorkerCommunication.terminated

        def terminated(self: Any) -> None:
            original_terminated(self)
            keeper.changes += 1

        BaseExecutionWorkerCommunication.terminated = terminated  # type: ignore[method-assign]


def describe(summary: dict[str, Any] | None) -> str:
    """'3 accounts, 120 resources, 4 webhook endpoints, ...' for `make run`."""
    if not summary:
        return "nothing"
    items = dict(summary.get("items") or {})
    first = ["account", "api_key", "resource", "webhook_endpoint", "event", "delivery_attempt"]
    parts = []
    for name in first + sorted(k for k in items if k not in first):
        n = items.get(name)
        if n:
            label = "other item" if name == "other" else name.replace("_", " ")
            parts.append(f"{n} {label}{'' if n == 1 or label.endswith('s') else 's'}")
    if summary.get("messages"):
        parts.append(f"{summary['messages']} queued webhook message{'s' if summary['messages'] != 1 else ''}")
    running = summary.get("executions_resumed") or 0
    if running:
        parts.append(f"{running} provisioning execution{'s' if running != 1 else ''} resumed")
    if summary.get("expired_items"):
        parts.append(f"{summary['expired_items']} expired items dropped (TTL)")
    return ", ".join(parts) or "an empty world"


def age(written: float) -> str:
    seconds = max(0, time.time() - written)
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return datetime.datetime.fromtimestamp(written).strftime("%Y-%m-%d %H:%M")
