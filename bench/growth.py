"""Does a search cost grow with its matches or with the table? The raw search (search.search(),
the work of /search without the page) at N and at 3N public products (default 100,000 and
300,000), each on a fresh database built by bench/search.py's builder in this run, and the
ratio of the two.

The two databases are built first, then measured in alternating rounds, each round a fresh
process per database (--rounds, default 5), and every query's p50 is taken over all its
rounds: a change in the machine's load during the run then falls on both sizes alike. (One
pass per size after the other let a busy minute decide the ratio: the same code measured
1.13× in one run and 1.99× in the next.)

    .venv/bin/python bench/growth.py [--products 100000] [--factor 3] [--requests 20] [--rounds 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Target (issue 16): raw search for 电池 at 300,000 products ≤ 1.5× its time at 100,000.
"""

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app

QUERIES = (("电池", {}), ("电池", {"province": "44"}), ("机器人", {}), ("有限公司", {}), ("锂离子电池", {}))


def build(n_products, database_url):
    """A fresh database of n_products: (its URL, a function that removes it)."""
    from bench.search import build as build_products
    from cli import migrate_to_head, scratch_postgres
    from domain import search
    from models import db
    from seed import load_reference

    if database_url:
        url, drop = scratch_postgres(database_url, prefix="zlcp_bench_growth")
    else:
        folder = tempfile.mkdtemp(prefix="zlcp-bench-")
        url, drop = f"sqlite:///{folder}/bench.db", lambda: shutil.rmtree(folder, ignore_errors=True)
    with (scratch_app("", "zlcp_bench_growth", reuse=url, JOBS_MODE="sync") as (app, kind),
          app.app_context(), db.database.connection_context()):
        print(f"{kind}: building {n_products:,} products", flush=True)
        migrate_to_head()
        load_reference()
        build_products(n_products, n_products, random.Random(2026))  # patents play no part in search
        search.reindex_all()
        if kind == "PostgreSQL":
            db.database.execute_sql("VACUUM ANALYZE")
    db.database.close_all() if hasattr(db.database, "close_all") else db.database.close()
    return url, drop


def measure(url, requests):
    """(In a process of its own.) {query label: [ms, …]} of `requests` searches each, after 5."""
    from domain import search
    from models import db

    out = {}
    with (scratch_app("", "zlcp_bench_growth", reuse=url, JOBS_MODE="sync") as (app, _kind),
          app.app_context(), db.database.connection_context()):
        for q, filters in QUERIES:
            for _ in range(5):
                results = search.search(q, dict(filters))
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                search.search(q, dict(filters))
                times.append((time.perf_counter() - start) * 1000)
            out[label(q, filters)] = {"times": times, "total": results.total, "estimated": results.estimated}
    return out


def label(q, filters):
    return q + "".join(f" {k}={v}" for k, v in filters.items())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--factor", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20, help="searches per query, database and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch databases)")
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)  # one round on one database
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests)))
        return
    sizes = (args.products, args.products * args.factor)
    built = [build(n, args.database_url) for n in sizes]
    kind = "PostgreSQL" if built[0][0].startswith("postgres") else "SQLite"
    runs = [{} for _ in sizes]
    try:
        for round_ in range(args.rounds):
            for i, (url, _remove) in enumerate(built):
                got = json.loads(subprocess.run(
                    [sys.executable, __file__, "--measure", url, "--requests", str(args.requests)],
                    check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
                for name, result in got.items():
                    runs[i].setdefault(name, {**result, "times": []})["times"] += result["times"]
            print(f"round {round_ + 1} of {args.rounds} done", flush=True)
    finally:
        for _url, removing in built:
            removing()
    print(f"\n{kind}: raw search p50 (ms) at {sizes[0]:,} and {sizes[1]:,} public products, "
          f"{args.rounds} alternating rounds × {args.requests} searches")
    print(f"{'query':<26} {'matches':>16} {sizes[0]:>10,} {sizes[1]:>10,} {'ratio':>7}")
    for name in runs[0]:
        small, large = runs[0][name], runs[1][name]
        t1, t2 = statistics.median(small["times"]), statistics.median(large["times"])
        matches = (f"{'约' if small['estimated'] else ''}{small['total']:,} → "
                   f"{'约' if large['estimated'] else ''}{large['total']:,}")
        print(f"{name:<26} {matches:>16} {t1:10.1f} {t2:10.1f} {t2 / t1:7.2f}")
    print("target: 电池 ratio ≤ 1.5")


if __name__ == "__main__":
    main()
