"""The public site under real load: gunicorn (2 sync workers) on a seeded database, driven by
wrk (Debian's `wrk`: apt-get install wrk), beside a bare WSGI app (a few lines, no framework)
served by the same gunicorn in the same run.

Builds the database with bench/search.py's builder (N public products, P registry patents),
then for each address prints req/s, p99 and req/s ÷ the bare app's req/s, with the page cache
on and off, plus the workers' RSS during and after the runs. Both servers run side by side and
the bare app is measured between the addresses (its median is the baseline), so that a change
in the machine's load during the run moves the baseline with the pages; the static file, whose
target is nearest the bare app, is measured three times between bare runs (median).

    .venv/bin/python bench/load.py [--products 100000] [--patents 1000000] [--seconds 20]
        [--connections 16] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--keep | --reuse URL] [--only static,search]
    make bench-load   (the same, defaults)

Targets (issue 16, cache off, ÷ bare): narrow search ≥ 0.013, broad ≥ 0.0065, with a filter
≥ 0.013, home ≥ 0.04, product and phone pages ≥ 0.065, API search ≥ 0.013, static ≥ 0.8;
RSS ≤ 300 MB; no errors.
"""

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app

ROOT = Path(__file__).resolve().parent.parent
BARE = "def app(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n" \
       "    return [b'ok']\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target, env, cwd):
    port = free_port()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", target], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-3000:]) from None
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def stop(proc):
    proc.terminate()
    proc.wait(timeout=20)


def worker_rss_mb(proc):
    """RSS of each worker (children of the gunicorn master), in MB."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    rss = []
    for pid in children.read_text().split():
        status = Path(f"/proc/{pid}/status").read_text()
        rss.append(int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024)
    return rss


def wrk(url, seconds, connections):
    """(req/s, p99 ms, errors) of wrk on one address."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H",
                          "Accept-Encoding: gzip, br", url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99[1]) * {"us": 0.001, "ms": 1, "s": 1000}[p99[2]]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99_ms, errors + (int(non2xx[1]) if non2xx else 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--patents", type=int, default=None, help="default: 10 per product")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    parser.add_argument("--keep", action="store_true", help="keep the database (for --reuse)")
    parser.add_argument("--reuse", default="", help="measure a database kept by --keep (its URL) instead")
    parser.add_argument("--only", default="", help="comma-separated words; measure the addresses naming one")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    patents = args.patents if args.patents is not None else args.products * 10

    from bench.search import build
    from cli import migrate_to_head
    from domain import search
    from models import Patent, Product, db
    from seed import load_reference

    with scratch_app(args.database_url, "zlcp_bench_load", keep=args.keep, reuse=args.reuse,
                     JOBS_MODE="sync") as (app, kind):
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            if not args.reuse:
                print(f"building {args.products:,} products, {patents:,} patents ({kind})", flush=True)
                load_reference()
                build(args.products, patents, random.Random(2026))
                search.reindex_all()
                if kind == "PostgreSQL":
                    db.database.execute_sql("ANALYZE")
            products, patents = Product.select().count(), Patent.select().count()
            token = Product.select(Product.token).order_by(Product.id).first().token
        with app.test_request_context():
            from flask import url_for

            css = url_for("admin.static", filename="bootstrap/bootstrap4/css/bootstrap.min.css").split("?")[0]
        addresses = [("/", "/"), ("/search?q=电池", "/search?q=" + quote("电池")),
                     ("/search?q=有限公司", "/search?q=" + quote("有限公司")),
                     ("/search?q=电池&province=44", "/search?q=" + quote("电池") + "&province=44"),
                     ("product page", f"/products/{token}"), ("phone page", f"/m/{token}"),
                     ("/api/v1/products?q=电池", "/api/v1/products?q=" + quote("电池")),
                     ("static CSS (fingerprinted)", css)]
        if args.only:
            addresses = [(name, path) for name, path in addresses
                         if any(word in name for word in args.only.split(","))]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZLCP_")}
        env.update({"ZLCP_DEVELOPMENT": "true", "ZLCP_DATABASE_URL": app.config["DATABASE_URL"],
                    "ZLCP_INSTANCE_PATH": app.instance_path, "ZLCP_REDIS_URL": "",
                    "ZLCP_RATELIMIT_ENABLED": "false", "ZLCP_API_RATE_LIMIT": "1000000 per minute"})
        bare_dir = Path(app.instance_path) / "bare"
        bare_dir.mkdir(exist_ok=True)
        (bare_dir / "bare_wsgi.py").write_text(BARE)
        bare_proc, bare_base = start_gunicorn("bare_wsgi:app", env, bare_dir)
        bares, rows, rss = [], [], {}

        def measure_bare():
            bares.append(wrk(bare_base + "/", args.seconds, args.connections))

        try:
            measure_bare()
            for cache in (300, 0):
                proc, base = start_gunicorn("app:create_app()", {**env, "ZLCP_PAGE_CACHE_SECONDS": str(cache)}, ROOT)
                try:
                    for name, path in addresses:
                        urllib.request.urlopen(base + path, timeout=60).read()  # warm (and fill the cache)
                        runs = 3 if "static" in name else 1
                        results = []
                        for _ in range(runs):
                            results.append(wrk(base + path, args.seconds, args.connections))
                            rss.setdefault(cache, []).append(max(worker_rss_mb(proc)))
                            measure_bare()
                        rows.append((name, cache, *sorted(results)[runs // 2]))
                    time.sleep(1)
                    rss_after = worker_rss_mb(proc)
                finally:
                    stop(proc)
                print(f"page cache {'on' if cache else 'off'}: worker RSS during ≤ {max(rss[cache]):.0f} MB, "
                      f"after {', '.join(f'{r:.0f}' for r in rss_after)} MB", flush=True)
        finally:
            stop(bare_proc)
    bare = sorted(bares)[len(bares) // 2]
    print(f"bare app runs: {', '.join(f'{b[0]:.0f}' for b in bares)} req/s (the median is the baseline)")
    print(f"\n{kind}, {products:,} products, {patents:,} patents; gunicorn 2 sync workers; "
          f"wrk {args.connections} connections × {args.seconds} s")
    print(f"{'request':<30} {'cache':>5} {'req/s':>9} {'p99 ms':>9} {'÷ bare':>8} {'errors':>7}")
    print(f"{'bare WSGI app':<30} {'':>5} {bare[0]:9.0f} {bare[1]:9.1f} {1:8.4f} {bare[2]:7d}")
    for name, cache, rps, p99, errors in rows:
        print(f"{name:<30} {'on' if cache else 'off':>5} {rps:9.1f} {p99:9.1f} {rps / bare[0]:8.4f} {errors:7d}")


if __name__ == "__main__":
    main()
