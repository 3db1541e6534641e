"""The audit log: each kind of action leaves an event naming who, when and from where; the log is admin-only,
filterable and exportable, refuses changes, and forgets events after its retention period."""
import csv
import io
import json
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from survey_app.audit.models import AuditEvent
from survey_app.audit.services import record
from survey_app.dbtypes import utcnow
from survey_app.jobs.runner import execute
from survey_app.jobs.services import submit
from tests.conftest import PASSWORD, answer_data

IP = "203.0.113.7"


def events(db, action: str | None = None) -> list[AuditEvent]:
    with db() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(session.scalars(query))


@pytest.fixture
def staff(app):
    """A client whose requests come from :data:`IP` with a recognisable browser."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": IP, "HTTP_USER_AGENT": "AuditTest/1.0 " + "x" * 400})
    return client


def test_sign_in_failed_sign_in_and_sign_out_are_recorded_with_ip_and_browser(staff, db, make_user):
    user = make_user("analyst")
    assert staff.post("/staff/login", data={"email": "Someone@Example.com", "password": "wrong"}).status_code == 401
    assert staff.post("/staff/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert staff.post("/staff/logout").status_code == 302
    failed, signed_in, signed_out = events(db)
    assert failed.action == "auth.sign_in_failed" and failed.detail == {"email": "Someone@Example.com"}
    assert failed.actor_user_id is None and failed.actor_label == "system"
    assert (signed_in.action, signed_in.actor_user_id, signed_in.actor_label) == ("auth.sign_in", user.id, user.email)
    assert signed_out.action == "auth.sign_out" and signed_out.actor_user_id == user.id
    assert {e.ip for e in (failed, signed_in, signed_out)} == {IP}
    assert signed_in.user_agent.startswith("AuditTest/1.0") and len(signed_in.user_agent) == 255


def test_viewing_a_customer_and_a_response_is_recorded(staff, db, login, make_customer, make_survey,
                                                      make_invitation):
    survey = make_survey("exit")
    customer = make_customer()
    _invitation, token = make_invitation(survey, customer=customer)
    assert staff.post(f"/s/{token}", data=answer_data(survey, main_reason="moved")).status_code in (302, 303)
    admin = login("admin", the_client=staff)
    assert staff.get(f"/staff/customers/{customer.id}").status_code == 200
    with db() as session:
        from survey_app.responses.models import Response
        response_id = session.scalar(select(Response.id))
    assert staff.get(f"/staff/responses/{response_id}").status_code == 200
    viewed = [e for e in events(db) if e.action.endswith(".view")]
    assert [(e.action, e.target_type, e.target_id, e.actor_user_id, e.ip) for e in viewed] == [
        ("customer.view", "customer", str(customer.id), admin.id, IP),
        ("response.view", "response", str(response_id), admin.id, IP)]


def test_exporting_a_report_is_recorded_with_its_format_and_filter(client, db, login, make_survey):
    survey = make_survey("exit")
    analyst = login("analyst")
    response = client.get(f"/staff/reports/export/answers.csv?survey={survey.slug}")
    assert response.status_code == 200
    response.close()
    (event,) = events(db, "report.export")
    assert (event.target_type, event.target_id, event.actor_user_id) == ("export", "answers", analyst.id)
    assert event.detail == {"format": "csv", "survey": survey.slug}


def test_lost_customer_and_win_back_exports_are_recorded(client, db, login):
    login("analyst")
    for url in ("/staff/reports/lost/export.xlsx", "/staff/winback/results/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
    assert [(e.action, e.target_id) for e in events(db)][-2:] == [("lost.export", "lost-customers"),
                                                                  ("winback.export", "winback-results")]


def test_editing_and_closing_a_survey_are_recorded(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    texts = client.post(f"/staff/surveys/{survey.slug}/texts/fr",
                        data={"title": "Pourquoi partez-vous ?", "intro": "", "thanks": "Merci",
                              **{q.field_name: f"Question {q.id}" for q in survey.questions}})
    assert texts.status_code == 302
    assert client.post(f"/staff/surveys/{survey.slug}/close").status_code == 302
    assert [(e.action, e.target_type, e.target_id, e.detail) for e in events(db)][-2:] == [
        ("survey.texts", "survey", survey.slug, {"locale": "fr"}), ("survey.close", "survey", survey.slug, {})]


def test_erasing_a_customer_is_recorded_without_their_personal_data(client, db, login, make_customer):
    customer = make_customer(name="Łukasz Żółkowski")
    login("admin")
    assert client.post(f"/staff/customers/{customer.id}/erase").status_code == 302
    (event,) = events(db, "customer.erase")
    assert (event.target_type, event.target_id) == ("customer", str(customer.id))
    assert "Łukasz" not in json.dumps(event.detail)


def test_a_review_decision_and_its_undo_are_recorded(app, client, db, login, make_survey, make_optional, classifier,
                                                     sort_answers):
    from survey_app.responses.models import Answer

    app.config["CLASSIFIER_THRESHOLD"] = 0.99
    survey = make_survey("exit")
    make_optional(survey)
    assert client.post(f"/s/o/{survey.slug}", data=answer_data(survey, free_text="Too expensive")).status_code == 303
    sort_answers()
    login("analyst")
    with db() as session:
        answer_id = session.scalar(select(Answer.id).where(Answer.text.is_not(None)))
    assert client.post(f"/staff/review/{answer_id}", data={"bucket": "competitor"}).status_code == 302
    assert client.post("/staff/review/undo").status_code == 302
    decided, undone = events(db)[-2:]
    assert (decided.action, decided.target_id, decided.detail["bucket"]) == ("review.decide", str(answer_id),
                                                                             "competitor")
    assert undone.action == "review.undo" and undone.detail == {"answers": 1}


def test_staff_account_changes_are_recorded(client, db, login, make_user):
    login("admin")
    other = make_user("analyst")
    assert client.post(f"/staff/users/{other.id}", data={"role": "interviewer", "locale": ""}).status_code == 302
    assert client.post(f"/staff/users/{other.id}/deactivate").status_code == 302
    assert [(e.action, e.target_id) for e in events(db)][-2:] == [("staff.edit", str(other.id)),
                                                                  ("staff.deactivate", str(other.id))]


def test_the_log_is_for_administrators_only(app, client, login):
    login("analyst")
    assert 'href="/staff/audit/"' not in client.get("/staff/surveys/").text
    assert client.get("/staff/audit/").status_code == 403
    assert client.get("/staff/audit/export.csv").status_code == 403


def _seed(db) -> None:
    """Three events by the system at known times (set on insert: events cannot be changed afterwards)."""
    with db() as session:
        for at, action, target in ((datetime(2026, 1, 5, 10), "survey.close", "exit-1"),
                                   (datetime(2026, 2, 5, 10), "customer.view", "7"),
                                   (datetime(2026, 3, 5, 10), "customer.erase", '=HYPERLINK("x")')):
            session.add(AuditEvent(at=at, action=action, actor_label="system", target_type=action.partition(".")[0],
                                   target_id=target, detail={}))


def shown(client, query: str = "") -> list[str]:
    """The actions of the events the log's page lists."""
    page = client.get(f"/staff/audit/{query}")
    assert page.status_code == 200
    return re.findall(r"<code>([^<]+)</code>", page.text)


