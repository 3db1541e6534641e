"""The API reference speaks the reader's language: every summary, description and field note the OpenAPI document
gives it (the views' docstrings, the schemas' notes, the libraries' HTTP phrases) is extracted and translated."""
from __future__ import annotations

import os

import pytest
from babel.messages.pofile import read_po

from survey_app.api.openapi import spec_of

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def shown_texts(spec: dict) -> set[str]:
    """The texts of the document the docs page shows."""
    texts = set()
    for item in spec["paths"].values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            texts |= {op.get("summary", ""), op.get("description", "")}
            texts |= {p.get("description", "") for p in op.get("parameters", [])}
            for response in op.get("responses", {}).values():
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rpartition("/")[2]]
                texts.add(response.get("description", ""))
    for schema in spec["components"]["schemas"].values():
        texts.add(schema.get("description", ""))
        texts |= {prop.get("description", "") for prop in schema.get("properties", {}).values()}
    return texts - {""}


@pytest.mark.parametrize("lang", ["fr", "pl", "ru"])
def test_every_text_of_the_document_the_page_shows_is_translated(app, lang):
    with open(os.path.join(ROOT, "translations", lang, "LC_MESSAGES", "messages.po"), "rb") as f:
        catalogue = {m.id: m.string for m in read_po(f) if m.id and not m.context}
    texts = shown_texts(spec_of(app))
    assert len(texts) > 40
    assert [t for t in sorted(texts) if not catalogue.get(t)] == []


@pytest.mark.parametrize(("lang", "summary", "note"), [
    ("fr", "Lister les enquêtes", "Identifiant court de l’enquête."),
    ("pl", "Lista ankiet", "Krótki identyfikator ankiety."),
    ("ru", "Список опросов", "Краткий идентификатор опроса."),
])
def test_the_reference_shows_summaries_and_field_notes_in_the_readers_language(client, lang, summary, note):
    page = client.get(f"/api/docs?lang={lang}").text
    assert summary in page and note in page
    assert "List the surveys" not in page and "Survey slug." not in page
