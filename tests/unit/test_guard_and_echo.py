"""Issue 23 item 6: the URL guard refuses every IANA special-purpose block (fec0::/10 and
192.0.0.0/24 were accepted) and words its error the same whether or not a name
resolves; an error never repeats a huge input (a 900 KB parameter name made a 1.8 MB
answer)."""

from __future__ import annotations

import json

import pytest

from resource_api.webhooks import urlguard
from tests.reliability import apigw

PROD = urlguard.Policy(frozenset({"https"}), allow_loopback=False)


@pytest.mark.parametrize(
    "address",
    [
        "fec0::1", "feff:ffff::1",  # site-local (deprecated, RFC 3879)
        "192.0.0.1", "192.0.0.9", "192.0.0.10", "192.0.0.255",  # IETF protocol assignments
        "192.88.99.1",  # 6to4 relay anycast (deprecated)
        "192.31.196.1", "192.175.48.1", "2620:4f:8000::1",  # AS112
        "192.52.193.1",  # AMT
        "3fff::1", "3fff:fff::1",  # documentation (RFC 9637)
        "5f00::1",  # SRv6 SIDs
    ],
)
def test_special_purpose_addresses_are_refused(address):
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(urlguard.UnsafeUrl):
        urlguard.check(f"https://{literal}/hooks", PROD)
    with pytest.raises(urlguard.UnsafeUrl):  # and as what a name resolves to
        urlguard.check("https://hooks.example.com/x", PROD, lambda h, p: [address])


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822"])
def test_public_addresses_still_pass(address):
    assert urlguard.check("https://hooks.example.com/x", PROD, lambda h, p: [address]).address == address


def test_the_guard_says_the_same_whether_or_not_a_name_resolves():
    def nxdomain(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    messages = set()
    for resolver in (nxdomain, lambda h, p: [], lambda h, p: ["10.1.2.3"], lambda h, p: ["fec0::1"]):
        with pytest.raises(urlguard.UnsafeUrl) as exc:
            urlguard.check("https://intranet.example.com/x", PROD, resolver)
        messages.add(str(exc.value))
    assert len(messages) == 1, messages
    assert "intranet.example.com" in messages.pop()


@pytest.mark.parametrize("json_body", [False, True])
def test_an_error_never_repeats_a_huge_parameter_name(principal, json_body):
    # Given a create whose body has a 900 KB parameter name (malformed in a form, unknown in JSON)
    name = "x" * 900_000
    body = {name + "[": "v"} if not json_body else {"name": "Ok name", "type": "staging", name: "v"}
    got = apigw.invoke(principal, "POST", "/v1/resources", body=body, json_body=json_body)
    # Then it is the spec's 400, whose answer stays small however long the name
    assert got.status == 400 and got.code in ("body_invalid", "parameter_unknown"), got
    assert len(json.dumps(got.body)) < 2_000
    error = got.body["error"]
    assert error["param"].startswith("x" * 100) and "more characters" in error["param"]
    assert error["message"].count("x" * 100) == 1
