"""Lost-customer detection from purchases, by hand-computed cases: intervals, thresholds, segments, returns, statuses
set by staff, the command and the daily job."""
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from survey_app.customers import importer as customer_import
from survey_app.customers.models import Customer, CustomerStatus
from survey_app.dbtypes import utcnow
from survey_app.extensions import db as _db
from survey_app.jobs.schedule import PERIODIC
from survey_app.lost.services import detect_lost
from survey_app.purchases.models import Purchase

D = date.fromisoformat


def buys(app, customer, *days, amount="100"):
    with app.app_context():
        _db.session.add_all(Purchase(customer_id=customer.id, day=D(day) if isinstance(day, str) else day,
                                     amount=Decimal(amount), created_at=utcnow()) for day in days)
        _db.session.commit()


def detect(app, as_of: str, **kwargs):
    with app.app_context():
        return detect_lost(D(as_of), **kwargs)


def state(app, customer) -> tuple:
    with app.app_context():
        c = _db.session.get(Customer, customer.id)
        return c.status, c.lost_at, c.returned_at


def test_buys_every_90_days_and_is_lost_120_days_after_the_last_purchase(app, make_customer):
    customer = make_customer()
    buys(app, customer, "2026-01-01", "2026-04-01", "2026-06-30")  # gaps 90 and 90
    early = detect(app, "2026-10-27")
    assert (early.checked, early.newly_lost) == (1, 0) and state(app, customer)[0] == CustomerStatus.ACTIVE
    result = detect(app, "2026-10-28")
    assert result.as_dict() == {"checked": 1, "newly_lost": 1, "returned": 0, "lost_total": 1}
    assert state(app, customer) == (CustomerStatus.LOST, D("2026-10-28"), None)
    assert detect(app, "2026-12-01").newly_lost == 0  # counted once


def test_purchases_after_the_day_judged_are_not_seen(app, make_customer):
    customer = make_customer()
    buys(app, customer, "2026-01-01", "2026-01-31", "2026-03-02", "2026-12-01")
    assert detect(app, "2026-04-12").newly_lost == 1  # 30-day rhythm: lost 40 days after 2 March
    assert state(app, customer)[1] == D("2026-04-11")


def test_a_customer_with_one_purchase_day_takes_the_median_of_their_segment(app, make_customer):
    a, b, single = (make_customer(segment="retail") for _ in range(3))
    other = make_customer(segment="wholesale")
    buys(app, a, "2026-01-01", "2026-01-31")          # 30
    buys(app, b, "2026-01-01", "2026-02-20")          # 50
    buys(app, other, "2025-01-01", "2026-01-01")      # 365, another segment
    buys(app, single, "2026-03-01", "2026-03-01")     # one day, two purchases
    detect(app, "2026-04-23")                          # retail median 40 → threshold 54 → 24 April
    assert state(app, single)[0] == CustomerStatus.ACTIVE
    detect(app, "2026-04-24")
    assert state(app, single)[:2] == (CustomerStatus.LOST, D("2026-04-24"))


def test_a_segment_may_have_its_own_factor(app, make_customer):
    app.config["LOST_FACTOR_BY_SEGMENT"] = {"wholesale": 2.0}
    retail, wholesale = make_customer(segment="retail"), make_customer(segment="wholesale")
    for customer in (retail, wholesale):
        buys(app, customer, "2026-01-01", "2026-01-31", "2026-03-02")
    detect(app, "2026-04-30")  # 59 days after the last purchase: past 40 (4/3 × 30), not past 60 (2 × 30)
    assert state(app, retail)[0] == CustomerStatus.LOST and state(app, wholesale)[0] == CustomerStatus.ACTIVE


def test_a_lost_customer_who_buys_again_is_returned_with_the_day(app, make_customer):
    customer = make_customer()
    buys(app, customer, "2026-01-01", "2026-01-31", "2026-03-02")
    detect(app, "2026-05-01")
    assert state(app, customer)[:2] == (CustomerStatus.LOST, D("2026-04-11"))
    buys(app, customer, "2026-06-15", "2026-07-15")
    result = detect(app, "2026-07-20")
    assert (result.newly_lost, result.returned, result.lost_total) == (0, 1, 0)
    assert state(app, customer) == (CustomerStatus.RETURNED, D("2026-04-11"), D("2026-06-15"))


