"""The CDK app: `make synth` (offline) or the pinned CLI (`make deploy`, see cdk.json).

    STAGE=sandbox|production AWS_REGION=eu-west-1 python infra/app.py
    cdk deploy -c stage=production -c region=eu-west-1 [-c domain_name=... -c certificate_arn=...]
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (os.path.join(ROOT, "layers", "shared", "python"), ROOT):
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402

from infra.config import Config  # noqa: E402
from infra.nag import check  # noqa: E402
from infra.stack import ResourceApiStack  # noqa: E402


def build(context: dict | None = None, outdir: str | None = None, env: dict | None = None) -> tuple[cdk.App, ResourceApiStack]:
    """The app and its one stack (tests call this with their own context and outdir)."""
    app = cdk.App(context=context or {}, outdir=outdir or os.environ.get("CDK_OUTDIR") or os.path.join(ROOT, "cdk.out"))
    stack = ResourceApiStack(app, Config.from_node(app.node, env))
    check(app)
    return app, stack


def main() -> None:
    app, stack = build()
    app.synth()
    print(f"synthesized {stack.stack_name} ({stack.config.stage}, {stack.config.region or 'any region'}) into {app.outdir}")


if __name__ == "__main__":
    main()
