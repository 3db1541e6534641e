"""Demo win-back cases in every state and follow-ups open and closed, made through the services staff use: cases
opened by the sweep's service for the lost customers, plans, promises, purchases that win customers back, closing
notes; follow-ups opened from recent answers of customers who agreed to be contacted."""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..auth.models import StaffUser
from ..auth.services import find_user
from ..classification.services import sort_pending
from ..customers.models import Customer, CustomerStatus
from ..dbtypes import utcnow
from ..extensions import db
from ..followups.models import FollowUp
from ..followups.rules import Outcome
from ..followups.services import close, open_due
from ..purchases.models import Purchase
from ..purchases.rules import usual_interval
from ..purchases.services import record_purchase
from ..responses.definition import survey_definition
from ..responses.models import Channel as AnswerChannel
from ..responses.models import Response
from ..responses.services import record_response
from ..surveys.models import QuestionType, Survey
from ..winback.models import WinbackCase, WinbackStep
from ..winback.rules import ACTIVE, CaseState, Channel
from ..winback.services import (
    add_step,
    agree,
    answered_reason,
    move,
    open_case,
    open_for_lost,
    set_details,
    set_done,
)
from .texts import (
    ASK_WHY,
    EXIT_TEXTS,
    FIRST_ORDER,
    FOLLOWUP_NOTES,
    LET_GO_NOTES,
    LOYALTY_TEXTS,
    NOT_WON_BACK_NOTES,
    WINBACK_OFFERS,
    WINBACK_PLANS,
)

#: The demo staff who manage demo customers, in turn.
MANAGERS = ("admin@example.com", "analyst@example.com", "interviewer@example.com")
DEMO_REFS = "DEMO-%"
#: Share of the cases with a known reason (the latest lost first) still open, then in progress; the oldest rest are
#: closed: won back, not won back or let go.
OPEN_SHARE, PROGRESS_SHARE = 0.3, 0.25
#: Demo follow-ups: (survey slug, days since the answer, outcome when closed and days it took; None: still open).
FOLLOWUPS: tuple[tuple[str, float, tuple[str, float] | None], ...] = (
    ("loyalty-demo", 6.2, None),  # open past its last day
    ("exit-demo", 1.1, None),
    ("loyalty-demo", 0.3, None),
    ("loyalty-demo", 5.1, ("fixed", 1.2)),
    ("exit-demo", 4.2, ("offer_made", 0.9)),
    ("loyalty-demo", 3.3, ("apologised", 0.4)),
    ("exit-demo", 6.0, ("not_reached", 4.1)),  # closed after its last day
)
FOLLOWUP_KEY = "demo-followup-{}"


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour))


def _demo_customers() -> list[Customer]:
    return list(db.session.scalars(select(Customer).where(Customer.external_ref.like(DEMO_REFS))
                                   .order_by(Customer.id)))


def assign_managers(customers: Sequence[Customer], staff: Sequence[StaffUser]) -> None:
    """Give ``staff`` the customers as account managers in turn, among the lost and among the others apart."""
    for lost in (True, False):
        group = [c for c in customers if (c.status == CustomerStatus.LOST) == lost]
        for n, customer in enumerate(group):
            customer.account_manager = staff[n % len(staff)]


def demo_staff() -> list[StaffUser]:
    """The demo staff who manage demo customers."""
    return [user for user in (find_user(email) for email in MANAGERS) if user is not None]


def has_cases() -> bool:
    """Whether the demo's win-back plans were made (a case of a demo customer has a step)."""
    return db.session.scalar(select(WinbackStep.id).join(WinbackCase, WinbackCase.id == WinbackStep.case_id)
                             .join(Customer, Customer.id == WinbackCase.customer_id)
                             .where(Customer.external_ref.like(DEMO_REFS)).limit(1)) is not None


