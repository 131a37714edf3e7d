"""The local cloud's moto speed-ups (localcloud/motopatches/) answer exactly as moto does,
each apply on the pinned moto version only, and a skipped one says so.

The comparison: the scripted sessions of moto_sessions.py run in a child process (so the
patches stay out of this process's moto), first with the shims only, then again after
each speed-up is added; a speed-up whose session answers differ from the step before it
changed what moto answers (for the server's own routes, the `wire` session compares the
bytes it sends: status line, headers in order, body). After a moto bump, the failing
test names the speed-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

from localcloud.motopatches import registry

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")])}
SESSIONS: dict[str, dict] = {}


def _session(kind: str) -> dict:
    """{speed-up name or "shims only": (status, answers, answers of the step before)}."""
    if kind not in SESSIONS:
        out = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "localcloud", "moto_sessions.py"), kind],
                             cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        steps = json.loads(out.stdout)["steps"]
        SESSIONS[kind] = {name: (status, answers, steps[i - 1][2] if i else None)
                          for i, (name, status, answers) in enumerate(steps)}
    return SESSIONS[kind]


def _first_difference(before: list, after: list) -> str:
    if len(before) != len(after):
        return f"{len(before)} answers without it, {len(after)} with it"
    for i, (a, b) in enumerate(zip(before, after)):
        if a != b:
            return f"answer {i} differs:\nwithout: {json.dumps(a)[:1500]}\nwith:    {json.dumps(b)[:1500]}"
    return ""


@pytest.mark.parametrize("name", [p.name for p in registry.SPEEDUPS])
def test_the_speed_up_leaves_every_answer_as_moto_gives_it(name):
    patch = next(p for p in registry.SPEEDUPS if p.name == name)
    status, answers, before = _session(patch.session)[name]
    assert status == "applied", f"{name} was not applied: {status}"
    difference = _first_difference(before, answers)
    assert not difference, f"the speed-up {name} changes what moto answers ({patch.session} session): {difference}"


def test_the_sessions_reach_what_they_are_meant_to_cover():
    dynamodb = json.dumps(_session("dynamodb")["shims only"][1])
    for needle in ('"BS"', '"NULL"', '"LastEvaluatedKey"', "ConditionalCheckFailedException",
                   "TransactionCanceledException", "ValidationException", '"OldImage"', '"Count"',
                   "Item size has exceeded the maximum allowed size"):
        assert needle in dynamodb, needle
    sfn = _session("stepfunctions")["shims only"][1]
    statuses = [answer["status"] for answer in sfn if isinstance(answer, dict) and "status" in answer]
    assert statuses.count("SUCCEEDED") == 3 and statuses.count("FAILED") == 2, statuses
    text = json.dumps(sfn)
    for needle in ("MapIterationSucceeded", "TaskFailed", "WriteFailed", "States.Runtime", "tag#w", "ChoiceStateEntered"):
        assert needle in text, needle
    # the same session: where in-process moto raises (a KeyError for a name not given), the server answers 500
    in_process, over_http = _session("dynamodb")["shims only"][1], _session("server")["shims only"][1]
    assert len(in_process) == len(over_http)
    for mine, served in zip(in_process, over_http):
        if isinstance(mine, dict) and "raised" in mine:
            assert served.get("status") == 500, served
        else:
            assert mine == served
    assert sum(1 for answer in in_process if isinstance(answer, dict) and "raised" in answer) < 10
    # the executions' tasks calling the server give what in-process moto gives
    assert _session("stepfunctions_server")["shims only"][1] == sfn
    wire = _session("wire")["shims only"][1]
    assert {answer["status"][0] for answer in wire} == {200, 400, 500}
    assert all(answer["checksum ok"] and answer["length ok"] for answer in wire)
    text = json.dumps(wire)
    for needle in ("AmazonSQS.ReceiveMessage", "AWSStepFunctions.DescribeStateMachine", "DynamoDBStreams_20120810",
                   "SerializationException", "TransactionCanceledException", "BatchEntryIdsNotDistinct",
                   "Null attribute value types", "<ListQueuesResponse", '"TableNames\\": []'):
        assert needle in text, needle


def test_on_the_pinned_moto_every_patch_applies_without_a_warning():
    script = (
        "import json, warnings\n"
        "warnings.simplefilter('always')\n"
        "from localcloud import motopatches\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    status = motopatches.apply()\n"
        "print(json.dumps({'status': status, 'warnings': [str(w.message) for w in caught\n"
        "                  if issubclass(w.category, motopatches.MotoPatchWarning)]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**ENV, registry.SELECTION_ENV: "all"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["warnings"] == []
    assert result["status"] == {p.name: "applied" for p in registry.SPEEDUPS}


def test_the_pinned_version_is_the_one_requirements_dev_names_and_the_one_installed(tmp_path):
    with open(registry.REQUIREMENTS) as f:
        lines = [line.strip() for line in f if line.strip().startswith("moto")]
    assert len(lines) == 1 and lines[0].split("==")[1] == registry.pinned_moto_version()
    assert registry.installed_moto_version() == registry.pinned_moto_version(), (
        "the virtualenv's moto is not the one requirements-dev.txt pins: `make install`")
    for text, pinned in (
        ("boto3==1.0\nmoto[server]==5.2.5\n", "5.2.5"),
        ("motor==3.0\nmoto == 5.3.0 ; python_version >= '3.10'\n", "5.3.0"),
        ("moto[server,dynamodb]==6.0.0rc1  # a comment\n", "6.0.0rc1"),
        ("moto>=5\n", None),
        ("# moto==5.2.5\nboto3\n", None),
    ):
        (tmp_path / "req.txt").write_text(text)
        assert registry.pinned_moto_version(str(tmp_path / "req.txt")) == pinned, text
    assert registry.pinned_moto_version(str(tmp_path / "absent.txt")) is None


# --- the rules, on a registry of stand-in patches (moto itself is left alone) ---------------


@pytest.fixture
def stand_ins(monkeypatch, tmp_path):
    """An empty registry with a requirements file pinning the installed moto."""
    monkeypatch.setattr(registry, "SHIMS", [])
    monkeypatch.setattr(registry, "SPEEDUPS", [])
    monkeypatch.setattr(registry, "STATUS", {})
    monkeypatch.delenv(registry.SELECTION_ENV, raising=False)
    requirements = tmp_path / "requirements-dev.txt"
    requirements.write_text(f"moto[server]=={registry.installed_moto_version()}\n")
    monkeypatch.setattr(registry, "REQUIREMENTS", str(requirements))
    calls: list[str] = []

    def make(name: str, *targets: str, kind: str = "speedup") -> None:
        def apply() -> None:
            calls.append(name)

        apply.__name__ = name
        apply.__doc__ = f"{name}: what it does."
        (registry.shim if kind == "shim" else registry.speedup)(*targets, session="dynamodb")(apply)

    return make, calls, requirements


def test_a_speed_up_is_skipped_with_a_warning_naming_it_on_another_moto_version(stand_ins):
    make, calls, requirements = stand_ins
    make("fast_one", "moto:__version__")
    make("fast_two", "moto:__version__")
    requirements.write_text("moto[server]==0.0.1\n")
    with pytest.warns(registry.MotoPatchWarning) as caught:
        status = registry.apply_speedups()
    assert calls == []
    message = " ".join(str(w.message) for w in caught)
    assert "fast_one" in message and "fast_two" in message and "pins 0.0.1" in message
    assert status["fast_one"].startswith("skipped: moto ") and "pins 0.0.1" in status["fast_one"]


def test_a_speed_up_whose_target_is_missing_is_skipped_with_a_warning_and_the_others_apply(stand_ins):
    make, calls, _ = stand_ins
    make("fast_gone", "moto.dynamodb.models:DynamoDBBackend.no_such_method")
    make("fast_here", "moto.dynamodb.models:DynamoDBBackend.transact_write_items")
    with pytest.warns(registry.MotoPatchWarning, match="fast_gone.*DynamoDBBackend.no_such_method"):
        status = registry.apply_speedups()
    assert calls == ["fast_here"]
    assert status == {"fast_gone": "skipped: moto.dynamodb.models:DynamoDBBackend.no_such_method not found in moto "
                                    f"{registry.installed_moto_version()}", "fast_here": "applied"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.apply_speedups()  # each tried once per process, and warned about once
    assert calls == ["fast_here"]


def test_a_shim_that_cannot_apply_stops_the_start(stand_ins):
    make, calls, requirements = stand_ins
    make("aws_like", "moto.nowhere:thing", kind="shim")
    requirements.write_text("moto[server]==0.0.1\n")  # a shim applies on any version, or raises
    with pytest.raises(registry.MotoShimError, match="aws_like.*moto.nowhere:thing"):
        registry.apply_shims()
    assert calls == []


def test_shims_apply_on_any_moto_version(stand_ins):
    make, calls, requirements = stand_ins
    make("aws_like", "moto:__version__", kind="shim")
    requirements.write_text("moto[server]==0.0.1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.apply_shims()
    assert calls == ["aws_like"]


def test_local_moto_speedups_selects_by_name(stand_ins, monkeypatch):
    make, calls, _ = stand_ins
    make("fast_one", "moto:__version__")
    make("fast_two", "moto:__version__")
    monkeypatch.setenv(registry.SELECTION_ENV, "none")
    assert registry.apply_speedups() == {"fast_one": "skipped: not selected (LOCAL_MOTO_SPEEDUPS)",
                                         "fast_two": "skipped: not selected (LOCAL_MOTO_SPEEDUPS)"}
    monkeypatch.setenv(registry.SELECTION_ENV, "fast_two")
    assert registry.apply_speedups()["fast_two"] == "applied" and calls == ["fast_two"]
    monkeypatch.setenv(registry.SELECTION_ENV, "fast_three")
    with pytest.warns(registry.MotoPatchWarning, match="no speed-up named fast_three"):
        registry.apply_speedups()
