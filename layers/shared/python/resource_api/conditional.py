"""Temporary alias for http.py until it moves into frame/ (issue 16): resource_api.frame.conditional."""
import sys

from .frame import conditional as _module

sys.modules[__name__] = _module
