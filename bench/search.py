"""产品信息查询 at scale: /search over 100,000 public products, beside a bare Flask route and
beside the raw search (search.search() called directly, the same work without the page).

Builds a fresh database (SQLite by default, a scratch PostgreSQL database when given a
server URL) with N filed products (default 100,000) over 2,000 units in every province, with
realistic Chinese names made from the GB/T 4754 class names and the demo patent subjects,
~5% 公示中 and ~5% 已认定, and P registry patents (seed/demo_patents.py; default 1,000,000;
each product links two). Rows go in with insert_many, then search.reindex_all() builds the
index (timed). Then p50/p95 (Flask test client) of:
  - /search for 20 varied queries, without and with facet filters
  - the raw search for the same queries
  - /products/<token> and /m/<token> when those pages exist
Targets: search p95 ≤ 3× bare and ≤ 1.5× raw; product pages ≤ 2× bare.

    .venv/bin/python bench/search.py [--products 100000] [--patents 1000000] [--requests 100]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import logging
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import bare_client, scratch_app

from bench.review_queue import HEAVY, REGIONS, insert, timed
from workflows import PublicStatus

UNITS = 2000
QUERIES = ("电池", "锂离子电池", "机器人", "池", "光伏逆变器", "智能", "数控机床", "传感器", "bm", "BM-00012",
           "充电桩", "风力发电机叶片", "医用", "芯片封装", "水处理", "有限公司", "深圳", "轴承 齿轮", "不存在的东西",
           "制造")
FILTERS = ({"province": "44"}, {"status": PublicStatus.RECOGNISED}, {"industry": "C"}, {"industry": "38"},
           {"year": "2025"}, {"province": "32", "industry": "C"})
PREFIXES = ("智能", "高效", "新型", "便携式", "工业级", "高精度", "节能型", "一体化", "模块化", "")


def build(n_products, n_patents, rng):
    from flask_security import hash_password

    from domain.accounts import ensure_roles
    from models import (
        Industry,
        Patent,
        Product,
        ProductPatent,
        Recognition,
        RecognitionRound,
        Unit,
        User,
        new_token,
        utcnow,
    )
    from seed.demo_patents import SUBJECTS, companies, generate
    from seed.demo_products import credit_code
    from workflows import ProductStatus, RecognitionStatus, UnitStatus

    ensure_roles()
    now = utcnow()
    with timed(f"{UNITS:,} units"):
        password = hash_password("Bench@2026x")
        insert(User, [{"username": f"sb{i:05d}", "email": f"sb{i:05d}@example.cn", "password": password}
                      for i in range(UNITS)])
        users = [uid for (uid,) in User.select(User.id).where(User.username.startswith("sb")).order_by(User.id)
                 .tuples()]
        regions = rng.choices(REGIONS, weights=[HEAVY.get(r[:2], 1) for r in REGIONS], k=UNITS)
        names = companies(rng, UNITS)
        insert(Unit, [{"user": users[i], "status": UnitStatus.APPROVED, "credit_code": credit_code(regions[i], 100 + i),
                       "name": names[i], "region_code": regions[i], "industry": "3911"} for i in range(UNITS)])
        units = [uid for (uid,) in Unit.select(Unit.id).order_by(Unit.id).tuples()]
    with timed(f"{n_patents:,} registry patents"):
        rows = generate(n_patents, seed=7)  # one call: numbers are unique within it
        for start in range(0, n_patents, 100_000):
            insert(Patent, rows[start:start + 100_000])
        del rows
        patent_ids = [pid for (pid,) in Patent.select(Patent.id).limit(200_000).tuples()]
    classes = list(Industry.select(Industry.code, Industry.name).where(
        Industry.level == 4, Industry.code.between("1300", "4399")).tuples())
    with timed(f"{n_products:,} filed products (+ links, recognitions)"):
        rows = []
        for i in range(n_products):
            code, cname = rng.choice(classes)
            subject = rng.choice(SUBJECTS) if rng.random() < 0.6 else cname.removesuffix("制造")
            filed = now - timedelta(days=rng.randint(1, 1100))
            rows.append({"unit": units[i % UNITS], "token": new_token(), "status": ProductStatus.FILED,
                         "name": f"{rng.choice(PREFIXES)}{subject}"[:100], "model": f"BM-{i:06d}",
                         "category": "0101010101", "industry": code, "trademark": rng.choice(("华芯", "安捷", "")),
                         "intro": f"本产品属于{cname}，采用自主专利技术，用于{rng.choice(SUBJECTS)}等场景。",
                         "submitted_at": filed - timedelta(days=3), "filed_at": filed,
                         "filing_number": f"B{i:09d}"})
        insert(Product, rows)
        products = [pid for (pid,) in Product.select(Product.id).order_by(Product.id).tuples()]
        insert(ProductPatent, [{"product": pid, "patent": patent_ids[(2 * k + j) % len(patent_ids)],
                                "core": j == 0, "public": True} for k, pid in enumerate(products) for j in (0, 1)])
        rnd = RecognitionRound.create(year=now.year, name="基准认定", filing_from=now.date() - timedelta(days=900),
                                      filing_to=now.date())
        chosen = rng.sample(products, n_products // 10)
        insert(Recognition, [{"product": pid, "round": rnd, "token": new_token(),
                              "status": RecognitionStatus.NOTICE if k % 2 else RecognitionStatus.RECOGNISED}
                             for k, pid in enumerate(chosen)])


def measure(fn, items, n):
    times = []
    for k in range(n):
        start = time.perf_counter()
        fn(items[k % len(items)])
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--patents", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    parser.add_argument("--keep", action="store_true", help="keep the database (to look into a figure)")
    parser.add_argument("--reuse", default="", help="measure a database kept by --keep (its URL) instead")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from cli import migrate_to_head
    from domain import search
    from models import Patent, db
    from seed import load_reference

    rng = random.Random(2026)
    with scratch_app(args.database_url, "zlcp_bench_search", keep=args.keep, reuse=args.reuse, JOBS_MODE="sync",
                     RATELIMIT_ENABLED=False) as (app, kind):
        print(f"search benchmark ({kind})", flush=True)
        with app.app_context(), db.database.connection_context():
            if not args.reuse:
                print(f"  building {args.products:,} products, {args.patents:,} patents", flush=True)
                migrate_to_head()
                load_reference()
                build(args.products, args.patents, rng)
                with timed("search.reindex_all()"):
                    search.reindex_all()
                if kind == "PostgreSQL":
                    db.database.execute_sql("ANALYZE")
            else:
                migrate_to_head()  # a kept database from before a migration
            print(f"  indexed {search.SearchDoc.select().count():,} public products, "
                  f"{Patent.select().count():,} patents")
        run(app, args.requests)


def run(app, n):
    """Measure and print: each page rendered afresh, then kept (page_cache) for anonymous visitors."""
    from urllib.parse import urlencode

    from domain import search
    from models import Product, db

    bare, client = bare_client(), app.test_client()
    with app.app_context(), db.database.connection_context():
        tokens = [t for (t,) in Product.select(Product.token).order_by(Product.id).limit(500).tuples()]
    plain = [{"q": q} for q in QUERIES]
    faceted = [{"q": q, **FILTERS[k % len(FILTERS)]} for k, q in enumerate(QUERIES)]

    def page(args_):
        resp = client.get("/search?" + urlencode(args_))
        assert resp.status_code == 200, resp.status_code

    def raw(args_):
        with app.app_context(), db.database.connection_context():
            search.search(args_.get("q", ""), {k: v for k, v in args_.items() if k != "q"})

    def product(token):
        assert client.get(f"/products/{token}").status_code == 200

    def home(_):
        assert client.get("/").status_code == 200

    def api(args_):
        assert client.get("/api/v1/products?" + urlencode(args_)).status_code == 200

    def phone(token):
        assert client.get(f"/m/{token}").status_code == 200

    results = {"bare route": measure(lambda _: bare.get("/"), [0], n)}
    rows = (("/search (20 queries)", page, plain), ("raw search (same)", raw, plain),
            ("/search + filters", page, faceted), ("raw search + filters", raw, faceted),
            ("/products/<token>", product, tokens), ("/m/<token>", phone, tokens), ("/ (home)", home, [0]),
            ("/api/v1/products?q=…", api, plain), ("raw search 电池", raw, [{"q": "电池"}]),
            ("raw search 有限公司", raw, [{"q": "有限公司"}]))
    for kept in (False, True):
        app.config["PAGE_CACHE_SECONDS"] = 300 if kept else 0
        for name, fn_, items in rows:
            if kept and name.startswith("raw"):
                continue
            measure(fn_, items, min(n, len(items)))  # warm-up (and, when kept, fill the cache)
            results[name + (" (kept)" if kept else "")] = measure(fn_, items, n)
    # A visitor with a session cookie (e.g. after the sign-in page) is served by the view's
    # side of the cache, after Flask has opened the session and found no user.
    client.set_cookie("session", "")
    client.get("/login")  # a real anonymous session cookie
    for name, fn_, items in rows:
        if name in ("/search (20 queries)", "/products/<token>"):
            results[name + " (kept, cookie)"] = measure(fn_, items, n)
    base95 = results["bare route"][1]
    print(f"\n{'(test client, ' + str(n) + ' requests)':<36} {'p50 ms':>8} {'p95 ms':>8} {'p95 ×bare':>10} "
          f"{'p95 ×raw':>9}")
    for name, (p50, p95) in results.items():
        raw_name = {"/search (20 queries)": "raw search (same)",
                    "/search + filters": "raw search + filters"}.get(
            name.removesuffix(" (kept)").removesuffix(" (kept, cookie)"))
        ratio = f"{p95 / results[raw_name][1]:9.2f}" if raw_name else " " * 9
        print(f"{name:<36} {p50:8.2f} {p95:8.2f} {p95 / base95:10.1f} {ratio}")
    print("(kept): served from the page cache to an anonymous visitor without cookies (public_site/page_cache.py);\n"
          "(kept, cookie): the same for a visitor with a session cookie; otherwise rendered afresh\n"
          "(PAGE_CACHE_SECONDS=0).\n"
          "targets: /search p95 ≤ 3× bare and ≤ 1.5× raw; product pages p95 ≤ 2× bare")


if __name__ == "__main__":
    main()
