"""ZLCP application factory."""

import os
import tomllib
from pathlib import Path

import flask_babel
from flask import Flask, jsonify

import admin_app
import cli
import jobs
import public_site
import workflows
from domain import search, transitions
from infra.extensions import CSP, babel, cache, csrf, limiter, mail, security, select_locale, talisman, user_datastore
from models import db, make_database

ROOT = Path(__file__).resolve().parent


def create_app(config=None):
    app = Flask(
        __name__,
        instance_path=os.environ.get("ZLCP_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder="templates",
        static_folder="static",
    )
    app.config.from_file(str(ROOT / "config.toml"), load=tomllib.load, text=False)
    app.config.from_prefixed_env("ZLCP")
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["STORAGE_ROOT"] = str(Path(app.instance_path) / app.config["STORAGE_ROOT"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")

    app.config["DATABASE"] = make_database(app.config["DATABASE_URL"], app.instance_path)
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # The locale is cached on the app context, which a request shares with an outer
    # context (CLI, tests): choose it afresh for every request.
    app.before_request(flask_babel.refresh)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    talisman.init_app(app, force_https=app.config["FORCE_HTTPS"],
                      session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
                      content_security_policy=CSP, referrer_policy="strict-origin-when-cross-origin")
    security.init_app(app, user_datastore, register_blueprint=False)
    jobs.init_app(app)
    workflows.register(transitions.TRANSITIONS)
    search.init_app(app)  # the index changes with every status change (a workflows listener)

    public_site.init_app(app)
    admin_app.init_app(app)
    cli.init_app(app)

    @app.get("/favicon.ico")  # asked for by browsers whatever the page says
    def favicon():
        return app.send_static_file("img/favicon.ico")

    @app.get("/healthz")
    def healthz():
        return jsonify(health(app))

    return app


def health(app):
    """Database and queue status for load balancers and operators."""
    status = {"database": "ok", "queue": "ok", "jobs_mode": jobs.mode(app)}
    try:
        db.database.execute_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        status["database"] = f"error: {exc.__class__.__name__}"
    try:
        status["queue_length"] = jobs.queue_length()
    except Exception as exc:  # noqa: BLE001
        status["queue"] = f"error: {exc.__class__.__name__}"
    status["ok"] = status["database"] == "ok" and status["queue"] == "ok"
    return status
