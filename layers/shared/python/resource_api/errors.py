"""Temporary alias for http.py until it moves into frame/ (issue 16): resource_api.core.errors."""
import sys

from .core import errors as _module

sys.modules[__name__] = _module
