"""What the small functions load at import (issue 8's cold-start target, bench/coldstart.py).

The authorizer and the webhook delivery function are measured against a floor of only
the third-party modules their code imports (Powertools' Logger). These tests keep them
from pulling the API's request path back in: the pydantic models (resource_api.models,
through resources or an annotation), the error catalogue, or modules loaded only on a
rare path (decimal). Each import runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from resource_api import db
from resource_api.errors import ApiError

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(module: str) -> set[str]:
    script = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    path = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared" / "python")])
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=60,
        check=True,
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    ("module", "not_loaded"),
    [
        ("resource_api.auth", {"pydantic", "resource_api.models", "resource_api.errors", "decimal"}),
        (
            "resource_api.deliveries",
            {"pydantic", "resource_api.models", "resource_api.resources", "resource_api.idempotency"},
        ),
    ],
)
def test_small_functions_do_not_load_the_request_path(module, not_loaded):
    assert not_loaded & loaded_after(module) == set()


def test_decimal_values_are_still_stored_as_numbers():
    assert db.to_item({"n": Decimal("1.50"), "i": 2}) == {"n": {"N": "1.50"}, "i": {"N": "2"}}
    with pytest.raises(TypeError):
        db.to_item({"x": object()})


def test_translate_still_answers_the_error_catalogue():
    class Throttled(Exception):
        response = {"Error": {"Code": "ThrottlingException"}}

    err = db.translate(Throttled())
    assert isinstance(err, ApiError) and err.code == "service_unavailable" and err.store is False
    assert db.translate(RuntimeError("boom")).code == "internal_error"
