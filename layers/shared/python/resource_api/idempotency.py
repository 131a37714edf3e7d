"""Temporary alias for http.py until it moves into frame/ (issue 16): resource_api.frame.idempotency."""
import sys

from .frame import idempotency as _module

sys.modules[__name__] = _module
