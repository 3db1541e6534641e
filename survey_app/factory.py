"""The application factory: extensions, blueprints, error pages, hooks, jobs, signals and commands."""
from __future__ import annotations

import logging
import os

from flask import Flask, request, session
from flask_babel import get_locale

from . import ROOT
from .config import Config, config_from_env
from .extensions import babel, cache, csrf, db, limiter, login_manager, migrate
from .i18n import LANGUAGES, remembers_language, select_locale
from .routing import register_converters, this_page
from .wsgi_request import AppRequest

#: Requests that change nothing; the answers to all others are never cached.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Create and configure the survey application."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(ROOT, "instance"))
    app.request_class = AppRequest
    config = config or config_from_env()
    app.config.from_object(config)
    app.config.update(overrides)
    config.finalize(app.config, app.instance_path)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    register_jobs()
    register_signals()
    logging.basicConfig(level=logging.INFO)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension singletons to ``app``."""
    from .dbsetup import configure_engine_events
    from .responses import cache as respondent_cache

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine, app.config)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", os.path.join(ROOT, "translations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    limiter.init_app(app)
    cache.init_app(app)
    respondent_cache.init_app(app)

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")


def register_blueprints(app: Flask) -> None:
    """Register the blueprints of each feature: one for its public pages (``/s/…``), one for its staff pages."""
    from .api import openapi as api
    from .api.staff import bp as api_keys_bp
    from .audit.views import bp as audit_bp
    from .audit.views import register_api_hook, register_change_hook
    from .auth.staff import bp as users_bp
    from .auth.views import bp as auth_bp
    from .classification.views import bp as classification_bp
    from .core import bp as core_bp
    from .customers.views import bp as customers_bp
    from .followups.views import bp as followups_bp
    from .home.views import bp as home_bp
    from .invitations.views import bp as invitations_bp
    from .lost.views import bp as lost_bp
    from .purchases.views import bp as purchases_bp
    from .reports.views import bp as reports_bp
    from .reports.views import survey_bp as survey_reports_bp
    from .responses.public import bp as respond_bp
    from .responses.staff import bp as responses_bp
    from .surveys.views import bp as surveys_bp
    from .webhooks.views import bp as webhooks_bp
    from .winback.results import bp as winback_results_bp
    from .winback.views import bp as winback_bp

    for bp in (core_bp, auth_bp, home_bp, users_bp, surveys_bp, customers_bp, purchases_bp, invitations_bp,
               respond_bp, responses_bp, reports_bp, survey_reports_bp, classification_bp, lost_bp, followups_bp,
               winback_bp, winback_results_bp, api_keys_bp, audit_bp,
               webhooks_bp):
        app.register_blueprint(bp)
    api.init_app(app)  # the JSON API (/api/v1), its OpenAPI document and its docs page
    register_api_hook(app)
    register_change_hook(app)


def register_errorhandlers(app: Flask) -> None:
    """Show every error as a translated page with the right status code."""
    from .api.problems import answer_api_paths
    from .errors import register

    register(app)
    answer_api_paths(app)


def register_request_hooks(app: Flask) -> None:
    """Upload limits, language choice from ``?lang=``, template globals and security headers."""
    from .domain import UnknownLanguage
    from .jobs.schedule import start_ticker
    from .labels import TEMPLATE_GLOBALS
    from .uploads import raise_upload_limit

    def remember_language_choice() -> None:
        lang = request.args.get("lang")
        if lang is not None:
            if lang not in LANGUAGES:
                raise UnknownLanguage()
            if remembers_language(app.view_functions.get(request.endpoint or "")) and session.get("lang") != lang:
                session["lang"] = lang

    # Before CSRF protection, which reads the body: the upload limit must not cut it at MAX_CONTENT_LENGTH on
    # import pages, and an error page it raises (a failed token, a body too large) speaks the chosen language.
    app.before_request_funcs.setdefault(None, [])[:0] = [raise_upload_limit, remember_language_choice]

    @app.before_request
    def tick_scheduler() -> None:
        start_ticker()

    @app.context_processor
    def inject_globals() -> dict:
        return {"LANGUAGES": LANGUAGES, "current_locale": str(get_locale() or "en"), "lang_url": lang_url}

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Public survey links carry tokens: never leak them to other sites in Referer headers. Not "no-referrer":
        # browsers would then send "Origin: null" with the site's own forms, which the error pages need to see.
        headers.setdefault("Referrer-Policy", "same-origin")
        if "Cache-Control" not in headers and (response.mimetype == "text/html" or request.method not in SAFE_METHODS):
            # What someone typed may be on the page: keep it out of the browser's and proxies' caches.
            headers["Cache-Control"] = "no-store"
        return response


def lang_url(code: str) -> str:
    """Return a link to the current page in language ``code``, keeping its other query arguments."""
    return this_page(lang=code)


def register_signals() -> None:
    """Connect the features that act on what others announce (see :mod:`survey_app.signals`)."""
    from .followups import jobs as followups
    from .reports import state as reports
    from .responses import cache as respondent_cache
    from .responses import services as responses
    from .webhooks import jobs as webhooks
    from .winback import jobs as winback

    for feature in (reports, responses, respondent_cache, followups, winback, webhooks):
        feature.connect()


def register_jobs() -> None:
    """Import the modules that register background job handlers and periodic tasks (any process may run any)."""
    from datetime import timedelta

    from .audit import jobs as _audit  # noqa: F401
    from .classification import jobs as _classification  # noqa: F401
    from .customers import jobs as _customer_imports  # noqa: F401
    from .followups import jobs as _followups  # noqa: F401
    from .invitations import jobs as _sending  # noqa: F401
    from .jobs.schedule import periodic
    from .lost import services as _lost_detection  # noqa: F401
    from .purchases import jobs as _purchase_imports  # noqa: F401
    from .responses import jobs as _answer_imports  # noqa: F401
    from .retention import jobs as _retention  # noqa: F401
    from .webhooks import jobs as _webhooks  # noqa: F401
    from .winback import jobs as _winback  # noqa: F401

    periodic("prune-jobs", timedelta(days=1), "prune_jobs")


def register_commands(app: Flask) -> None:
    """Register the CLI groups of each feature."""
    from .api.cli import api_keys_cli
    from .audit.cli import audit_cli
    from .auth.cli import users_cli
    from .classification.cli import classify_cli
    from .customers.cli import customers_cli
    from .demo.cli import seed_cli
    from .followups.cli import followups_cli
    from .invitations.cli import invitations_cli
    from .jobs.cli import jobs_cli
    from .lost.cli import winback_cli
    from .purchases.cli import purchases_cli
    from .reports.cli import reports_cli
    from .responses.cli import responses_cli
    from .retention.cli import retention_cli
    from .surveys.cli import surveys_cli
    from .translate import translate_cli
    from .winback import cli as _winback_commands  # noqa: F401  (adds to the winback group)

    for group in (users_cli, seed_cli, surveys_cli, customers_cli, purchases_cli, invitations_cli, responses_cli,
                  reports_cli, winback_cli, classify_cli, jobs_cli, followups_cli, translate_cli, api_keys_cli,
                  audit_cli, retention_cli):
        app.cli.add_command(group)
