"""信息更新审核 at scale: the update review page (the difference against the filed version
first) for a product with 50 linked patents, and bulk 通过 of 1,000 clean no-change updates.

Builds a fresh database (SQLite by default, a scratch PostgreSQL database when given a
server URL): 50 units with their asset info and 70 registry patents each, one product with 50
linked patents whose update changes figures, drops 5 patents, links 5 others and replaces a
file, and 1,000 filed products (two patents, two files) whose updates change nothing — each
filed product with its snapshot (ProductVersion), each update 待审核. Rows go in with
insert_many (a benchmark, not a seed).

Then, with the Flask test client signed in as a reviewer, measures p50/p95 of the update
review page beside a bare Flask route and the app's /healthz in the same run (target: p95 ≤ 3×
the bare route, printed as a ratio); and the
time of update_review.bulk_approve() on the 1,000 no-change updates (target ≤ 5 s) beside a
baseline of the same number of bare status UPDATEs in one transaction.

    .venv/bin/python bench/updates.py [--requests 60] [--database-url postgresql://…]
"""

import argparse
import logging
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import bare_client, scratch_app

PASSWORD = "Bench@2026x"
UNITS = 50
PATENTS_PER_UNIT = 70
BULK = 1000
BIG_LINKS = 50
BATCH = 400


def insert(model, rows):
    from models import db

    with db.database.atomic():
        for start in range(0, len(rows), BATCH):
            model.insert_many(rows[start:start + BATCH]).execute()


def build():
    """Returns (reviewer, the big update's id, the no-change update ids)."""
    from flask_security import hash_password

    from domain.accounts import create_staff, ensure_roles
    from domain.filing.snapshots import product_snapshot
    from models import (
        AssetInfo,
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
        YearlyUpdate,
        last_fiscal_year,
        new_token,
        today_shanghai,
        utcnow,
    )
    from seed.demo_patents import generate
    from workflows import ProductStatus, UnitStatus, UpdateStatus

    ensure_roles()
    reviewer = create_staff(username="bench_reviewer", email="bench_reviewer@zlcp.example.cn",
                            password=PASSWORD, roles=["reviewer"], full_name="基准审核员")
    now = utcnow()
    year = today_shanghai().year
    password = hash_password(PASSWORD)
    insert(User, [{"username": f"ubench{i:03d}", "email": f"ubench{i:03d}@example.cn", "phone": f"136{i:08d}",
                   "password": password} for i in range(UNITS)])
    users = [uid for (uid,) in User.select(User.id).where(User.username.startswith("ubench"))
             .order_by(User.id).tuples()]
    role = Role.get(Role.name == "unit")
    insert(UserRoles, [{"user": u, "role": role} for u in users])
    insert(Unit, [{"user": u, "status": UnitStatus.APPROVED, "unit_type": "enterprise",
                   "name": f"基准更新第{i:03d}号有限公司", "region_code": "440305", "credit_code": f"BENCH{i:013d}"}
                  for i, u in enumerate(users)])
    units = [uid for (uid,) in Unit.select(Unit.id).order_by(Unit.id).tuples()]
    asset = {"total_sales": 10_000_000, "ip_investment": 600_000}
    insert(AssetInfo, [{"unit": u, "fiscal_year": fy, **asset} for u in units
                       for fy in (last_fiscal_year(), last_fiscal_year() - 1)])
    rows = generate(UNITS * PATENTS_PER_UNIT, seed=17)
    insert(Patent, [{"number": r["number"], "display_number": r["display_number"], "name": r["name"],
                     "kind": "invention" if r["kind"] == "design" else r["kind"],
                     "patentees": [f"基准更新第{j // PATENTS_PER_UNIT:03d}号有限公司"], "legal_status": "valid",
                     "application_date": r["application_date"], "grant_date": r["grant_date"],
                     "expiry_date": r["expiry_date"]} for j, r in enumerate(rows)])
    patents = [pid for (pid,) in Patent.select(Patent.id).order_by(Patent.id).tuples()]
    held = {u: patents[k * PATENTS_PER_UNIT:(k + 1) * PATENTS_PER_UNIT] for k, u in enumerate(units)}
    insert(UnitPatent, [{"unit": u, "patent": p, "source": "auto", "acquisition": "original"}
                        for u in units for p in held[u]])

    filed = now - timedelta(days=400)

    def product_row(i, unit):
        return {"unit": unit, "token": new_token(), "status": ProductStatus.FILED, "name": f"基准更新产品{i:05d}",
                "model": f"UP-{i:05d}", "category": "0101010101", "industry": "3841", "intro": "基准测试产品简介。",
                "purpose": "recognition", "first_year": 2018, "last_year_cost": Decimal(800),
                "ip_investment": Decimal(40), "last_year_sales": Decimal(1200), "last_year_export": Decimal(0),
                "last_year_net_profit": Decimal(100), "last_year_output": Decimal(1200),
                "contribution_method": "method2", "contribution_index": Decimal(35), "submitted_at": filed,
                "filed_at": filed, "filing_number": f"BENCH{i:07d}"}

    insert(Product, [product_row(i, units[i % UNITS]) for i in range(BULK + 1)])
    products = list(Product.select(Product.id, Product.unit).order_by(Product.id).tuples())
    big, big_unit = products[0]
    links = [{"product": big, "patent": p, "core": k == 0, "public": True}
             for k, p in enumerate(held[big_unit][:BIG_LINKS])]
    offsets = {}
    for pid, unit in products[1:]:
        k = offsets[unit] = offsets.get(unit, -2) + 2
        first, second = held[unit][k % PATENTS_PER_UNIT], held[unit][(k + 1) % PATENTS_PER_UNIT]
        links += [{"product": pid, "patent": first, "core": True, "public": True},
                  {"product": pid, "patent": second, "core": False, "public": False}]
    insert(ProductPatent, links)
    insert(StoredFile, [{"key": new_token(16), "original_name": f"{kind}.{ext}", "size": 2048, "content_type": ctype,
                         "kind": ext, "sha256": "0" * 64}
                        for _pid in range(len(products) + 1)
                        for kind, ext, ctype in (("main_image", "png", "image/png"),
                                                 ("economic_proof", "pdf", "application/pdf"))])
    stored = [fid for (fid,) in StoredFile.select(StoredFile.id).order_by(StoredFile.id).tuples()]
    insert(ProductFile, [{"product": pid, "file": stored[2 * k + j], "kind": kind}
                         for k, (pid, _unit) in enumerate(products)
                         for j, kind in enumerate(("main_image", "economic_proof"))])
    snapshots = {p.id: product_snapshot(p) for p in Product.select()}
    insert(ProductVersion, [{"product": pid, "number": 1, "kind": "filing", "data": data}
                            for pid, data in snapshots.items()])
    versions = dict(ProductVersion.select(ProductVersion.product, ProductVersion.id).tuples())
    changed = {**snapshots[big], "fields": {**snapshots[big]["fields"], "last_year_sales": "1500.00"}}
    extra = [{"patent_id": p, "number": "", "public": True, "core": False, "litigated": False, "case_number": ""}
             for p in held[big_unit][BIG_LINKS:BIG_LINKS + 5]]
    changed["patents"] = changed["patents"][5:] + extra
    changed["files"] = [*changed["files"][:-1], {"file_id": stored[-1], "kind": "economic_proof", "name": "新证明.pdf"}]
    insert(YearlyUpdate, [{"product": pid, "year": year, "status": UpdateStatus.PENDING,
                           "data": changed if pid == big else snapshots[pid], "base_version": versions[pid],
                           "submitted_at": now - timedelta(minutes=k)} for k, (pid, _unit) in enumerate(products)])
    ids = dict(YearlyUpdate.select(YearlyUpdate.product, YearlyUpdate.id).tuples())
    return reviewer, ids[big], [ids[pid] for pid, _unit in products[1:]]


