"""Every error code the API can answer is documented where its doc_url points."""

import os
import re

from resource_api.core.errors import CODES, error_body

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "errors.md")


def test_every_code_has_a_section():
    headings = set(re.findall(r"^## (\S+)$", open(DOCS).read(), flags=re.M))
    assert set(CODES) <= headings, sorted(set(CODES) - headings)


def test_error_body_shape():
    body = error_body("parameter_invalid", "bad", param="name", request_id="req_1")["error"]
    assert body["type"] == "invalid_request_error" and body["param"] == "name"
    assert body["doc_url"].endswith("/errors.md#parameter_invalid")
