"""Smoke tests of `make mutate` (tests/mutate.py) and of bench/deadlines.py's verdicts,
in a few seconds; the mutation run itself takes minutes (docs/reliability.md)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests import mutate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_listed_module_exists_and_has_mutants():
    for module in mutate.MODULES:
        assert mutate.module_path(module).exists(), module
        assert mutate.mutants(module), module


def test_a_mutant_changes_the_module_it_is_loaded_as_and_nothing_else():
    found = mutate.mutants("resource_api.webhooks.signing")
    (size,) = [m for m in found if m.source == "SECRET_BYTES = 32"]
    assert size.change == "`32` -> `33`"
    namespace: dict = {"__name__": "mutant"}
    exec(mutate.mutated_code(size.module, size.index), namespace)  # noqa: S102
    assert namespace["SECRET_BYTES"] == 33
    from resource_api.webhooks import signing

    assert signing.SECRET_BYTES == 32  # the file on disk is untouched
    # a removed statement becomes `pass`, a return of None keeps the function
    kinds = {m.change.split(" ")[0] for m in found}
    assert {"`return", "`32`"} <= kinds


def test_docstrings_and_annotations_are_not_mutated():
    found = mutate.mutants("resource_api.frame.idempotency")
    lines = open(mutate.module_path("resource_api.frame.idempotency")).read().splitlines()
    assert all(not lines[m.line - 1].lstrip().startswith(('"""', "#")) for m in found)


def test_make_mutate_list_runs_as_documented():
    out = subprocess.run([sys.executable, "-m", "tests.mutate", "--list", "--only", "signing"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.count("resource_api.webhooks.signing:") == len(mutate.mutants("resource_api.webhooks.signing"))


def test_bench_deadlines_verdicts():
    from bench import deadlines

    ok = {"delivery": {"cases": {"answer drips": {"seconds": [1.51], "max_s": 1.51, "errors": ["timed out after 1.5 s"]}}},
          "provisioning": {"seconds": 6.2, "polls": 30}}
    assert [t["verdict"] for t in deadlines.targets(ok)] == ["PASS", "PASS"]
    late = {"delivery": {"cases": {"body trickles": {"seconds": [20.1], "max_s": 20.1, "errors": ["timed out after 1.5 s"]}}},
            "provisioning": {"seconds": 16.0, "polls": 80}}
    assert [t["verdict"] for t in deadlines.targets(late)] == ["FAIL", "FAIL"]
    assert deadlines.targets({"provisioning": {"na": "did not start"}})[-1]["verdict"] == "n/a"


def test_a_mutant_runs_against_the_tests_that_execute_its_lines_or_all_for_import_time_code():
    module = "resource_api.webhooks.signing"
    found, spans = mutate.mutants(module), mutate._spans(module)
    assert len(found) == len(spans)
    (size,) = [m for m in found if m.source == "SECRET_BYTES = 32"]
    assert spans[size.index] is None  # a module constant: every test sees its value
    inside = [m for m in found if spans[m.index] is not None]
    assert inside and all(spans[m.index][0] == m.line for m in inside)
    line = inside[0].line
    tests = ["t1", "t2", "t3"]
    assert mutate._covering(tests, [{line}, set(), {line + 100}], (line, line)) == ["t1"]
    assert mutate._covering(tests, [{line}, set(), set()], None) == tests
    assert mutate._covering(tests, None, (line, line)) == tests


def test_the_line_tracer_sees_the_module_in_the_calling_thread_and_in_new_threads():
    import threading

    from resource_api.webhooks import signing

    tracer = mutate._LineTracer(signing.__file__)
    tracer.start()
    try:
        worker = threading.Thread(target=signing.new_secret)
        worker.start()
        worker.join()
    finally:
        seen = tracer.stop()
    assert seen, "the secret's lines ran in a thread"
    tracer.start()
    seen_idle = tracer.stop()
    assert not seen_idle