def test_the_page_lists_newest_first_and_filters(client, db, login):
    _seed(db)
    admin = login("admin")
    page = client.get("/staff/audit/").text
    assert "Audit log" in page and admin.email in page  # the admin's own sign-in
    assert 'href="/staff/audit/"' in client.get("/staff/surveys/").text  # in the admin's navigation
    assert shown(client) == ["auth.sign_in", "customer.erase", "customer.view", "survey.close"]
    assert shown(client, "?action=customer") == ["customer.erase", "customer.view"]
    assert shown(client, "?action=customer.view") == ["customer.view"]
    assert shown(client, "?since=2026-02-01&until=2026-02-28") == ["customer.view"]
    assert shown(client, f"?actor={admin.email}") == ["auth.sign_in"]
    assert shown(client, "?target_type=survey") == ["survey.close"]
    bad = client.get("/staff/audit/?since=2026-03-01&until=2026-02-01")
    assert bad.status_code == 400


def test_the_export_holds_the_filtered_events_with_formulas_neutralised_and_is_audited(client, db, login):
    _seed(db)
    admin = login("admin")
    response = client.get("/staff/audit/export.csv?target_type=customer")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Time (UTC)", "Kind", "Action", "Actor"]
    assert [(r[0], r[2], r[7]) for r in rows[1:]] == [("2026-03-05 10:00:00", "customer.erase", "'=HYPERLINK(\"x\")"),
                                                    ("2026-02-05 10:00:00", "customer.view", "7")]
    (exported,) = events(db, "audit.export")
    assert exported.actor_user_id == admin.id and exported.detail == {"format": "csv", "target_type": "customer"}

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/staff/audit/export.xlsx?action=customer.erase").data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][2] == "customer.erase" and values[1][7] == "'=HYPERLINK(\"x\")"


