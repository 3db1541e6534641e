"""Win-back cases: opened for lost customers of priority 1–3 (by the sweep, after detection, by hand), won back only
by a purchase after the lost date (imported, or entered on the case page), never by a promise; staff moves, plans,
fragile returns, owner reminders in their language, the lists, the CLI, and who may do what."""
import io
import json
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from survey_app.customers.models import Customer, CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.jobs.models import Job, JobState
from survey_app.jobs.runner import execute
from survey_app.jobs.services import submit
from survey_app.lost.winback import set_override
from survey_app.purchases.importer import import_purchases
from survey_app.purchases.models import Purchase
from survey_app.winback.jobs import sweep
from survey_app.winback.models import WinbackCase, WinbackStep
from survey_app.winback.rules import CaseState, Channel
from survey_app.winback.services import (
    BadMove,
    CaseExists,
    NoteNeeded,
    add_step,
    agree,
    move,
    open_case,
    set_done,
    win_back,
)
from tests.conftest import answer_data, csrf_token
from tests.instances.test_two_instances import wait_for
from tests.invitations.test_sending import smtp_server  # noqa: F401  (a fixture)


def today():
    """Today as the app sees it now (read per use: a run may cross midnight)."""
    return utcnow().date()


def ago(days: int):
    return today() - timedelta(days=days)


@pytest.fixture
def manager(make_user):
    return make_user("interviewer", email="ola@example.com", locale="pl")


@pytest.fixture
def make_lost(app, db, make_customer):
    """A customer lost ``days`` ago, with win-back priority ``priority`` set by hand."""
    def make(ref: str, days: int = 30, priority: int | None = 2, **fields):
        customer = make_customer(ref=ref, name=f"Name {ref}", status=CustomerStatus.LOST, lost_at=ago(days), **fields)
        if priority is not None:
            with db() as session:
                set_override(session.get(Customer, customer.id), priority, "", None)
        return customer
    return make


def buy(db, customer, day, amount="100.00", ref=None):
    with db() as session:
        session.add(Purchase(customer_id=customer.id, day=day, amount=Decimal(amount), order_ref=ref))


def cases(db) -> list[WinbackCase]:
    with db() as session:
        found = session.scalars(select(WinbackCase).order_by(WinbackCase.id)).all()
        for case in found:
            _ = case.customer, case.steps
        return found


def run_sweep(db, days_ahead: int = 0) -> dict:
    with db():
        return sweep(today() + timedelta(days=days_ahead))


def test_the_sweep_opens_a_case_for_each_lost_customer_of_priority_1_to_3_once(db, make_lost, make_customer,
                                                                              manager):
    for priority in (1, 2, 3, 4):
        make_lost(f"P{priority}", priority=priority, account_manager_id=manager.id)
    make_customer(ref="ACTIVE")
    with db() as session:
        returned = session.scalar(select(Customer).where(Customer.external_ref == "P1"))
    assert run_sweep(db)["opened"] == 3
    assert run_sweep(db)["opened"] == 0  # never twice
    found = cases(db)
    assert sorted((c.customer.external_ref, c.priority, c.state.value, c.owner_id) for c in found) == [
        ("P1", 1, "open", manager.id), ("P2", 2, "open", manager.id), ("P3", 3, "open", manager.id)]
    assert all(c.lost_at == ago(30) and c.created_by_id is None for c in found) and returned


def test_priorities_from_purchases_without_anything_set_by_hand(db, make_lost):
    regular = make_lost("REGULAR", days=20, priority=None)
    make_lost("NOTHING", days=20, priority=None)  # no purchases in their twelve months: C, Z, let go
    for month in range(12):
        buy(db, regular, ago(20 + 30 * month + 1), "50.00")
    run_sweep(db)
    assert [(c.customer.external_ref, c.priority) for c in cases(db)] == [("REGULAR", 1)]


def test_the_case_takes_the_real_reason_from_the_exit_answer(client, db, make_lost, make_survey, make_invitation):
    customer = make_lost("EX-1")
    survey = make_survey("exit")
    _invitation, token = make_invitation(survey, customer)
    assert client.post(f"/s/{token}", data=answer_data(survey, main_reason="cheaper_elsewhere")).status_code == 303
    run_sweep(db)
    [case] = cases(db)
    assert (case.reason_code, case.reason_bucket) == ("cheaper_elsewhere", "competitor")
    assert case.reason_response_id is not None


