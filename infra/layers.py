"""The two Lambda layers every function gets, and the dashboard's own third, from the folders `make build` writes
(see infra/build.py): our shared code, and the third-party dependencies built for
the Lambda platform. Also the runtime and architecture they are built for."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from . import build

# The layers ship .pyc compiled by Python 3.12 (build.RUNTIME_PYTHON): the runtime must
# be the same minor version or every module recompiles on every cold start.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64  # matches build.LAMBDA_PLATFORM (aarch64)


class LayersNotBuilt(RuntimeError):
    pass


class Layers(Construct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        for folder in (build.SHARED_LAYER, build.DEPS_LAYER, build.DASHBOARD_LAYER):
            if not (folder / "python").is_dir():
                raise LayersNotBuilt(f"{folder.relative_to(build.ROOT)} is missing: run `make build` first")
        self.shared = self._layer("Shared", build.SHARED_LAYER, "resource_api: the Resource API's shared code")
        self.deps = self._layer("Deps", build.DEPS_LAYER, "third-party packages of layers/deps/requirements.txt")
        # The dashboard's app and packages (FastAPI, Mangum, Jinja2): functions/dashboard only.
        self.dashboard = self._layer("Dashboard", build.DASHBOARD_LAYER, "the dashboard app and its packages")

    def _layer(self, id: str, folder, description: str) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            id,
            code=lambda_.Code.from_asset(str(folder)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=description,
            # A function keeps its own copy of a layer version: old versions can go.
            removal_policy=RemovalPolicy.DESTROY,
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        """Every API function's layers (never the dashboard's)."""
        return [self.shared, self.deps]