def load_cases(today: date, seed: int) -> int:
    """Open the cases of the demo's lost customers (and one by hand), then plan, work and close them as staff would
    have since each customer was lost; return how many cases it took up."""
    rng = random.Random(seed)
    staff = demo_staff()
    customers = _demo_customers()
    if not any(c.account_manager_id in {u.id for u in staff[1:]} for c in customers):
        assign_managers(customers, staff)  # a demo loaded before had the admin manage everyone
        db.session.flush()
    open_for_lost(today)
    by_hand = _open_by_hand(today)
    cases = list(db.session.scalars(
        select(WinbackCase).join(Customer, Customer.id == WinbackCase.customer_id)
        .where(Customer.external_ref.like(DEMO_REFS), WinbackCase.state.in_(ACTIVE), ~WinbackCase.steps.any())
        .order_by(WinbackCase.lost_at.desc(), WinbackCase.id)))
    for case in cases:
        case.owner_id = case.customer.account_manager_id or case.owner_id
        if case.created_by_id is None:  # opened by the sweep on the day the customer was found lost
            case.created_at = case.state_changed_at = _at(case.lost_at, 6)
    taken = len(cases)
    if by_hand is not None:
        _planned(rng, by_hand, today, overdue=False)
    cases = [c for c in cases if c is not by_hand]
    unknown = [c for c in cases if c.reason_bucket is None]
    if unknown:
        _add(unknown[0], [ASK_WHY], [today + timedelta(days=1)])
    known = [c for c in cases if c.reason_bucket is not None]
    n_open = max(2, round(len(known) * OPEN_SHARE))
    n_progress = max(2, round(len(known) * PROGRESS_SHARE))
    opened, going, closing = known[:n_open], known[n_open:n_open + n_progress], known[n_open + n_progress:]
    for i, case in enumerate(opened[1:]):  # the latest has no plan yet
        _planned(rng, case, today, overdue=i == 0)
    for i, case in enumerate(going):
        _in_progress(rng, case, today, agreed=i == 0, overdue=i == len(going) - 1)
    kinds = _closing(closing, today)
    won = [c for c, k in zip(closing, kinds, strict=True) if k == CaseState.WON_BACK]
    for case, kind in zip(closing, kinds, strict=True):
        if kind == CaseState.WON_BACK:  # every other one came back within the last 90 days
            _won_back(rng, case, today, fragile=won.index(case) % 2 == 0,
                      unprompted=len(won) >= 4 and case is won[1])
        else:
            _closed(rng, case, kind, today)
    _note_reminders(today)
    db.session.flush()
    return taken


def _open_by_hand(today: date) -> WinbackCase | None:
    """A lost customer the ranking let go (no case of their own), opened by their manager, who knows them well; a
    company-caused reason first."""
    covered = select(WinbackCase.id).where(WinbackCase.customer_id == Customer.id).exists()
    candidates = list(db.session.scalars(select(Customer).where(
        Customer.external_ref.like(DEMO_REFS), Customer.status == CustomerStatus.LOST, ~covered)
        .order_by(Customer.lost_at.desc(), Customer.id)))
    if not candidates:
        return None
    candidates.sort(key=lambda c: _bucket_of(c.id) not in ("indifference", "dissatisfaction"))
    customer = candidates[0]
    case = open_case(customer, today, customer.account_manager_id)
    case.created_at = case.state_changed_at = _at(today - timedelta(days=2), 11)
    return case


def _bucket_of(customer_id: int) -> str | None:
    reason = answered_reason(customer_id)
    return reason.bucket if reason else None


def _plan(rng: random.Random, case: WinbackCase) -> list[tuple[str, str]]:
    return list(rng.choice(WINBACK_PLANS[case.reason_bucket or "circumstances"]))


def _offer(rng: random.Random, case: WinbackCase) -> None:
    set_details(case, offer=rng.choice(WINBACK_OFFERS[case.reason_bucket or "circumstances"]), owner_id=case.owner_id)


def _add(case: WinbackCase, plan: Sequence[tuple[str, str]], dues: Sequence[date]) -> list[WinbackStep]:
    return [add_step(case, Channel(channel), action, due) for (channel, action), due in zip(plan, dues, strict=False)]


def _done(steps: Sequence[WinbackStep], days: Sequence[date], case: WinbackCase) -> None:
    for step, day in zip(steps, days, strict=False):
        set_done(step, True, day, case.owner_id)
        case.state_changed_at = _at(day, 15)


def _planned(rng: random.Random, case: WinbackCase, today: date, overdue: bool) -> None:
    """Open with a plan whose steps fall due in the coming days (``overdue``: the first one passed its day)."""
    first = today - timedelta(days=3) if overdue else today + timedelta(days=rng.randint(1, 3))
    first = max(first, case.lost_at + timedelta(days=1))
    _add(case, _plan(rng, case), [first, today + timedelta(days=rng.randint(4, 7)),
                                  today + timedelta(days=rng.randint(9, 14)), today + timedelta(days=21)])
    if rng.random() < 0.6:
        _offer(rng, case)


