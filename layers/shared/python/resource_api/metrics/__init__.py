from .store import request_record  # noqa: F401 - temporary, for http.py until it moves into frame/ (issue 16)
