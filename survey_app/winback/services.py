"""Opening win-back cases, planning them, moving them, and winning customers back by their purchases."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..customers.models import Customer, CustomerStatus
from ..dbtypes import utcnow
from ..domain import Conflict, Invalid
from ..extensions import db
from ..followups.services import default_owner_id
from ..lost.priorities_rules import priority_of
from ..lost.winback import priority_mapping, rankings
from ..purchases.models import Purchase
from ..responses.models import Answer, Response
from ..signals import customer_changed, customer_returned
from ..surveys.models import Reason, Survey, SurveyKind
from ..taxonomy import BUCKETS
from .models import WinbackCase, WinbackStep
from .rules import ACTIVE, AUTO_PRIORITIES, CaseState, Channel, may_move, preceding_channel

logger = logging.getLogger(__name__)

#: Ids per statement (well under every database's limit on bound parameters).
CHUNK = 500
#: Longest offer, reason, note or step text kept.
MAX_TEXT = 5000


class CaseExists(Conflict):
    """The customer has a case being worked on (or one for this lost date) already."""

    code = "case_exists"


class BadMove(Conflict):
    """The case cannot go to that state from the one it is in (won back comes only from a purchase)."""

    code = "case_bad_move"


class NoteNeeded(Invalid):
    """Closing a case without winning the customer back needs a note saying why."""

    code = "case_note_needed"


@dataclass(frozen=True)
class RealReason:
    """The reason a case records: from an answer, or chosen by staff from the catalogue."""

    response_id: int | None
    reason_code: str | None
    bucket: str | None
    text: str


def answered_reason(customer_id: int) -> RealReason | None:
    """The main reason of the customer's latest exit survey or exit interview, if they gave one."""
    row = db.session.execute(
        select(Response.id, Answer.reason_code, Answer.bucket, Answer.text)
        .join(Survey, and_(Survey.id == Response.survey_id, Survey.kind == SurveyKind.EXIT))
        .join(Answer, and_(Answer.response_id == Response.id, Answer.is_primary.is_(True)))
        .where(Response.customer_id == customer_id)
        .order_by(Response.submitted_at.desc(), Response.id.desc()).limit(1)).first()
    if row is None:
        return None
    response_id, code, bucket, text = row
    return RealReason(response_id, code, bucket if bucket in BUCKETS else None, (text or "").strip())


def _owner_for(customer: Customer, user_id: int | None) -> int | None:
    if customer.account_manager_id is not None:
        return customer.account_manager_id
    return default_owner_id() or user_id


def _insert(case: WinbackCase) -> WinbackCase | None:
    """Add a case in a savepoint; None if the customer got one for that lost date meanwhile."""
    try:
        with db.session.begin_nested():
            db.session.add(case)
    except IntegrityError:
        return None
    return case


def _new_case(customer: Customer, lost_at: date, priority: int, user_id: int | None) -> WinbackCase:
    reason = answered_reason(customer.id)
    return WinbackCase(customer_id=customer.id, lost_at=lost_at, priority=priority,
                       owner_id=_owner_for(customer, user_id), state=CaseState.OPEN,
                       reason_response_id=reason.response_id if reason else None,
                       reason_code=reason.reason_code if reason else None,
                       reason_bucket=reason.bucket if reason else None, reason_text=reason.text if reason else "",
                       offer="", close_note="", created_by_id=user_id)


def _priorities(as_of: date) -> dict[int, int]:
    """Every ranked customer's win-back priority."""
    return {customer_id: int(r.priority) for customer_id, r in rankings(as_of).items()}


def _unranked() -> int:
    """The priority of a customer with no purchases in their twelve months (and none set by hand): cell C, Z."""
    return int(priority_of("C", "Z", priority_mapping()))


def active_case(customer_id: int) -> WinbackCase | None:
    """The customer's case being worked on, if any."""
    return db.session.scalar(select(WinbackCase).where(WinbackCase.customer_id == customer_id,
                                                       WinbackCase.state.in_(ACTIVE)))


def open_case(customer: Customer, as_of: date, user_id: int | None = None) -> WinbackCase:
    """Open a case for any customer by hand: from their lost date if they are lost, else from ``as_of``.

    :raise CaseExists: if they have a case being worked on, or one for that lost date.
    """
    if active_case(customer.id) is not None:
        raise CaseExists()
    lost = customer.status == CustomerStatus.LOST and customer.lost_at is not None
    lost_at = customer.lost_at if lost and customer.lost_at else as_of
    case = _insert(_new_case(customer, lost_at, _priorities(as_of).get(customer.id, _unranked()), user_id))
    if case is None:
        raise CaseExists()
    win_back([customer.id])
    return case


