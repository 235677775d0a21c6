"""认定证书 and its documents: one certificate PDF (median of 50, target ≤ 150 ms) and the
documents job on 1,000 recognitions in a background batch (target ≤ 3 min), each beside a
baseline measured in the same run: an empty xhtml2pdf document (the same count).

The batch is what a docs worker does after a day's recognitions: domain.recognition.documents.
generate() per recognition, one after the other — the certificate PDF, the QR code (PNG, SVG)
and the 认定标识 (PNG, SVG), each stored, the recognition updated. Builds a fresh database
(SQLite by default, a scratch PostgreSQL database when given a server URL) with N recognised
products (rows put in with insert_many: a benchmark, not a seed).

    .venv/bin/python bench/certificates.py [--batch 1000] [--single 50]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import io
import logging
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app

UNITS = 100
BATCH = 400
DAY = date(2026, 7, 2)


def insert(model, rows):
    from models import db

    with db.database.atomic():
        for start in range(0, len(rows), BATCH):
            model.insert_many(rows[start:start + BATCH]).execute()


def build(n):
    """n recognised products of UNITS units; returns the recognitions' ids."""
    from models import Product, Recognition, RecognitionRound, Unit, User, new_token
    from seed.demo_products import credit_code
    from workflows import ProductStatus, RecognitionStatus, UnitStatus

    insert(User, [{"username": f"bench{i:05d}", "email": f"bench{i:05d}@example.cn", "phone": f"137{i:08d}",
                   "password": "x"} for i in range(UNITS)])
    users = [uid for (uid,) in User.select(User.id).order_by(User.id).tuples()]
    insert(Unit, [{"user": uid, "status": UnitStatus.APPROVED, "unit_type": "enterprise",
                   "credit_code": credit_code("440305", 100 + i), "name": f"基准测试第{i:05d}号科技有限公司",
                   "region_code": "440305"} for i, uid in enumerate(users)])
    units = [uid for (uid,) in Unit.select(Unit.id).order_by(Unit.id).tuples()]
    insert(Product, [{"unit": units[i % UNITS], "token": new_token(), "status": ProductStatus.FILED,
                      "filing_number": f"2026440{i:06d}", "name": f"基准产品{i:06d}智能控制器", "model": f"BM-{i:06d}",
                      "category": "0101010101", "industry": "3841"} for i in range(n)])
    products = [pid for (pid,) in Product.select(Product.id).order_by(Product.id).tuples()]
    rnd = RecognitionRound.create(year=DAY.year, name="基准认定批次", filing_from=date(DAY.year, 1, 1),
                                  filing_to=date(DAY.year, 12, 31))
    recognised_at = datetime(DAY.year, DAY.month, DAY.day, 1)
    insert(Recognition, [{"product": pid, "round": rnd.id, "token": new_token(), "status": RecognitionStatus.RECOGNISED,
                          "notice_start": DAY - timedelta(days=16), "notice_end": DAY - timedelta(days=1),
                          "recognised_at": recognised_at, "valid_until": date(DAY.year + 1, DAY.month, DAY.day - 1),
                          "certificate_number": f"ZLCP{DAY.year}{i + 1:06d}"} for i, pid in enumerate(products)])
    return [rid for (rid,) in Recognition.select(Recognition.id).order_by(Recognition.id).tuples()]


def empty_pdf():
    """The baseline: an empty xhtml2pdf document."""
    from xhtml2pdf import pisa

    out = io.BytesIO()
    pisa.CreatePDF("<html><body></body></html>", dest=out, encoding="utf-8", capacity=-1)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=50, help="certificate PDFs for the median")
    parser.add_argument("--batch", type=int, default=1000, help="recognitions in the background batch")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    args = parser.parse_args()
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)

    import time_machine

    from cli import migrate_to_head
    from domain.recognition import documents
    from models import Recognition, StoredFile, db
    from seed import load_reference

    with scratch_app(args.database_url, "zlcp_bench_cert", JOBS_MODE="sync") as (app, kind), \
            time_machine.travel(DAY, tick=True):
        print(f"认定证书 benchmark ({kind}; one PDF ×{args.single}, batch of {args.batch:,})")
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            load_reference()
            ids = build(max(args.batch, 1))

            empty_pdf()  # warm up: fonts registered, modules loaded
            rec = documents._load(ids[0])
            values = documents.inputs(rec)
            url = documents.signed_url(rec)
            documents.certificate_pdf(values, documents.qr_matrix(url))

            base = []
            for _ in range(args.single):
                start = time.perf_counter()
                empty_pdf()
                base.append(time.perf_counter() - start)
            one = []
            for _ in range(args.single):
                start = time.perf_counter()
                documents.certificate_pdf(values, documents.qr_matrix(url))  # the QR code encoded too
                one.append(time.perf_counter() - start)
            base_p50, one_p50 = statistics.median(base), statistics.median(one)
            print(f"  baseline: empty xhtml2pdf document, median      {base_p50 * 1000:8.1f} ms")
            print(f"  认定证书 PDF, median of {args.single}                    {one_p50 * 1000:8.1f} ms   "
                  f"(×{one_p50 / base_p50:.1f} the baseline)   target ≤ 150 ms   "
                  f"{'ok' if one_p50 <= 0.150 else 'MISSED'}")

            start = time.perf_counter()
            for _ in ids:
                empty_pdf()
            base_batch = time.perf_counter() - start
            start = time.perf_counter()
            made = [documents.generate(rid) for rid in ids]
            batch = time.perf_counter() - start
            assert made.count("made") == len(ids), made[:5]
            ready = sum(documents.ready(r) for r in Recognition.select())
            files = StoredFile.select().count()
            print(f"  baseline: {len(ids):,} empty xhtml2pdf documents        {base_batch:8.1f} s")
            print(f"  documents job on {len(ids):,} recognitions          {batch:8.1f} s   "
                  f"(×{batch / base_batch:.1f} the baseline; {batch / len(ids) * 1000:.0f} ms each: PDF, QR PNG+SVG, "
                  f"认定标识 PNG+SVG; {ready:,} complete, {files:,} files)   target ≤ 3 min   "
                  f"{'ok' if batch <= 180 else 'MISSED'}")
            start = time.perf_counter()
            again = [documents.generate(rid) for rid in ids[:100]]
            rerun = time.perf_counter() - start
            assert set(again) == {"unchanged"}
            print(f"  the job again on 100 unchanged (idempotent)       {rerun * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
