"""Does a search cost grow with its matches or with the table? The raw search (search.search(),
the work of /search without the page) at N and at 3N public products (default 100,000 and
300,000), each on a fresh database built by bench/search.py's builder in this run, and the
ratio of the two.

    .venv/bin/python bench/growth.py [--products 100000] [--factor 3] [--requests 60]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Target (issue 16): raw search for 电池 at 300,000 products ≤ 1.5× its time at 100,000.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app

QUERIES = (("电池", {}), ("电池", {"province": "44"}), ("机器人", {}), ("有限公司", {}), ("锂离子电池", {}))


def measure(n_products, database_url, requests):
    """{(q, filters): (p50 ms, matches, estimated)} on a fresh database of n_products."""
    from bench.search import build
    from cli import migrate_to_head
    from domain import search
    from models import db
    from seed import load_reference

    with scratch_app(database_url, "zlcp_bench_growth", JOBS_MODE="sync") as (app, kind):
        with app.app_context(), db.database.connection_context():
            print(f"{kind}: building {n_products:,} products", flush=True)
            migrate_to_head()
            load_reference()
            build(n_products, n_products, random.Random(2026))  # patents play no part in search
            search.reindex_all()
            if kind == "PostgreSQL":
                db.database.execute_sql("VACUUM ANALYZE")
            out = {}
            for q, filters in QUERIES:
                for _ in range(5):
                    results = search.search(q, dict(filters))
                times = []
                for _ in range(requests):
                    start = time.perf_counter()
                    search.search(q, dict(filters))
                    times.append((time.perf_counter() - start) * 1000)
                out[q, tuple(filters.items())] = (statistics.median(times), results.total, results.estimated)
        return kind, out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--factor", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    args = parser.parse_args()
    small_n, large_n = args.products, args.products * args.factor
    kind, small = measure(small_n, args.database_url, args.requests)
    _kind, large = measure(large_n, args.database_url, args.requests)
    print(f"\n{kind}: raw search p50 (ms) at {small_n:,} and {large_n:,} public products")
    print(f"{'query':<26} {'matches':>16} {small_n:>10,} {large_n:>10,} {'ratio':>7}")
    for key in small:
        q, filters = key
        label = q + "".join(f" {k}={v}" for k, v in filters)
        (t1, n1, e1), (t2, n2, e2) = small[key], large[key]
        matches = f"{'约' if e1 else ''}{n1:,} → {'约' if e2 else ''}{n2:,}"
        print(f"{label:<26} {matches:>16} {t1:10.1f} {t2:10.1f} {t2 / t1:7.2f}")
    print("target: 电池 ratio ≤ 1.5")


if __name__ == "__main__":
    main()
