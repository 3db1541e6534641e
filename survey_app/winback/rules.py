"""Win-back case states, plan channels, returns and results (pure Python: no Flask, no database)."""
from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median


class CaseState(enum.StrEnum):
    """Open → in progress → won back (only by a purchase) / not won back / let go."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WON_BACK = "won_back"
    NOT_WON_BACK = "not_won_back"
    LET_GO = "let_go"


#: States in which someone is still working on the case.
ACTIVE = (CaseState.OPEN, CaseState.IN_PROGRESS)
#: The states staff may give a case (won back comes only from a purchase), from the states they may leave.
STAFF_MOVES = {
    CaseState.IN_PROGRESS: (CaseState.OPEN,),
    CaseState.NOT_WON_BACK: ACTIVE,
    CaseState.LET_GO: ACTIVE,
    CaseState.OPEN: (CaseState.NOT_WON_BACK, CaseState.LET_GO),
}


class Channel(enum.StrEnum):
    """How a plan step reaches the customer."""

    CALL = "call"
    MEETING = "meeting"
    VISIT = "visit"
    EMAIL = "email"
    LETTER = "letter"
    EVENT = "event"
    OFFER = "offer"


#: Days a returned customer stays fragile (the seed: a returned customer is very vulnerable at first).
FRAGILE_DAYS = 90
#: Cases are opened by themselves for lost customers of these priorities (4: let go).
AUTO_PRIORITIES = (1, 2, 3)
#: Revenue recovered is counted over this many days after the return.
RECOVERY_DAYS = 365


def may_move(current: CaseState, wanted: CaseState) -> bool:
    """Whether staff may move a case from ``current`` to ``wanted``."""
    return current in STAFF_MOVES.get(wanted, ())


def return_day(lost_at: date, purchase_days: Iterable[date]) -> date | None:
    """The first purchase day strictly after ``lost_at`` (a purchase on or before it is no return)."""
    return min((day for day in purchase_days if day > lost_at), default=None)


def fragile_until(returned_at: date) -> date:
    """The last day a customer who returned on ``returned_at`` counts as fragile."""
    return returned_at + timedelta(days=FRAGILE_DAYS)


def preceding_channel(steps: Iterable[tuple[str, date | None]], returned_at: date) -> str | None:
    """The channel of the last step done on or before the return (None: no step was done before it)."""
    done = [(day, channel) for channel, day in steps if day is not None and day <= returned_at]
    return max(done)[1] if done else None


@dataclass(frozen=True)
class Outcome:
    """What one case came to, as the results count it."""

    priority: int
    bucket: str | None
    manager: str | None
    #: Channels of the steps done in the case.
    channels: tuple[str, ...]
    won_back: bool
    #: The channel of the step that preceded the purchase (won-back cases).
    return_channel: str | None = None
    days_to_return: int | None = None
    recovered: float = 0.0


@dataclass(frozen=True)
class Rate:
    """Cases in a group, how many were won back, the median days it took and the revenue recovered."""

    key: str | int | None
    cases: int
    won_back: int
    median_days: float | None
    recovered: float

    @property
    def rate(self) -> float | None:
        """The share won back; None without cases."""
        return self.won_back / self.cases if self.cases else None


def rate_of(key: str | int | None, outcomes: Sequence[Outcome]) -> Rate:
    """The win-back figures of one group of cases."""
    won = [o for o in outcomes if o.won_back]
    days = [o.days_to_return for o in won if o.days_to_return is not None]
    return Rate(key, len(outcomes), len(won), float(median(days)) if days else None,
                round(sum(o.recovered for o in won), 2))


def rates_by(outcomes: Sequence[Outcome], key, order: Sequence | None = None) -> list[Rate]:
    """The figures per value of ``key(outcome)``, in ``order`` (then any other value found)."""
    groups: dict = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    keys = [k for k in (order or ()) if k in groups] + sorted((k for k in groups if k not in (order or ())),
                                                             key=lambda k: (k is None, str(k)))
    return [rate_of(k, groups[k]) for k in keys]


def rates_by_channel(outcomes: Sequence[Outcome], order: Sequence[str]) -> list[Rate]:
    """Per channel: the cases whose plan used it (a step done), and those won back with it as the step before the
    purchase; then (key None) the cases with no step done, and those of them won back all the same."""
    rows = []
    for channel in order:
        used = [o for o in outcomes if channel in o.channels]
        if not used:
            continue
        won = [o for o in used if o.won_back and o.return_channel == channel]
        days = [o.days_to_return for o in won if o.days_to_return is not None]
        rows.append(Rate(channel, len(used), len(won), float(median(days)) if days else None,
                         round(sum(o.recovered for o in won), 2)))
    untouched = [o for o in outcomes if not o.channels]
    if untouched:
        rows.append(rate_of(None, untouched))
    return rows
