"""Edges `make fuzz` found in parameter parsing: a form body's digit metadata keys, and
Unix times past the int64 the document promises."""

from __future__ import annotations

import pytest

from resource_api.core.errors import ApiError
from resource_api.events.models import WebhookReplay
from resource_api.frame import params
from resource_api.frame.models import UNIX_TIME_MAX
from resource_api.resources.models import ListParams, ResourceCreate

FORM = "application/x-www-form-urlencoded"


def test_digit_metadata_keys_in_a_form_stay_keys_like_in_json():
    form = params.parse_body(b"name=abc&type=staging&metadata[0]=&metadata[1]=x", FORM)
    json_ = params.parse_body(b'{"name": "abc", "type": "staging", "metadata": {"0": "", "1": "x"}}',
                              "application/json")
    assert form == json_
    assert params.validate(ResourceCreate, form).metadata == {"0": "", "1": "x"}


def test_indexed_forms_still_make_lists():
    body = params.parse_body(b"operations[0][method]=GET&operations[1][method]=POST", FORM)
    assert body == {"operations": [{"method": "GET"}, {"method": "POST"}]}
    nested = params.parse_body(b"ops[0][metadata][0]=v", FORM)
    assert nested == {"ops": [{"metadata": {"0": "v"}}]}


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
def test_created_filters_stop_at_int64(op):
    assert getattr(params.validate(ListParams, {"created": {op: str(UNIX_TIME_MAX)}}).created, op) == UNIX_TIME_MAX
    with pytest.raises(ApiError) as err:
        params.validate(ListParams, {"created": {op: str(UNIX_TIME_MAX + 1)}})
    assert (err.value.code, err.value.param) == ("parameter_invalid", f"created[{op}]")


def test_replay_since_stops_at_int64():
    with pytest.raises(ApiError) as err:
        params.validate(WebhookReplay, {"since": str(UNIX_TIME_MAX + 1)})
    assert (err.value.code, err.value.param) == ("parameter_invalid", "since")
