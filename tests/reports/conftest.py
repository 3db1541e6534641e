"""Factories for report tests: customers, responses with chosen buckets and dates, invitations, and fixed data sets.

Responses and answers are inserted through the models, so every column a report reads (submission time, locale,
channel, customer, bucket, primary flag, and the response's copy of its primary answer's bucket) is chosen by the
test.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from survey_app.customers.models import Customer, CustomerStatus
from survey_app.invitations.models import Invitation, InvitationState
from survey_app.responses.models import Answer, Channel, ClassificationSource, Response
from survey_app.taxonomy import BUCKET_GROUP, UNCLASSIFIED
from tests.conftest import app_db

#: A catalogue reason of each bucket offered by both the exit and the loyalty template.
REASON_FOR = {"indifference": "no_follow_up", "dissatisfaction": "poor_quality", "competitor": "cheaper_elsewhere",
              "relationship": "other_supplier_relationship", "circumstances": "moved"}
NOON = datetime(2024, 5, 15, 12, 0)


def _answers(questions: dict[str, int], bucket: str | None, text: str | None, extra: bool,
             source: str | None) -> list[Answer]:
    answers = []
    if bucket in REASON_FOR:
        answers.append(Answer(question_id=questions["main_reason"], reason_code=REASON_FOR[bucket], bucket=bucket,
                              cause_group=BUCKET_GROUP[bucket], source=ClassificationSource(source or "choice"),
                              confidence=1.0, is_primary=True))
        if text is not None:
            answers.append(Answer(question_id=questions["free_text"], text=text, bucket=UNCLASSIFIED,
                                  source=ClassificationSource.MODEL, confidence=0.3, model_version="test-1"))
    elif bucket == UNCLASSIFIED:
        answers.append(Answer(question_id=questions["free_text"], text=text or "Hard to say, really.",
                              bucket=UNCLASSIFIED, source=ClassificationSource(source or "model"), confidence=0.41,
                              model_version="test-1", is_primary=True))
    if extra:  # answers that carry a bucket or a number but never the response's cause
        answers.append(Answer(question_id=questions["other_reasons"], reason_code="better_offer", bucket="competitor",
                              cause_group="competitor", source=ClassificationSource.CHOICE, confidence=1.0))
        answers.append(Answer(question_id=questions["scale_0_10"], number=4))
    return answers


def new_response(survey, bucket: str | None = "indifference", *, at: datetime = NOON, locale: str = "en",
                 channel: str = "link", customer=None, text: str | None = None, extra: bool = True,
                 source: str | None = None) -> Response:
    """A response with its answers, not yet added to a session."""
    questions = {q.type.value: q.id for q in survey.questions}
    response = Response(survey_id=survey.id, customer_id=getattr(customer, "id", customer), locale=locale,
                        channel=Channel(channel), submitted_at=at)
    response.answers = _answers(questions, bucket, text, extra, source)
    # As the app's writers do: the response keeps its primary answer's bucket (its cause) for reports.
    response.primary_bucket = next((a.bucket for a in response.answers if a.is_primary), None)
    return response


def new_customer(n: int, *, segment: str | None = None, manager=None, revenue: str | None = None,
                 locale: str = "en", email: str | None | bool = True, status: str = "active",
                 lost_at: date | None = None, unreachable: bool = False, name: str | None = None,
                 ref: str | None = None) -> Customer:
    """A customer with the fields reports read, not yet added to a session."""
    return Customer(external_ref=ref or f"R-{n:05d}", name=name or f"Account {n}",
                    email=f"account{n}@example.com" if email is True else email, locale=locale, segment=segment,
                    status=CustomerStatus(status), annual_revenue=Decimal(revenue) if revenue is not None else None,
                    account_manager_id=getattr(manager, "id", manager), lost_at=lost_at, unreachable=unreachable)


def new_invitation(survey, who, state: str = "sent", *, at: datetime = NOON, opened: bool = False,
                   locale: str | None = None) -> Invitation:
    """An invitation in a given state, not yet added to a session."""
    return Invitation(survey_id=survey.id, customer_id=who.id, token_hash=secrets.token_hex(32),
                      locale=locale or who.locale, state=InvitationState(state), created_at=at,
                      sent_at=at if state in ("sent", "answered", "bounced") else None,
                      opened_at=at + timedelta(hours=2) if opened else None)


@pytest.fixture
def respond(app):
    """Store responses: ``respond(survey, "competitor", at=datetime(...), locale="fr", channel="email",
    customer=c, times=3)``; ``bucket=None`` gives a response without a cause. Returns the new response ids."""

    def make(survey, bucket: str | None = "indifference", *, times: int = 1, **fields) -> list[int]:
        with app_db(app) as session:
            responses = [new_response(survey, bucket, **fields) for _ in range(times)]
            session.add_all(responses)
            session.flush()
            return [r.id for r in responses]

    return make


@pytest.fixture
def customer(app):
    """Create a customer with report fields: ``customer(segment="SMB", manager=user, revenue="1000.10")``;
    ``email=None`` leaves it without an address, ``status="lost", lost_at=date(...)`` makes it a lost one."""
    counter = iter(range(1, 10_000))

    def make(**fields) -> Customer:
        with app_db(app) as session:
            made = new_customer(next(counter), **fields)
            session.add(made)
            session.flush()
            return made

    return make


@pytest.fixture
def invite(app):
    """Store an invitation in a given state: ``invite(survey, customer, "bounced", at=datetime(...), opened=True)``."""

    def make(survey, who, state: str = "sent", **fields) -> Invitation:
        with app_db(app) as session:
            made = new_invitation(survey, who, state, **fields)
            session.add(made)
            return made

    return make


@pytest.fixture
def manager(app):
    """A staff account to be customers' account manager (no password: it never signs in)."""
    counter = iter(range(1, 10_000))

    def make(name: str = "Account Manager"):
        from survey_app.auth.models import Role, StaffUser

        with app_db(app) as session:
            user = StaffUser(email=f"manager{next(counter)}@example.com", name=name, role=Role.ANALYST,
                             password_hash="!")
            session.add(user)
            session.flush()
            return user

    return make


