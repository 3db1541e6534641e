"""insert_many writes exactly what SQLAlchemy's own insert writes, for every kind of column an import fills."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert, select

from survey_app.bulk import insert_many
from survey_app.customers.models import Customer, CustomerStatus
from survey_app.extensions import db as _db

ROW = {"name": "Łukasz „Kłos”", "email": None, "locale": "pl", "segment": "SMB", "account_manager_id": None,
       "annual_revenue": Decimal("12345.67"), "customer_since": date(2019, 4, 1), "last_purchase": None,
       "status": CustomerStatus.LOST, "lost_at": date(2026, 10, 2), "unreachable": False, "opted_out": True,
       "status_manual": True, "created_at": datetime(2026, 12, 1, 8, 30, 15, 123456)}


def test_insert_many_stores_what_core_insert_stores(app):
    with app.app_context():
        connection = _db.session.connection()
        connection.execute(insert(Customer.__table__), [{**ROW, "external_ref": "CORE"}])
        insert_many(connection, Customer.__table__, [{**ROW, "external_ref": "BULK"},
                                                     {**ROW, "external_ref": "BULK-2", "annual_revenue": None}])
        _db.session.commit()
        stored = {c.external_ref: c for c in _db.session.scalars(select(Customer))}
        columns = [c for c in ROW if c != "external_ref"]
        assert [getattr(stored["BULK"], c) for c in columns] == [getattr(stored["CORE"], c) for c in columns]
        assert stored["BULK"].status == CustomerStatus.LOST and stored["BULK"].customer_since == date(2019, 4, 1)
        assert stored["BULK-2"].annual_revenue is None
        raw = _db.session.connection().exec_driver_sql(
            "SELECT status, customer_since, annual_revenue FROM customer WHERE external_ref IN ('BULK', 'CORE')").all()
        assert raw[0] == raw[1]  # the very same stored form, not only the same value read back


def test_nothing_to_insert_is_fine(app):
    with app.app_context():
        insert_many(_db.session.connection(), Customer.__table__, [])
