"""Baseline latency: a bare Flask route vs the app's `/` and `/login`, same process model.

Each app is served by werkzeug's threaded server on 127.0.0.1 in its own thread of this
process; requests come from a client in this process over real HTTP (keep-alive off, as a
browser's first visit). Prints p50/p95 in ms and the ratios to the bare route.

    .venv/bin/python bench/baseline.py [--requests 400] [--database-url …]
"""

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(port, path, n):
    times = []
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        start = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - start) * 1000)
        conn.close()
        assert resp.status == 200, (path, resp.status)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL server URL: a scratch database is created there")
    args = parser.parse_args()

    bare = Flask("bare")

    @bare.get("/")
    def hello():
        return "ok"

    tmp = tempfile.mkdtemp(prefix="zlcp-bench-")
    os.environ["ZLCP_INSTANCE_PATH"] = tmp
    from app import create_app
    from cli import migrate_to_head
    from models import db
    from seed import load_reference

    drop = None
    url = args.database_url or "sqlite:///bench.db"
    if url.startswith("postgres"):  # a fresh database on that server, dropped at the end
        from cli import scratch_postgres

        url, drop = scratch_postgres(url, prefix="zlcp_bench")
    app = create_app({"DATABASE_URL": url, "DEVELOPMENT": True,
                      "JOBS_MODE": "sync", "RATELIMIT_ENABLED": False})
    with app.app_context(), db.database.connection_context():
        migrate_to_head()
        load_reference()

    servers = {"bare": serve(bare), "app": serve(app)}
    n = args.requests
    for name, port, path in (("bare", servers["bare"].server_port, "/"),
                             ("app", servers["app"].server_port, "/"),
                             ("app", servers["app"].server_port, "/login")):
        measure(port, path, 30)  # warm-up
    results = {
        "bare route": measure(servers["bare"].server_port, "/", n),
        "/": measure(servers["app"].server_port, "/", n),
        "/login": measure(servers["app"].server_port, "/login", n),
    }
    base50, base95 = results["bare route"]
    db_kind = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"baseline ({db_kind}, {n} requests each, one connection per request)")
    print(f"{'route':12} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×bare':>10} {'p95 ×bare':>10}")
    for name, (p50, p95) in results.items():
        print(f"{name:12} {p50:8.2f} {p95:8.2f} {p50 / base50:10.2f} {p95 / base95:10.2f}")
    for server in servers.values():
        server.shutdown()
    if drop:
        db.database.close_all() if hasattr(db.database, "close_all") else db.database.close()
        drop()


if __name__ == "__main__":
    main()
