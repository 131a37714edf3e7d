"""`make mutate`: mutation testing of the modules that carry the guarantees (issue 24).

Each module is changed one small thing at a time (a mutant: `==` to `!=`, `and` to
`or`, `<` to `<=`, a constant, a `return` of None, a removed call or `raise`...), and
the tests that cover the module run against each mutant. A mutant some test fails on
is killed; one every test passes is a survivor: a change of behaviour nothing noticed,
or an equivalent change (docs/reliability.md, "Mutation testing", says which).

Why not mutmut: mutmut 3 copies the sources into mutants/ and runs the tests there,
which does not fit a layer under layers/shared/python imported through PYTHONPATH by
the tests; this runner is ~350 lines of stdlib. A mutant is never written to disk: the
tests of a module are collected once (one pytest session), then run in a process forked
per mutant, where every function and method of the module gets the mutated code in
place (`apply_mutant`: whoever imported a function calls the mutant). What this cannot
reach (a pydantic validator compiled at import, a constant another module copied with
`from x import NAME`) shows up as a survivor, and is explained as such.

    python -m tests.mutate [--only idempotency,signing] [--budget SECONDS] [--list] [--all-tests] [--out FILE]

Each mutant runs against the tests that execute one of its lines (recorded in one
traced run of the module's tests, as mutmut 3 and Stryker do), in their collected order;
a mutant of code that runs at import (a module constant, a default) runs against all of
them, and so does every mutant the selected tests let survive before it is called a
survivor. `--all-tests` runs every mutant against every test from the start.

Prints each module's score and every survivor (line, change, source line); writes
the same as JSON to build/mutation.json. Not part of `make test` (minutes).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import signal
import sys
import tempfile
import time
import types
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "shared" / "python"

# module -> the in-process tests that cover it (tests over real HTTP run the code in a
# child process, where a mutant is not loaded: they are not listed)
MODULES: dict[str, list[str]] = {  # pytest arguments
    "resource_api.webhooks.signing": ["tests/unit/test_signing.py"],
    "resource_api.batch.domain": [
        "tests/reliability/test_faults.py", "tests/unit/test_batch_delete.py", "tests/unit/test_batch_limits.py",
        "tests/unit/test_batch_budget.py", "-k", "atomic or batch",
    ],
    "resource_api.core.lists": ["tests/unit/test_lists.py", "tests/unit/test_params_edges.py", "tests/unit/test_toy_entity.py"],
    "resource_api.frame.unit": [
        "tests/unit/test_units.py", "tests/unit/test_delete.py", "tests/reliability/test_faults.py",
        "-k", "not fault_at_a_call_site",
    ],
    "resource_api.frame.key_limits": [  # (the 1,000-message replay takes 95 s and checks what replay queues)
        "tests/unit/test_key_limits.py", "tests/unit/test_honest_limits.py", "tests/unit/test_abuse_limits.py",
        "-k", "not at_most_1000",
    ],
    "resource_api.frame.idempotency": [
        "tests/unit/test_idempotency_inprocess.py", "tests/reliability/test_faults.py",
        "tests/unit/test_request_tokens.py", "-k", "not fault_at_a_call_site",
    ],
}


# --- the mutants ----------------------------------------------------------------------

SWAPS: dict[type, type] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.And: ast.Or, ast.Or: ast.And, ast.Add: ast.Sub, ast.Sub: ast.Add,
}
SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
          ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.And: "and", ast.Or: "or", ast.Add: "+",
          ast.Sub: "-"}


@dataclass
class Mutant:
    module: str
    index: int
    line: int
    change: str
    source: str
    status: str = ""  # killed | survived | timeout (killed: it hangs) | error (not counted) | not run
    seconds: float = 0.0
    tests: int = 0  # how many tests ran against it
    executed_by: int = -1  # how many tests execute its lines (-1: not known, import-time code or no selection)


def _skipped(tree: ast.AST) -> set[int]:
    """Nodes not to mutate: docstrings, annotations, `if TYPE_CHECKING` blocks."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skip.update(id(n) for n in ast.walk(body[0]))
        for field in ("annotation", "returns"):
            sub = getattr(node, field, None)
            if isinstance(sub, ast.AST):
                skip.update(id(n) for n in ast.walk(sub))
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _sites(tree: ast.AST) -> list[tuple[ast.AST, str, Any]]:
    """(node, description, how) for every mutation, in a stable order."""
    skip = _skipped(tree)
    out: list[tuple[ast.AST, str, Any]] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAPS:
                    out.append((node, f"`{SYMBOL[type(op)]}` -> `{SYMBOL[SWAPS[type(op)]]}`", ("cmp", i)))
        elif isinstance(node, ast.BoolOp):
            out.append((node, f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[SWAPS[type(node.op)]]}`", ("boolop",)))
        elif isinstance(node, ast.BinOp) and type(node.op) in SWAPS:
            out.append((node, f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[SWAPS[type(node.op)]]}`", ("binop",)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            out.append((node, "`not x` -> `x`", ("not",)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            out.append((node, f"`{node.value}` -> `{not node.value}`", ("bool",)))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            out.append((node, f"`{node.value}` -> `{node.value + 1}`", ("int",)))
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append((node, "`return x` -> `return None`", ("return",)))
        elif isinstance(node, ast.Raise):
            out.append((node, "`raise ...` removed", ("drop",)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            out.append((node, f"call `{ast.unparse(node.value.func)}(...)` removed", ("drop",)))
    return out


def _apply(node: ast.AST, how: tuple) -> ast.AST | None:
    """Mutate `node` in place; a returned node replaces it (a statement dropped: pass)."""
    kind = how[0]
    if kind == "cmp":
        node.ops[how[1]] = SWAPS[type(node.ops[how[1]])]()  # type: ignore[attr-defined]
    elif kind in ("boolop", "binop"):
        node.op = SWAPS[type(node.op)]()  # type: ignore[attr-defined]
    elif kind == "not":
        return node.operand  # type: ignore[attr-defined]
    elif kind == "bool":
        node.value = not node.value  # type: ignore[attr-defined]
    elif kind == "int":
        node.value = node.value + 1  # type: ignore[attr-defined]
    elif kind == "return":
        node.value = ast.Constant(None)  # type: ignore[attr-defined]
    elif kind == "drop":
        return ast.Pass()
    return None


def module_path(module: str) -> Path:
    return LAYER / (module.replace(".", "/") + ".py")


def mutants(module: str) -> list[Mutant]:
    path = module_path(module)
    lines = path.read_text().splitlines()
    tree = ast.parse(path.read_text())
    return [Mutant(module, i, n.lineno, desc, lines[n.lineno - 1].strip())
            for i, (n, desc, _) in enumerate(_sites(tree))]


def _spans(module: str) -> list[tuple[int, int] | None]:
    """Per mutant (same order as `mutants`): the lines its node spans, or None when the
    node runs at import time (module or class level, a default, a decorator): a change
    there reaches every test through the value it leaves behind."""
    tree = ast.parse(module_path(module).read_text())
    in_body: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            for stmt in body:
                in_body.update(id(n) for n in ast.walk(stmt))
    return [(n.lineno, n.end_lineno or n.lineno) if id(n) in in_body else None for n, _, _ in _sites(tree)]


def mutated_code(module: str, index: int) -> Any:
    path = module_path(module)
    tree = ast.parse(path.read_text())
    node, _, how = _sites(tree)[index]
    replacement = _apply(node, how)
    if replacement is not None:
        ast.copy_location(replacement, node)
        for parent in ast.walk(tree):
            for field, value in ast.iter_fields(parent):
                if isinstance(value, list) and any(v is node for v in value):
                    value[[i for i, v in enumerate(value) if v is node][0]] = replacement
                elif value is node:
                    setattr(parent, field, replacement)
    ast.fix_missing_locations(tree)
    return compile(tree, str(path), "exec")


# --- a mutant in a running process: the module's functions get the mutated code -------

_MISSING = object()
_PLAIN = (int, float, str, bytes, bool, tuple, frozenset, type(None), dict, list, set)


def _swap_function(old: Any, new: Any) -> bool:
    while hasattr(old, "__wrapped__") and hasattr(new, "__wrapped__"):
        old, new = old.__wrapped__, new.__wrapped__
    if not (isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType)):
        return False
    try:
        old.__code__ = new.__code__
    except ValueError:  # another closure shape: leave it (the mutant may survive falsely)
        return False
    old.__defaults__, old.__kwdefaults__ = new.__defaults__, new.__kwdefaults__
    return True


def apply_mutant(module: str, index: int) -> None:
    """Load mutant `index` into the imported `module` in place: every function and
    method object keeps its identity (whoever imported it calls the mutant) and gets the
    mutated code; changed module-level constants are rebound."""
    mod = importlib.import_module(module)
    namespace: dict[str, Any] = {"__name__": module, "__package__": mod.__package__, "__file__": mod.__file__,
                                 "__builtins__": __builtins__}
    exec(mutated_code(module, index), namespace)  # noqa: S102 - the mutant under test
    for name, new in namespace.items():
        old = mod.__dict__.get(name, _MISSING)
        if old is _MISSING or name.startswith("__"):
            continue
        if _swap_function(old, new):
            continue
        if isinstance(old, type) and isinstance(new, type) and getattr(old, "__module__", "") == module:
            for attr, value in new.__dict__.items():
                current = old.__dict__.get(attr)
                if isinstance(value, (staticmethod, classmethod)) and isinstance(current, type(value)):
                    _swap_function(current.__func__, value.__func__)
                elif isinstance(value, property) and isinstance(current, property):
                    for part in ("fget", "fset", "fdel"):
                        if getattr(value, part) and getattr(current, part):
                            _swap_function(getattr(current, part), getattr(value, part))
                elif current is not None:
                    _swap_function(current, value)
        elif type(old) is type(new) and isinstance(new, _PLAIN) and old != new:
            setattr(mod, name, new)


# --- the runner: one pytest collection per module, a forked child per mutant -------------


def _outcome_of(pid: int, started: float, timeout: float) -> tuple[str, float]:
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return {0: "passed", 1: "failed"}.get(code, f"error (exit {code})"), time.monotonic() - started
        if time.monotonic() - started > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.02)


class _LineTracer:
    """The lines of one source file executed while it is on, in every thread (the
    batch runs its operations in a thread pool)."""

    def __init__(self, filename: str) -> None:
        import threading

        self.filename, self.lines, self._threading = filename, set(), threading

    def _global(self, frame: Any, event: str, arg: Any) -> Any:
        return self._local if frame.f_code.co_filename == self.filename else None

    def _local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines.add(frame.f_lineno)
        return self._local

    def start(self) -> None:
        self.lines = set()
        sys.settrace(self._global)
        self._threading.settrace(self._global)

    def stop(self) -> set[int]:
        sys.settrace(None)
        self._threading.settrace(None)  # type: ignore[arg-type]
        return self.lines


def _covering(items: list[Any], covered: list[set[int]] | None, span: tuple[int, int] | None) -> list[Any]:
    """The tests to run against a mutant: those that executed a line of its node (in
    their collected order); all of them for import-time code or without coverage."""
    if covered is None or span is None:
        return list(items)
    lines = set(range(span[0], span[1] + 1))
    return [item for item, seen in zip(items, covered) if seen & lines]


class _Plugin:
    """Replaces pytest's test loop: after collection, the collected tests run in a forked
    child per mutant (the first failure ends the child: killed)."""

    def __init__(self, module: str, budget_at: float, out: Path, select: bool = True) -> None:
        self.module, self.budget_at, self.out, self.select = module, budget_at, out, select

    def _coverage(self, session: Any) -> list[set[int]] | None:
        """The module's lines each collected test executes (one traced run); None if that
        run does not pass (then every mutant runs against every test)."""
        path = Path(tempfile.mkstemp(prefix="mutate-cov-", suffix=".json")[1])
        try:
            status, _ = self._run(session, None, 3600, coverage_to=path)
            lines = json.loads(path.read_text() or "[]")
        finally:
            path.unlink(missing_ok=True)
        if status != "passed" or len(lines) != len(session.items):
            return None
        return [set(x) for x in lines]

    def _run(self, session: Any, index: int | None, timeout: float, items: list[Any] | None = None,
             coverage_to: Path | None = None) -> tuple[str, float]:
        """Run `items` (default: all collected) in a forked child, with mutant `index`
        loaded; with `coverage_to`, record there the module's lines each test executes."""
        from _pytest.runner import runtestprotocol

        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            code = 99
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                if index is not None:
                    apply_mutant(self.module, index)
                run = session.items if items is None else items
                tracer = _LineTracer(str(module_path(self.module))) if coverage_to else None
                lines: list[list[int]] = []
                code = 0
                for i, item in enumerate(run):
                    if tracer:
                        tracer.start()
                    reports = runtestprotocol(item, nextitem=run[i + 1] if i + 1 < len(run) else None, log=False)
                    if tracer:
                        lines.append(sorted(tracer.stop()))
                    if any(r.failed for r in reports):
                        code = 1
                        break
                if coverage_to:
                    coverage_to.write_text(json.dumps(lines))
            except BaseException:  # noqa: BLE001 - the mutant could not be loaded or run: not a kill
                code = 98
            os._exit(code)
        return _outcome_of(pid, started, timeout)

    def pytest_runtestloop(self, session: Any) -> bool:
        result: dict[str, Any] = {"tests": len(session.items)}
        status, baseline = self._run(session, None, 1800)
        result["baseline_s"] = round(baseline, 1)
        if status != "passed" or not session.items:
            result["error"] = f"the tests {status} without any mutant ({len(session.items)} collected)"
        else:
            timeout = max(15.0, 4 * baseline)
            found = mutants(self.module)
            covered = self._coverage(session) if self.select else None
            spans = _spans(self.module)
            print(f"{self.module}: {len(found)} mutants, {len(session.items)} tests, {baseline:.1f} s unmutated"
                  f"{'' if covered is None else ', each mutant against the tests that execute its lines'}",
                  file=sys.__stdout__, flush=True)
            for m in found:
                if time.monotonic() > self.budget_at:
                    m.status = "not run (budget)"
                    continue
                items = _covering(session.items, covered, spans[m.index])
                m.tests = len(items)
                if covered is not None and spans[m.index] is not None:
                    m.executed_by = len(items)
                outcome, m.seconds = self._run(session, m.index, timeout, items) if items else ("passed", 0.0)
                if outcome == "passed" and len(items) < len(session.items):
                    # a survivor of the selection runs against every test before it is called one
                    # (a line run in a thread the tracer did not see would otherwise hide a kill)
                    m.tests = len(session.items)
                    outcome, more = self._run(session, m.index, timeout)
                    m.seconds += more
                m.seconds = round(m.seconds, 2)
                m.status = {"passed": "survived", "failed": "killed", "timeout": "timeout"}.get(outcome, outcome)
                if m.status == "survived":
                    note = " (no test executes it)" if m.executed_by == 0 else ""
                    print(f"  SURVIVED {self.module.split('.')[-1]}.py:{m.line} {m.change}{note}: {m.source}",
                          file=sys.__stdout__, flush=True)
            result["mutants"] = [asdict(m) for m in found]
        self.out.write_text(json.dumps(result))
        return True


def _module_run(module: str, tests: list[str], budget_at: float, select: bool = True) -> dict[str, Any]:
    """One module in a forked child (its own pytest session and imports)."""
    out = Path(tempfile.mkstemp(prefix="mutate-", suffix=".json")[1])
    pid = os.fork()
    if pid == 0:
        code = 97
        try:
            import pytest

            sys.stdout = open(os.devnull, "w")  # pytest's own output; the plugin prints to sys.__stdout__
            pytest.main(["-q", "-p", "no:randomly", "-p", "no:cacheprovider", *tests],
                         plugins=[_Plugin(module, budget_at, out, select)])
            code = 0
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)
    os.waitpid(pid, 0)
    try:
        return json.loads(out.read_text() or "{}") or {"error": "the module's run wrote nothing"}
    finally:
        out.unlink(missing_ok=True)


