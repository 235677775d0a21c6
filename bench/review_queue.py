"""产品备案审核 at scale: the reviewer's queue and review page over 100,000 products, and
bulk approval of 1,000 clean filings.

Builds a fresh database (SQLite by default, a scratch PostgreSQL database when given a
server URL) with N products (default 100,000: ~5,000 待审核, the rest 已备案, over 2,000
units in every province and ~130 industry classes), each with two patents of its unit, a
picture and an economic-benefit PDF (file rows), its submit/approve audit rows, and a
snapshot for the pending ones. Rows go in with insert_many: this is a benchmark, not a
seed, so no statuses are moved here.

Then, with the Flask test client signed in as a reviewer, measures p50/p95 of
  - the filtered queue  /admin/review_products/?status=pending&region=44&industry=38
  - the pending queue   /admin/review_products/?status=pending
  - the filed queue     /admin/review_products/?status=filed
  - the review page     /admin/review_products/<id>  (a different pending product each time)
each beside a bare Flask route served by the test client in the same run (the ratio is
printed), target p95 ≤ 300 ms; and the time of product_review.bulk_approve() on 1,000
clean pending filings, target ≤ 5 s. Jobs are queued as in production (rq) into an
in-process fake Redis, so the notifications' delivery is timed on its own line.

    .venv/bin/python bench/review_queue.py [--products 100000] [--requests 60]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import logging
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import bare_client, scratch_app

PASSWORD = "Bench@2026x"
UNITS = 2000
PATENTS_PER_UNIT = 20
PENDING = 5000
BULK = 1000
BATCH = 400  # rows per insert_many (SQLite's limit on bound variables)
# One district per province: the unit's region code (the queue filters on its first two digits).
REGIONS = ("110108", "120116", "130102", "140105", "150102", "210112", "220104", "230103", "310115",
           "320505", "330106", "340104", "350206", "360111", "370212", "410105", "420111", "430104",
           "440305", "450103", "460106", "500112", "510107", "520115", "530111", "540102", "610113",
           "620102", "630104", "640106", "650106")
HEAVY = {"44": 6, "32": 5, "33": 5, "31": 3, "11": 3, "37": 3}  # provinces with more units


def timed(label):
    class Timer:
        def __enter__(self):
            self.start = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.seconds = time.perf_counter() - self.start
            print(f"  {label:<40} {self.seconds:8.1f} s", flush=True)

    return Timer()


def insert(model, rows):
    from models import db

    with db.database.atomic():
        for start in range(0, len(rows), BATCH):
            model.insert_many(rows[start:start + BATCH]).execute()


def build(n_products, rng):
    """Every row the review pages read, for n_products products. Returns the reviewer."""
    from flask_security import hash_password

    from domain.accounts import create_staff, ensure_roles
    from models import (
        AssetInfo,
        AuditLog,
        Industry,
        Patent,
        Product,
        ProductFile,
        ProductPatent,
        ProductVersion,
        Role,
        StoredFile,
        Unit,
        UnitPatent,
        User,
        UserRoles,
        last_fiscal_year,
        new_token,
        utcnow,
    )
    from seed.demo_patents import generate
    from seed.demo_products import credit_code
    from workflows import ProductStatus, UnitStatus

    ensure_roles()
    reviewer = create_staff(username="bench_reviewer", email="bench_reviewer@zlcp.example.cn",
                            password=PASSWORD, roles=["reviewer"], full_name="基准审核员")
    now = utcnow()
    with timed(f"{UNITS:,} units, users, asset info"):
        password = hash_password(PASSWORD)
        insert(User, [{"username": f"bench{i:05d}", "email": f"bench{i:05d}@example.cn",
                       "phone": f"137{i:08d}", "password": password} for i in range(UNITS)])
        users = dict(User.select(User.username, User.id).where(User.username.startswith("bench"),
                                                               User.username != "bench_reviewer").tuples())
        unit_role = Role.get(Role.name == "unit")
        insert(UserRoles, [{"user": uid, "role": unit_role} for uid in users.values()])
        weights = [HEAVY.get(r[:2], 1) for r in REGIONS]
        regions = rng.choices(REGIONS, weights=weights, k=UNITS)
        insert(Unit, [{
            "user": users[f"bench{i:05d}"], "status": UnitStatus.APPROVED, "unit_type": "enterprise",
            "credit_code": credit_code(regions[i], 100 + i), "name": f"基准测试第{i:05d}号科技有限公司",
            "registered_address": "某省某市某区某路1号", "office_address": "某省某市某区某路1号",
            "registered_capital": Decimal(5000), "industry": "3911", "legal_rep": "张三",
            "legal_rep_phone": "010-80000000", "contact": "李四", "contact_phone": f"137{i:08d}",
            "enterprise_type": "limited", "enterprise_size": "medium", "region_code": regions[i],
            "submitted_at": now - timedelta(days=400), "approved_at": now - timedelta(days=399),
        } for i in range(UNITS)])
        units = [uid for (uid,) in Unit.select(Unit.id).order_by(Unit.id).tuples()]
        province = {u: regions[k][:2] for k, u in enumerate(units)}
        asset = {"total_cost": 800000, "ip_investment": 60000, "net_profit": 90000, "total_sales": 1000000,
                 "fixed_assets": 500000, "total_output": 1060000, "sales_expense": 50000,
                 "admin_expense": 60000, "finance_expense": 12000, "patent_assets": 30000,
                 "total_assets": 1700000, "employees": 3000}
        insert(AssetInfo, [{"unit": u, "fiscal_year": fy, **asset}
                           for u in units for fy in (last_fiscal_year(), last_fiscal_year() - 1)])

    with timed(f"{UNITS * PATENTS_PER_UNIT:,} patents held by the units"):
        rows = generate(UNITS * PATENTS_PER_UNIT, seed=11)
        # Patent j is unit j // PATENTS_PER_UNIT's (below): the registry names it, as the rule
        # of 持有或被许可 (domain.patents.claim_basis) wants for a clean filing.
        insert(Patent, [{"number": r["number"], "display_number": r["display_number"], "name": r["name"],
                         "kind": "invention" if r["kind"] == "design" else r["kind"],
                         "patentees": [f"基准测试第{j // PATENTS_PER_UNIT:05d}号科技有限公司"],
                         "application_date": r["application_date"], "grant_date": r["grant_date"],
                         "legal_status": "valid", "expiry_date": r["expiry_date"]} for j, r in enumerate(rows)])
        patents = [pid for (pid,) in Patent.select(Patent.id).order_by(Patent.id).tuples()]
        held = {u: patents[k * PATENTS_PER_UNIT:(k + 1) * PATENTS_PER_UNIT] for k, u in enumerate(units)}
        insert(UnitPatent, [{"unit": u, "patent": p, "source": "auto", "acquisition": "original"}
                            for u in units for p in held[u]])

    # Industry classes: a third of products in 电气机械和器材制造业 (38), the rest anywhere in C.
    classes = [c for (c,) in Industry.select(Industry.code).where(
        Industry.level == 4, Industry.code.between("3000", "4399")).order_by(Industry.code).tuples()]
    electrical = [c for c in classes if c.startswith("38")]
    with timed(f"{n_products:,} products"):
        pending = set(rng.sample(range(n_products), min(PENDING, n_products)))
        seq = {}
        rows = []
        for i in range(n_products):
            unit = units[i % UNITS]
            industry = rng.choice(electrical if rng.random() < 0.3 else classes)
            sales = Decimal(rng.randint(1000, 80000))
            cost = (sales * Decimal("0.7")).quantize(Decimal("0.01"))
            row = {"unit": unit, "token": new_token(), "name": f"基准产品{i:06d}", "model": f"BM-{i:06d}",
                   "category": "0101010101", "industry": industry, "intro": "用于基准测试的产品简介。" * 8,
                   "purpose": "recognition", "first_year": 2018, "last_year_cost": cost,
                   "ip_investment": (cost * Decimal("0.03")).quantize(Decimal("0.01")),
                   "last_year_sales": sales, "last_year_export": Decimal(0),
                   "last_year_net_profit": (sales * Decimal("0.1")).quantize(Decimal("0.01")),
                   "last_year_output": sales, "market_share": Decimal(5), "gross_margin": Decimal(30),
                   "contribution_method": "method2", "contribution_index": Decimal(35)}
            if i in pending:  # every row names every column: insert_many takes the first row's
                row.update(status=ProductStatus.PENDING, submitted_at=now - timedelta(minutes=rng.randint(10, 43200)),
                           filed_at=None, filing_number=None)
            else:
                filed = now - timedelta(days=rng.randint(1, 900))
                seq[filed.year] = seq.get(filed.year, 0) + 1
                row.update(status=ProductStatus.FILED, submitted_at=filed - timedelta(days=3), filed_at=filed,
                           filing_number=f"{filed.year}{province[unit]}{seq[filed.year]:05d}")
            rows.append(row)
        insert(Product, rows)
        products = list(Product.select(Product.id, Product.unit, Product.status, Product.submitted_at,
                                       Product.filed_at).order_by(Product.id).tuples())

    with timed("patent links, files, audit rows, snapshots"):
        links, files, audit, versions = [], [], [], []
        reviewer_id = reviewer.id
        for pid, unit, status, submitted, filed in products:
            core, other = rng.sample(held[unit], 2)
            links += [{"product": pid, "patent": core, "core": True, "public": True},
                      {"product": pid, "patent": other, "core": False, "public": False}]
            audit.append({"actor": None, "actor_name": "单位", "object_type": "product", "object_id": pid,
                          "event": "submit", "from_status": ProductStatus.DRAFT, "to_status": ProductStatus.PENDING,
                          "created_at": submitted})
            if status == ProductStatus.FILED:
                audit.append({"actor": reviewer_id, "actor_name": "基准审核员", "object_type": "product",
                              "object_id": pid, "event": "approve", "from_status": ProductStatus.PENDING,
                              "to_status": ProductStatus.FILED, "created_at": filed})
            else:
                versions.append({"product": pid, "number": 1, "kind": "filing", "data": {
                    "fields": {"name": f"基准产品{pid}", "contribution_index": "35"},
                    "patents": [{"patent_id": core, "number": "", "public": True, "core": True,
                                 "litigated": False, "case_number": ""}], "files": []}})
        insert(ProductPatent, links)
        insert(AuditLog, audit)
        insert(ProductVersion, versions)
        for pid, *_rest in products:
            for kind, ext, ctype in (("main_image", "png", "image/png"), ("economic_proof", "pdf", "application/pdf")):
                files.append({"key": new_token(16), "original_name": f"{kind}.{ext}", "size": 2048,
                              "content_type": ctype, "kind": ext, "sha256": "0" * 64})
        insert(StoredFile, files)
        stored = [fid for (fid,) in StoredFile.select(StoredFile.id).order_by(StoredFile.id).tuples()]
        insert(ProductFile, [{"product": pid, "file": stored[2 * k + j], "kind": kind}
                             for k, (pid, *_rest) in enumerate(products)
                             for j, kind in enumerate(("main_image", "economic_proof"))])
    return reviewer


def measure(client, paths, n):
    """p50, p95 in ms of n GETs cycling through paths (each must answer 200)."""
    times = []
    for k in range(n):
        path = paths[k % len(paths)]
        start = time.perf_counter()
        resp = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:500])
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


class QueryCount(logging.Handler):
    """Counts the SQL statements peewee logs (enabled only around one request)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.n = 0

    def emit(self, record):
        self.n += 1


