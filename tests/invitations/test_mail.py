"""Invitation emails serialised by hand say exactly what the email package would have written."""
import email
import email.policy

import pytest

from survey_app.customers.models import Customer
from survey_app.invitations.mail import Drafts, render_invitation
from survey_app.surveys.models import Survey
from survey_app.text import one_line

TITLE = {"en": "Why did you stop buying from us? " * 3, "ru": "Почему вы ушли от нас – очень длинное название опроса",
         "pl": "Dlaczego od nas odeszliście?"}


@pytest.mark.parametrize("name, locale, reminder", [
    ("Zoë & <b>Jan</b>", "ru", True), ("", "en", False), ("Jan Kowalski", "pl", False),
    ("Иван " * 40, "ru", False), ('O"Brien, Pat', "fr", True), ("\x00name\x00 \x00link\x00", "en", False),
])
def test_a_message_written_from_a_shared_draft_equals_the_email_package_output(app, name, locale, reminder):
    survey = Survey(id=7, title=TITLE, intro={"en": "Tell us <why> & how"}, default_locale="en")
    customer = Customer(name=name, email="klient@example.com")
    drafts = Drafts()
    with app.app_context():
        render_invitation(survey, Customer(name="Other", email="o@example.com"), locale, "OTHER", reminder, drafts)
        message = render_invitation(survey, customer, locale, "TOKEN-123", reminder=reminder, drafts=drafts)
        fast = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        full = email.message_from_bytes(message.as_mime().as_bytes(), policy=email.policy.default)
    for header in ("Subject", "From", "To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
                   "Content-Language", "Auto-Submitted"):
        assert str(fast[header]) == str(full[header]), header
    assert fast["To"].addresses[0].display_name == one_line(name)
    for kind in ("plain", "html"):
        assert fast.get_body((kind,)).get_content() == full.get_body((kind,)).get_content()
    text = fast.get_body(("plain",)).get_content()
    assert "/s/TOKEN-123" in text and "OTHER" not in text and (name in text if name else "Other" not in text)
    html = fast.get_body(("html",)).get_content()
    assert "<b>Jan" not in html and "&lt;why&gt;" in html
