"""A TCP proxy on 127.0.0.1 that can cut the database off and bring it back, as if the server stopped."""
from __future__ import annotations

import socket
import threading


class Outage:
    """Forward 127.0.0.1:``port`` to ``target``; ``down()`` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.available = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if not self.available:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._close(s)

    def _close(self, s: socket.socket) -> None:
        with self._lock:
            self._open.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def down(self) -> None:
        """The database "stops": open connections break, new ones are refused."""
        self.available = False
        with self._lock:
            sockets = list(self._open)
        for s in sockets:
            self._close(s)

    def up(self) -> None:
        """The database is back."""
        self.available = True

    def close(self) -> None:
        self.down()
        self.listener.close()