def _preload() -> None:
    """Import the heavy third-party packages once, before forking (not our own code)."""
    import boto3  # noqa: F401
    import moto  # noqa: F401
    import pydantic  # noqa: F401
    import pytest  # noqa: F401
    import requests  # noqa: F401
    from moto import mock_aws  # noqa: F401


def main(argv: list[str]) -> int:
    only = argv[argv.index("--only") + 1].split(",") if "--only" in argv else None
    budget = float(argv[argv.index("--budget") + 1]) if "--budget" in argv else float("inf")
    selected = {m: t for m, t in MODULES.items() if only is None or any(o in m for o in only)}
    if "--list" in argv:
        for module in selected:
            for m in mutants(module):
                print(f"{module}:{m.line} #{m.index} {m.change}: {m.source}")
        return 0
    os.chdir(ROOT)
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(var, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    _preload()
    started = time.monotonic()
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "modules": {}}
    for module, tests in selected.items():
        run = _module_run(module, tests, started + budget, select="--all-tests" not in argv)
        if "error" in run:
            print(f"{module}: {run['error']}; skipped", flush=True)
            report["modules"][module] = {"tests": tests, "error": run["error"]}
            continue
        found = [Mutant(**m) for m in run["mutants"]]
        ran = [m for m in found if m.status in ("killed", "survived", "timeout")]
        killed = [m for m in ran if m.status != "survived"]
        score = round(100 * len(killed) / len(ran), 1) if ran else None
        report["modules"][module] = {"tests": tests, "collected": run["tests"], "baseline_s": run["baseline_s"],
                                     "mutants": len(found), "run": len(ran), "killed": len(killed), "score": score,
                                     "survivors": [asdict(m) for m in ran if m.status == "survived"]}
        print(f"{module}: score {score}% ({len(killed)} of {len(ran)} killed"
              f"{f', {len(found) - len(ran)} not run (budget)' if len(ran) < len(found) else ''})", flush=True)
    ran = sum(v.get("run", 0) for v in report["modules"].values())
    killed = sum(v.get("killed", 0) for v in report["modules"].values())
    report["score"] = round(100 * killed / ran, 1) if ran else None
    report["seconds"] = round(time.monotonic() - started)
    print(f"\nmutation score {report['score']}%: {killed} of {ran} mutants killed in {report['seconds']} s")
    for module, v in report["modules"].items():
        print(f"  {module}: {v.get('score')}% ({v.get('killed')}/{v.get('run')}), "
              f"{len(v.get('survivors', []))} survivors")
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else ROOT / "build" / "mutation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"(written to {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
