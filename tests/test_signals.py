"""Features announce what changed (blinker signals) and others subscribe: reports raise their revision, erasure
lets each feature drop what it holds, and a new subscriber hears every writer without touching it."""
import io
from contextlib import contextmanager

from sqlalchemy import select

from survey_app.customers.importer import import_customers
from survey_app.reports.models import DataRevision
from survey_app.signals import answers_changed, customer_changed, customer_erasing


@contextmanager
def heard(signal):
    calls = []

    def receiver(sender, **details):
        calls.append(details)

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def revision(db) -> int:
    with db() as session:
        return session.scalar(select(DataRevision.value)) or 0


def test_customer_edits_and_imports_are_announced_and_raise_the_report_revision(app, client, db, login,
                                                                                  make_customer):
    customer = make_customer(ref="SIG-1")
    login("admin")
    with heard(customer_changed) as calls:
        client.post(f"/staff/customers/{customer.id}/edit", data={"external_ref": "SIG-1", "name": "New name",
                                                                   "locale": "fr", "status": "active"})
        with app.app_context():
            import_customers(io.BytesIO(b"external_ref,segment\nSIG-1,SMB\nSIG-2,SMB\n"))
    assert calls == [{"customer_ids": [customer.id]}, {"customer_ids": [customer.id]}]
    assert revision(db) == 2


def test_erasure_lets_every_feature_drop_the_customers_data(app, client, db, login, make_customer, make_survey,
                                                             make_invitation):
    survey = make_survey("exit")
    customer = make_customer(ref="ERASE")
    make_invitation(survey, customer)
    login("admin")
    with heard(customer_erasing) as calls:
        page = client.post(f"/staff/customers/{customer.id}/erase", follow_redirects=True)
    assert page.status_code == 200 and calls == [{"customer_id": customer.id}]
    from survey_app.invitations.models import Invitation

    with db() as session:
        assert session.scalar(select(Invitation)) is None
    assert revision(db) == 1


def test_a_staff_review_is_announced(app, client, db, login, classifier, make_survey, make_optional):
    from tests.classification.test_services import answer_text, text_answers

    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    answer_text(client, survey, "meh")
    [answer] = text_answers(db)
    login("analyst")
    with heard(answers_changed) as calls:
        assert client.post(f"/staff/review/{answer.id}", data={"bucket": "competitor"}).status_code in (302, 303)
    assert calls == [{"reason": "reviewed", "response_ids": [answer.response_id]}] and revision(db) == 1
