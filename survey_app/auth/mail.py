"""Emails to staff about their account: an invitation or a password reset, with a one-time link, in their language."""
from __future__ import annotations

import logging
from email.message import EmailMessage

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..invitations.mail import transport
from ..staffmail import base_url, staff_message
from .forms import ROLE_LABELS
from .links import link_lifetime, password_token
from .models import StaffUser

logger = logging.getLogger(__name__)


def password_link(user: StaffUser) -> str:
    """The one-time address where ``user`` chooses a password."""
    return base_url() + url_for("auth.set_password", token=password_token(user))


def password_message(user: StaffUser, invited: bool) -> EmailMessage:
    """The email giving ``user`` their link, in their language: an invitation to a new account, or a reset."""
    with force_locale(user.locale or "en"):
        subject = (_("Your account in the customer surveys staff area") if invited
                   else _("Choose a new password for the customer surveys staff area"))
        body = render_template("auth/email/password_link.txt", user=user, invited=invited,
                               role=str(ROLE_LABELS[user.role]), link=password_link(user),
                               days=link_lifetime().days)
    return staff_message(user, subject, body)


def send_password_link(user: StaffUser, invited: bool) -> None:
    """Email ``user`` their link now.

    :raise TemporaryFailure: if the mail server cannot take it now.
    :raise PermanentFailure: if the mail server refuses the address.
    """
    with transport() as outgoing:
        outgoing.send(password_message(user, invited), user.email)
    logger.info("Password link emailed to staff account %s", user.email)
