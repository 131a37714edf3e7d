"""Group commit: writes that threads make at about the same moment go out in one call.

The attempts of a delivery batch run on threads of one invocation, and those that fail
together (a stalled account's attempts are all cut at the same second) each had to record
itself and re-schedule its message: a PutItem and a ChangeMessageVisibility per attempt,
one after the other through the same client. Here a thread that submits a write while
another thread's call is under way waits for the next call, which takes everything
submitted meanwhile (up to the call's `size`): the first of a burst goes alone, the
rest together. Nobody waits for a timer: a lone write goes at once.

Each submitter returns only once its own write is done, or raises what the call raised
(for it alone when the call reports items one by one), so the caller's order of
effects is the same as with a call of its own: its record is stored before its message
is re-scheduled, and an error is its error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Slot:
    __slots__ = ("item", "done", "result", "error")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T]):
    """`submit(item)` from any thread; `flush(items)` writes up to `size` items in one
    call and returns one result per item, in order: an Exception instance for an item
    that failed alone. An exception `flush` raises is every item's of that call."""

    def __init__(self, flush: Callable[[list[T]], list[Any]], size: int) -> None:
        self._flush = flush
        self._size = size
        self._cond = threading.Condition()
        self._pending: list[_Slot] = []
        self._flushing = False
        self.calls = 0  # flushes made (tests, the bench's counts)

    def submit(self, item: T) -> Any:
        slot = _Slot(item)
        with self._cond:
            self._pending.append(slot)
        while True:
            with self._cond:
                while not slot.done and self._flushing:
                    self._cond.wait()
                if slot.done:
                    break
                self._flushing = True  # this thread writes what is pending, its own item first in line
                chunk = self._pending[: self._size]
                del self._pending[: self._size]
            try:
                self._run(chunk)
            finally:
                with self._cond:
                    self._flushing = False
                    self._cond.notify_all()
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _run(self, chunk: list[_Slot]) -> None:
        self.calls += 1
        try:
            results = self._flush([s.item for s in chunk])
        except BaseException as exc:  # noqa: BLE001 - each submitter raises it (a dying sandbox too)
            for s in chunk:
                s.error, s.done = exc, True
            return
        for s, result in zip(chunk, results):
            if isinstance(result, BaseException):
                s.error = result
            else:
                s.result = result
            s.done = True
        for s in chunk[len(results):]:  # a flush that answered fewer items than it took
            s.error, s.done = RuntimeError("the write gave no answer for this item"), True
