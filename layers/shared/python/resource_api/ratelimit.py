"""Temporary alias for http.py until it moves into frame/ (issue 16): resource_api.frame.key_limits."""
import sys

from .frame import key_limits as _module

sys.modules[__name__] = _module
