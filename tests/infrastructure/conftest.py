"""Synthesized stacks, built once per test session (Template.from_stack costs seconds).

Two deployments of the one app: a sandbox in a region-agnostic template, and a
production stage in an EU region with a custom domain. Both are synthesized into a
temporary cdk.out, so the staged assets are exactly what `cdk deploy` would upload.
The layers are built first (infra.build, cached under build/: only the first run on a
machine reaches PyPI).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra import build as layer_build  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CERT_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
DEPLOYMENTS: dict[str, dict[str, str]] = {
    "sandbox": {"stage": "sandbox"},
    "production": {
        "stage": "production",
        "region": "eu-west-1",
        "account": "123456789012",
        "domain_name": "eu.api.example.com",
        "certificate_arn": CERT_ARN,
        "dashboard_url": "https://dashboard.eu.example.com",
    },
}


@dataclass
class Synth:
    name: str
    stack: Any
    template: Any  # aws_cdk.assertions.Template
    outdir: Path
    nag_error: str | None
    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)

    @cached_property
    def json(self) -> dict:
        return self.template.to_json()  # a jsii round trip: once

    @property
    def resources(self) -> dict[str, dict]:
        return self.json["Resources"]

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v["Type"] == type_}

    @property
    def template_path(self) -> Path:
        return self.outdir / f"{self.stack.stack_name}.template.json"

    def asset_dir(self, code: dict) -> Path:
        """The staged folder of a Lambda function's or layer's Code/Content."""
        key = code["S3Key"]
        return self.outdir / f"asset.{key.removesuffix('.zip')}"


@pytest.fixture(scope="session")
def layers() -> dict[str, Path]:
    layer_build.build_all(host_twin=True)
    return {
        "shared": layer_build.SHARED_LAYER / "python",
        "deps": layer_build.DEPS_LAYER / "python",
        "host_deps": layer_build.HOST_DEPS / "python",
    }


def _synth(name: str, outdir: Path, context: dict[str, str] | None = None) -> Synth:
    """One deployment of DEPLOYMENTS (or `context`, for a variant) synthesized into outdir."""
    from aws_cdk.assertions import Template

    from infra import nag
    from infra.app import build

    before = len(nag.ACKNOWLEDGED)
    # An empty environment: settings come from context only, whatever the shell has.
    app, stack = build(context or DEPLOYMENTS[name], outdir=str(outdir), env={})
    nag_error = None
    try:
        template = Template.from_stack(stack)
    except RuntimeError as exc:  # cdk-nag findings fail the synth; the template is written first
        if "ValidationFailed" not in str(exc):
            raise
        nag_error = _unacknowledged(outdir / "validation-report.json") or str(exc)
        template = Template.from_json(json.loads((outdir / f"{stack.stack_name}.template.json").read_text()))
    return Synth(name, stack, template, outdir, nag_error, nag.ACKNOWLEDGED[before:])


def _unacknowledged(report: Path) -> str:
    """The findings of a validation report that no acknowledgement covers, one a line."""
    if not report.exists():
        return ""
    lines = []
    for plugin in json.loads(report.read_text())["pluginReports"]:
        for violation in plugin["violations"]:
            for construct in violation["violatingConstructs"]:
                lines.append(f"{violation['ruleName']} ({violation['severity']}): {construct['constructPath']}: {violation['description']}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def sandbox(layers, tmp_path_factory) -> Synth:
    return _synth("sandbox", tmp_path_factory.mktemp("cdk-sandbox"))


@pytest.fixture(scope="session")
def production(layers, tmp_path_factory) -> Synth:
    return _synth("production", tmp_path_factory.mktemp("cdk-production"))


@pytest.fixture(scope="session")
def vended(layers, tmp_path_factory) -> Synth:
    """The sandbox with token vending on (`-c vending=true`, infra/data.py)."""
    return _synth("sandbox", tmp_path_factory.mktemp("cdk-vended"), {"stage": "sandbox", "vending": "true"})


@pytest.fixture(scope="session", params=list(DEPLOYMENTS))
def synth(request) -> Synth:
    return request.getfixturevalue(request.param)


# What the Lambda Python runtime provides besides the standard library.
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")


@pytest.fixture(scope="session")
def runtime_boto3() -> Path:
    """boto3 as the Lambda runtime provides it: the venv's copy of boto3 and its
    dependencies alone, in their own folder (cached under build/)."""
    target = layer_build.BUILD / "runtime-twin" / "python"
    versions = "\n".join(f"{d}=={metadata.version(d)}" for d in RUNTIME_DISTRIBUTIONS)
    stamp = target.parent / "versions.txt"
    if stamp.exists() and stamp.read_text() == versions and target.is_dir():
        return target
    shutil.rmtree(target.parent, ignore_errors=True)
    for name in RUNTIME_DISTRIBUTIONS:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            if "__pycache__" in file.parts or file.parts[0] in ("..", "bin"):
                continue
            src = Path(dist.locate_file(file))
            if src.is_file():
                dst = target / file
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    stamp.write_text(versions)
    return target
