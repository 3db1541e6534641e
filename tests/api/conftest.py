"""API test helpers: keys of each role, and a client whose every API answer is checked against the OpenAPI document."""
from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from survey_app.api.services import create_key
from tests.conftest import app_db


@pytest.fixture
def make_key(app):
    """Create an API key: ``make_key("analyst")`` returns the key itself."""

    def make(role: str = "admin", name: str = "CRM", expires=None) -> str:
        with app_db(app):
            return create_key(name, role, expires)[1]

    return make


@pytest.fixture(scope="session")
def openapi_doc(app):
    """The OpenAPI document the application serves, read once, ready to validate requests and responses."""
    import json

    from openapi_core import Config, OpenAPI

    spec = app.test_client().get("/api/openapi.json").get_json()
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return spec, OpenAPI.from_dict(spec, config=config)


class ApiClient:
    """Calls the API with a key and checks every answer against the OpenAPI document."""

    def __init__(self, client, openapi, key: str | None) -> None:
        self.client, self.openapi, self.key, self.checked = client, openapi, key, []

    def call(self, method: str, path: str, key: str | None | bool = True, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        key = self.key if key is True else key
        if key:
            headers["Authorization"] = f"Bearer {key}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.validate(EnvironBuilder(path=path, method=method, headers=headers, **kwargs).get_request(), response)
        return response

    def validate(self, request, response) -> None:
        """Check the answer's status, media type and body against the document (success and problems alike)."""
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

        self.openapi.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
        self.checked.append((request.method, request.path, response.status_code))

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api(app, make_key, openapi_doc):
    """An API client with an administrator key; ``api.key`` is the key, ``api.call(..., key=other)`` uses another."""
    return ApiClient(app.test_client(), openapi_doc[1], make_key("admin"))


@pytest.fixture
def analyst_api(app, make_key, openapi_doc):
    """An API client with an analyst key."""
    return ApiClient(app.test_client(), openapi_doc[1], make_key("analyst"))
