"""Invitation emails: written in the customer's language, sent over SMTP or into the outbox folder."""
from __future__ import annotations

import base64
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

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


#: Stand-ins for what differs between recipients, replaced after a template is rendered once per language.
_NAME, _LINK, _OPTOUT = "\x00name\x00", "\x00link\x00", "\x00optout\x00"
_SLOTS = re.compile("\x00(?:name|link|optout)\x00")
_PART_HEADERS = {subtype: f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
                          f"Content-Transfer-Encoding: base64\r\n\r\n".encode() for subtype in ("plain", "html")}


@dataclass(frozen=True)
class _Draft:
    """One survey's invitation in one language, rendered once with stand-ins for the recipient's name and links."""

    subject: str
    #: The subject as an encoded header value.
    subject_header: str
    text: str
    html: str
    #: The headers every recipient gets (Subject, From, language, MIME type), encoded, CRLF line ends.
    head: bytes
    boundary: str


class Drafts:
    """Invitation texts rendered once per survey, language, kind (reminder or not) and greeting, for a mailing."""

    def __init__(self) -> None:
        self._drafts: dict[tuple, _Draft] = {}

    def get(self, survey: Survey, locale: str, reminder: bool, named: bool) -> _Draft:
        """The draft for these; rendered on first use."""
        key = (survey.id, locale, reminder, named)
        if key not in self._drafts:
            self._drafts[key] = _draft(survey, locale, reminder, named)
        return self._drafts[key]


def _draft(survey: Survey, locale: str, reminder: bool, named: bool) -> _Draft:
    with force_locale(locale):
        title = localized(survey.title, locale, survey.default_locale)
        context = {"survey_title": title, "intro": localized(survey.intro, locale, survey.default_locale),
                   "name": _NAME if named else "", "survey_link": _LINK, "optout_link": _OPTOUT,
                   "reminder": reminder, "locale": locale}
        subject = _("Reminder: %(title)s", title=title) if reminder else title
        text = render_template("invitations/email/invitation.txt", **context)
        html = render_template("invitations/email/invitation.html", **context)
    boundary = "=" * 15 + secrets.token_hex(12) + "=="  # base64 lines never start with "--"
    head = MIMEMultipart("alternative", boundary=boundary)
    # Headers hold one line each: a line break in a name or title must not start a header of its own.
    head["Subject"] = Header(one_line(subject), "utf-8")
    subject_header = head["Subject"].encode()
    head["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    head["Content-Language"] = locale
    head["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    head["Auto-Submitted"] = "auto-generated"
    head_bytes = head.as_bytes(policy=_SMTP_POLICY).split(b"\r\n\r\n", 1)[0] + b"\r\n"
    return _Draft(subject, subject_header, text, html, head_bytes, boundary)


class InvitationMessage:
    """A written invitation: a text and an HTML part, serialised without the email package's slow generator.

    Indexing gives its headers; :meth:`as_mime` the same message as :class:`MIMEMultipart` (previews, outbox).
    """

    def __init__(self, draft: _Draft, name: str, address: str, survey_link: str, optout_link: str,
                 message_id: str, locale: str) -> None:
        self._draft, self.locale = draft, locale
        self.name, self.address = one_line(name) or "", one_line(address) or ""
        self.text = _SLOTS.sub(lambda m: {_NAME: name, _LINK: survey_link, _OPTOUT: optout_link}[m.group()],
                               draft.text)
        self.html = _SLOTS.sub(lambda m: {_NAME: escape(name), _LINK: escape(survey_link),
                                          _OPTOUT: escape(optout_link)}[m.group()], draft.html)
        self.optout_link = optout_link
        self._headers = {"Subject": draft.subject_header,
                         "From": current_app.config["MAIL_DEFAULT_SENDER"],
                         "To": formataddr((self.name, self.address), charset="utf-8"), "Message-ID": message_id,
                         "Content-Language": locale, "List-Unsubscribe": f"<{optout_link}>",
                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "Auto-Submitted": "auto-generated"}

    def __getitem__(self, name: str) -> str | None:
        return self._headers.get(name)

    def as_mime(self) -> MIMEMultipart:
        """The same message built with the email package."""
        message = MIMEMultipart("alternative")
        message["Subject"] = Header(one_line(self._draft.subject), "utf-8")
        for key in ("From", "To", "Message-ID", "Content-Language", "List-Unsubscribe", "List-Unsubscribe-Post",
                    "Auto-Submitted"):
            message[key] = self._headers[key]
        message.attach(MIMEText(self.text, "plain", "utf-8"))
        message.attach(MIMEText(self.html, "html", "utf-8"))
        return message

    def as_bytes(self, policy=_SMTP_POLICY) -> bytes:
        """The message as sent (CRLF line ends)."""
        if policy is not _SMTP_POLICY or not (self.name.isascii() and self.address.isascii()):
            return self.as_mime().as_bytes(policy=policy)  # rare: let the email package fold and encode
        to = formataddr((self.name, self.address))
        if len(to) > 900:
            return self.as_mime().as_bytes(policy=policy)
        boundary = self._draft.boundary.encode()
        return b"".join((
            self._draft.head,
            f"To: {to}\r\nMessage-ID: {self._headers['Message-ID']}\r\n"
            f"List-Unsubscribe: <{self.optout_link}>\r\n\r\n".encode(),
            b"--", boundary, b"\r\n", _PART_HEADERS["plain"], _base64(self.text),
            b"--", boundary, b"\r\n", _PART_HEADERS["html"], _base64(self.html),
            b"--", boundary, b"--\r\n"))

    def walk(self):
        """The parts of the message, as :meth:`email.message.Message.walk` gives them."""
        return self.as_mime().walk()

    def get_payload(self):
        """The text and HTML parts."""
        return self.as_mime().get_payload()


def _base64(text: str) -> bytes:
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


def render_invitation(survey: Survey, customer: Customer, locale: str, token: str, reminder: bool = False,
                      drafts: Drafts | None = None) -> InvitationMessage:
    """Write the invitation (or reminder) to ``customer`` in ``locale``, as a text and an HTML part.

    :param drafts: texts already rendered for this mailing (each language is rendered once).
    """
    survey_link, optout_link = links(token)
    draft = (drafts or Drafts()).get(survey, locale, reminder, bool(customer.name))
    message_id = make_msgid(domain=current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None)
    return InvitationMessage(draft, customer.name or "", customer.email or "", survey_link, optout_link, message_id,
                             locale)


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

    def send(self, message: InvitationMessage, recipient: str) -> None:
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

    def send(self, message: InvitationMessage, recipient: str) -> None:
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
