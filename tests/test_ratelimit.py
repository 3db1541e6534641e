"""The rate-limit store that the worker processes of one machine share without Redis: a small SQLite file."""
from __future__ import annotations

import multiprocessing
import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from survey_app import create_app
from survey_app.config import Config, ProductionConfig, TestingConfig
from survey_app.ratelimit import SQLiteStorage


@pytest.fixture
def uri(tmp_path) -> str:
    return f"sqlitefile://{tmp_path}/ratelimit.sqlite3"


def test_the_scheme_names_the_shared_file(uri, tmp_path):
    storage = storage_from_string(uri)
    assert isinstance(storage, SQLiteStorage) and storage.check()
    assert (tmp_path / "ratelimit.sqlite3").exists()


def test_counts_are_shared_between_two_stores_on_the_same_file(uri):
    first, second = storage_from_string(uri), storage_from_string(uri)
    assert first.incr("login/127.0.0.1", 60) == 1
    assert second.incr("login/127.0.0.1", 60) == 2
    assert first.incr("login/127.0.0.1", 60, amount=3) == 5
    assert second.get("login/127.0.0.1") == 5 and first.get("other") == 0
    second.clear("login/127.0.0.1")
    assert first.get("login/127.0.0.1") == 0


def test_a_window_starts_again_once_expired(uri, monkeypatch):
    import survey_app.ratelimit as ratelimit

    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    storage = storage_from_string(uri)
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("k") == 1060.0
    now[0] = 1059.9
    assert storage.get("k") == 3
    now[0] = 1060.0
    assert storage.get("k") == 0 and storage.get_expiry("k") == 1060.0
    assert storage.incr("k", 60) == 1 and storage.get_expiry("k") == 1120.0


def test_reset_empties_the_store(uri):
    storage = storage_from_string(uri)
    for key in ("a", "b", "c"):
        storage.incr(key, 60)
    assert storage.reset() == 3 and storage.get("a") == 0


def test_the_limit_holds_for_threads_hitting_at_once(uri):
    limiter = FixedWindowRateLimiter(storage_from_string(uri))
    limit = parse("50 per hour")
    granted = []
    barrier = threading.Barrier(8)

    def hit() -> None:
        barrier.wait()
        granted.extend(limiter.hit(limit, "127.0.0.1") for _ in range(20))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 50 and granted.count(False) == 160 - 50


def _hit_many(uri: str, times: int, results) -> None:
    storage = storage_from_string(uri)
    results.put([storage.incr("shared", 3600) for _ in range(times)])


def test_processes_count_together_without_losing_a_hit(uri):
    storage_from_string(uri)  # create the file first, as the app does before gunicorn forks
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_hit_many, args=(uri, 200, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    counts = [count for _ in workers for count in results.get(timeout=60)]
    for worker in workers:
        worker.join(60)
    assert sorted(counts) == list(range(1, 801)), "every hit counted once, across processes"


@pytest.mark.parametrize("config, overrides, expected", [
    (Config, {}, "sqlitefile://{instance}/ratelimit.sqlite3"),
    (ProductionConfig, {"SECRET_KEY": "s" * 40}, "sqlitefile://{instance}/ratelimit.sqlite3"),
    (Config, {"REDIS_URL": "redis://127.0.0.1:6379/5"}, "redis://127.0.0.1:6379/5"),
    (TestingConfig, {}, "memory://"),
])
def test_rate_limits_use_a_store_every_worker_shares(tmp_path, monkeypatch, config, overrides, expected):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/app.db", **overrides)
    assert app.config["RATELIMIT_STORAGE_URI"] == expected.format(instance=tmp_path)
