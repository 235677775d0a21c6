"""ZLCP application factory."""

import os
import tomllib
from pathlib import Path

import flask_babel
from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

import admin_app
import cli
import jobs
import public_site
import workflows
from domain import search, statistics, transitions
from infra import assets, notifications, signing
from infra.extensions import (
    CSP,
    RowIdConverter,
    babel,
    cache,
    csrf,
    init_limiter,
    mail,
    security,
    select_locale,
    talisman,
    user_datastore,
)
from models import db, make_database

ROOT = Path(__file__).resolve().parent


def create_app(config=None):
    app = Flask(
        __name__,
        instance_path=os.environ.get("ZLCP_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder="templates",
        static_folder="static",
    )
    app.url_map.converters["int"] = RowIdConverter  # before any route: ids no column holds are a 404
    app.config.from_file(str(ROOT / "config.toml"), load=tomllib.load, text=False)
    app.config.from_prefixed_env("ZLCP")
    if config:
        app.config.update(config)
    refuse_example_secrets(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    signing.init_app(app)  # the certificate signing key: refused start without one in production
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
    init_limiter(app)
    cache.init_app(app)
    talisman.init_app(app, force_https=app.config["FORCE_HTTPS"],
                      session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
                      content_security_policy=CSP, referrer_policy="strict-origin-when-cross-origin")
    security.init_app(app, user_datastore, register_blueprint=False)
    jobs.init_app(app)
    workflows.register(transitions.TRANSITIONS)
    search.init_app(app)  # the index changes with every status change (a workflows listener)
    statistics.init_app(app)  # 统计分析 is read again after an approved change of a unit's data

    public_site.init_app(app)
    admin_app.init_app(app)
    cli.init_app(app)
    assets.init_app(app)  # static files before Flask, fingerprinted; compressed answers
    trust_proxies(app)

    @app.get("/favicon.ico")  # asked for by browsers whatever the page says
    def favicon():
        return app.send_static_file("img/favicon.ico")

    @app.get("/healthz")
    def healthz():
        status = health(app)
        return jsonify(status), 200 if status["ok"] else 503

    return app


SECRETS = ("SECRET_KEY", "SECURITY_PASSWORD_SALT", "SECURITY_TOTP_SECRETS")


def refuse_example_secrets(config):
    """Start only with secrets of one's own: config.toml's are public examples (with them anyone
    could sign a session cookie). A development machine says so with DEVELOPMENT = true."""
    if config.get("DEVELOPMENT"):
        return
    with open(ROOT / "config.toml", "rb") as f:
        examples = tomllib.load(f)

    def values(value):
        return set(value.values()) if isinstance(value, dict) else {value}

    public = [name for name in SECRETS if not config.get(name) or values(config[name]) & values(examples[name])]
    if public:
        names = "、".join(f"ZLCP_{name}" for name in public)
        raise RuntimeError(f"不能使用 config.toml 中的示例密钥启动：请将 {names} 设为足够长的随机值"
                           "（见 README 的 Production 一节）；开发环境请设置 ZLCP_DEVELOPMENT=true。")


def trust_proxies(app):
    """Read the client's address (request.remote_addr: audit log, rate limits, SMS caps) and
    scheme from X-Forwarded-* only when PROXY_FIX says how many proxies set them; otherwise a
    client could name any address it likes."""
    hops = {name: 0 for name in ("x_for", "x_proto", "x_host", "x_port", "x_prefix")}
    hops.update({name: int(n) for name, n in app.config["PROXY_FIX"].items()})
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # outermost: every layer sees the fixed values


def health(app):
    """For load balancers and operators. "ok" (HTTP 200, else 503) says whether this process can
    serve: its database answers. A queue that does not answer (jobs then run in process) and
    notifications stuck or failed are reported under "problems" without taking the process out."""
    status = {"database": "ok", "queue": "ok", "jobs_mode": jobs.mode(app), "problems": []}
    try:
        db.database.execute_sql("SELECT 1")
        status["outbox"] = notifications.delivery_summary()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        status["database"] = f"error: {exc.__class__.__name__}"
        status["problems"].append("database")
    try:
        status["queue_length"] = jobs.queue_length()
    except Exception as exc:  # noqa: BLE001
        status["queue"] = f"error: {exc.__class__.__name__}"
        status["problems"].append("queue")
    outbox = status.get("outbox", {})
    status["problems"] += [f"outbox_{state}" for state in notifications.NEEDS_ATTENTION if outbox.get(state)]
    status["ok"] = status["database"] == "ok"
    return status
