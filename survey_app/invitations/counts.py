"""What each invitation count means, in one place: every page and command that counts invitations uses these."""
from __future__ import annotations

from sqlalchemy import or_

from .models import Invitation, InvitationState

#: Sent: the email was accepted by the mail server (answering implies it reached the customer).
IS_SENT = Invitation.state.in_((InvitationState.SENT, InvitationState.ANSWERED))
#: Opened: the link was visited, or answered (whoever answered opened it, even if the visit was not recorded).
IS_OPENED = or_(Invitation.opened_at.is_not(None), Invitation.state == InvitationState.ANSWERED)
#: Answered: the customer sent their answers through the link.
IS_ANSWERED = Invitation.state == InvitationState.ANSWERED
#: Bounced: the mail server refused the address for good.
IS_BOUNCED = Invitation.state == InvitationState.BOUNCED
#: Failed: sending failed and will be tried again.
IS_FAILED = Invitation.state == InvitationState.FAILED


def response_rate(answered: int, sent: int) -> float:
    """Answered invitations per sent one (0 when none was sent)."""
    return round(answered / sent, 4) if sent else 0.0
