"""Temporary alias for http.py until it moves into frame/ (issue 16): resource_api.frame.request."""
import sys

from .frame import request as _module

sys.modules[__name__] = _module
