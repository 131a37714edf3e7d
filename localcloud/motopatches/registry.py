"""The registry of the local cloud's changes to moto, and the rules for applying them.

Two kinds, registered by name in the order they apply:

- a *shim* makes moto behave as AWS does where it does not. It applies on any moto
  version: without it the local cloud would answer unlike AWS. If what it patches is
  missing (moto was changed), applying it raises MotoShimError, and the moto server does
  not start: better no local cloud than one that quietly behaves unlike AWS.
- a *speed-up* gives the same answers, faster. It applies only on the moto version pinned
  in requirements-dev.txt (the one whose internals it was written against and that its
  comparison test checked). On any other version, or when something it patches is
  missing, it is skipped with a MotoPatchWarning that names it and says why: moto then
  runs as installed, slower but right.

Bumping moto is the one line in requirements-dev.txt; `tests/localcloud` then says which
shim is no longer needed or no longer applies and which speed-up changes an answer
(docs/localcloud.md, "Bumping moto").
"""

from __future__ import annotations

import importlib
import os
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIREMENTS = os.path.join(ROOT, "requirements-dev.txt")

# LOCAL_MOTO_SPEEDUPS: "all" (the default), "none", or the names of the speed-ups to
# apply, comma-separated: to measure one, or to rule the speed-ups out when moto answers
# oddly (docs/localcloud.md).
SELECTION_ENV = "LOCAL_MOTO_SPEEDUPS"
NOT_SELECTED = f"skipped: not selected ({SELECTION_ENV})"


class MotoPatchWarning(RuntimeWarning):
    """A speed-up was not applied (moto runs as installed there: right, but slower)."""


class MotoShimError(RuntimeError):
    """A shim could not be applied: moto would behave unlike AWS."""


@dataclass(frozen=True)
class Patch:
    name: str
    kind: str  # "shim" or "speedup"
    apply: Callable[[], None]
    targets: tuple[str, ...]  # "module:attribute.path" that must exist for it to apply
    session: str  # the comparison session of tests/localcloud that exercises it

    @property
    def doc(self) -> str:
        return (self.apply.__doc__ or "").strip()


SHIMS: list[Patch] = []
SPEEDUPS: list[Patch] = []
# name -> "applied" or why not; a patch is applied at most once per process
STATUS: dict[str, str] = {}


def shim(*targets: str, session: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    return _register(SHIMS, "shim", targets, session)


def speedup(*targets: str, session: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    return _register(SPEEDUPS, "speedup", targets, session)


def _register(
    into: list[Patch], kind: str, targets: tuple[str, ...], session: str
) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        assert fn.__doc__, f"{fn.__name__}: say what AWS does, or what it speeds up"
        assert all(p.name != fn.__name__ for p in SHIMS + SPEEDUPS), fn.__name__
        into.append(Patch(fn.__name__, kind, fn, targets, session))
        return fn

    return register


def pinned_moto_version(path: str | None = None) -> str | None:
    """The version requirements-dev.txt pins moto to (`moto==X` or `moto[extras]==X`),
    or None if it pins none (or the file is not there)."""
    try:
        with open(path or REQUIREMENTS) as f:
            text = f.read()
    except OSError:
        return None
    match = re.search(r"^\s*moto(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def installed_moto_version() -> str:
    import moto

    return moto.__version__


def missing_targets(patch: Patch) -> list[str]:
    """The targets of a patch that this moto (or Python) does not have."""
    missing = []
    for target in patch.targets:
        module_name, _, path = target.partition(":")
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            missing.append(target)
            continue
        for part in path.split(".") if path else ():
            if not hasattr(obj, part):
                missing.append(target)
                break
            obj = getattr(obj, part)
    return missing


def apply_shims() -> None:
    """Every shim, on any moto version; raises MotoShimError if one cannot apply."""
    for patch in SHIMS:
        if STATUS.get(patch.name) == "applied":
            continue
        missing = missing_targets(patch)
        if missing:
            raise MotoShimError(
                f"moto shim {patch.name!r} cannot apply to moto {installed_moto_version()}: "
                f"{', '.join(missing)} not found. Without it moto behaves unlike AWS "
                f"({_first_line(patch)}). Update localcloud/motopatches/shims.py for this moto, "
                "or pin moto back in requirements-dev.txt."
            )
        try:
            patch.apply()
        except Exception as exc:
            raise MotoShimError(f"moto shim {patch.name!r} failed to apply: {exc!r}") from exc
        STATUS[patch.name] = "applied"


def selected(selection: str | None = None) -> set[str]:
    """The speed-ups LOCAL_MOTO_SPEEDUPS (or `selection`) asks for."""
    given = (os.environ.get(SELECTION_ENV, "all") if selection is None else selection).strip()
    if given in ("", "all"):
        return {p.name for p in SPEEDUPS}
    if given == "none":
        return set()
    names = {n.strip() for n in given.split(",") if n.strip()}
    unknown = names - {p.name for p in SPEEDUPS}
    if unknown:
        warnings.warn(f"{SELECTION_ENV}: no speed-up named {', '.join(sorted(unknown))}", MotoPatchWarning,
                      stacklevel=2)
    return names


def apply_speedups(names: Iterable[str] | None = None) -> dict[str, str]:
    """The speed-ups named (default: LOCAL_MOTO_SPEEDUPS, i.e. all), in registry order,
    if moto is the pinned version; a MotoPatchWarning for each one skipped, saying why.
    Returns the status of every speed-up."""
    wanted = selected() if names is None else set(names)
    version, pinned = installed_moto_version(), pinned_moto_version()
    # each is tried once per process (a skipped one is not warned about again), unless it
    # was only not selected before
    pending = [p for p in SPEEDUPS if p.name in wanted and STATUS.get(p.name, NOT_SELECTED) == NOT_SELECTED]
    if pending and version != pinned:
        why = (f"moto {version} is installed but requirements-dev.txt pins {pinned}" if pinned
               else f"requirements-dev.txt ({REQUIREMENTS}) pins no moto version")
        for patch in pending:
            STATUS[patch.name] = f"skipped: {why}"
        warnings.warn(
            f"moto speed-ups skipped ({why}); moto runs as installed, right but slower: "
            f"{', '.join(p.name for p in pending)}. Run tests/localcloud to see which still give "
            "moto's answers (docs/localcloud.md, 'Bumping moto').",
            MotoPatchWarning, stacklevel=2,
        )
        pending = []
    for patch in SPEEDUPS:
        if patch.name not in wanted and patch.name not in STATUS:
            STATUS[patch.name] = NOT_SELECTED
    for patch in pending:
        missing = missing_targets(patch)
        if missing:
            STATUS[patch.name] = f"skipped: {', '.join(missing)} not found in moto {version}"
        else:
            try:
                patch.apply()
                STATUS[patch.name] = "applied"
                continue
            except Exception as exc:  # a half-applied speed-up is a bug of the speed-up
                STATUS[patch.name] = f"skipped: failed to apply: {exc!r}"
        warnings.warn(f"moto speed-up {patch.name!r} {STATUS[patch.name]}; moto answers as installed there",
                      MotoPatchWarning, stacklevel=2)
    return {p.name: STATUS.get(p.name, "not applied") for p in SPEEDUPS}


def applied(name: str) -> bool:
    assert any(p.name == name for p in SHIMS + SPEEDUPS), name
    return STATUS.get(name) == "applied"


def _first_line(patch: Patch) -> str:
    return patch.doc.split("\n\n")[0].replace("\n", " ")