def queries_of(client, path):
    logger = logging.getLogger("peewee")
    counter = QueryCount()
    logger.addHandler(counter)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        client.get(path)
    finally:
        logger.setLevel(old)
        logger.removeHandler(counter)
    return counter.n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    parser.add_argument("--keep", action="store_true", help="keep the database (to look into a figure)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from cli import migrate_to_head
    from models import OutboxStatus, Product, db
    from seed import load_reference
    from workflows import ProductStatus

    rng = random.Random(2026)
    with scratch_app(args.database_url, "zlcp_bench_review", keep=args.keep, JOBS_MODE="rq", REDIS_URL="",
                     RATELIMIT_ENABLED=False, CAPTCHA_ENABLED=False, WTF_CSRF_ENABLED=False) as (app, kind):
        print(f"review queue benchmark ({kind}, {args.products:,} products)")
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            load_reference()
            reviewer = build(args.products, rng)
            if kind == "PostgreSQL":
                db.database.execute_sql("ANALYZE")
            pending = [pid for (pid,) in Product.select(Product.id).where(Product.status == ProductStatus.PENDING)
                       .order_by(Product.id).tuples()]

        bare = bare_client()
        client = app.test_client()
        resp = client.post("/admin/login", data={"identity": "bench_reviewer", "password": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]

        n = args.requests
        detail_paths = [f"/admin/review_products/{pid}" for pid in rng.sample(pending, min(n, len(pending)))]
        queue = "/admin/review_products/?status="
        pages = {
            "queue 广东 + 38 (pending)": [f"{queue}{ProductStatus.PENDING}&region=44&industry=38"],
            "queue pending": [f"{queue}{ProductStatus.PENDING}"],
            "queue filed": [f"{queue}{ProductStatus.FILED}"],
            "review page": detail_paths,
        }
        for paths in pages.values():  # warm-up
            measure(client, paths[:5], 5)
        measure(bare, ["/"], 50)
        results = {"bare route": measure(bare, ["/"], n)}
        counts = {}
        for name, paths in pages.items():
            results[name] = measure(client, paths, n)
            counts[name] = queries_of(client, paths[0])
        _base50, base95 = results["bare route"]
        print(f"\n{'page (test client, ' + str(n) + ' requests)':<32} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p95 ×bare':>10} {'queries':>8}   target p95 ≤ 300 ms")
        for name, (p50, p95) in results.items():
            flag = "" if name == "bare route" else ("ok" if p95 <= 300 else "MISSED")
            print(f"{name:<32} {p50:8.2f} {p95:8.2f} {p95 / base95:10.1f} {counts.get(name, ''):>8}   {flag}")

        from domain.filing import review as product_review
        from infra import notifications

        with app.app_context(), db.database.connection_context():
            from models import Outbox, User

            actor = User.get_by_id(reviewer.id)
            ids = pending[:BULK]
            start = time.perf_counter()
            approved, skipped = product_review.bulk_approve(ids, actor)
            bulk = time.perf_counter() - start
            assert approved == len(ids) and not skipped, (approved, skipped[:3])
            queued = [oid for (oid,) in Outbox.select(Outbox.id).where(Outbox.status == OutboxStatus.PENDING).tuples()]
            start = time.perf_counter()
            notifications.deliver(queued)
            deliver = time.perf_counter() - start
        print(f"\nbulk_approve of {len(ids):,} clean pending filings   {bulk:8.2f} s   "
              f"({bulk / len(ids) * 1000:.1f} ms each)   target ≤ 5 s   {'ok' if bulk <= 5 else 'MISSED'}")
        print(f"  then delivering their {len(queued):,} notifications (the mail queue's job)   {deliver:8.2f} s")


if __name__ == "__main__":
    main()