def test_a_purchase_before_or_on_the_lost_date_does_not_win_back_one_after_does(db, make_lost):
    customer = make_lost("R-1", days=40)
    buy(db, customer, ago(45))
    buy(db, customer, ago(40))
    run_sweep(db)
    [case] = cases(db)
    assert case.state == CaseState.OPEN and case.returned_at is None
    buy(db, customer, ago(12), ref="AFTER")
    assert run_sweep(db)["won_back"] == 1
    [case] = cases(db)
    assert (case.state, case.returned_at, case.days_to_return) == (CaseState.WON_BACK, ago(12), 28)
    with db() as session:
        back = session.get(Customer, customer.id)
        assert (back.status, back.returned_at) == (CustomerStatus.RETURNED, ago(12))


def test_a_promise_is_not_a_return(db, make_lost):
    make_lost("PROMISE")
    run_sweep(db)
    with db() as session:
        case = session.scalars(select(WinbackCase)).one()
        agree(case, today())
    [case] = cases(db)
    assert (case.state, case.agreed_at, case.returned_at) == (CaseState.IN_PROGRESS, today(), None)
    run_sweep(db)
    assert cases(db)[0].state == CaseState.IN_PROGRESS


def test_an_imported_purchase_wins_back_at_once_with_the_channel_of_the_step_before_it(db, make_lost):
    make_lost("IMP-1", days=60)
    run_sweep(db)
    with db() as session:
        case = session.scalars(select(WinbackCase)).one()
        call = add_step(case, Channel.CALL, "Ask what went wrong", ago(50))
        set_done(call, True, ago(50), None)
        offer = add_step(case, Channel.OFFER, "10 % off the next order", ago(30))
        set_done(offer, True, ago(30), None)
        later = add_step(case, Channel.VISIT, "", ago(5))
        set_done(later, True, ago(5), None)
    data = f"external_ref,date,amount,order_ref\nIMP-1,{ago(20).isoformat()},250.00,INV-9\n".encode()
    with db():
        report = import_purchases(io.BytesIO(data))
    assert report.created == 1
    [case] = cases(db)
    assert (case.state, case.days_to_return, case.return_channel) == (CaseState.WON_BACK, 40, "offer")


def test_staff_cannot_set_won_back_and_closing_needs_a_note(db, make_lost):
    make_lost("MOVE")
    run_sweep(db)
    with db() as session:
        case = session.scalars(select(WinbackCase)).one()
        with pytest.raises(BadMove):
            move(case, CaseState.WON_BACK)
        with pytest.raises(NoteNeeded):
            move(case, CaseState.LET_GO, "  ")
        move(case, CaseState.LET_GO, "Went bankrupt")
        with pytest.raises(BadMove):
            move(case, CaseState.NOT_WON_BACK, "again")
        move(case, CaseState.OPEN)
        assert (case.state, case.close_note) == (CaseState.OPEN, "")


def test_a_closed_case_is_not_opened_again_but_a_new_loss_gets_a_new_case(db, make_lost):
    customer = make_lost("AGAIN", days=200)
    run_sweep(db)
    with db() as session:
        move(session.scalars(select(WinbackCase)).one(), CaseState.NOT_WON_BACK, "No answer")
    assert run_sweep(db)["opened"] == 0
    buy(db, customer, ago(150))
    run_sweep(db)  # the purchase wins the closed case back: a return is a return
    assert cases(db)[0].state == CaseState.WON_BACK
    with db() as session:
        again = session.get(Customer, customer.id)
        again.status, again.lost_at = CustomerStatus.LOST, ago(10)
    assert run_sweep(db)["opened"] == 1
    assert [c.lost_at for c in cases(db)] == [ago(200), ago(10)]


def test_opening_by_hand_for_anyone_and_not_twice(db, make_customer):
    active = make_customer(ref="HAND")
    with db() as session:
        case = open_case(session.get(Customer, active.id), today())
        assert (case.lost_at, case.state) == (today(), CaseState.OPEN)
        with pytest.raises(CaseExists):
            open_case(session.get(Customer, active.id), today())
    buy(db, active, today())  # the day it was opened: not after it
    with db():
        assert win_back() == []