def _in_progress(rng: random.Random, case: WinbackCase, today: date, agreed: bool, overdue: bool) -> None:
    """Two steps done since the loss, the second lately, and the next one due soon (``overdue``: passed);
    ``agreed``: they promised to return, and the next step is their first order."""
    yesterday = today - timedelta(days=1)
    first = min(case.lost_at + timedelta(days=rng.randint(2, 5)), yesterday - timedelta(days=2))
    second = min(first + timedelta(days=max(1, round((yesterday - first).days * rng.uniform(0.6, 0.95)))), yesterday)
    plan = _plan(rng, case)
    nxt = today - timedelta(days=2) if overdue else today + timedelta(days=rng.randint(1, 6))
    if agreed:
        plan = plan[:2] + [FIRST_ORDER]
        nxt = today + timedelta(days=2)
    steps = _add(case, plan, [first, second, nxt, nxt + timedelta(days=10)])
    _done(steps[:2], [first, second], case)
    _offer(rng, case)
    if agreed:
        agree(case, second)


def _closing(cases: Sequence[WinbackCase], today: date) -> list[CaseState]:
    """How each old case ended: circumstances let go, the others of each owner mostly won back; each end at least
    once."""
    kinds, seen = [], dict[int | None, int]()
    for case in cases:
        n = seen[case.owner_id] = seen.get(case.owner_id, -1) + 1
        if case.reason_bucket == "circumstances":
            kinds.append(CaseState.LET_GO)
        elif (today - case.lost_at).days < 14 or n % 3 == 1:
            kinds.append(CaseState.NOT_WON_BACK)
        else:
            kinds.append(CaseState.WON_BACK)
    for needed in (CaseState.WON_BACK, CaseState.NOT_WON_BACK, CaseState.LET_GO):
        if needed not in kinds and len(cases) >= 3:
            common = max(set(kinds), key=kinds.count)
            kinds[len(kinds) - 1 - kinds[::-1].index(common)] = needed
    return kinds


def _won_back(rng: random.Random, case: WinbackCase, today: date, fragile: bool, unprompted: bool) -> None:
    """Steps done until the customer bought again, then their purchases at their old rhythm since (recorded as
    staff record them: the first wins the case back). ``fragile``: they came back within the last 90 days;
    ``unprompted``: they bought before any step was done."""
    age = (today - case.lost_at).days
    if fragile or age < 105:
        ago = rng.randint(4, max(4, min(80, age - 10)))
    else:
        ago = rng.randint(95, age - 10)
    returned = today - timedelta(days=ago)
    plan = _plan(rng, case)
    _offer(rng, case)
    if unprompted:
        _add(case, plan[:1], [returned + timedelta(days=3)])
    else:
        done = max(1, min(len(plan) - 1, rng.choice((2, 3))))
        span = (returned - case.lost_at).days - 1
        days = sorted({case.lost_at + timedelta(days=max(1, round(span * (k + 1) / (done + 1)))) for k in range(done)})
        _done(_add(case, plan, days), days, case)
    history = sorted(db.session.scalars(select(Purchase.day).where(Purchase.customer_id == case.customer_id)))
    interval = usual_interval(history) or 30
    typical = db.session.scalar(select(func.avg(Purchase.amount)).where(Purchase.customer_id == case.customer_id))
    day, n = returned, 1
    while day <= today:
        share = rng.uniform(0.5, 0.8) if n == 1 else rng.uniform(0.7, 1.1)
        amount = Decimal(str(round(float(typical or 500) * share, 2)))
        record_purchase(case.customer_id, day, amount, f"{case.customer.external_ref}-W{n:03d}")
        day += timedelta(days=max(1, round(interval * rng.uniform(0.8, 1.2))))
        n += 1
    db.session.refresh(case)
    case.state_changed_at = _at(returned, 16)


def _closed(rng: random.Random, case: WinbackCase, kind: CaseState, today: date) -> None:
    """Steps done, then closed as not won back or let go, with a note saying why."""
    plan = _plan(rng, case)
    count = 1 if kind == CaseState.LET_GO else min(len(plan), 3)
    days = [min(case.lost_at + timedelta(days=3 + 9 * k), today - timedelta(days=1)) for k in range(count)]
    _done(_add(case, plan, days), days, case)
    if kind == CaseState.NOT_WON_BACK:
        _offer(rng, case)
        note = rng.choice(NOT_WON_BACK_NOTES[case.reason_bucket or "circumstances"])
    else:
        note = LET_GO_NOTES[rng.randint(0, 1)] if case.reason_bucket == "circumstances" else LET_GO_NOTES[2]
    move(case, kind, note)
    case.state_changed_at = _at(min(days[-1] + timedelta(days=7), today), 17)


