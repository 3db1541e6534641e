"""Answers stored through the real forms, then dated where a test needs them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from survey_app.responses.models import Response, month_of
from tests.conftest import answer_data


def answer_by_link(client, token: str, survey, **values) -> int:
    """Answer through a personal link; return the new response's id."""
    done = client.post(f"/s/{token}", data=answer_data(survey, **(values or {"main_reason": "moved"})))
    assert done.status_code == 303, done.text
    return newest(client.application)


def answer_publicly(client, survey, lang: str = "en", **values) -> int:
    """Answer through the survey's public link; return the new response's id."""
    done = client.post(f"/s/o/{survey.slug}?lang={lang}",
                       data=answer_data(survey, **(values or {"main_reason": "moved"})))
    assert done.status_code == 303, done.text
    return newest(client.application)


def newest(app) -> int:
    from survey_app.extensions import db

    with app.app_context():
        return db.session.scalar(select(Response.id).order_by(Response.id.desc()).limit(1))


def date_response(db, response_id: int, when: datetime) -> None:
    """Backdate a response (its month with it, as reports group by month)."""
    with db() as session:
        session.execute(update(Response).where(Response.id == response_id)
                        .values(submitted_at=when, submitted_month=month_of(when)))


def load_response(db, response_id: int) -> Response | None:
    with db() as session:
        response = session.get(Response, response_id)
        if response is not None:
            _ = response.answers
        return response
