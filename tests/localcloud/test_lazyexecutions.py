"""A restored world's finished Step Functions executions stay packed until something reads
them (localcloud/lazyexecutions.py): DescribeExecution, ListExecutions and
GetExecutionHistory then answer exactly as before the restart; StartExecution of a new
name opens nothing, of a taken name is refused as before; an execution that was running
at the snapshot resumes and finishes."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws

from localcloud import lazyexecutions, persistence

REGION = "us-east-1"
ACCOUNT = "123456789012"
CONFIG = {"stepfunctions": {"execute_state_machine": True}}
DEFINITION = json.dumps({"StartAt": "One", "States": {
    "One": {"Type": "Pass", "Result": "one", "ResultPath": "$.one", "Next": "Wait"},
    "Wait": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Two"},
    "Two": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Failed"}],
            "Default": "Done"},
    "Done": {"Type": "Succeed"},
    "Failed": {"Type": "Fail", "Error": "Asked", "Cause": "the input said so"},
}})


@pytest.fixture
def keeper(tmp_path):
    k = persistence.Persistence(str(tmp_path))
    persistence.patch_moto(k)
    return k


def sfn_client():
    return boto3.client("stepfunctions", region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def create_machine(sfn) -> str:
    return sfn.create_state_machine(name="m", definition=DEFINITION,
                                     roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]


def machine_executions():
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return stepfunctions_parser_backends[ACCOUNT][REGION].state_machines[0].executions


def wait_status(sfn, arn: str, status: str) -> dict:
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=arn))["status"] != status:
        assert described["status"] == "RUNNING" and time.monotonic() < deadline, described
        time.sleep(0.05)
    return described


def described(sfn, arn: str) -> dict:
    out = sfn.describe_execution(executionArn=arn)
    out.pop("ResponseMetadata")
    return json.loads(json.dumps(out, default=str, sort_keys=True))


def answers(sfn, machine: str, arns: list[str]) -> dict:
    """What a client sees of the executions, as comparable JSON."""
    return json.loads(json.dumps({
        "describe": [described(sfn, a) for a in arns],
        "history": [sfn.get_execution_history(executionArn=a)["events"] for a in arns],
        "list": sfn.list_executions(stateMachineArn=machine)["executions"],
        "failed": sfn.list_executions(stateMachineArn=machine, statusFilter="FAILED")["executions"],
    }, default=str, sort_keys=True))


def test_finished_executions_answer_as_before_once_opened_and_a_new_start_opens_nothing(tmp_path, keeper):
    path = persistence.snapshot_path(str(tmp_path))
    with mock_aws(config=CONFIG):
        sfn = sfn_client()
        machine = create_machine(sfn)
        arns = []
        for i, fail in enumerate([False, True, False]):
            arn = sfn.start_execution(stateMachineArn=machine, name=f"e{i}",
                                      input=json.dumps({"wait": 0, "fail": fail, "i": i}))["executionArn"]
            wait_status(sfn, arn, "FAILED" if fail else "SUCCEEDED")
            arns.append(arn)
        expected = answers(sfn, machine, arns)
        persistence.write_file(path, persistence.dumps(persistence.capture()), {})
    with mock_aws(config=CONFIG):
        restored = keeper.restore()
        assert restored["executions"] == {"SUCCEEDED": 2, "FAILED": 1}  # counted without opening
        executions = machine_executions()
        assert isinstance(executions, lazyexecutions.LazyExecutions) and executions.packed == 3
        sfn = sfn_client()
        new = sfn.start_execution(stateMachineArn=machine, name="e3", input=json.dumps({"wait": 0, "fail": False}))
        assert executions.packed == 3 and len(executions) == 4  # the name check read the names only
        with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):  # a packed one's name: refused as before
            sfn.start_execution(stateMachineArn=machine, name="e1", input=json.dumps({"wait": 0, "fail": True}))
        assert executions.packed == 0
        wait_status(sfn, new["executionArn"], "SUCCEEDED")
        got = answers(sfn, machine, arns)
        assert got["describe"] == expected["describe"] and got["history"] == expected["history"]
        assert got["failed"] == expected["failed"]
        assert [e for e in got["list"] if e["name"] != "e3"] == expected["list"]
        persistence.write_file(path, persistence.dumps(persistence.capture()), {})  # opened: packed again
    with mock_aws(config=CONFIG):
        keeper.restore()
        sfn = sfn_client()
        assert machine_executions().packed == 4
        assert described(sfn, arns[1]) == expected["describe"][1]


def test_an_execution_running_at_the_snapshot_resumes_after_the_restore(tmp_path, keeper):
    path = persistence.snapshot_path(str(tmp_path))
    with mock_aws(config=CONFIG):
        sfn = sfn_client()
        machine = create_machine(sfn)
        done = sfn.start_execution(stateMachineArn=machine, name="done", input=json.dumps({"wait": 0}))["executionArn"]
        wait_status(sfn, done, "SUCCEEDED")
        running = sfn.start_execution(stateMachineArn=machine, name="running",
                                      input=json.dumps({"wait": 2, "fail": False}))["executionArn"]
        deadline = time.monotonic() + 30
        while not any(e["type"] == "WaitStateEntered" for e in sfn.get_execution_history(executionArn=running)["events"]):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        payload = persistence.dumps(persistence.capture())
        assert sfn.describe_execution(executionArn=running)["status"] == "RUNNING"  # saved while waiting
        persistence.write_file(path, payload, {})
    with mock_aws(config=CONFIG):
        restored = keeper.restore()
        assert restored["executions_resumed"] == 1
        executions = machine_executions()
        assert executions.packed == 1  # the finished one; the running one is kept as it is, to resume
        keeper.resume()
        sfn = sfn_client()
        assert executions.packed == 1  # resuming opened nothing
        described = wait_status(sfn, running, "SUCCEEDED")
        assert json.loads(described["output"]) == {"wait": 2, "fail": False, "one": "one"}
        entered = [e["stateEnteredEventDetails"]["name"] for e in sfn.get_execution_history(executionArn=running)["events"]
                   if "stateEnteredEventDetails" in e]
        assert entered == ["One", "Wait", "Wait", "Two", "Done"]  # the Wait it was in, again, then on


def test_a_chunk_names_the_backend_instead_of_holding_it(tmp_path, keeper):
    with mock_aws(config=CONFIG):
        sfn = sfn_client()
        machine = create_machine(sfn)
        arn = sfn.start_execution(stateMachineArn=machine, name="e", input=json.dumps({"wait": 0}))["executionArn"]
        wait_status(sfn, arn, "SUCCEEDED")
        chunk = lazyexecutions.dump_chunk(list(machine_executions()))
        assert len(chunk) < 20_000  # the execution, not the whole backend with every state machine
        (loaded,) = lazyexecutions.load_chunk(chunk)
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        assert loaded.state_machine.backend is stepfunctions_parser_backends[ACCOUNT][REGION]
        assert loaded.name == "e" and loaded.status == "SUCCEEDED"
