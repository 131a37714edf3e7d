"""Route access kinds -> IAM grants.

Each route in the route table (layers/shared/python/resource_api/routes.py) names what
its function may touch, as a set of access kinds ("read", "write", ...). The construct
that owns a resource registers how to grant each kind it serves; the API construct then
grants every function exactly its route's kinds, and nothing else.

A new kind is one `register` call in the construct that owns the resource, e.g.

    access.register("start_execution", self.state_machine.grant_start_execution)
    access.register("send_message", self.queue.grant_send_messages)

plus the kind in the rows of routes.py that need it. A route naming a kind nobody
registered fails the synth, so a typo cannot silently grant nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aws_cdk import aws_iam as iam

Grant = Callable[[iam.IGrantable], Any]


class Access:
    def __init__(self) -> None:
        self._grants: dict[str, Grant] = {}

    def register(self, kind: str, grant: Grant) -> None:
        if kind in self._grants:
            raise ValueError(f"access kind {kind!r} is already registered")
        self._grants[kind] = grant

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._grants)

    def grant(self, kinds: Iterable[str], grantee: iam.IGrantable) -> None:
        for kind in sorted(kinds):
            if kind not in self._grants:
                raise KeyError(
                    f"no construct grants access {kind!r}; registered: {sorted(self._grants)} "
                    "(see infra/access.py)"
                )
            self._grants[kind](grantee)
