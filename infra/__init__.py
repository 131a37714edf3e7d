"""The CDK app of the Resource API: `infra/app.py` (entry point), `stack.py` (the thin
stack), one construct per concern (`data.py`, `layers.py`, `api.py`, `monitoring.py`),
`access.py` (route access kinds -> IAM grants), `nag.py` (cdk-nag), `build.py` (layers)."""
