"""What every benchmark sets up: a fresh app on a SQLite file in a temporary folder, or on a
scratch PostgreSQL database, and a bare Flask route to measure against in the same run."""

import os
import shutil
import tempfile
from contextlib import contextmanager


@contextmanager
def scratch_app(database_url, prefix, keep=False, reuse="", **config):
    """Yields (app, kind) on a new database; both go afterwards unless keep. With reuse (the
    URL a kept run printed) the app opens that database instead and leaves it be."""
    tmp = tempfile.mkdtemp(prefix="zlcp-bench-")
    os.environ["ZLCP_INSTANCE_PATH"] = tmp
    from app import create_app
    from cli import scratch_postgres
    from models import db

    drop = None
    url = f"sqlite:///{tmp}/bench.db"
    if reuse:
        url = reuse
    elif database_url.startswith("postgres"):
        url, drop = scratch_postgres(database_url, prefix=prefix)
    app = create_app({"DATABASE_URL": url, "DEVELOPMENT": True, **config})
    try:
        yield app, ("PostgreSQL" if url.startswith("postgres") else "SQLite")
    finally:
        if keep and not reuse:
            print(f"\nkept: {url}")
        else:
            if drop and not reuse:
                db.database.close_all() if hasattr(db.database, "close_all") else db.database.close()
                drop()
            shutil.rmtree(tmp, ignore_errors=True)


def bare_client():
    """A test client of a Flask app with one route returning "ok": the baseline."""
    from flask import Flask

    bare = Flask("bare")
    bare.get("/")(lambda: "ok")
    return bare.test_client()
