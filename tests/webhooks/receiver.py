"""A real HTTP receiver on 127.0.0.1 for webhook tests: records each delivery, answers with the status the test
sets, and verifies the Standard Webhooks signature with the ``standardwebhooks`` package."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> dict:
        """The payload, once its signature checks out with ``secret`` (raises otherwise)."""
        return Verifier(secret).verify(self.body, self.headers)

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    #: Statuses to answer, in turn; the last one is repeated.
    statuses: list[int] = field(default_factory=lambda: [204])
    answered: int = 0
    #: When set, the receiver waits (up to a minute) for it before answering: a slow endpoint.
    hold: threading.Event | None = None

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.payload["type"] == event_type]


def start(receiver_box: list) -> tuple[ThreadingHTTPServer, Receiver]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver = receiver_box[0]
            if receiver.hold is not None:
                receiver.hold.wait(60)
            with lock:
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses[min(receiver.answered, len(receiver.statuses) - 1)]
                receiver.answered += 1
            text = b"ok" if status < 300 else b"receiver says no"
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:  # the sender gave up waiting (a timeout test)
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    receiver_box.append(receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver


__all__ = ["Received", "Receiver", "WebhookVerificationError", "start"]
