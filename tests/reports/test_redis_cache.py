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
