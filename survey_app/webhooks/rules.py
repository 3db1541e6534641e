"""What webhooks may be sent, where and when (pure Python: no Flask, no database).

Events, the retry schedule, when an endpoint counts as broken, and which addresses a delivery may reach: only
http(s) URLs whose host resolves to public addresses (never loopback, private, link-local or reserved ones)
unless private addresses are allowed (tests, or an intranet deployment that means it).
"""
from __future__ import annotations

import ipaddress
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ..domain import Invalid

#: The events an endpoint may subscribe to.
EVENTS = ("response.created", "response.classified", "customer.lost", "customer.returned", "followup.created")
#: The event the "Send test event" button sends (to one endpoint, whatever it subscribed to).
TEST_EVENT = "webhook.test"
#: Waits before each retry after the first attempt failed: about 28 hours in all, then the delivery gives up.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
#: Attempts a delivery gets (the first one and the retries).
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: An endpoint failing without a single success for this long is disabled.
FAILING_FOR = timedelta(hours=24)
#: Longest endpoint URL kept.
MAX_URL = 2000
#: How much of an endpoint's answer the delivery log keeps.
KEPT_BODY = 1000
#: Schemes a delivery may use.
SCHEMES = ("http", "https")


class UrlRefused(Invalid):
    """An endpoint URL webhooks may not be sent to: not http(s), no host, unresolvable, or a non-public address."""

    code = "webhook_url_refused"


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None once every attempt is spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[attempts - 1]


def broken(failed_deliveries: int, failing_since: datetime | None, now: datetime, disable_after: int) -> bool:
    """An endpoint is broken when ``disable_after`` deliveries in a row gave up, or it has failed every attempt
    for :data:`FAILING_FOR`."""
    if disable_after > 0 and failed_deliveries >= disable_after:
        return True
    return failing_since is not None and now - failing_since >= FAILING_FOR


def split_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an endpoint URL.

    :raise UrlRefused: if it is not an http(s) URL with a host.
    """
    url = url.strip()
    if not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise UrlRefused("webhook_url_malformed")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlRefused("webhook_url_malformed") from error
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UrlRefused("webhook_url_scheme")
    if not parts.hostname:
        raise UrlRefused("webhook_url_malformed")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet (not loopback, private, link-local, reserved, multicast…)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses ``host`` resolves to, all public unless ``allow_private``.

    :raise UrlRefused: if it does not resolve, or resolves to an address webhooks may not reach.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UrlRefused("webhook_url_unresolved", host=host) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UrlRefused("webhook_url_unresolved", host=host)
    if not allow_private:
        for address in addresses:
            if not public(ipaddress.ip_address(address.split("%")[0])):
                raise UrlRefused("webhook_url_private", host=host)
    return addresses


def check_url(url: str, allow_private: bool) -> str:
    """The URL, stripped, once it is known webhooks may be sent to it.

    :raise UrlRefused: if they may not (see :func:`split_url` and :func:`resolve`).
    """
    _scheme, host, port = split_url(url)
    resolve(host, port, allow_private)
    return url.strip()
