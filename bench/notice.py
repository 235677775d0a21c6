"""开始公示 in bulk: domain.recognition.candidates.start_notice_for() on 1,000 products of a round,
target ≤ 5 s, beside a bare UPDATE of 1,000 rows measured in the same run.

Builds a fresh database (SQLite by default, a scratch PostgreSQL database when given a server
URL) with N filed products (default 1,000) of 200 verified units, each with one core invention
patent, and a round whose filing period covers them. Rows go in with insert_many: this is a
benchmark, not a seed. Then it times:
  - the baseline: UPDATE product SET updated_at = … WHERE id IN (1,000 ids), one statement;
  - start_notice_for(round, ids, officer): eligibility recomputed, a recognition made per
    product and workflows.apply(…, "start_notice") on each — audit row, SMS and 站内消息 per
    product, the search index brought up to date — in one transaction.
Jobs are queued as in production (rq) into an in-process fake Redis, so the delivery of the
notifications is not part of the time (it is the SMS and mail workers' work).

    .venv/bin/python bench/notice.py [--products 1000]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import logging
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app

UNITS = 200
BATCH = 400
# A Wednesday whose 10 working days chinesecalendar knows (the reference data seeds them).
START = date(2026, 6, 17)


def insert(model, rows):
    from models import db

    with db.database.atomic():
        for start in range(0, len(rows), BATCH):
            model.insert_many(rows[start:start + BATCH]).execute()


def build(n_products):
    """Units, their filed products (one core patent each) and an open round; returns (round, officer)."""
    from domain.accounts import create_staff, ensure_roles
    from models import Patent, Product, ProductPatent, RecognitionRound, Role, Unit, User, UserRoles, new_token, utcnow
    from seed.demo_products import credit_code
    from workflows import ProductStatus, UnitStatus

    ensure_roles()
    officer = create_staff(username="bench_officer", email="bench_officer@zlcp.example.cn", password="Bench@2026x",
                           roles=["officer"], full_name="基准认定管理")
    insert(User, [{"username": f"bench{i:05d}", "email": f"bench{i:05d}@example.cn", "phone": f"137{i:08d}",
                   "password": "x"} for i in range(UNITS)])
    users = [uid for (uid,) in User.select(User.id).where(User.username.startswith("bench0")).order_by(User.id)
             .tuples()]
    unit_role = Role.get(Role.name == "unit")
    insert(UserRoles, [{"user": uid, "role": unit_role} for uid in users])
    insert(Unit, [{"user": uid, "status": UnitStatus.APPROVED, "unit_type": "enterprise",
                   "credit_code": credit_code("440305", 100 + i), "name": f"基准测试第{i:05d}号科技有限公司",
                   "region_code": "440305"} for i, uid in enumerate(users)])
    units = [uid for (uid,) in Unit.select(Unit.id).order_by(Unit.id).tuples()]
    now = utcnow()
    insert(Product, [{"unit": units[i % UNITS], "token": new_token(), "status": ProductStatus.FILED,
                      "filing_number": f"2026440{i:06d}", "name": f"基准产品{i:06d}", "model": f"BM-{i:06d}",
                      "category": "0101010101", "industry": "3841", "last_year_sales": Decimal(5000),
                      "gross_margin": Decimal(30), "contribution_index": Decimal(35), "filed_at": now}
                     for i in range(n_products)])
    products = [pid for (pid,) in Product.select(Product.id).order_by(Product.id).tuples()]
    insert(Patent, [{"number": f"2020100{i:06d}", "display_number": f"ZL2020100{i:06d}", "name": f"基准专利{i}",
                     "kind": "invention", "patentees": ["x"], "legal_status": "valid"} for i in range(n_products)])
    patents = [pid for (pid,) in Patent.select(Patent.id).order_by(Patent.id).tuples()]
    insert(ProductPatent, [{"product": p, "patent": q, "core": True, "public": True}
                           for p, q in zip(products, patents, strict=True)])
    rnd = RecognitionRound.create(year=START.year, name="基准认定批次", filing_from=date(START.year, 1, 1),
                                  filing_to=date(START.year, 12, 31), notice_start=START,
                                  criteria={"base": {"min_contribution_index": "30.00", "core_patent": True}})
    return rnd, officer, products


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    import time_machine

    from cli import migrate_to_head
    from domain.recognition.candidates import start_notice_for
    from models import Outbox, Product, Recognition, User, db, utcnow
    from seed import load_reference
    from workflows import RecognitionStatus

    with scratch_app(args.database_url, "zlcp_bench_notice", JOBS_MODE="rq", REDIS_URL="") as (app, kind), \
            time_machine.travel(date(2026, 6, 17), tick=True):
        print(f"开始公示 benchmark ({kind}, {args.products:,} products)")
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            load_reference()
            rnd, officer, products = build(args.products)

            start = time.perf_counter()
            with db.database.atomic():
                Product.update(updated_at=utcnow()).where(Product.id.in_(products)).execute()
            bare = time.perf_counter() - start

            actor = User.get_by_id(officer.id)
            start = time.perf_counter()
            started = start_notice_for(rnd, products, actor)
            bulk = time.perf_counter() - start
            assert started == len(products), started
            assert Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE).count() == len(products)
            outbox = Outbox.select().where(Outbox.template == "notice_started").count()

        print(f"  baseline: bare UPDATE of {len(products):,} rows         {bare * 1000:8.1f} ms")
        print(f"  start_notice_for on {len(products):,} products       {bulk * 1000:8.1f} ms   "
              f"(×{bulk / bare:.0f} the baseline; {bulk / len(products) * 1000:.2f} ms each; "
              f"{outbox:,} SMS/站内消息 queued)   target ≤ 5 s   {'ok' if bulk <= 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