def open_for_lost(as_of: date) -> list[int]:
    """Open a case for every customer lost by ``as_of`` with priority 1–3 who has none for their lost date (nor one
    being worked on); return the new cases' ids. Written in the caller's transaction."""
    covered = select(WinbackCase.id).where(WinbackCase.customer_id == Customer.id,
                                           or_(WinbackCase.lost_at == Customer.lost_at,
                                               WinbackCase.state.in_(ACTIVE)))
    candidates = list(db.session.scalars(select(Customer).where(
        Customer.status == CustomerStatus.LOST, Customer.lost_at.is_not(None), Customer.lost_at <= as_of,
        ~covered.exists()).order_by(Customer.id)))
    if not candidates:
        return []
    ranked, unranked = _priorities(as_of), _unranked()
    opened = []
    for customer in candidates:
        priority = ranked.get(customer.id, unranked)
        if priority not in AUTO_PRIORITIES:
            continue
        case = _insert(_new_case(customer, customer.lost_at, priority, None))  # type: ignore[arg-type]
        if case is not None:
            opened.append(case.id)
    if opened:
        logger.info("Opened %d win-back cases", len(opened))
    return opened


def win_back(customer_ids: Iterable[int] | None = None) -> list[int]:
    """Mark won back every case (not won back yet) of these customers (None: everyone) who bought after its lost
    date, with the day, the days it took and the channel of the step done last before it; return their ids.

    Lost customers who bought after their lost date become returned, as lost-customer detection would make them.
    """
    ids = None if customer_ids is None else sorted(set(customer_ids))
    query = (select(WinbackCase.id, WinbackCase.customer_id, WinbackCase.lost_at, func.min(Purchase.day))
             .join(Purchase, and_(Purchase.customer_id == WinbackCase.customer_id,
                                  Purchase.day > WinbackCase.lost_at))
             .where(WinbackCase.state != CaseState.WON_BACK)
             .group_by(WinbackCase.id, WinbackCase.customer_id, WinbackCase.lost_at))
    found: list = []
    chunks = [None] if ids is None else [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        found.extend(db.session.execute(query if chunk is None else query.where(
            WinbackCase.customer_id.in_(chunk))).all())
    table = WinbackCase.__table__
    for start in range(0, len(found), CHUNK):
        batch = found[start:start + CHUNK]
        done: dict[int, list[tuple[str, date | None]]] = {}
        for case_id, channel, done_on in db.session.execute(
                select(WinbackStep.case_id, WinbackStep.channel, WinbackStep.done_on)
                .where(WinbackStep.case_id.in_([row[0] for row in batch]), WinbackStep.done_on.is_not(None))):
            done.setdefault(case_id, []).append((str(getattr(channel, "value", channel)), done_on))
        db.session.execute(
            update(table).where(table.c.id == bindparam("p_id"), table.c.state != CaseState.WON_BACK)
            .values(state=CaseState.WON_BACK, returned_at=bindparam("p_day"), days_to_return=bindparam("p_days"),
                    return_channel=bindparam("p_channel"), state_changed_at=utcnow()),
            [{"p_id": case_id, "p_day": day, "p_days": (day - lost_at).days,
              "p_channel": preceding_channel(done.get(case_id, []), day)} for case_id, _c, lost_at, day in batch])
    _mark_returned(sorted({customer_id for _case, customer_id, _lost, _day in found}))
    won = [case_id for case_id, _c, _lost, _day in found]
    if won:
        logger.info("%d win-back cases won back", len(won))
    return won


def _mark_returned(customer_ids: list[int]) -> None:
    """Lost customers among these who bought after their lost date become returned (first such purchase)."""
    table = Customer.__table__
    changed = []
    for start in range(0, len(customer_ids), CHUNK):
        firsts = db.session.execute(
            select(Customer.id, func.min(Purchase.day))
            .join(Purchase, and_(Purchase.customer_id == Customer.id, Purchase.day > Customer.lost_at))
            .where(Customer.id.in_(customer_ids[start:start + CHUNK]), Customer.status == CustomerStatus.LOST)
            .group_by(Customer.id)).all()
        if firsts:
            db.session.execute(update(table).where(table.c.id == bindparam("p_id"))
                               .values(status=CustomerStatus.RETURNED, returned_at=bindparam("p_day"),
                                       status_manual=False),
                               [{"p_id": customer_id, "p_day": day} for customer_id, day in firsts])
            changed += [customer_id for customer_id, _day in firsts]
    if changed:
        customer_changed.send(None, customer_ids=changed)
        customer_returned.send(None, customer_ids=changed)


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise Invalid("text_too_long", field=field, max=MAX_TEXT)
    return value


def set_details(case: WinbackCase, *, offer: str, owner_id: int | None) -> None:
    """Record the offer and who works on the case."""
    case.offer = _text(offer, "offer")
    case.owner_id = owner_id
    db.session.flush()


def set_reason(case: WinbackCase, *, reason_code: str | None, text: str) -> None:
    """Record the real reason staff found, as a catalogue reason (its bucket comes with it) and their words; the
    link to an answer is dropped.

    :raise Invalid: for an unknown catalogue reason.
    """
    bucket = None
    if reason_code:
        bucket = db.session.scalar(select(Reason.bucket).where(Reason.code == reason_code))
        if bucket is None:
            raise Invalid("unknown_reason", reason=reason_code)
    case.reason_code, case.reason_bucket = reason_code or None, bucket if bucket in BUCKETS else None
    case.reason_text, case.reason_response_id = _text(text, "reason"), None
    db.session.flush()


def use_answer(case: WinbackCase) -> None:
    """Take the real reason from the customer's latest exit answer again.

    :raise Invalid: if they gave none.
    """
    reason = answered_reason(case.customer_id)
    if reason is None:
        raise Invalid("no_exit_answer")
    case.reason_response_id, case.reason_code = reason.response_id, reason.reason_code
    case.reason_bucket, case.reason_text = reason.bucket, reason.text
    db.session.flush()


def _start(case: WinbackCase) -> None:
    if case.state == CaseState.OPEN:
        case.state, case.state_changed_at = CaseState.IN_PROGRESS, utcnow()


def add_step(case: WinbackCase, channel: Channel, action: str, due: date) -> WinbackStep:
    """Add a step at the end of the plan."""
    position = (db.session.scalar(select(func.max(WinbackStep.position)).where(WinbackStep.case_id == case.id))
                or 0) + 1
    step = WinbackStep(case_id=case.id, position=position, channel=channel, action=_text(action, "action"), due=due)
    db.session.add(step)
    db.session.flush()
    return step


def set_done(step: WinbackStep, done: bool, today: date, user_id: int | None) -> None:
    """Mark a step done today (the case is then in progress) or not done."""
    step.done_on, step.done_by_id = (today, user_id) if done else (None, None)
    if done:
        _start(step.case)
    db.session.flush()


def remove_step(step: WinbackStep) -> None:
    """Take a step out of the plan."""
    db.session.delete(step)
    db.session.flush()


def move_step(step: WinbackStep, offset: int) -> None:
    """Swap a step with the one before (-1) or after (+1) it."""
    steps = list(step.case.steps)
    index = steps.index(step)
    other = index + offset
    if 0 <= other < len(steps):
        a, b = steps[index], steps[other]
        a.position, b.position = b.position, a.position
        db.session.flush()
        db.session.expire(step.case, ["steps"])


def agree(case: WinbackCase, day: date) -> None:
    """Record that the customer agreed to return: a promise, not a return (the case stays open until they buy)."""
    if not case.active:
        raise BadMove(state=case.state.value)
    case.agreed_at = day
    _start(case)
    db.session.flush()


def move(case: WinbackCase, wanted: CaseState, note: str = "") -> None:
    """Give a case a state staff may set: in progress, not won back or let go (with a note), or open again.

    :raise BadMove: for won back (only a purchase wins a customer back) or a move from the case's state.
    :raise NoteNeeded: closing without a note.
    """
    if not may_move(case.state, wanted):
        raise BadMove(state=case.state.value)
    note = _text(note, "note")
    if wanted in (CaseState.NOT_WON_BACK, CaseState.LET_GO):
        if not note:
            raise NoteNeeded()
        case.close_note = note
    if wanted == CaseState.OPEN:
        if active_case(case.customer_id) is not None:
            raise CaseExists()
        case.close_note = ""
    case.state, case.state_changed_at = wanted, utcnow()
    db.session.flush()
