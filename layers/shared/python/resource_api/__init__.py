"""Shared code of the Resource API: models, logic and data access used by every function."""

import os as _os

# Lambda SnapStart (the `snapstart` CDK flag): redo after a restore what must not be
# shared between restored copies (core/snapstart.py). One lookup for every other function.
if _os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
    from .core import snapstart as _snapstart

    _snapstart.register()
