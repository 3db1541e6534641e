"""Registering a webhook endpoint and choosing its events."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from ..formutil import MultiCheckboxField, choices
from .models import DeliveryState
from .rules import EVENTS, MAX_URL, TEST_EVENT

EVENT_LABELS = {
    "response.created": _l("A response was received"),
    "response.classified": _l("Free-text answers were given their cause"),
    "customer.lost": _l("A customer became lost"),
    "customer.returned": _l("A lost customer returned"),
    "followup.created": _l("A follow-up was opened"),
    TEST_EVENT: _l("Test event"),
}

STATE_LABELS = {
    DeliveryState.PENDING: _l("Waiting for a retry"),
    DeliveryState.SENDING: _l("Being sent"),
    DeliveryState.DELIVERED: _l("Delivered"),
    DeliveryState.FAILED: _l("Failed"),
}

#: What the URL refusals say, by code.
URL_MESSAGES = {
    "webhook_url_malformed": _l("Please enter a complete web address, such as https://example.com/webhooks."),
    "webhook_url_scheme": _l("Only http:// and https:// addresses can receive webhooks."),
    "webhook_url_unresolved": _l("This address’s host name could not be found."),
    "webhook_url_private": _l("This address leads to a private or local network; webhooks are only sent to "
                              "public addresses."),
}


class _Events(FlaskForm):
    events = MultiCheckboxField(_l("Events"), choices=choices((e, EVENT_LABELS[e]) for e in EVENTS),
                                validators=[DataRequired(message=_l("Please choose at least one event."))])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])


class WebhookForm(_Events):
    """A new endpoint: where, what for and which events."""

    url = StringField(_l("Endpoint URL"), validators=[DataRequired(message=_l("Please enter the endpoint’s URL.")),
                                                      Length(max=MAX_URL)])


class EventsForm(_Events):
    """The events an endpoint gets, and its description."""