def _note_reminders(today: date) -> None:
    """Steps of cases being worked on that fell due and are not done were reminded of on their day (the sweep would
    have emailed their owners)."""
    for step in db.session.scalars(select(WinbackStep).join(WinbackCase, WinbackCase.id == WinbackStep.case_id)
                                   .join(Customer, Customer.id == WinbackCase.customer_id)
                                   .where(Customer.external_ref.like(DEMO_REFS), WinbackCase.state.in_(ACTIVE),
                                          WinbackStep.done_on.is_(None),
                                          WinbackStep.notified_at.is_(None), WinbackStep.due <= today)):
        step.notified_at = _at(step.due, 7)


def has_followups() -> bool:
    """Whether the demo's follow-up answers were recorded."""
    return db.session.scalar(select(Response.id).where(Response.submission_key == FOLLOWUP_KEY.format(1))) is not None


def load_followups(seed: int) -> int:
    """Record recent interviews in which customers named a company-caused reason and agreed to be contacted, open
    their follow-ups as the app does, then close some with what came of them; return how many were recorded."""
    rng = random.Random(seed)
    interviewer = find_user("interviewer@example.com")
    now = utcnow()
    customers = _demo_customers()
    with_case = set(db.session.scalars(select(WinbackCase.customer_id)))
    people = {"loyalty-demo": [c for c in customers if c.status == CustomerStatus.ACTIVE],
              "exit-demo": sorted((c for c in customers if c.status == CustomerStatus.LOST),
                                  key=lambda c: c.id in with_case)}
    recorded: list[tuple[int, tuple[str, float] | None, datetime]] = []
    for n, (slug, days_ago, closing) in enumerate(FOLLOWUPS, start=1):
        survey = db.session.scalar(select(Survey).where(Survey.slug == slug))
        if survey is None or not people[slug]:
            continue
        customer = people[slug].pop(0)
        bucket = ("indifference", "dissatisfaction")[n % 2]
        definition = survey_definition(survey)
        questions = {q.type: q for q in definition.questions}
        if QuestionType.CONTACT_CONSENT not in questions:
            continue
        values: dict[int, object] = {
            questions[QuestionType.MAIN_REASON].id: rng.choice([r.code for r in definition.reasons
                                                                if r.bucket == bucket]),
            questions[QuestionType.CONTACT_CONSENT].id: 1}
        if QuestionType.FREE_TEXT in questions:
            texts = (EXIT_TEXTS if slug == "exit-demo" else LOYALTY_TEXTS)[customer.locale][bucket]
            values[questions[QuestionType.FREE_TEXT].id] = rng.choice(texts)
        if QuestionType.SCALE_0_10 in questions:
            values[questions[QuestionType.SCALE_0_10].id] = rng.randint(2, 6)
        submitted = now - timedelta(days=days_ago)
        response_id = record_response(db.session.connection(), definition, values, locale=customer.locale,
                                      channel=AnswerChannel.INTERVIEW, customer_id=customer.id,
                                      interviewer_id=interviewer.id if interviewer else None,
                                      submitted_at=submitted, submission_key=FOLLOWUP_KEY.format(n))
        recorded.append((response_id, closing, submitted))
    db.session.flush()
    open_due([response_id for response_id, _closing, _at in recorded])
    for response_id, closing, submitted in recorded:
        task = db.session.scalar(select(FollowUp).where(FollowUp.response_id == response_id))
        if task is None:
            continue
        task.created_at = submitted
        task.notified_at = submitted + timedelta(minutes=2)  # the owner was emailed at once
        if closing is not None:
            outcome, after = closing
            closer = task.owner_id or (interviewer.id if interviewer else None)
            if closer is None:
                continue
            close(task, Outcome(outcome), rng.choice(FOLLOWUP_NOTES[outcome]), closer)
            task.closed_at = min(submitted + timedelta(days=after), now)
    db.session.commit()
    if recorded:
        sort_pending()  # the interviews' free text
    return len(recorded)
