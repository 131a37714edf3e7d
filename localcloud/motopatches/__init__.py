"""The local cloud's changes to moto, in two kinds (registry.py says the rules):

- shims.py: correctness shims, where moto behaves unlike AWS; applied on any moto
  version, and the moto server refuses to start if one cannot apply;
- conflicts.py: a correctness shim of its own, DynamoDB's TransactionConflict when
  transactions on one item overlap (the server stamps each request's arrival for it);
- speedups.py: same answers, faster; applied only on the moto version pinned in
  requirements-dev.txt, otherwise skipped with a MotoPatchWarning naming each.

`apply()` is idempotent; motoserver.main() calls it before serving. docs/localcloud.md
lists them all and says how to bump moto.
"""

from __future__ import annotations

# They register their patches, in this order (the shims of shims.py first).
from . import shims  # noqa: F401, I001
from . import tokens  # noqa: F401 - transaction_tokens_are_idempotent (a shim)
from . import conflicts, speedups  # noqa: F401
from .registry import (
    SELECTION_ENV,
    SHIMS,
    SPEEDUPS,
    STATUS,
    MotoPatchWarning,
    MotoShimError,
    applied,
    apply_shims,
    apply_speedups,
    installed_moto_version,
    missing_targets,
    pinned_moto_version,
)

__all__ = [
    "SELECTION_ENV", "SHIMS", "SPEEDUPS", "STATUS", "MotoPatchWarning", "MotoShimError", "applied", "apply",
    "apply_shims", "apply_speedups", "installed_moto_version", "missing_targets", "pinned_moto_version",
]


def apply(names: list[str] | None = None) -> dict[str, str]:
    """Every shim, then the speed-ups `names` (default: LOCAL_MOTO_SPEEDUPS, which is all
    of them by default); the status of each speed-up ("applied" or why not)."""
    apply_shims()
    return apply_speedups(names)
