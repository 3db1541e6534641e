"""Fixtures of the webhook tests: a local receiver the app may post to."""
import pytest

from tests.webhooks.receiver import start


@pytest.fixture
def receiver(app):
    """A receiver on 127.0.0.1; private addresses are allowed for this test so the app may reach it."""
    app.config["WEBHOOKS_ALLOW_PRIVATE_URLS"] = True
    box: list = []
    server, found = start(box)
    yield found
    if found.hold is not None:
        found.hold.set()
    server.shutdown()
    server.server_close()
