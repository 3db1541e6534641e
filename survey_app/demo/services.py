"""Demo data: staff accounts, customers in four languages with two years of purchases, two open customer surveys with
months of answers, a staff survey with the team's beliefs, win-back cases in every state and follow-ups."""
from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ..auth.models import Role, StaffUser
from ..auth.services import create_user, find_user
from ..classification.services import sort_pending
from ..customers.models import Customer, CustomerStatus
from ..dbtypes import utcnow
from ..extensions import db
from ..invitations.services import create_invitation, invitation_url
from ..purchases.models import Purchase
from ..purchases.rules import threshold_days
from ..responses.definition import survey_definition
from ..responses.models import Channel
from ..responses.services import record_response
from ..surveys.models import QuestionType, Survey, SurveyKind
from ..surveys.services import create_from_template, get_survey, install_catalogue, open_survey
from ..taxonomy import BUCKETS
from .cases import assign_managers, demo_staff, has_cases, has_followups, load_cases, load_followups
from .texts import CUSTOMERS, EXIT_TEXTS, LOYALTY_TEXTS

logger = logging.getLogger(__name__)

DEMO_USERS = (("admin@example.com", Role.ADMIN, "Alex Admin"),
              ("analyst@example.com", Role.ANALYST, "Ana Analyst"),
              ("interviewer@example.com", Role.INTERVIEWER, "Ivan Interviewer"))
EXIT_SLUG, LOYALTY_SLUG, STAFF_SLUG = "exit-demo", "loyalty-demo", "staff-demo"
#: Made-up shares, close to the rule of thumb but not equal to it.
EXIT_WEIGHTS = (0.56, 0.19, 0.13, 0.06, 0.06)
LOYALTY_WEIGHTS = (0.30, 0.32, 0.28, 0.06, 0.04)
#: What the team believes: mostly price and competitors, as teams often do.
STAFF_WEIGHTS = (0.14, 0.22, 0.42, 0.08, 0.14)
STAFF_ANSWERS = 24
SEGMENTS = ("SMB", "Enterprise", "Retail")


