"""Every message marshmallow may give about a value sent to the API reaches the client in its language."""
from __future__ import annotations

import pytest
from marshmallow import Schema, fields

from survey_app.api import schemas as s
from survey_app.api.problems import _FIELD_MESSAGES

#: The schemas requests are read with (bodies, rows and query strings).
REQUEST_SCHEMAS = [s.CustomerRowSchema, s.PurchaseRowSchema, s.InvitationRequestSchema, s.ResponseArgsSchema,
                   s.BreakdownArgsSchema, s.LostArgsSchema, s.CaseArgsSchema, s.SpanArgsSchema]
#: Messages never about a JSON or query value: written when an answer is serialised, about bytes, about a time
#: zone (the API reads days only).
SERIALISING = {"format", "invalid_utf8", "invalid_awareness"}


def _messages(field: fields.Field) -> set[str]:
    found = {text for key, text in field.error_messages.items() if key not in SERIALISING}
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if inner is not None:
            found |= _messages(inner)
    return found


def test_every_message_about_a_request_value_is_translated():
    untranslated = set(Schema._default_error_messages.values()) - set(_FIELD_MESSAGES)
    for schema in REQUEST_SCHEMAS:
        for field in schema().fields.values():
            untranslated |= _messages(field) - set(_FIELD_MESSAGES)
    assert not untranslated


@pytest.mark.parametrize("revenue", ["NaN", "Infinity", "1e400"])
def test_an_infinite_amount_is_refused_in_the_language_asked_for(api, revenue):
    answer = api.post("/api/v1/customers?lang=fr", data='{"customers": [{"external_ref": "INF-1", "annual_revenue": '
                      + revenue + "}]}", content_type="application/json")
    assert answer.status_code == 200
    message = answer.get_json()["refused"][0]["errors"]["annual_revenue"][0]
    assert message == "Indiquez un nombre fini (ni NaN ni l’infini)."
