"""Configuration classes; every setting can come from an environment variable."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_factors(name: str) -> dict[str, float]:
    """Read numbers per name, written ``retail=1.5,wholesale=2`` (names are segments; a bad entry is an error)."""
    factors = {}
    for entry in filter(None, (part.strip() for part in os.environ.get(name, "").split(","))):
        segment, _, value = entry.rpartition("=")
        try:
            factors[segment.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"{name}: {entry!r} is not segment=number") from None
        if not segment.strip() or not factors[segment.strip()] >= 1:
            raise ConfigError(f"{name}: {entry!r} needs a segment and a factor of at least 1")
    return factors


class ConfigError(RuntimeError):
    """The configuration cannot be used to start the application."""


class Config:
    """Settings shared by every environment, read from the environment at class creation."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: SQLAlchemy URL; empty means the embedded SQLite file in the instance folder.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    #: Longest wait (seconds) of a web request's write for the SQLite write lock before the "try again" page that
    #: keeps what was typed; also the time /healthz's checks may take (on PostgreSQL too).
    DB_BUSY_TIMEOUT_SECONDS = float(os.environ.get("DB_BUSY_TIMEOUT_SECONDS", "2.5"))
    #: Longest wait (seconds) for the SQLite write lock of work outside requests: commands, background imports and
    #: sending, demo data, migrations.
    DB_BATCH_BUSY_TIMEOUT_SECONDS = float(os.environ.get("DB_BATCH_BUSY_TIMEOUT_SECONDS", "30"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "surveys@localhost")

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
    RATELIMIT_PUBLIC = os.environ.get("RATELIMIT_PUBLIC", "120 per minute")
    #: Requests one API key may make (the JSON API, /api/v1).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
    RATELIMIT_HEADERS_ENABLED = True
    #: A rate-limit store that fails (Redis down) lets the request through rather than answering with an error.
    RATELIMIT_SWALLOW_ERRORS = True

    #: Largest request body accepted, in bytes. Any one form field may be this long too (MAX_FORM_MEMORY_SIZE
    #: follows it), so a long answer reaches the form's own "too long" message and is shown again, not lost.
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    #: Largest customer CSV accepted by the upload page, in bytes.
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 512 * 1024 * 1024)
    #: Longest free-text answer accepted, in characters.
    MAX_TEXT_LENGTH = env_int("MAX_TEXT_LENGTH", 5000)
    #: How often (seconds) each worker re-reads a survey's version on the public pages.
    SURVEY_RECHECK_SECONDS = float(os.environ.get("SURVEY_RECHECK_SECONDS", "1"))
    #: Below this confidence, free text stays unclassified and waits for staff review; unset (None), the
    #: model's own threshold applies, chosen by cross-validation when it was trained.
    CLASSIFIER_THRESHOLD = float(os.environ["CLASSIFIER_THRESHOLD"]) if os.environ.get("CLASSIFIER_THRESHOLD") else None
    #: A customer is lost once the time since their last purchase reaches their usual interval times this.
    LOST_FACTOR = float(os.environ.get("LOST_FACTOR", str(4 / 3)))
    #: The lost factor of particular segments, e.g. ``retail=1.5,wholesale=2``.
    LOST_FACTOR_BY_SEGMENT = env_factors("LOST_FACTOR_BY_SEGMENT")
    #: XYZ classes of the win-back priorities: a customer whose monthly purchases vary by at most this coefficient of
    #: variation is X, at most XYZ_Y_MAX Y, above Z (README, "Who to win back first", says why 0.5 and 1.0).
    XYZ_X_MAX = float(os.environ.get("XYZ_X_MAX", "0.5"))
    XYZ_Y_MAX = float(os.environ.get("XYZ_Y_MAX", "1.0"))
    #: Currency of customers' annual revenue, shown on revenue reports (ISO 4217 code).
    REPORT_CURRENCY = os.environ.get("REPORT_CURRENCY", "EUR")
    #: Longest time (seconds) a report figure or chart is reused; any change to the data renews it sooner.
    CACHE_DEFAULT_TIMEOUT = env_int("REPORT_CACHE_SECONDS", 600)
    #: A cached report figure is recomputed whole at least this often (seconds); in between, only newer answers
    #: are counted and added.
    REPORT_REBUILD_SECONDS = env_int("REPORT_REBUILD_SECONDS", 300)
    #: A background job silent for this long (seconds) counts as interrupted and may be resumed.
    JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
    #: Working days (Monday to Friday) an owner has to follow up a company-caused answer.
    FOLLOWUP_DAYS = env_int("FOLLOWUP_DAYS", 2)
    #: Email of the staff member who owns follow-ups of customers without an account manager (unset: nobody
    #: until someone takes them; admins see them among all and overdue follow-ups).
    FOLLOWUP_DEFAULT_OWNER = os.environ.get("FOLLOWUP_DEFAULT_OWNER")
    #: Email an owner as soon as a follow-up opens (off: the periodic sweep does, within five minutes).
    FOLLOWUP_NOTIFY_AT_ONCE = env_bool("FOLLOWUP_NOTIFY_AT_ONCE", True)
    #: Run the win-back sweep (open cases of newly lost customers, win back who bought) as soon as lost-customer
    #: detection, a customer or purchase import or a customer edit ends (off: the periodic sweep does, within ten
    #: minutes). A purchase always wins its customer back at once.
    WINBACK_SWEEP_AT_ONCE = env_bool("WINBACK_SWEEP_AT_ONCE", True)
    #: Start sorting new free-text answers as soon as they are stored (off: the periodic task sorts them within a
    #: minute, or ``flask classify pending`` does at once).
    SORT_AFTER_STORING = env_bool("SORT_AFTER_STORING", True)
    #: Every app process asks once a minute for due periodic jobs (sending retries, clean-ups); turn off when
    #: cron runs ``flask jobs run-due`` instead (either way each runs once per period).
    SCHEDULER_IN_PROCESS = env_bool("SCHEDULER_IN_PROCESS", True)
    SCHEDULER_TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS", "60"))
    #: How often (seconds) a running job records a sign of life.
    JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
    #: Let webhooks reach loopback, private, link-local and reserved addresses (off: such endpoints are refused when
    #: registered and again at each delivery). Only for tests or an intranet that means it.
    WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", False)
    #: Seconds a webhook endpoint has to answer a delivery.
    WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "10"))
    #: Disable an endpoint once this many deliveries in a row failed every attempt (it is also disabled after
    #: failing every attempt for 24 hours); its admins are emailed.
    WEBHOOKS_DISABLE_AFTER = env_int("WEBHOOKS_DISABLE_AFTER", 5)
    #: Days an invitation link stays valid.
    INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 60)
    #: Days the emailed link with which a new or reset staff member chooses a password works (once).
    STAFF_LINK_DAYS = env_int("STAFF_LINK_DAYS", 7)
    #: Days the audit log keeps its events before the daily job prunes them.
    AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    #: How long "keep me signed in" lasts; signing out, a new password or deactivation ends it sooner.
    REMEMBER_COOKIE_DURATION = timedelta(days=env_int("REMEMBER_DAYS", 30))
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    TESTING = False

    @classmethod
    def finalize(cls, config: dict, instance_path: str) -> None:
        """Fill in what depends on the instance folder: database file and secret key."""
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(instance_path, "survey_app.sqlite3")
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
        if not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            # A server database may drop idle connections; an embedded file never does.
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **config["SQLALCHEMY_ENGINE_OPTIONS"]}
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = instance_secret_key(instance_path)
        config.setdefault("RATELIMIT_STORAGE_URI", rate_limit_storage(config, instance_path))
        if config.get("REDIS_URL") and "CACHE_TYPE" not in config:  # report caches shared by all processes
            config["CACHE_TYPE"], config["CACHE_REDIS_URL"] = "RedisCache", config["REDIS_URL"]
        config.setdefault("CACHE_TYPE", "SimpleCache")
        if not 0 <= config.get("XYZ_X_MAX", 0.5) <= config.get("XYZ_Y_MAX", 1.0):
            raise ConfigError("XYZ_X_MAX and XYZ_Y_MAX: need 0 ≤ XYZ_X_MAX ≤ XYZ_Y_MAX")
        # Werkzeug refuses a form field over 500 kB with a 413 before any validation could keep the text.
        config["MAX_FORM_MEMORY_SIZE"] = config["MAX_CONTENT_LENGTH"]


