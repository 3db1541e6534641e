"""Emails to staff members (follow-up notices, win-back reminders): one message, in the recipient's language."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

from .auth.models import StaffUser
from .text import one_line


def staff_message(recipient: StaffUser, subject: str, body: str) -> EmailMessage:
    """An automatic email to ``recipient`` (subject and body already in their language)."""
    message = EmailMessage()
    message["Subject"] = one_line(subject)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = formataddr((one_line(recipient.name or "") or "", recipient.email), charset="utf-8")
    message["Message-ID"] = make_msgid(domain="survey-app")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    message["Content-Language"] = recipient.locale or "en"  # after the content, which replaces every Content- header
    return message


def base_url() -> str:
    """The address staff links in emails start with."""
    return current_app.config["BASE_URL"].rstrip("/")
