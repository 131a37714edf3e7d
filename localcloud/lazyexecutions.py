"""A state machine's finished Step Functions executions kept packed until first touched.

A world holds an execution per resource ever provisioned; each is moto's `Execution` with
its own copy of the state machine and its history: a 10,000-resource world's executions
were a quarter of its restore. The saved world (localcloud/persistence.py) holds a state
machine's finished executions as zlib-compressed pickles ("chunks", one more per snapshot
that found newly finished ones), beside their names and their count by status; its
running executions are saved as they are (the restore resumes them). At load, the state
machine's `executions` becomes a `LazyExecutions`: moto's list, holding the running ones
(and those started since), whose packed ones are unpickled the first time anything reads
the list (DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution, ...:
moto walks the list for each), then in their places before the others. What needs no
opening: `len()`, appending (StartExecution), the execution-name check of StartExecution
(the names are kept: patched in `patch_moto`), the counts `make run` prints. A snapshot
saves chunks never opened since the load as they were loaded.
"""

from __future__ import annotations

import copy
import io
import pickle
import threading
import types
import zlib
from typing import Any

RUNNING = "RUNNING"


def status_of(execution: Any) -> str:
    try:
        return str(execution.status or "")
    except AttributeError:  # an execution whose status is not set yet: being started
        return RUNNING


def _backend_ref(backend: Any) -> tuple[Any, ...]:
    """An execution refers to its backend (through its copy of the state machine): a
    chunk names it instead of holding it."""
    from localcloud.persistence import _class_path

    return _backend_of, (_class_path(type(backend)), backend.account_id, backend.region_name)


def _backend_of(class_path: str, account_id: str, region: str) -> Any:
    from localcloud.persistence import _backend_dict_for

    return _backend_dict_for(class_path)[account_id][region]


def dump_chunk(executions: list[Any]) -> bytes:
    from localcloud.persistence import _backend_dicts, dispatch_table

    table = dispatch_table()
    for bd in _backend_dicts():  # by type: looked up by the pickler itself, no call per object
        table[bd.backend] = _backend_ref
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table
    pickler.dump(executions)
    return zlib.compress(buf.getvalue(), 1)


def load_chunk(chunk: bytes) -> list[Any]:
    return pickle.loads(zlib.decompress(chunk))


def _rebuild(unpacked: list[Any], chunks: list[bytes], names: frozenset[str], counts: dict[str, int],
             packed: int) -> LazyExecutions:
    patch_moto()  # whoever loads a world gets the name check that opens nothing
    d = LazyExecutions(unpacked)
    d.chunks, d.names, d.counts, d.packed = chunks, names, counts, packed
    return d


def _opening(name: str) -> Any:
    method = getattr(list, name)

    def opened(self: LazyExecutions, *args: Any, **kwargs: Any) -> Any:
        self.open()
        return method(self, *args, **kwargs)

    opened.__name__ = name
    return opened


class LazyExecutions(list):  # type: ignore[type-arg]
    """moto's `StateMachine.executions`, some of them still packed."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.chunks: list[bytes] = []
        self.names: frozenset[str] = frozenset()  # of the packed executions
        self.counts: dict[str, int] = {}  # the packed executions by status
        self.packed = 0
        self.lock = threading.RLock()

    def open(self) -> None:
        if not self.chunks:
            return
        with self.lock:
            if not self.chunks:
                return
            loaded: list[Any] = []
            for chunk in self.chunks:
                loaded.extend(load_chunk(chunk))
            list.__setitem__(self, slice(0, 0), loaded)
            self.chunks, self.names, self.counts, self.packed = [], frozenset(), {}, 0

    def unpacked(self) -> list[Any]:
        """The executions not packed (every running one among them), opening nothing."""
        return list.copy(self)

    def status_counts(self) -> dict[str, int]:
        out = dict(self.counts)
        for execution in list.__iter__(self):
            status = status_of(execution)
            out[status] = out.get(status, 0) + 1
        return out

    def __len__(self) -> int:
        return list.__len__(self) + self.packed

    def __bool__(self) -> bool:
        return len(self) > 0

    __hash__ = None  # type: ignore[assignment]

    def clear(self) -> None:
        list.clear(self)
        self.chunks, self.names, self.counts, self.packed = [], frozenset(), {}, 0

    def __copy__(self) -> list[Any]:
        self.open()
        return list.copy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        self.open()
        return [copy.deepcopy(e, memo) for e in list.__iter__(self)]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """The finished executions not packed yet become one more chunk."""
        unpacked = list.copy(self)
        running = [e for e in unpacked if status_of(e) == RUNNING]
        finished = [e for e in unpacked if status_of(e) != RUNNING]
        chunks, names, counts = list(self.chunks), set(self.names), dict(self.counts)
        if finished:
            chunks.append(dump_chunk(finished))
            for e in finished:
                names.add(e.name)
                status = status_of(e)
                counts[status] = counts.get(status, 0) + 1
        return _rebuild, (running, chunks, frozenset(names), counts, self.packed + len(finished))


for _name in ("__iter__", "__getitem__", "__setitem__", "__delitem__", "__contains__", "__reversed__", "__eq__",
              "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__mul__", "__rmul__", "__imul__",
              "__repr__", "index", "count", "remove", "pop", "insert", "sort", "reverse", "copy"):
    setattr(LazyExecutions, _name, _opening(_name))  # whatever reads the list opens it first
del _name


def prepare(machine: Any) -> None:
    """Before a snapshot: the state machine's executions as a LazyExecutions."""
    executions = getattr(machine, "executions", None)
    if isinstance(executions, list) and not isinstance(executions, LazyExecutions):
        machine.executions = LazyExecutions(executions)


def unpacked(executions: Any) -> list[Any]:
    """The executions of a list, without opening packed ones (all finished)."""
    return executions.unpacked() if isinstance(executions, LazyExecutions) else list(executions or [])


_PATCHED = False


def patch_moto() -> None:
    """StartExecution's check that the name is not taken reads the packed executions'
    names, not the executions (unless the name is one of theirs)."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    from moto.stepfunctions.models import StateMachine

    original = StateMachine._handle_name_input_idempotency

    def handle_name_input_idempotency(self: Any, name: str, execution_input: str) -> Any:
        executions = self.__dict__.get("executions")
        if isinstance(executions, LazyExecutions) and executions.chunks and name not in executions.names:
            return original(types.SimpleNamespace(executions=executions.unpacked()), name, execution_input)
        return original(self, name, execution_input)

    StateMachine._handle_name_input_idempotency = handle_name_input_idempotency  # type: ignore[method-assign]