@pytest.fixture
def dataset(app, make_survey, manager):
    """Eleven responses on either side of week, month and quarter boundaries, with customers and invitations.

    ====  ========  ===================  ===============  ======  =========  ========
    no.   survey    submitted            bucket           locale  channel    customer
    ====  ========  ===================  ===============  ======  =========  ========
    r1    exit-a    2023-12-31 23:59:59  indifference     en      email      c1
    r2    exit-a    2024-01-01 00:00:00  dissatisfaction  en      link       –
    r3    exit-a    2024-03-03 12:00:00  competitor       fr      email      c2
    r4    exit-a    2024-03-04 00:00:01  indifference     fr      interview  c2
    r5    exit-a    2024-03-31 23:59:59  unclassified     pl      link       c3
    r6    exit-b    2024-04-01 00:00:00  circumstances    pl      email      c3
    r7    exit-b    2024-06-30 23:59:59  relationship     en      link       c1
    r8    loyal-a   2024-07-01 00:00:00  indifference     en      email      c1
    r9    loyal-a   2024-07-01 08:00:00  competitor       ru      link       –
    r10   loyal-a   2024-09-30 23:00:00  dissatisfaction  fr      interview  c2
    r11   exit-a    2024-10-01 10:00:00  (no cause)       en      link       c1
    ====  ========  ===================  ===============  ======  =========  ========

    c1: SMB, manager m1, 1000.10 a year (en); c2: Enterprise, manager m2, 250000.25 (fr); c3: SMB, no manager,
    revenue unknown (pl). Every response but r11 also has a non-primary "competitor" answer that must not count.
    A staff survey, staff-a, holds the team's beliefs (competitor twice, indifference once, in March 2024, in English
    and French, one of them even naming c1): no customer figure may count them.
    Reach: see the invitations and lost customers below.
    """
    m1, m2 = manager("Marta Manager"), manager("Boris Boss")
    exit_a = make_survey("exit", slug="exit-a")
    exit_b = make_survey("exit", slug="exit-b")
    loyal_a = make_survey("loyalty", slug="loyal-a")
    staff_a = make_survey("staff", slug="staff-a")
    with app_db(app) as session:  # one transaction: the data set is built for many tests
        c1 = new_customer(1, segment="SMB", manager=m1, revenue="1000.10", locale="en")
        c2 = new_customer(2, segment="Enterprise", manager=m2, revenue="250000.25", locale="fr")
        c3 = new_customer(3, segment="SMB", locale="pl")
        # Reach: c4 active; c5 lost without address (SMB, m1); c6 lost, mail bounced before; c7 lost without
        # address but invited to exit-a; c8 lost with an address; c9 active without address.
        c4 = new_customer(4, segment="Enterprise", locale="en")
        c5 = new_customer(5, segment="SMB", manager=m1, email=None, status="lost", lost_at=date(2024, 3, 15))
        c6 = new_customer(6, segment="Enterprise", locale="fr", status="lost", lost_at=date(2024, 8, 1),
                          unreachable=True)
        c7 = new_customer(7, segment="SMB", email=None, status="lost", lost_at=date(2024, 2, 1))
        c8 = new_customer(8, segment="SMB", status="lost", lost_at=date(2024, 5, 5))
        c9 = new_customer(9, email=None)
        session.add_all([c1, c2, c3, c4, c5, c6, c7, c8, c9])
        session.flush()
        rows = [
            (exit_a, datetime(2023, 12, 31, 23, 59, 59), "indifference", "en", "email", c1),
            (exit_a, datetime(2024, 1, 1), "dissatisfaction", "en", "link", None),
            (exit_a, datetime(2024, 3, 3, 12), "competitor", "fr", "email", c2),
            (exit_a, datetime(2024, 3, 4, 0, 0, 1), "indifference", "fr", "interview", c2),
            (exit_a, datetime(2024, 3, 31, 23, 59, 59, 999999), "unclassified", "pl", "link", c3),
            (exit_b, datetime(2024, 4, 1), "circumstances", "pl", "email", c3),
            (exit_b, datetime(2024, 6, 30, 23, 59, 59), "relationship", "en", "link", c1),
            (loyal_a, datetime(2024, 7, 1), "indifference", "en", "email", c1),
            (loyal_a, datetime(2024, 7, 1, 8), "competitor", "ru", "link", None),
            (loyal_a, datetime(2024, 9, 30, 23), "dissatisfaction", "fr", "interview", c2),
            (exit_a, datetime(2024, 10, 1, 10), None, "en", "link", c1),
        ]
        session.add_all([new_response(survey, bucket, at=at, locale=locale, channel=channel, customer=who)
                         for survey, at, bucket, locale, channel, who in rows])
        session.add_all([new_response(staff_a, bucket, at=at, locale=locale, customer=who, extra=False)
                         for at, bucket, locale, who in ((datetime(2024, 3, 3, 12), "competitor", "en", None),
                                                         (datetime(2024, 3, 10), "competitor", "fr", c1),
                                                         (datetime(2024, 3, 31, 12), "indifference", "en", None))])
        session.add_all([
            new_invitation(exit_a, c1, "answered", at=datetime(2024, 1, 5), opened=True),
            new_invitation(exit_a, c2, "sent", at=datetime(2024, 2, 10), opened=True),
            new_invitation(exit_a, c3, "bounced", at=datetime(2024, 2, 10)),
            new_invitation(exit_a, c7, "failed", at=datetime(2024, 3, 15, 17)),
            new_invitation(exit_b, c1, "pending", at=datetime(2024, 5, 1)),
            new_invitation(exit_b, c4, "failed", at=datetime(2024, 5, 1)),
            new_invitation(loyal_a, c2, "sent", at=datetime(2024, 7, 2)),
        ])
    return SimpleNamespace(m1=m1, m2=m2, exit_a=exit_a, exit_b=exit_b, loyal_a=loyal_a, staff_a=staff_a, c1=c1, c2=c2,
                           c3=c3)


