"""The SDK contract's environment (sdks/README.md): SDK_API_URL, SDK_API_KEY, SDK_STUB_URL,
SDK_WEBHOOK_FIXTURE. Tests needing one that is not set fail: they do not skip."""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

import example_api


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run through tests/sdks/test_python.py (see sdks/README.md)")
    return value


@pytest.fixture(scope="session")
def client() -> example_api.Client:
    return example_api.Client(api_key=env("SDK_API_KEY"), base_url=env("SDK_API_URL"))


def _post(url: str, body: Any) -> Any:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@dataclass
class Scripted:
    """A stub script: its base_url (give it to a Client) and what it received."""

    id: str
    base_url: str

    def log(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{env('SDK_STUB_URL')}/_log/{self.id}", timeout=10) as resp:
            requests: list[dict[str, Any]] = json.loads(resp.read())["requests"]
            return requests


def script(*responses: dict[str, Any]) -> Scripted:
    got = _post(f"{env('SDK_STUB_URL')}/_script", {"responses": list(responses)})
    return Scripted(got["id"], got["base_url"])


@pytest.fixture(scope="session")
def webhook_fixture() -> dict[str, Any]:
    with open(env("SDK_WEBHOOK_FIXTURE")) as f:
        data: dict[str, Any] = json.load(f)
        return data