def swept(db) -> bool:
    """A sweep job ran, and no job thread is still running."""
    alive = any(thread.name.startswith("job-") for thread in threading.enumerate())
    with db() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "winback_sweep")).all()
    return bool(jobs) and not alive and all(job.state in (JobState.DONE, JobState.FAILED) for job in jobs)


def test_the_detection_job_opens_the_cases_of_the_customers_it_finds_lost(app, db, make_customer):
    app.config["WINBACK_SWEEP_AT_ONCE"] = True
    customer = make_customer(ref="DRIFT")
    for weeks in range(10):
        buy(db, customer, ago(400 + 7 * weeks), "80.00")
    with app.app_context():
        job = submit("detect_lost", {})
        execute(job.id)
    assert wait_for(lambda: swept(db), seconds=60)
    [case] = cases(db)
    assert case.customer.external_ref == "DRIFT"


def test_owners_are_reminded_of_due_steps_once_in_their_language(app, db, make_lost, manager,
                                                                smtp_server):  # noqa: F811
    make_lost("PL-9", account_manager_id=manager.id)
    run_sweep(db)
    with db() as session:
        case = session.scalars(select(WinbackCase)).one()
        add_step(case, Channel.CALL, "Zadzwonić do prezesa", today())
        add_step(case, Channel.VISIT, "Later", today() + timedelta(days=3))
        done = add_step(case, Channel.EMAIL, "Done already", ago(2))
        set_done(done, True, ago(2), None)
    counts = run_sweep(db)
    assert (counts["sent"], counts["steps"]) == (1, 1)
    [message] = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "ola@example.com" and message["Content-Language"] == "pl"
    body = message.get_content()
    assert "Zadzwonić do prezesa" in body and "Later" not in body and "Done already" not in body
    assert "/staff/winback/" in body and "PL-9" in body and "Telefon" in body
    assert run_sweep(db)["sent"] == 0  # never twice
    run_sweep(db, days_ahead=3)
    assert len(smtp_server.messages) == 2 and "Later" in smtp_server.messages[1].get_content()


def test_no_reminder_for_a_closed_case(db, make_lost, manager, smtp_server):  # noqa: F811
    make_lost("CL-1", account_manager_id=manager.id)
    run_sweep(db)
    with db() as session:
        case = session.scalars(select(WinbackCase)).one()
        add_step(case, Channel.CALL, "", ago(1))
        move(case, CaseState.LET_GO, "Not worth it")
    assert run_sweep(db)["sent"] == 0 and smtp_server.messages == []


