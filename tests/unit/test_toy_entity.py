"""Adding an API object touches its own folder plus one registration line.

In a scratch copy of the runtime package, a toy entity (`resource_api/toys/`: its
endpoint declaration, request model, operation and domain) and one line added to
routes.ENTITIES are all it takes for the route table, the OpenAPI document and the
batch endpoint to serve it; a request through its handler, in-process against moto,
writes it, replays it by its Idempotency-Key, and runs it in an atomic batch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "layers" / "shared" / "python" / "resource_api"

TOY = {
    "__init__.py": "",
    "api.py": '''
        """The toy endpoints."""

        from __future__ import annotations

        from ..frame.endpoint import WRITE, Endpoint, declare

        ENDPOINTS = declare(
            __package__,
            Endpoint("POST", "/v1/toys", "create_toy", frozenset({WRITE}), 201, "Create a toy",
                     body=".models:ToyCreate", response=".models:Toy", run=".operations:create", batchable=True),
        )
    ''',
    "models.py": '''
        from __future__ import annotations

        from typing import Literal

        from pydantic import BaseModel, Field

        from ..frame.models import _Strict


        class ToyCreate(_Strict):
            name: str = Field(..., min_length=1, max_length=40)
            idempotency_key: str | None = Field(None, min_length=1, max_length=255)


        class Toy(BaseModel):
            id: str
            object: Literal["toy"]
            name: str
    ''',
    "operations.py": '''
        from __future__ import annotations

        from typing import Any

        from ..core import clock, db, ids
        from ..frame.unit import Counter, Unit


        def create(call: Any, params: Any) -> Unit:
            ctx = call.ctx
            toy = {"id": ids.new_id("toy", clock.now_ms()), "object": "toy", "name": params.name}
            item = {"pk": f"TOY#{ctx.account_id}#{ctx.mode}", "sk": toy["id"], "entity": "toy", **toy}
            put = {"TableName": db.table(), "Item": db.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
            count = Counter({"pk": f"TOYCOUNT#{ctx.account_id}#{ctx.mode}", "sk": "COUNT"}, {"toys": 1})
            return Unit(toy, [{"Put": put}], [count])
    ''',
}

CHECK = '''
import json, sys
from moto import mock_aws
import boto3

from resource_api import routes
from resource_api.core import accounts, db, table
from localcloud import openapi
from tests.reliability import apigw

out = {}
route = routes.route_for("create_toy")
out["package"] = route.package
out["batchable"] = route.batchable
doc = openapi.document()
op = doc["paths"]["/v1/toys"]["post"]
out["openapi"] = [op["operationId"], op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
                  op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]]

with mock_aws():
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(**table.create_table_request())
    db.set_client(client)
    account = accounts.create_account(plan="scale")
    principal = accounts.Principal(account_id=account["id"], mode="test", key_id="key_test", plan="scale")

    def call(function, method, path, body, headers=None):
        _, event = apigw.event(principal, method, path, body=body, json_body=True, headers=headers)
        answer = routes.handler_for(function)(event, apigw.Context(function))
        return answer["statusCode"], json.loads(answer["body"]), answer["headers"]

    first = call("create_toy", "POST", "/v1/toys", {"name": "rex"}, {"Idempotency-Key": "toy-1"})
    again = call("create_toy", "POST", "/v1/toys", {"name": "rex"}, {"Idempotency-Key": "toy-1"})
    out["create"] = [first[0], first[1]["object"], first[1]["name"]]
    out["replay"] = [again[0], again[1]["id"] == first[1]["id"], again[2].get("idempotent-replayed")]
    batch = call("batch", "POST", "/v1/batch", {"atomic": True, "operations": [
        {"method": "POST", "path": "/v1/toys", "body": {"name": "a"}},
        {"method": "POST", "path": "/v1/toys", "body": {"name": "b"}},
    ]})
    out["batch"] = [batch[0], batch[1]["atomic"], [r["status"] for r in batch[1]["results"]]]
    toys = client.query(TableName=table.table_name(), KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": f"TOY#{account['id']}#test"}})["Items"]
    count = client.get_item(TableName=table.table_name(),
                            Key={"pk": {"S": f"TOYCOUNT#{account['id']}#test"}, "sk": {"S": "COUNT"}})["Item"]
    out["stored"] = [len(toys), count["toys"]["N"]]
print(json.dumps(out))
'''


def test_a_toy_entity_is_its_own_folder_plus_one_registration_line(tmp_path):
    scratch = tmp_path / "python"
    shutil.copytree(PACKAGE, scratch / "resource_api", ignore=shutil.ignore_patterns("__pycache__"))
    # Given the toy's own folder ...
    toys = scratch / "resource_api" / "toys"
    toys.mkdir()
    for name, text in TOY.items():
        (toys / name).write_text(textwrap.dedent(text).lstrip())
    # ... and one registration line
    routes_py = scratch / "resource_api" / "routes.py"
    before = routes_py.read_text()
    after = before.replace('    "events",\n)', '    "events",\n    "toys",\n)')
    assert after.count("\n") == before.count("\n") + 1
    routes_py.write_text(after)
    # (every other file of the copy is as in the repository)
    changed = [
        str(p.relative_to(scratch))
        for p in (scratch / "resource_api").rglob("*.py")
        if "toys" not in p.parts and p.read_bytes() != (PACKAGE.parent / p.relative_to(scratch)).read_bytes()
    ]
    assert changed == ["resource_api/routes.py"]

    # When the route table, the OpenAPI document, its handler and the batch endpoint load it
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(scratch), str(REPO)]), "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "TABLE_NAME": "toy-table"}
    env.pop("AWS_ENDPOINT_URL", None)
    run = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])

    # Then every reader of the declarations picks it up
    assert got["package"] == "resource_api.toys" and got["batchable"] is True
    assert got["openapi"] == ["create_toy", "#/components/schemas/ToyCreate", "#/components/schemas/Toy"]
    # And it serves: created, replayed by its key, and run atomically in a batch
    assert got["create"] == [201, "toy", "rex"]
    assert got["replay"] == [201, True, "true"]
    assert got["batch"] == [200, {"committed": True, "failed_operation": None}, [201, 201]]
    assert got["stored"] == [3, "3"]
