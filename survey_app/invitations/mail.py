"""Invitation emails: written in the customer's language, sent over SMTP or into the outbox folder."""
from __future__ import annotations

import smtplib
import ssl
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..customers.models import Customer
from ..i18n import localized
from ..surveys.models import Survey
from ..text import has_breaking, one_line

_SMTP_POLICY = compat32.clone(linesep="\r\n")


class TemporaryFailure(Exception):
    """The mail server refused for now (4xx, connection lost): try again later."""


class PermanentFailure(Exception):
    """The mail server refused the recipient for good (5xx): the address bounces."""


def links(token: str) -> tuple[str, str]:
    """The survey link and the opt-out link for a token."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/s/{token}", f"{base}/s/{token}/optout"


def render_invitation(survey: Survey, customer: Customer, locale: str, token: str,
                      reminder: bool = False) -> MIMEMultipart:
    """Write the invitation (or reminder) to ``customer`` in ``locale``, as a text and an HTML part."""
    survey_link, optout_link = links(token)
    with force_locale(locale):
        title = localized(survey.title, locale, survey.default_locale)
        context = {"survey_title": title, "intro": localized(survey.intro, locale, survey.default_locale),
                   "name": customer.name, "survey_link": survey_link, "optout_link": optout_link,
                   "reminder": reminder, "locale": locale}
        subject = _("Reminder: %(title)s", title=title) if reminder else title
        text = render_template("invitations/email/invitation.txt", **context)
        html = render_template("invitations/email/invitation.html", **context)
    # The classic MIME classes: several times faster than EmailMessage, which re-parses every header.
    message = MIMEMultipart("alternative")
    # Headers hold one line each: a line break in a name or title must not start a header of its own.
    message["Subject"] = Header(one_line(subject), "utf-8")
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = formataddr((one_line(customer.name), one_line(customer.email)), charset="utf-8")
    message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None)
    message["Content-Language"] = locale
    message["List-Unsubscribe"] = f"<{optout_link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message


def check_recipient(address: str) -> None:
    """Refuse an address no server could deliver to (a line break, a space, no ``@``).

    :raise PermanentFailure: if the address is unusable.
    """
    if not address or has_breaking(address) or " " in address or "@" not in address:
        raise PermanentFailure(f"invalid address {address!r}")


class OutboxTransport:
    """The embedded default: each message becomes an .eml file in ``instance/outbox/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> OutboxTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, message: MIMEMultipart, recipient: str) -> None:
        """Write the message to a file named after its Message-ID."""
        check_recipient(recipient)
        name = message["Message-ID"].strip("<>").replace("/", "_").replace("@", "_at_")
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        temporary.rename(self.folder / f"{name}.eml")


class SMTPTransport:
    """One SMTP connection, reused for a whole batch; reconnects once if the server drops it."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPTransport:
        return self

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                pass
            except OSError:
                pass

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c["MAIL_USE_SSL"]:
                smtp = smtplib.SMTP_SSL(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=30,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=30)
                if c["MAIL_USE_TLS"]:
                    smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"cannot connect to {c['MAIL_SERVER']}:{c['MAIL_PORT']}: {error}") from error
        return smtp

    def send(self, message: MIMEMultipart, recipient: str) -> None:
        """Send one message to ``recipient``.

        :raise PermanentFailure: on a 5xx refusal of the recipient or message.
        :raise TemporaryFailure: on a 4xx refusal or a lost connection.
        """
        check_recipient(recipient)
        data = message.as_bytes(policy=_SMTP_POLICY)  # CRLF line ends: smtplib sends bytes as they are
        for attempt in (1, 2):
            if self.smtp is None:
                self.smtp = self._connect()
            try:
                refused = self.smtp.sendmail(message["From"], [recipient], data)
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                raise (PermanentFailure if code >= 500 else TemporaryFailure)(f"{code} {_decode(text)}") from error
            except smtplib.SMTPResponseException as error:
                self._reset()
                raise (PermanentFailure if error.smtp_code >= 500 else TemporaryFailure)(
                    f"{error.smtp_code} {_decode(error.smtp_error)}") from error
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                self.smtp = None
                if attempt == 2:
                    raise TemporaryFailure(f"connection lost: {error}") from error
                continue
            if refused:
                code, text = next(iter(refused.values()))
                raise (PermanentFailure if code >= 500 else TemporaryFailure)(f"{code} {_decode(text)}")
            return

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.smtp = None


def _decode(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def transport():
    """SMTP when MAIL_SERVER is set, otherwise the outbox folder."""
    if current_app.config.get("MAIL_SERVER"):
        return SMTPTransport(current_app.config)
    return OutboxTransport(Path(current_app.instance_path) / "outbox")