def test_the_cli_lists_cases_as_json(runner, db, make_lost, manager):
    make_lost("CLI-1", priority=1, account_manager_id=manager.id)
    won = make_lost("CLI-2", days=50, priority=3)
    buy(db, won, ago(20))
    run_sweep(db)
    result = runner.invoke(args=["winback", "cases", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["external_ref"]: row for row in json.loads(result.output)}
    assert rows["CLI-1"] == {"external_ref": "CLI-1", "priority": 1, "state": "open", "owner": "ola@example.com",
                             "reason_bucket": None, "lost_at": ago(30).isoformat(), "agreed_at": None,
                             "returned_at": None, "days_to_return": None}
    assert (rows["CLI-2"]["state"], rows["CLI-2"]["returned_at"], rows["CLI-2"]["days_to_return"]) == (
        "won_back", ago(20).isoformat(), 30)
    only = json.loads(runner.invoke(args=["winback", "cases", "--state", "won_back", "--format", "json"]).output)
    assert [row["external_ref"] for row in only] == ["CLI-2"]
    assert runner.invoke(args=["winback", "cases", "--state", "won"]).exit_code == 2


# Pages


def open_one(db, make_lost, **fields) -> int:
    make_lost(fields.pop("ref", "PAGE-1"), **fields)
    run_sweep(db)
    return cases(db)[-1].id


def test_my_cases_all_cases_and_who_may_see_them(client, db, login, make_lost, make_user):
    me = login("interviewer")
    mine = open_one(db, make_lost, ref="MINE", account_manager_id=me.id)
    other = open_one(db, make_lost, ref="OTHER", account_manager_id=make_user("analyst").id)
    page = client.get("/staff/winback/")
    assert page.status_code == 200 and "Name MINE" in page.text and "Name OTHER" not in page.text
    assert client.get("/staff/winback/?view=all").status_code == 403
    assert client.get(f"/staff/winback/{other}").status_code == 403
    assert client.get(f"/staff/winback/{mine}").status_code == 200
    assert client.get("/staff/winback/999999").status_code == 404


def test_analysts_filter_all_cases(client, db, login, make_lost):
    login("analyst")
    open_one(db, make_lost, ref="ONE", priority=1)
    open_one(db, make_lost, ref="THREE", priority=3)
    page = client.get("/staff/winback/?view=all&priority=1")
    assert "Name ONE" in page.text and "Name THREE" not in page.text
    assert client.get("/staff/winback/?view=all&priority=9").status_code == 400
    assert client.get("/staff/winback/?view=all&state=won").status_code == 400


def test_planning_on_the_page_keeps_what_was_typed_when_refused(client, db, login, make_lost):
    login("analyst", locale="ru")
    case_id = open_one(db, make_lost)
    page = client.get(f"/staff/winback/{case_id}")
    token = csrf_token(page.text)
    refused = client.post(f"/staff/winback/{case_id}/steps",
                          data={"csrf_token": token, "channel": "call", "action": "Позвонить директору", "due": ""})
    assert refused.status_code == 400 and "Позвонить директору" in refused.text
    assert client.post(f"/staff/winback/{case_id}/steps", data={"csrf_token": token, "channel": "call",
                                                                "action": "Позвонить", "due": today().isoformat()}
                       ).status_code == 302
    [step_id] = [s.id for s in cases(db)[0].steps]
    assert client.post(f"/staff/winback/{case_id}/steps/{step_id}/done", data={"csrf_token": token}).status_code == 302
    [case] = cases(db)
    assert case.state == CaseState.IN_PROGRESS and case.steps[0].done_on == today()
    refused = client.post(f"/staff/winback/{case_id}/close", data={"csrf_token": token, "close_as": "let_go",
                                                                   "close_note": ""})
    assert refused.status_code == 400 and cases(db)[0].state == CaseState.IN_PROGRESS


def test_a_purchase_entered_on_the_case_page_wins_the_customer_back(client, db, login, make_lost):
    login("analyst")
    case_id = open_one(db, make_lost, days=30)
    token = csrf_token(client.get(f"/staff/winback/{case_id}").text)
    refused = client.post(f"/staff/winback/{case_id}/purchase", data={"csrf_token": token, "purchase_day":
                                                                      today().isoformat(), "amount": "abc",
                                                                      "order_ref": "TEL-1"})
    assert refused.status_code == 400 and "TEL-1" in refused.text
    done = client.post(f"/staff/winback/{case_id}/purchase", data={"csrf_token": token, "purchase_day":
                                                                   ago(2).isoformat(), "amount": "1 250,50",
                                                                   "order_ref": "TEL-1"}, follow_redirects=True)
    assert done.status_code == 200 and "won back" in done.text
    [case] = cases(db)
    assert (case.state, case.days_to_return) == (CaseState.WON_BACK, 28)
    again = client.post(f"/staff/winback/{case_id}/purchase", data={"csrf_token": token, "purchase_day":
                                                                    ago(1).isoformat(), "amount": "5",
                                                                    "order_ref": "TEL-1"})
    assert again.status_code == 409 and "TEL-1" in again.text
    mine = client.get("/staff/winback/?view=all")
    assert "Name PAGE-1" in mine.text


def test_the_fragile_list_shows_returns_of_the_last_ninety_days_to_their_manager(client, db, login, make_lost):
    me = login("interviewer")
    recent = make_lost("RECENT", days=60, account_manager_id=me.id)
    old = make_lost("OLD", days=300, account_manager_id=me.id)
    run_sweep(db)
    buy(db, recent, ago(10))
    buy(db, old, ago(120))
    run_sweep(db)
    page = client.get("/staff/winback/")
    fragile = page.text.split('id="h-fragile"')[1].split("</section>")[0]
    assert "Name RECENT" in fragile and "Name OLD" not in fragile


def test_opening_by_hand_from_a_customer_and_twice_is_a_conflict(client, db, login, make_customer):
    login("analyst")
    customer = make_customer(ref="BYHAND")
    token = csrf_token(client.get("/staff/winback/?view=all").text)
    opened = client.post(f"/staff/winback/customers/{customer.id}/open", data={"csrf_token": token})
    assert opened.status_code == 302 and re.search(r"/staff/winback/\d+$", opened.headers["Location"])
    assert client.post(f"/staff/winback/customers/{customer.id}/open", data={"csrf_token": token}).status_code == 409


def test_the_case_page_in_each_language(client, db, login, make_lost):
    case_id = open_one(db, make_lost)
    login("admin")
    for locale, word in (("fr", "Plan"), ("pl", "Plan"), ("ru", "План")):
        page = client.get(f"/staff/winback/{case_id}?lang={locale}")
        assert page.status_code == 200 and word in page.text


def test_the_customer_page_and_the_lost_list_lead_to_the_case(client, db, login, make_lost):
    login("admin")
    customer = make_lost("LINKED")
    page = client.get(f"/staff/customers/{customer.id}")
    assert "No win-back case." in page.text and f"/staff/winback/customers/{customer.id}/open" in page.text
    listed = client.get("/staff/reports/lost/customers")
    assert f"/staff/winback/customers/{customer.id}/open" in listed.text
    run_sweep(db)
    [case] = cases(db)
    assert f"/staff/winback/{case.id}" in client.get(f"/staff/customers/{customer.id}").text
    listed = client.get("/staff/reports/lost/customers")
    assert f"/staff/winback/{case.id}" in listed.text and f"/winback/customers/{customer.id}/open" not in listed.text


def test_marking_a_customer_lost_by_hand_opens_their_case(app, client, db, login, make_customer):
    app.config["WINBACK_SWEEP_AT_ONCE"] = True
    login("admin")
    customer = make_customer(ref="BYEDIT")
    with db() as session:
        set_override(session.get(Customer, customer.id), 1, "", None)
    page = client.get(f"/staff/customers/{customer.id}/edit")
    form = {"csrf_token": csrf_token(page.text), "external_ref": "BYEDIT", "name": "By Edit", "email": "",
            "locale": "en", "segment": "", "status": "lost", "lost_at": ago(3).isoformat(), "annual_revenue": ""}
    assert client.post(f"/staff/customers/{customer.id}/edit", data=form).status_code == 302
    assert wait_for(lambda: swept(db), seconds=60)
    assert cases(db)[0].lost_at == ago(3)


def test_erasing_a_customer_erases_their_cases(client, db, login, make_lost):
    login("admin")
    customer = make_lost("ERASE")
    run_sweep(db)
    with db() as session:
        add_step(session.scalars(select(WinbackCase)).one(), Channel.CALL, "Call them", today())
    token = csrf_token(client.get(f"/staff/customers/{customer.id}").text)
    assert client.post(f"/staff/customers/{customer.id}/erase", data={"csrf_token": token}).status_code == 302
    with db() as session:
        assert session.scalars(select(WinbackCase)).all() == [] and session.scalars(select(WinbackStep)).all() == []


def test_a_purchase_before_the_lost_date_or_in_the_future_entered_by_hand_wins_nobody_back(client, db, login,
                                                                                          make_lost):
    login("analyst")
    case_id = open_one(db, make_lost, days=30)
    token = csrf_token(client.get(f"/staff/winback/{case_id}").text)
    future = client.post(f"/staff/winback/{case_id}/purchase", data={"csrf_token": token, "purchase_day":
                                                                     (today() + timedelta(days=1)).isoformat(),
                                                                     "amount": "10", "order_ref": "FUT-1"})
    assert future.status_code == 400 and "no later than today" in future.text and "FUT-1" in future.text
    before = client.post(f"/staff/winback/{case_id}/purchase", data={"csrf_token": token, "purchase_day":
                                                                     ago(30).isoformat(), "amount": "10"},
                         follow_redirects=True)
    assert "does not win them back" in before.text
    assert cases(db)[0].state == CaseState.OPEN
    later = (today() + timedelta(days=3)).isoformat()
    promise = client.post(f"/staff/winback/{case_id}/agree", data={"csrf_token": token, "agreed_on": later})
    assert promise.status_code == 400 and cases(db)[0].agreed_at is None
