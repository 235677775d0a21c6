"""工作台 of each role and 统计分析 at scale: 100,000 products of 20,000 units.

Builds a fresh database (SQLite by default, a scratch PostgreSQL database when given a server
URL) with bench/review_queue.py's rows (units in every province, ~5,000 待审核 and the rest 已备案
over the last 900 days, their audit rows and files) for 20,000 units, then an open round with
2,000 recognitions (公示中 and 已认定) and 30 open objections, and one account per role.

Then, with a Flask test client signed in as each role, measures p50/p95 of
  - /admin/ as 审核员, 认定管理, 异议处理 and 系统管理员 (each with the five charts)
  - /admin/statistics/ without filters and with year + province
beside a bare Flask route in the same run (ratio printed), target p95 ≤ 300 ms. No figure is
cached by the application: each request computes every count and chart again ("cold" for the
application; the database's own page cache is warm after the warm-up requests).

    .venv/bin/python bench/dashboard.py [--products 100000] [--units 20000] [--requests 40]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import logging
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import review_queue
from _scratch import bare_client, scratch_app
from review_queue import PASSWORD, insert, measure, queries_of, timed

ROLES = ("reviewer", "officer", "handler", "admin")


def build_recognition(rng):
    """An open round of this year, 2,000 recognitions of filed products, 30 open objections."""
    from models import Objection, Product, Recognition, RecognitionRound, new_token, today_shanghai, utcnow
    from workflows import ObjectionStatus, ProductStatus, RecognitionStatus

    today = today_shanghai()
    rnd = RecognitionRound.create(year=today.year, name=f"{today.year}年度专利密集型产品认定",
                                  filing_from=today.replace(month=1, day=1) - timedelta(days=365),
                                  filing_to=today.replace(month=12, day=31))
    filed = [pid for (pid,) in Product.select(Product.id).where(Product.status == ProductStatus.FILED)
             .order_by(Product.id).limit(2000).tuples()]
    now = utcnow()
    with timed("2,000 recognitions, 30 objections"):
        rows = []
        for k, pid in enumerate(filed):
            notice = k % 4 == 0
            rows.append({"product": pid, "round": rnd.id, "token": new_token(),
                         "status": RecognitionStatus.NOTICE if notice else RecognitionStatus.RECOGNISED,
                         "notice_start": today - timedelta(days=5 if notice else 60),
                         "notice_end": today + timedelta(days=9) if notice else today - timedelta(days=45),
                         "recognised_at": None if notice else now - timedelta(days=rng.randint(30, 44)),
                         "valid_until": None if notice else today + timedelta(days=rng.randint(1, 330)),
                         "certificate_number": None if notice else f"RD{today.year}{k:06d}"})
        insert(Recognition, rows)
        in_notice = [rid for (rid,) in Recognition.select(Recognition.id)
                     .where(Recognition.status == RecognitionStatus.NOTICE).limit(30).tuples()]
        insert(Objection, [{"tracking_number": f"YY{today.year}{k:06d}", "recognition": rid,
                            "status": ObjectionStatus.ACCEPTED, "name": "王先生", "phone": "13900139000",
                            "email": "objector@example.cn", "content": "请核查。",
                            "created_at": now - timedelta(days=rng.randint(0, 30))}
                           for k, rid in enumerate(in_notice)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    parser.add_argument("--keep", action="store_true", help="keep the database (to look into a figure)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from cli import migrate_to_head
    from domain.accounts import create_staff
    from models import db, today_shanghai
    from seed import load_reference

    review_queue.UNITS = args.units
    review_queue.PATENTS_PER_UNIT = 3  # each product links two of its unit's patents
    rng = random.Random(2026)
    with scratch_app(args.database_url, "zlcp_bench_dashboard", keep=args.keep, REDIS_URL="",
                     RATELIMIT_ENABLED=False, CAPTCHA_ENABLED=False, WTF_CSRF_ENABLED=False) as (app, kind):
        print(f"dashboard benchmark ({kind}, {args.products:,} products, {args.units:,} units)")
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            load_reference()
            review_queue.build(args.products, rng)
            build_recognition(rng)
            for role in ROLES[1:]:
                create_staff(username=f"bench_{role}", email=f"bench_{role}@zlcp.example.cn", password=PASSWORD,
                             roles=[role], full_name=role)
            if kind == "PostgreSQL":
                db.database.execute_sql("ANALYZE")
            year = today_shanghai().year

        bare = bare_client()
        n = args.requests
        pages = {f"工作台 {role}": (role, "/admin/") for role in ROLES}
        pages["统计分析"] = ("officer", "/admin/statistics/")
        pages["统计分析 year+province"] = ("officer", f"/admin/statistics/?year={year}&province=44")
        clients = {}
        for role in ROLES:
            client = app.test_client()
            resp = client.post("/admin/login", data={"identity": f"bench_{role}", "password": PASSWORD})
            assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
            clients[role] = client
        first = {}
        for name, (role, path) in pages.items():
            first[name] = measure(clients[role], [path], 1)[0]  # the first request after start
            measure(clients[role], [path], 3)  # warm-up
        measure(bare, ["/"], 50)
        results = {"bare route": measure(bare, ["/"], n)}
        counts = {}
        for name, (role, path) in pages.items():
            results[name] = measure(clients[role], [path], n)
            counts[name] = queries_of(clients[role], path)
        _base50, base95 = results["bare route"]
        print(f"\n{'page (test client, ' + str(n) + ' requests)':<34} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p95 ×bare':>10} {'queries':>8}   target p95 ≤ 300 ms")
        for name, (p50, p95) in results.items():
            flag = "" if name == "bare route" else ("ok" if p95 <= 300 else "MISSED")
            start = f"{first[name]:9.1f}" if name in first else " " * 9
            print(f"{name:<34} {start} {p50:8.2f} {p95:8.2f} {p95 / base95:10.1f} {counts.get(name, ''):>8}   {flag}")


if __name__ == "__main__":
    main()