@dataclass
class DemoResult:
    """What ``load_demo`` did and what a person needs to try the app."""

    logins: list[tuple[str, str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    created: bool = False


def load_demo(instance_path: str, seed: int = 2026) -> DemoResult:
    """Load the demo data once; later runs keep existing data and only report the logins."""
    install_catalogue()
    result = DemoResult()
    secrets_file = Path(instance_path) / "demo-logins.txt"
    saved = _read_saved(secrets_file)
    for email, role, name in DEMO_USERS:
        if find_user(email) is None:
            password = secrets.token_urlsafe(9)
            create_user(email, role, password, name=name)
            saved[email] = password
        result.logins.append((role.value, email, saved.get(email, "(set before; see flask users)")))
    if get_survey(EXIT_SLUG) is None:
        rng = random.Random(seed)
        customers = _customers(rng)
        exit_survey = _survey(SurveyKind.EXIT, EXIT_SLUG)
        loyalty_survey = _survey(SurveyKind.LOYALTY, LOYALTY_SLUG)
        interviewer = find_user("interviewer@example.com")
        fresh = _fresh(customers)
        departed = [c for c in customers if c.status == CustomerStatus.LOST and c not in fresh]
        loyal = [c for c in customers if c.status == CustomerStatus.ACTIVE]
        _answers(rng, exit_survey, departed, EXIT_WEIGHTS, EXIT_TEXTS, 260, interviewer)
        _answers(rng, loyalty_survey, loyal, LOYALTY_WEIGHTS, LOYALTY_TEXTS, 140, None)
        db.session.commit()
        sort_pending()  # the demo's free text is sorted at once (training the first model from the shipped examples)
        for customer in fresh:
            _invitation, token = create_invitation(exit_survey, customer)
            saved[f"link {customer.locale} {customer.external_ref}"] = invitation_url(token)
        result.created = True
    if get_survey(STAFF_SLUG) is None:  # also added to a demo loaded before staff surveys existed
        staff_survey = _survey(SurveyKind.STAFF, STAFF_SLUG)
        _answers(random.Random(seed + 1), staff_survey, [], STAFF_WEIGHTS, None, STAFF_ANSWERS, None)
        db.session.commit()
        result.created = True
    if not has_cases():  # also added to a demo loaded before win-back cases existed
        result.created = load_cases(date.today(), seed + 2) > 0 or result.created
        db.session.commit()
    if not has_followups():
        result.created = load_followups(seed + 3) > 0 or result.created
        db.session.commit()
    db.session.flush()
    result.links = [(k.split()[1], v) for k, v in saved.items() if k.startswith("link ")]
    _write_saved(secrets_file, saved)
    return result


def _read_saved(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)


def _write_saved(path: Path, saved: dict[str, str]) -> None:
    path.write_text("".join(f"{k}\t{v}\n" for k, v in saved.items()))
    path.chmod(0o600)


def _customers(rng: random.Random) -> list[Customer]:
    """The demo customers, each with two years of purchases at their own rhythm; two in three have left; the demo
    staff manage them in turn."""
    today = date.today()
    customers, rhythms = [], []
    for locale, people in CUSTOMERS.items():
        for i, (name, local_part) in enumerate(people, start=1):
            lost = i % 3 != 0
            interval = rng.choice((14, 30, 30, 45, 60, 91))
            annual = Decimal(rng.randrange(2_000, 250_000, 50))
            if lost:  # bought at their rhythm until they stopped; lost once the usual gap has passed by a third
                lost_at = today - timedelta(days=rng.randint(5, 180))
                last = lost_at - timedelta(days=threshold_days(interval))
            else:
                lost_at, last = None, today - timedelta(days=rng.randint(0, interval))
            customer = Customer(
                external_ref=f"DEMO-{locale.upper()}-{i:03d}", name=name, email=f"{local_part}@example.com",
                locale=locale, segment=SEGMENTS[i % len(SEGMENTS)],
                annual_revenue=annual, customer_since=today - timedelta(days=rng.randint(800, 3000)),
                status=CustomerStatus.LOST if lost else CustomerStatus.ACTIVE, lost_at=lost_at, last_purchase=last,
            )
            db.session.add(customer)
            customers.append(customer)
            rhythms.append((interval, last))
    assign_managers(customers, demo_staff())
    db.session.flush()
    for customer, (interval, last) in zip(customers, rhythms, strict=True):
        _purchases(rng, customer, interval, last, since=today - timedelta(days=730))
    return customers


def _purchases(rng: random.Random, customer: Customer, interval: int, last: date, since: date) -> None:
    """Purchases every ``interval`` days give or take a fifth, from ``last`` back to ``since``, worth the annual
    revenue over a year."""
    per_purchase = float(customer.annual_revenue or 0) * interval / 365
    day, n = last, 1
    while day >= since:
        amount = Decimal(str(round(per_purchase * rng.uniform(0.6, 1.4), 2)))
        db.session.add(Purchase(customer_id=customer.id, day=day, amount=amount,
                                order_ref=f"{customer.external_ref}-{n:04d}"))
        day -= timedelta(days=max(1, round(interval * rng.uniform(0.8, 1.2))))
        n += 1


def _survey(kind: SurveyKind, slug: str) -> Survey:
    survey = create_from_template(kind, slug, "en", open_link=True)
    open_survey(survey)
    return survey


def _answers(rng: random.Random, survey: Survey, respondents: list[Customer], weights, texts, count: int,
             interviewer: StaffUser | None) -> None:
    """Store ``count`` responses: the named customers first (by invitation or interview), then the public link;
    ``texts=None`` gives no free text."""
    definition = survey_definition(survey)
    reasons = definition.reasons
    by_bucket = {b: [r.code for r in reasons if r.bucket == b] for b in BUCKETS}
    questions = {q.type: q for q in definition.questions}
    now = utcnow()
    for i in range(count):
        customer = respondents[i] if i < len(respondents) else None
        locale = customer.locale if customer else rng.choice(("en", "en", "fr", "pl", "ru"))
        bucket = rng.choices(BUCKETS, weights)[0]
        values: dict[int, object] = {}
        text_only = texts is not None and rng.random() < 0.06
        if not text_only:
            main = rng.choice(by_bucket[bucket])
            values[questions[QuestionType.MAIN_REASON].id] = main
            if rng.random() < 0.5:
                others = rng.sample([r.code for r in reasons if r.code != main], rng.randint(1, 2))
                values[questions[QuestionType.OTHER_REASONS].id] = others
        if texts is not None and (text_only or rng.random() < 0.4):
            values[questions[QuestionType.FREE_TEXT].id] = rng.choice(texts[locale][bucket])
        if QuestionType.SCALE_0_10 in questions:
            values[questions[QuestionType.SCALE_0_10].id] = rng.randint(0, 10)
        if QuestionType.CONTACT_CONSENT in questions:
            values[questions[QuestionType.CONTACT_CONSENT].id] = rng.randint(0, 1)
        invitation, channel, by = None, Channel.LINK, None
        if customer is not None and interviewer is not None and i % 4 == 3:
            channel, by = Channel.INTERVIEW, interviewer
        elif customer is not None:
            invitation, _token = create_invitation(survey, customer)
            channel = Channel.EMAIL
        record_response(db.session.connection(), definition, values, locale=locale, channel=channel,
                        invitation=invitation, customer_id=customer.id if customer else None,
                        interviewer_id=by.id if by else None,
                        submitted_at=now - timedelta(days=rng.uniform(0, 180), minutes=rng.randint(0, 600)))
    db.session.flush()


def _fresh(customers: list[Customer]) -> list[Customer]:
    """One lost customer per language kept uninvited, to try the respondent's side."""
    seen, picked = set(), []
    for customer in reversed(customers):
        if customer.status == CustomerStatus.LOST and customer.locale not in seen:
            seen.add(customer.locale)
            picked.append(customer)
    return picked