def measure(client, path, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        resp = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from cli import migrate_to_head
    from models import YearlyUpdate, db
    from seed import load_reference

    with scratch_app(args.database_url, "zlcp_bench_updates", JOBS_MODE="rq", REDIS_URL="", RATELIMIT_ENABLED=False,
                     CAPTCHA_ENABLED=False, WTF_CSRF_ENABLED=False) as (app, kind):
        print(f"yearly update benchmark ({kind})")
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            load_reference()
            start = time.perf_counter()
            reviewer, big_update, clean = build()
            print(f"  built in {time.perf_counter() - start:.1f} s")
        bare = bare_client()
        client = app.test_client()
        resp = client.post("/admin/login", data={"identity": "bench_reviewer", "password": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        page = client.get(f"/admin/review_updates/{big_update}").get_data(as_text=True)
        assert page.count("data-patent-change=") == 10 and "1,500.00" in page, "the diff is not on the page"
        n = args.requests
        pages = {"bare route": (bare, "/"), "app /healthz": (client, "/healthz"),
                 "信息更新审核 page + diff (50 patents)": (client, f"/admin/review_updates/{big_update}")}
        for c, path in pages.values():
            measure(c, path, 5)
        results = {name: measure(c, path, n) for name, (c, path) in pages.items()}
        base95 = results["bare route"][1]
        print(f"\n{'page (test client, ' + str(n) + ' requests)':<40} {'p50 ms':>8} {'p95 ms':>8} {'p95 ×bare':>10}")
        for name, (p50, p95) in results.items():
            print(f"{name:<40} {p50:8.2f} {p95:8.2f} {p95 / base95:10.1f}")
        update95 = results["信息更新审核 page + diff (50 patents)"][1]
        print(f"  target p95 ≤ 3× bare route: {'ok' if update95 <= 3 * base95 else 'MISSED'} "
              f"({update95 / base95:.0f}×; {update95 / results['app /healthz'][1]:.1f}× the app's /healthz)")

        from domain.updates import review as update_review
        from models import User
        from workflows import UpdateStatus

        with app.app_context(), db.database.connection_context():
            start = time.perf_counter()
            with db.database.atomic():
                for uid in clean:  # the baseline: the bare status writes, one per update
                    YearlyUpdate.update(status=UpdateStatus.PENDING).where(
                        YearlyUpdate.id == uid, YearlyUpdate.status == UpdateStatus.PENDING).execute()
            baseline = time.perf_counter() - start
            actor = User.get_by_id(reviewer.id)
            start = time.perf_counter()
            approved, skipped = update_review.bulk_approve(clean, actor)
            bulk = time.perf_counter() - start
            assert approved == len(clean) and not skipped, (approved, skipped[:3])
        print(f"\nbulk 通过 of {len(clean):,} clean no-change updates   {bulk:8.2f} s   "
              f"({bulk / len(clean) * 1000:.1f} ms each)   target ≤ 5 s   {'ok' if bulk <= 5 else 'MISSED'}")
        print(f"  baseline: {len(clean):,} bare status UPDATEs in one transaction   {baseline:8.2f} s "
              f"(bulk = {bulk / baseline:.0f}× the bare writes)")


if __name__ == "__main__":
    main()