def test_a_status_staff_set_is_never_changed_to_lost_but_a_purchase_still_counts_as_a_return(app, make_customer,
                                                                                               client, login):
    kept_active = make_customer()
    marked_lost = make_customer(status=CustomerStatus.LOST, lost_at=D("2026-02-01"))
    for customer in (kept_active, marked_lost):
        buys(app, customer, "2025-11-01", "2025-12-01", "2026-01-01")
    with app.app_context():  # staff said active after the customer had been found lost
        c = _db.session.get(Customer, kept_active.id)
        c.status_manual = True
        _db.session.commit()
    detect(app, "2026-06-01")
    assert state(app, kept_active)[0] == CustomerStatus.ACTIVE
    assert state(app, marked_lost)[:2] == (CustomerStatus.LOST, D("2026-02-01"))
    buys(app, marked_lost, "2026-03-10")
    detect(app, "2026-06-01")
    assert state(app, marked_lost) == (CustomerStatus.RETURNED, D("2026-02-01"), D("2026-03-10"))


def test_editing_the_status_by_hand_marks_it_as_staffs(app, client, login, make_customer):
    customer = make_customer("fr")
    login("admin")
    page = client.get(f"/staff/customers/{customer.id}/edit")
    assert page.status_code == 200
    form = {"external_ref": customer.external_ref, "name": customer.name, "email": customer.email, "locale": "fr",
            "segment": "", "status": "lost", "lost_at": "2026-05-01", "annual_revenue": ""}
    assert client.post(f"/staff/customers/{customer.id}/edit", data=form).status_code == 302
    with app.app_context():
        assert _db.session.get(Customer, customer.id).status_manual is True


def test_an_import_saying_active_leaves_detection_on_and_one_saying_lost_turns_it_off(app):
    text = "external_ref;status;lost_at\nA-1;active;\nL-1;lost;2026-01-01\nN-1;;\n"
    with app.app_context():
        customer_import.import_customers(io.BytesIO(text.encode()))
        manual = dict(_db.session.execute(select(Customer.external_ref, Customer.status_manual)).all())
    assert manual == {"A-1": False, "L-1": True, "N-1": False}


def test_a_dry_run_counts_and_changes_nothing(app, make_customer):
    customer = make_customer()
    buys(app, customer, "2026-01-01", "2026-01-31")
    assert detect(app, "2026-06-01", dry_run=True).newly_lost == 1
    assert state(app, customer)[0] == CustomerStatus.ACTIVE


def test_customers_without_purchases_are_left_alone(app, make_customer):
    customer = make_customer()
    assert detect(app, "2026-06-01").as_dict() == {"checked": 0, "newly_lost": 0, "returned": 0, "lost_total": 0}
    assert state(app, customer)[0] == CustomerStatus.ACTIVE


def test_the_command_prints_one_json_object(app, runner, make_customer):
    customer = make_customer()
    buys(app, customer, "2026-01-01", "2026-01-31")
    dry = runner.invoke(args=["customers", "detect-lost", "--as-of", "2026-06-01", "--dry-run", "--format", "json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output) == {"checked": 1, "newly_lost": 1, "returned": 0, "lost_total": 1}
    done = runner.invoke(args=["customers", "detect-lost", "--as-of", "2026-06-01"])
    assert "1 customers checked: 1 newly lost" in done.output
    assert runner.invoke(args=["customers", "detect-lost", "--as-of", "yesterday"]).exit_code == 2


def test_detection_runs_daily_as_a_job(app, runner, make_customer):
    assert PERIODIC["detect-lost"].every == timedelta(days=1)
    customer = make_customer()
    today = date.today()
    buys(app, customer, today - timedelta(days=200), today - timedelta(days=170))
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert state(app, customer)[:2] == (CustomerStatus.LOST, today - timedelta(days=130))


def test_the_customer_page_says_why_in_the_viewers_language(app, client, login, make_customer):
    customer = make_customer("ru")
    today = date.today()
    buys(app, customer, today - timedelta(days=312), today - timedelta(days=221), today - timedelta(days=130))
    with app.app_context():
        detect_lost(today)
    login("admin", locale="ru")
    page = client.get(f"/staff/customers/{customer.id}").text
    assert "обычно покупает раз в 91 день" in page and "последняя покупка 130 дней назад" in page, page[-3000:]


@pytest.mark.parametrize("bad", ["retail", "retail=x", "=2", "retail=0.5"])
def test_a_bad_segment_factor_setting_is_refused_at_start(monkeypatch, bad):
    from survey_app.config import ConfigError, env_factors

    monkeypatch.setenv("LOST_FACTOR_BY_SEGMENT", bad)
    with pytest.raises(ConfigError):
        env_factors("LOST_FACTOR_BY_SEGMENT")
