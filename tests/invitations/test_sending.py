"""Invitations by filter, emailed in each customer's language to a real SMTP server (aiosmtpd on 127.0.0.1)."""
import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from survey_app.customers.models import Customer
from survey_app.dbtypes import utcnow
from survey_app.invitations.models import Invitation, InvitationState
from survey_app.surveys.presets import PRESETS
from tests.conftest import answer_data


class Recorder:
    """An SMTP handler that keeps what it receives; ``bounce…`` and ``later…`` addresses are refused."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.delay = delay
        self.accept_later = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.startswith("later") and not self.accept_later:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app is configured to send to it."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_DEFAULT_SENDER="surveys@example.com",
                      BASE_URL="http://surveys.example.com")
    yield recorder
    controller.stop()


@pytest.fixture
def lost_customers(make_customer):
    """Departed customers in each language, plus addresses the server bounces or defers."""
    made = {}
    for ref, locale in (("EN-1", "en"), ("FR-1", "fr"), ("PL-1", "pl"), ("RU-1", "ru")):
        made[ref] = make_customer(locale=locale, ref=ref, name=f"Client {ref}", status="lost")
    made["BOUNCE"] = make_customer(locale="fr", ref="BOUNCE", status="lost")
    made["LATER"] = make_customer(locale="pl", ref="LATER", status="lost")
    return made


def set_email(db, ref, address):
    with db() as session:
        session.scalar(select(Customer).where(Customer.external_ref == ref)).email = address


def invitations(db):
    with db() as session:
        rows = session.scalars(select(Invitation).order_by(Invitation.id)).all()
        return {i.customer.external_ref: i for i in rows}


def test_filter_counts_then_creates_one_invitation_each(runner, db, make_survey, make_customer):
    survey = make_survey("exit")
    make_customer(ref="L-1", status="lost", segment="SMB", locale="pl")
    make_customer(ref="L-2", status="lost", segment="SMB", locale="ru", opted_out=True)
    make_customer(ref="L-3", status="lost", segment="SMB", unreachable=True)
    make_customer(ref="A-1", status="active", segment="SMB")
    dry = runner.invoke(args=["invitations", "create", "--survey", survey.slug, "--status", "lost", "--segment", "SMB",
                              "--dry-run"])
    assert "would create 1;" in dry.output and "1 opted out, 1 unreachable" in dry.output
    assert invitations(db) == {}
    first = runner.invoke(args=["invitations", "create", "--survey", survey.slug, "--status", "lost"])
    assert first.exit_code == 0 and "created 1;" in first.output
    again = runner.invoke(args=["invitations", "create", "--survey", survey.slug, "--status", "lost"])
    assert "created 0;" in again.output and "1 already invited" in again.output
    assert set(invitations(db)) == {"L-1"} and invitations(db)["L-1"].locale == "pl"


def test_emails_in_each_language_with_links_that_work(app, runner, db, smtp_server, make_survey, lost_customers):
    survey = make_survey("exit")
    set_email(db, "BOUNCE", "bounce@example.com")
    set_email(db, "LATER", "later@example.com")
    assert "created 6;" in runner.invoke(args=["invitations", "create", "--survey", survey.slug]).output
    result = runner.invoke(args=["invitations", "send", "--survey", survey.slug])
    assert result.exit_code == 0, result.output
    assert "sent 4, failed 1 (will retry), bounced 1" in result.output

    received = {m["To"].addresses[0].display_name.split()[-1]: m for m in smtp_server.messages}
    assert set(received) == {"EN-1", "FR-1", "PL-1", "RU-1"}
    for ref, locale in (("EN-1", "en"), ("FR-1", "fr"), ("PL-1", "pl"), ("RU-1", "ru")):
        message = received[ref]
        assert message["Content-Language"] == locale
        assert message["Subject"] == PRESETS["exit"]["title"][locale]
        assert message["List-Unsubscribe"].strip().startswith("<http://surveys.example.com/s/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert PRESETS["exit"]["intro"][locale] in text and f'lang="{locale}"' in html
        link = re.search(r"http://surveys\.example\.com(/s/[\w-]{32})\s", text).group(1)
        page = app.test_client().get(link)
        assert page.status_code == 200 and f'<html lang="{locale}">' in page.text
        assert app.test_client().post(link, data=answer_data(survey, main_reason="moved")).status_code == 303

    states = {ref: i.state for ref, i in invitations(db).items()}
    assert states == {"EN-1": "answered", "FR-1": "answered", "PL-1": "answered", "RU-1": "answered",
                      "BOUNCE": "bounced", "LATER": "failed"}
    with db() as session:
        assert session.scalar(select(Customer.unreachable).where(Customer.external_ref == "BOUNCE")) is True
    assert "550" in invitations(db)["BOUNCE"].last_error and "451" in invitations(db)["LATER"].last_error

    stats = json.loads(runner.invoke(args=["invitations", "stats", "--survey", survey.slug, "--format", "json"]).output)
    assert (stats["invited"], stats["sent"], stats["bounced"], stats["failed"], stats["answered"]) == (6, 4, 1, 1, 4)
    assert stats["opened"] == 4 and stats["response_rate"] == 1.0 and stats["languages"]["fr"]["bounced"] == 1


def test_temporary_failures_are_retried_later_and_sent_ones_never_again(runner, db, smtp_server, make_survey,
                                                                        lost_customers):
    survey = make_survey("exit")
    set_email(db, "LATER", "later@example.com")
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    runner.invoke(args=["invitations", "send"])
    assert len(smtp_server.messages) == 5
    smtp_server.accept_later = True
    assert "sent 0," in runner.invoke(args=["invitations", "send"]).output  # not due yet: back-off
    with db() as session:
        session.scalar(select(Invitation).where(Invitation.state == InvitationState.FAILED)).next_attempt_at = (
            utcnow() - timedelta(seconds=1))
    assert "sent 1," in runner.invoke(args=["invitations", "send"]).output
    assert len(smtp_server.messages) == 6
    assert sorted(m["To"].addresses[0].username for m in smtp_server.messages).count("later") == 1


def test_without_a_mail_server_messages_go_to_the_outbox(app, runner, make_survey, make_customer):
    survey = make_survey("loyalty")
    make_customer(locale="ru", ref="RU-5", name="Иван Петров")
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    assert "sent 1," in runner.invoke(args=["invitations", "send"]).output
    [eml] = list((app.instance_path and __import__("pathlib").Path(app.instance_path) / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == PRESETS["loyalty"]["title"]["ru"] and "Иван Петров" in str(message["To"])
    eml.unlink()


def test_opt_out_link_stops_further_surveys(app, runner, db, smtp_server, make_survey, make_customer):
    survey = make_survey("exit")
    make_customer(locale="pl", ref="PL-7")
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    runner.invoke(args=["invitations", "send"])
    optout = re.search(r"<http://surveys\.example\.com(/s/[\w-]+/optout)>",
                       smtp_server.messages[0]["List-Unsubscribe"]).group(1)
    client = app.test_client()
    assert '<html lang="pl">' in client.get(optout).text
    assert client.post(optout).status_code == 200  # one click, as mail clients do it
    other = make_survey("loyalty")
    assert "created 0;" in runner.invoke(args=["invitations", "create", "--survey", other.slug]).output


@pytest.mark.slow
def test_killed_midway_a_rerun_sends_each_remaining_message_exactly_once(app, db, make_survey, make_customer,
                                                                         tmp_path):
    survey = make_survey("exit")
    for i in range(30):
        make_customer(ref=f"K-{i:02d}", locale=("en", "fr", "pl", "ru")[i % 4])
    recorder = Recorder(delay=0.02)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = {**os.environ, "SURVEY_APP_ENV": "testing", "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "INSTANCE_PATH": app.instance_path, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port)}
        flask = [sys.executable, "-m", "flask", "--app", "survey_app"]
        subprocess.run([*flask, "invitations", "create", "--survey", survey.slug], env=env, check=True,
                       capture_output=True)
        sender = subprocess.Popen([*flask, "invitations", "send"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while len(recorder.messages) < 10 and time.time() < deadline:
            time.sleep(0.005)
        sender.send_signal(signal.SIGKILL)
        sender.wait()
        delivered_before = len(recorder.messages)
        assert 10 <= delivered_before < 30
        rerun = subprocess.run([*flask, "invitations", "send"], env=env, capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
    finally:
        controller.stop()
    recipients = [m["To"].addresses[0].addr_spec for m in recorder.messages]
    assert len(recipients) == len(set(recipients)), "someone got the invitation twice"
    states = [i.state for i in invitations(db).values()]
    # Every invitation is sent, except at most the one that was with the server when the process died.
    assert states.count(InvitationState.SENT) >= 29 and states.count(InvitationState.SENDING) <= 1
    assert len(recipients) >= 29


def test_reminders_go_to_those_who_have_not_answered_and_old_links_keep_working(app, runner, db, smtp_server,
                                                                                  make_survey, make_customer):
    survey = make_survey("exit")
    make_customer(locale="fr", ref="FR-A")
    make_customer(locale="ru", ref="RU-B")
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    runner.invoke(args=["invitations", "send"])
    first_links = {m["To"].addresses[0].display_name:
                   re.search(r"(/s/[\w-]{32})\s", m.get_body(("plain",)).get_content()).group(1)
                   for m in smtp_server.messages}
    assert "reminded 0" in runner.invoke(args=["invitations", "remind", "--after-days", "3"]).output  # too soon
    with db() as session:
        for invitation in session.scalars(select(Invitation)):
            invitation.sent_at = utcnow() - timedelta(days=4)
    app.test_client().post(first_links["Customer 1"], data=answer_data(survey, main_reason="moved"))  # FR-A answers
    result = runner.invoke(args=["invitations", "remind", "--after-days", "3", "--max", "1"])
    assert "reminded 1," in result.output
    reminder = smtp_server.messages[-1]
    assert reminder["Subject"].startswith("Напоминание:") and reminder["To"].addresses[0].display_name == "Customer 2"
    assert app.test_client().get(first_links["Customer 2"]).status_code == 200  # the first email's link still works
    with db() as session:
        for invitation in session.scalars(select(Invitation)):
            invitation.sent_at = utcnow() - timedelta(days=10)
    assert "reminded 0" in runner.invoke(args=["invitations", "remind", "--after-days", "3", "--max", "1"]).output