def test_events_cannot_be_changed(app, db):
    _seed(db)
    with app.app_context():
        from survey_app.extensions import db as _db

        with pytest.raises(DBAPIError, match="append-only"):
            _db.session.execute(update(AuditEvent).values(action="survey.open"))
            _db.session.flush()
        _db.session.rollback()
        if _db.engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"):
                _db.session.execute(delete(AuditEvent))
            _db.session.rollback()
    assert [e.action for e in events(db)] == ["survey.close", "customer.view", "customer.erase"]


def test_deleting_a_staff_account_keeps_its_events_without_the_link(app, db, make_user):
    from survey_app.auth.models import StaffUser

    user = make_user("analyst")
    with db() as session:
        session.add(AuditEvent(action="customer.view", actor_user_id=user.id, actor_label=user.email, detail={}))
    with db() as session:
        session.delete(session.get(StaffUser, user.id))
    (event,) = events(db)
    assert event.actor_user_id is None and event.actor_label == user.email


def test_the_retention_job_prunes_events_older_than_the_setting(app, db):
    _seed(db)
    app.config["AUDIT_RETENTION_DAYS"] = 30
    with app.app_context():
        job_id = submit("prune_audit", {"now": "2026-03-20T00:00:00"}).id
        execute(job_id)
    assert [e.action for e in events(db)] == ["customer.erase"]
    with db() as session:
        from survey_app.jobs.models import Job

        assert session.get(Job, job_id).result == {"pruned": 2}


def test_the_retention_job_is_scheduled_daily(app):
    from survey_app.jobs.schedule import PERIODIC

    assert PERIODIC["prune-audit"].kind == "prune_audit" and PERIODIC["prune-audit"].every == timedelta(days=1)
    assert app.config["AUDIT_RETENTION_DAYS"] == 730


def test_an_api_key_is_the_actor_and_each_api_request_is_recorded(app, db):
    from survey_app.extensions import db as _db

    key = SimpleNamespace(id=42, name="CRM sync", role="analyst")
    with app.test_request_context("/api/v1/customers", method="POST", environ_base={"REMOTE_ADDR": IP}):
        g.api_key = key
        record("customer.erase", target_type="customer", target_id=9)
        _db.session.commit()  # as the API's view would
        response = app.process_response(app.response_class("{}", status=201, mimetype="application/json"))
        assert response.status_code == 201
    erased, request = events(db)
    assert (erased.actor_label, erased.api_key_id, erased.actor_user_id) == ("API key: CRM sync", 42, None)
    assert (request.action, request.api_key_id, request.ip) == ("api.POST", 42, IP)
    assert request.detail == {"path": "/api/v1/customers", "status": 201}


def test_requests_without_an_api_key_leave_no_api_event(client, db, login):
    login("admin")
    client.get("/staff/audit/")
    assert not [e for e in events(db) if e.action.startswith("api.")]


