"""The JSON API (``/api/v1``): API keys, their staff page and command, the endpoints and their OpenAPI document."""
