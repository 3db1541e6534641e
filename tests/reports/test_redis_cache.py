"""With REDIS_URL set, report figures are cached in Redis, shared by every app process."""
import pytest

from survey_app import create_app
from survey_app.config import TestingConfig
from survey_app.extensions import cache
from tests.conftest import answer_data, database_url

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


def test_report_figures_are_shared_through_redis(app, instance_path, redis_client, make_survey, login):
    survey = make_survey("exit", slug="exit-redis")
    public = app.test_client()
    for _ in range(3):
        public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="poor_quality"))
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url(instance_path), REDIS_URL=REDIS_URL)
    assert other.config["CACHE_TYPE"] == "RedisCache"
    with other.test_request_context():
        from survey_app.reports.filters import ReportFilter
        from survey_app.reports.services import survey_breakdown

        assert survey_breakdown(ReportFilter(surveys=(survey.slug,))).counts["dissatisfaction"] == 3
        assert any(key.startswith(b"flask_cache_reports:") for key in redis_client.keys("*"))
        cache.clear()
    assert not redis_client.keys("flask_cache_reports:*")


def test_new_answers_are_added_to_cached_figures_without_counting_all_again(app, make_survey, monkeypatch):
    from survey_app.reports import queries, services
    from survey_app.reports.filters import ReportFilter

    survey = make_survey("exit", slug="exit-delta")
    public = app.test_client()
    ranges = []
    counted = queries.cause_counts  # what the bucket, kind and monthly figures add up
    monkeypatch.setattr(queries, "cause_counts", lambda f, ids=None: ranges.append(ids) or counted(f, ids))
    f = ReportFilter(surveys=(survey.slug,))

    def figures():
        with app.test_request_context():
            return services.survey_breakdown(f).counts

    public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="poor_quality"))
    assert figures()["dissatisfaction"] == 1 and ranges[-1][0] == 0  # computed whole
    first = ranges[-1][1]
    assert figures()["dissatisfaction"] == 1 and len(ranges) == 1  # served from the cache
    for _ in range(2):
        public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved"))
    assert figures() == {**figures(), "dissatisfaction": 1, "circumstances": 2}
    assert ranges[1][0] == first and ranges[1][1] > first, "only the new responses were counted"
    app.config["REPORT_REBUILD_SECONDS"] = 0
    public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="moved"))
    assert figures()["circumstances"] == 3 and ranges[-1][0] == 0, "past the rebuild age, counted whole again"