def test_the_cli_lists_events_as_json_and_as_a_table(runner, db):
    _seed(db)
    as_json = runner.invoke(args=["audit", "list", "--since", "2026-02-01", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [e["action"] for e in json.loads(as_json.output)] == ["customer.erase", "customer.view"]
    table = runner.invoke(args=["audit", "list", "--action", "survey.close"])
    assert table.exit_code == 0 and "survey:exit-1" in table.output and "customer" not in table.output
    assert runner.invoke(args=["audit", "list", "--since", "yesterday"]).exit_code == 2


def test_events_recorded_from_the_cli_name_it(app, db, runner):
    import click

    @click.command("audit-probe")
    def probe():
        record("settings.probe")
        from survey_app.extensions import db as _db

        _db.session.commit()

    with app.app_context():
        runner.invoke(probe)
    assert [e.actor_label for e in events(db)] == ["CLI"]
    assert utcnow() - events(db)[0].at < timedelta(minutes=5)


def test_an_import_and_the_download_of_its_refused_rows_are_recorded(client, db, login):
    from tests.test_uploads import wait_for_import

    admin = login("admin")
    data = {"file": (io.BytesIO(b"external_ref,name,email,locale\nA-1,Ann,ann@example.com,en\nA-2,Bob,bad,en\n"),
                     "customers.csv")}
    started = client.post("/staff/customers/import", data=data, content_type="multipart/form-data")
    assert started.status_code == 303
    page = wait_for_import(client, started.headers["Location"])
    job_id = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/staff/customers/import/report/{job_id}.csv").status_code == 200, page.text
    started_event, report = [e for e in events(db) if e.action.startswith("import.")]
    assert (started_event.action, started_event.target_id, started_event.actor_user_id) == ("import.start", job_id,
                                                                                            admin.id)
    assert started_event.detail == {"kind": "import_customers"}
    assert (report.action, report.target_id) == ("import.export_report", job_id)


def test_retraining_the_classifier_from_the_cli_is_recorded(runner, db, classifier):
    result = runner.invoke(args=["classify", "train", "--folds", "2"])
    assert result.exit_code == 0, result.output
    (event,) = events(db, "classifier.retrain")
    assert event.actor_label == "CLI" and event.target_type == "classifier" and event.target_id != classifier


@pytest.mark.parametrize("action, kind", [
    ("auth.sign_in_failed", "signed_in"), ("customer.view", "viewed"), ("report.export", "exported"),
    ("import.export_report", "exported"), ("survey.close", "changed"), ("customer.erase", "erased"),
    ("review.decide", "reclassified"), ("classifier.retrain", "reclassified"), ("api.DELETE", "api"),
])
def test_every_action_has_a_named_kind(action, kind):
    from survey_app.audit.services import KINDS, kind_of
    from survey_app.audit.views import KIND_LABELS

    assert kind_of(action) == kind and set(KIND_LABELS) == set(KINDS)


def test_account_and_survey_commands_are_recorded_as_the_cli(runner, db, monkeypatch):
    monkeypatch.setenv("AUDIT_TEST_PASSWORD", PASSWORD)
    created = runner.invoke(args=["users", "create", "--email", "ops@example.com", "--role", "admin",
                                  "--password-env", "AUDIT_TEST_PASSWORD"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(args=["users", "deactivate", "--email", "ops@example.com"]).exit_code == 0
    assert runner.invoke(args=["surveys", "create", "--template", "exit", "--slug", "exit-cli"]).exit_code == 0
    assert [(e.action, e.actor_label) for e in events(db)] == [
        ("staff.create", "CLI"), ("staff.deactivate", "CLI"), ("survey.create", "CLI")]
    assert events(db)[0].detail == {"email": "ops@example.com", "role": "admin"}


def wait_until_jobs_end(db, seconds: float = 20) -> bool:
    """Wait for the background jobs started by the test to end (their rows are emptied after it)."""
    import time

    from survey_app.jobs.models import ACTIVE_STATES, Job

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db() as session:
            if not session.scalar(select(Job.id).where(Job.state.in_(ACTIVE_STATES)).limit(1)):
                return True
        time.sleep(0.05)
    return False


def test_creating_and_sending_invitations_are_recorded(client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    make_customer(ref="L-1", status="lost")
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/"
    created = client.post(url + "recipients", data={"status": "lost", "action": "create", "confirm_count": "1"})
    assert created.status_code == 302
    assert client.post(url + "remind", data={"after_days": "3", "max_reminders": "1"}).status_code == 303
    assert wait_until_jobs_end(db)
    assert [(e.action, e.target_id, e.detail) for e in events(db) if e.action.startswith("invitations.")] == [
        ("invitations.create", survey.slug, {"created": 1}),
        ("invitations.remind", survey.slug, {"after_days": 3, "max_reminders": 1})]