class ProductionConfig(Config):
    """Production: a secret key must be given, cookies only over HTTPS."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def finalize(cls, config: dict, instance_path: str) -> None:
        """Refuse to start without SECRET_KEY; then as in development."""
        if not config.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in production (SURVEY_APP_ENV=production).")
        super().finalize(config, instance_path)


class TestingConfig(Config):
    """Tests: a throwaway database, no rate limits unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    SCHEDULER_IN_PROCESS = False
    SURVEY_RECHECK_SECONDS = 0.0
    #: Tests sort pending answers when they ask (``sort_pending``); tests of the background sorting turn it on.
    SORT_AFTER_STORING = False
    #: Likewise, tests email follow-up owners when they ask (``notify_owners``), or turn this on.
    FOLLOWUP_NOTIFY_AT_ONCE = False
    #: And run the win-back sweep when they ask (``sweep``), or turn this on.
    WINBACK_SWEEP_AT_ONCE = False


def config_from_env() -> type[Config]:
    """Choose the configuration class named by ``SURVEY_APP_ENV``."""
    name = os.environ.get("SURVEY_APP_ENV", "development").lower()
    return {"production": ProductionConfig, "testing": TestingConfig}.get(name, Config)


def rate_limit_storage(config: dict, instance_path: str) -> str:
    """Where rate limits are counted: Redis when configured, else a file every worker of this machine shares.

    Tests keep them in memory (each test app on its own).
    """
    if config.get("REDIS_URL"):
        return config["REDIS_URL"]
    if config.get("TESTING"):
        return "memory://"
    return "sqlitefile://" + quote(os.path.join(os.path.abspath(instance_path), "ratelimit.sqlite3"))


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Return the development secret key kept in the instance folder, creating it once."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()
