"""Posting one signed delivery: Standard Webhooks headers, a bounded wait, and only to the address checked.

The host is resolved and every address checked here, at delivery time, then the connection goes to the checked
address (the ``Host`` header and TLS name stay the host's): a name that re-resolves to a private address between
the check and the request (DNS rebinding) cannot redirect the post. Redirects are not followed.
"""
from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook as Signer

from .rules import KEPT_BODY, UrlRefused, resolve, split_url

USER_AGENT = "survey-app-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    #: The HTTP status answered (None: no answer).
    status: int | None
    #: The start of the answer's body.
    body: str | None
    #: Why it failed without an answer.
    error: str | None

    @property
    def delivered(self) -> bool:
        """The endpoint took it (2xx)."""
        return self.status is not None and 200 <= self.status < 300


def headers(secret: str, event_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers signing ``body`` with ``secret``."""
    stamp = timestamp.replace(tzinfo=timezone.utc)
    return {"webhook-id": event_id, "webhook-timestamp": str(int(stamp.timestamp())),
            "webhook-signature": Signer(secret).sign(event_id, stamp, body)}


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, secret: str, event_id: str, body: str, *, timeout: float, allow_private: bool) -> Outcome:
    """Post ``body`` to ``url`` signed with ``secret`` now (the clock's time, which receivers check); never raises,
    says what happened."""
    try:
        scheme, host, port = split_url(url)
        address = resolve(host, port, allow_private)[0]
    except UrlRefused as error:
        return Outcome(None, None, f"refused: {error.code}")
    parts = urlsplit(url.strip())
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = connection_class(host, port, address, timeout)
    sent = {"content-type": "application/json", "user-agent": USER_AGENT,
            **headers(secret, event_id, datetime.now(timezone.utc), body)}
    try:
        connection.request("POST", target, body=body.encode(), headers=sent)
        answer = connection.getresponse()
        text = answer.read(KEPT_BODY * 4).decode("utf-8", "replace")[:KEPT_BODY]
        return Outcome(answer.status, text, None)
    except TimeoutError:
        return Outcome(None, None, f"timeout after {timeout:g} s")
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, None, f"{type(error).__name__}: {error}"[:500])
    finally:
        connection.close()
