"""SSRF guard for webhook endpoint URLs, applied when an endpoint is created or its URL
changed, and again at every delivery (DNS answers change; the delivery connects to the
very address that was checked, so a rebinding name cannot slip through).

Deployed stages: `https` only, and every address the host resolves to must be a public
one: loopback, private (RFC 1918, ULA), link-local (169.254.0.0/16 with the cloud
metadata service at 169.254.169.254, fe80::/10), shared/CGNAT, multicast, reserved,
unspecified, and IPv4 embedded in IPv6 (mapped, NAT64, 6to4) pointing at any of those
are all refused. The local cloud (STAGE=local) also allows `http` and loopback
addresses, so a receiver on 127.0.0.1 works; it still refuses the rest.

A URL is also made plain ASCII, as a browser would send it (`normalize`): an
internationalised host in IDNA (`xn--...`), spaces and non-ASCII characters of the
path and query percent-encoded (UTF-8), the rest as it was; control characters are
refused. Endpoints store
that form, and a delivery requests it, so no URL can break the HTTP request line.

Errors name the host, never the addresses it resolved to, nor whether it resolved at
all (one wording, UNREACHABLE): an attacker could otherwise map a private network or
its names through them (an SSRF oracle). Every block of IANA's special-purpose address
registries is refused too (SPECIAL_PURPOSE), fec0::/10 and 192.0.0.0/24 included.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Named explicitly for the error message; is_global already excludes them.
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Every block of IANA's IPv4 and IPv6 Special-Purpose Address Registries (and the
# deprecated site-local fec0::/10), whatever Python's ipaddress makes of it: its tables
# lag the registries (3fff::/20 is from 2024) and count a few blocks as global. The
# "globally reachable" ones here are anycast services (PCP, TURN, AS112, AMT, 6to4
# relays) that receive no one's webhooks. 64:ff9b::/96 is not here: it is judged by
# the IPv4 address it embeds.
SPECIAL_PURPOSE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24",
        "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4",
        "::/127", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23",
        "2001:db8::/32", "2002::/16", "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7",
        "fe80::/10", "fec0::/10", "ff00::/8",
    )
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOSTNAME = re.compile(r"^[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?$")  # DNS labels ('_' is used too)
# Left as they are when percent-encoding a path or query: every printable ASCII
# character but the space (so an ASCII URL is never changed, and '%XX' stays encoded).
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


# One wording whether the name does not resolve or resolves to an address that is
# refused: which of the two it was would tell an attacker what names exist inside.
UNREACHABLE = "has a host that does not resolve to an address that may receive webhooks: {host}"


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Policy:
    schemes: frozenset[str]
    allow_loopback: bool

    @classmethod
    def current(cls) -> Policy:
        if os.environ.get("STAGE") == "local":
            return cls(frozenset({"http", "https"}), allow_loopback=True)
        return cls(frozenset({"https"}), allow_loopback=False)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the vetted address) and what to ask for."""

    scheme: str
    host: str  # for the Host header and TLS server name
    port: int
    path: str  # path and query
    address: str  # the resolved, vetted IP to connect to


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def address_problem(ip: IPAddress, policy: Policy) -> str | None:
    """Why this address may not receive webhooks, or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            problem = address_problem(inner, policy)
            return f"{problem} (embedded in IPv6)" if problem else None
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_loopback:
        return None if policy.allow_loopback else "a loopback address"
    if ip in METADATA_ADDRESSES:
        return "the cloud metadata service"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "not a public address"
    if any(ip in block for block in SPECIAL_PURPOSE if block.version == ip.version):
        return "not a public address"
    return None


def _ascii_host(host: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise UnsafeUrl("has a host that is not a valid domain name") from None
    if not _HOSTNAME.match(ascii_host):
        raise UnsafeUrl("has a host that is not a valid domain name")
    return ascii_host.lower()


def normalize(url: str) -> str:
    """`url` in plain ASCII, as it is stored and requested (see above), or UnsafeUrl."""
    if _CONTROL.search(url):
        raise UnsafeUrl("must not contain control characters")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UnsafeUrl("is not a valid URL") from None
    netloc = parts.netloc
    # The host in IDNA form; an IPv6 literal stays as it is, and credentials are refused by check.
    if parts.hostname and "@" not in netloc and "[" not in netloc:
        netloc = _ascii_host(parts.hostname) + (f":{parts.port}" if parts.port is not None else "")
    path = quote(parts.path, safe=_SAFE)
    query = quote(parts.query, safe=_SAFE)
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def check(url: str, policy: Policy | None = None, resolver: Resolver | None = None) -> Target:
    """The vetted target of `url`, or UnsafeUrl."""
    policy = policy or Policy.current()
    resolver = resolver or resolve
    url = normalize(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in policy.schemes:
        allowed = " or ".join(sorted(policy.schemes))
        raise UnsafeUrl(f"must be an {allowed} URL" if len(policy.schemes) == 1 else f"must use {allowed}")
    host = parts.hostname or ""
    if not host:
        raise UnsafeUrl("has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("must not contain credentials")
    if parts.fragment:
        raise UnsafeUrl("must not contain a fragment")
    port = port or (443 if scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        if host.rstrip(".").lower() in {"localhost"} and not policy.allow_loopback:
            raise UnsafeUrl("must not point at this machine (localhost)")
        try:
            addresses = resolver(host, port)
        except OSError:
            addresses = []
        if not addresses:
            raise UnsafeUrl(UNREACHABLE.format(host=host))
    for raw in addresses:
        ip = ipaddress.ip_address(raw.split("%", 1)[0])
        problem = address_problem(ip, policy)
        if problem and literal is not None:  # the caller's own address: saying why tells nothing new
            raise UnsafeUrl(f"points at {problem}: {host}")
        if problem:  # nothing about what the name resolved to: not the address, not its kind, not whether
            raise UnsafeUrl(UNREACHABLE.format(host=host))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
