"""The API reference names an endpoint's HTTP responses with the word for HTTP answers, not the word for survey
responses (fr « participations », pl « wypełnienia », ru « анкеты »)."""
from __future__ import annotations

import re

import pytest

#: The glossary's words for a survey response, which an HTTP response is not.
SURVEY_RESPONSE = {"fr": "Participations", "pl": "Wypełnienia", "ru": "Анкеты"}
HTTP_RESPONSES = {"fr": "Réponses", "pl": "Odpowiedzi", "ru": "Ответы"}


@pytest.mark.parametrize("lang", ["fr", "pl", "ru"])
def test_each_endpoints_http_responses_are_headed_as_such(client, lang):
    page = client.get("/api/docs", headers={"Accept-Language": lang}).text
    headings = re.findall(r"<h4>([^<]+)</h4>", page)
    assert SURVEY_RESPONSE[lang] not in headings
    assert HTTP_RESPONSES[lang] in headings