@pytest.fixture
def big_dataset(app, make_survey):
    """Enough answers for every chart: 40 exit and 36 loyalty classified answers over three months, customers with
    revenue, one unclassified answer, invitations, and 12 staff answers (the team's beliefs)."""
    exit_big = make_survey("exit", slug="exit-big")
    loyal_big = make_survey("loyalty", slug="loyal-big")
    staff_big = make_survey("staff", slug="staff-big")
    with app_db(app) as session:
        rich = new_customer(1, segment="SMB", revenue="120000", locale="pl")
        small = new_customer(2, segment="Retail", revenue="2500.50", locale="ru")
        lost = new_customer(3, status="lost", email=None, lost_at=date(2024, 4, 2))
        session.add_all([rich, small, lost])
        session.flush()
        for bucket, times, month, who in (("indifference", 20, 3, rich), ("dissatisfaction", 8, 4, small),
                                          ("competitor", 6, 4, None), ("relationship", 3, 5, rich),
                                          ("circumstances", 3, 5, small)):
            session.add_all([new_response(exit_big, bucket, at=datetime(2024, month, 10, 9), customer=who,
                                          channel="email") for _ in range(times)])
        session.add(new_response(exit_big, "unclassified", at=datetime(2024, 5, 11), customer=rich))
        for bucket, times in (("indifference", 12), ("dissatisfaction", 12), ("competitor", 8), ("relationship", 4)):
            session.add_all([new_response(loyal_big, bucket, at=datetime(2024, 5, 20), customer=small, locale="ru")
                             for _ in range(times)])
        for bucket, times in (("competitor", 6), ("dissatisfaction", 3), ("indifference", 2), ("circumstances", 1)):
            session.add_all([new_response(staff_big, bucket, at=datetime(2024, 5, 21), extra=False)
                             for _ in range(times)])
        session.add_all([new_invitation(exit_big, rich, "answered", opened=True),
                         new_invitation(exit_big, small, "bounced"),
                         new_invitation(loyal_big, small, "sent", opened=True)])
    return SimpleNamespace(exit=exit_big, loyalty=loyal_big, staff=staff_big, rich=rich, small=small, lost=lost)


@pytest.fixture
def analyst(client, manager):
    """The test client signed in as an analyst (``analyst.user``), straight into the session: the sign-in form's
    slow password hashing is tested elsewhere."""
    user = manager("Ana Lyst")
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = user.get_id()
        browser_session["_fresh"] = True
    client.user = user
    return client
