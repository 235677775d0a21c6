"""公众异议 under measure: the objection form's POST with a 2 MB PDF attachment and 异议查询
(GET the page, POST a tracking number and phone), each beside a bare Flask route in the same run.

Builds a fresh database (SQLite by default, a scratch PostgreSQL database when given a server
URL) with one unit and one product 已认定 (rows inserted directly: a benchmark, not a seed).
Captcha, CSRF and rate limits are off for the run; every POST carries a different text and phone,
so none is a duplicate or over the per-phone cap. Notifications stay in the outbox (rq mode
without Redis: nothing is delivered).

Then, with the Flask test client (or, with --http, over real HTTP on 127.0.0.1 to werkzeug's
threaded server, a new connection per request, as bench/baseline.py does), measures p50/p95 of
- POST /objections/new (2 MB PDF) beside a bare route that receives the same multipart upload
  and writes it to a file (the raw file write: the attachment's storage is in both), and
  beside the bare GET route;
- GET /objections/track and POST /objections/track (a lookup) beside the bare GET route.
Target: each p95 ≤ 3× its baseline, printed as a ratio with PASS/FAIL.

    .venv/bin/python bench/objections.py [--requests 60] [--http] [--database-url postgresql://…]
"""

import argparse
import http.client
import io
import logging
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app

from seed.demo_products import pdf_of_page

PDF_SIZE = 2 * 1048576
TARGET = 3.0


def big_pdf(size=PDF_SIZE):
    """A valid text PDF of about `size` bytes (one long uncompressed page of text lines)."""
    lines = []
    total, n = 0, 0
    while total < size:
        line = b"BT /F1 9 Tf 40 %d Td (ZLCP objection evidence line %07d) Tj ET\n" % (800 - n % 760, n)
        lines.append(line)
        total += len(line)
        n += 1
    return pdf_of_page(b"".join(lines))


def build():
    """A verified unit and its product 已认定 this year; returns the product's public token."""
    from domain.accounts import ensure_roles
    from models import Product, Recognition, RecognitionRound, Unit, User, new_token, today_shanghai, utcnow
    from seed.demo_products import credit_code
    from workflows import ProductStatus, RecognitionStatus, UnitStatus

    ensure_roles()
    today = today_shanghai()
    user = User.create(username="bench_unit", email="bench_unit@example.cn", phone="13700000001", password="x")
    unit = Unit.create(user=user, status=UnitStatus.APPROVED, unit_type="enterprise", region_code="440305",
                       credit_code=credit_code("440305", 7), name="基准异议测试科技有限公司")
    product = Product.create(unit=unit, token=new_token(), status=ProductStatus.FILED, filing_number="2026440000001",
                             name="基准异议产品", model="OB-0001", category="0101010101", industry="3841",
                             last_year_sales=Decimal(5000), contribution_index=Decimal(35),
                             filed_at=utcnow() - timedelta(days=200))
    rnd = RecognitionRound.create(year=today.year, name="基准认定批次", filing_from=today - timedelta(days=365),
                                  filing_to=today, notice_start=today - timedelta(days=40))
    Recognition.create(product=product, round=rnd, status=RecognitionStatus.RECOGNISED,
                       notice_start=today - timedelta(days=40), notice_end=today - timedelta(days=26),
                       recognised_at=utcnow() - timedelta(days=25), valid_until=today + timedelta(days=340),
                       certificate_number="BENCH-OBJ-0001")
    return product.token


def measure(send, n, expect):
    """(p50, p95) in ms of n calls of send(i) (each response's status checked)."""
    times = []
    for i in range(n):
        start = time.perf_counter()
        resp = send(i)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == expect, (resp.status_code, resp.get_data(as_text=True)[:400])
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def bare_app(folder):
    """The baseline: a bare Flask app with GET / ("ok", as _scratch.bare_client) and a POST
    route that writes the uploaded file to `folder` (the raw file write)."""
    from flask import Flask, request

    bare = Flask("bare")
    bare.get("/")(lambda: "ok")

    @bare.post("/upload")
    def upload():
        request.files["files"].save(Path(folder) / f"{time.perf_counter_ns()}.pdf")
        return "ok"

    return bare


class HttpResponse:
    def __init__(self, status, body):
        self.status_code, self.body = status, body

    def get_data(self, as_text=False):
        return self.body.decode() if as_text else self.body


class HttpClient:
    """The test client's get/post over real HTTP to `app` served on 127.0.0.1 (a new
    connection per request; redirects not followed)."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _send(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_port)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        out = HttpResponse(resp.status, resp.read())
        conn.close()
        return out

    def get(self, path):
        return self._send("GET", path)

    def post(self, path, data, content_type="application/x-www-form-urlencoded"):
        from werkzeug.datastructures import FileStorage, MultiDict
        from werkzeug.test import encode_multipart

        if content_type.startswith("multipart/"):
            values = MultiDict({k: FileStorage(v[0], filename=v[1], content_type=v[2]) if isinstance(v, tuple) else v
                                for k, v in data.items()})
            boundary, body = encode_multipart(values)
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(data).encode()
        return self._send("POST", path, body, {"Content-Type": content_type})

    def close(self):
        self.server.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    parser.add_argument("--http", action="store_true", help="over real HTTP on 127.0.0.1, not the test client")
    parser.add_argument("--redis-url", default="",
                        help="queue the receipts' SMS and e-mail in this Redis, as production does (default: none, "
                             "and they are sent by threads of this process during the run)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from cli import migrate_to_head
    from models import Objection, ObjectionFile, db
    from seed import load_reference

    pdf = big_pdf()
    n = args.requests
    with scratch_app(args.database_url, "zlcp_bench_objections", JOBS_MODE="rq", REDIS_URL=args.redis_url,
                     RATELIMIT_ENABLED=False, CAPTCHA_ENABLED=False, WTF_CSRF_ENABLED=False) as (app, kind), \
            tempfile.TemporaryDirectory(prefix="zlcp-bench-upload-") as folder:
        way = "HTTP on 127.0.0.1" if args.http else "test client"
        print(f"objection benchmark ({kind}, {way}, {len(pdf) / 1048576:.1f} MB PDF, {n} requests each)")
        with app.app_context(), db.database.connection_context():
            migrate_to_head()
            load_reference()
            token = build()
        baseline = bare_app(folder)
        if args.http:
            client, bare = HttpClient(app), HttpClient(baseline)
        else:
            client, bare = app.test_client(), baseline.test_client()
        warm = 5

        def form(i):
            return {"name": "基准异议人", "organisation": "", "phone": f"139{i:08d}",
                    "email": f"bench{i}@example.cn", "product": token,
                    "content": f"第{i}号基准异议：该产品申报的上年度销售额与我们掌握的市场数据明显不符，请核查。",
                    "files": (io.BytesIO(pdf), "证明材料.pdf", "application/pdf")}

        def post_objection(i):
            return client.post("/objections/new", data=form(i), content_type="multipart/form-data")

        def post_raw(i):
            return bare.post("/upload", data={"files": (io.BytesIO(pdf), "证明材料.pdf", "application/pdf")},
                            content_type="multipart/form-data")

        def get_bare(_i):
            return bare.get("/")

        def get_track(_i):
            return client.get("/objections/track")

        sent = {}

        def post_track(i):
            number, phone = sent[i % len(sent)]
            return client.post("/objections/track", data={"number": number, "contact": phone})

        for send, expect in ((get_bare, 200), (post_raw, 200), (get_track, 200)):
            measure(send, warm, expect)
        measure(lambda i: post_objection(10_000 + i), warm, 303)
        results = {
            "bare GET route": measure(get_bare, n, 200),
            "bare POST + 2 MB file write": measure(post_raw, n, 200),
            "POST /objections/new (2 MB PDF)": measure(post_objection, n, 303),
        }
        with app.app_context(), db.database.connection_context():
            made = Objection.select().where(Objection.phone.startswith("139")).count()
            files = ObjectionFile.select().count()
            assert made == n + warm and files == made, (made, files)
            sent.update(enumerate(Objection.select(Objection.tracking_number, Objection.phone)
                                  .order_by(Objection.id).tuples()))
        page = post_track(0).get_data(as_text=True)
        assert "已受理" in page and sent[0][0] in page, "the lookup does not show the objection"
        measure(post_track, warm, 200)
        results["GET /objections/track"] = measure(get_track, n, 200)
        results["POST /objections/track (lookup)"] = measure(post_track, n, 200)

        bare95 = results["bare GET route"][1]
        raw95 = results["bare POST + 2 MB file write"][1]
        print(f"\n{'request (' + way + ')':<36} {'p50 ms':>8} {'p95 ms':>8}")
        for name, (p50, p95) in results.items():
            print(f"{name:<36} {p50:8.2f} {p95:8.2f}")
        print(f"\n{'p95 ratio (target ≤ 3×)':<60} {'ratio':>7}")
        lines = (
            ("POST /objections/new ÷ bare POST + 2 MB file write", results["POST /objections/new (2 MB PDF)"][1],
             raw95, True),
            ("GET /objections/track ÷ bare GET route", results["GET /objections/track"][1], bare95, True),
            ("POST /objections/track (lookup) ÷ bare GET route", results["POST /objections/track (lookup)"][1],
             bare95, True),
            ("POST /objections/new ÷ bare GET route (storage included)",
             results["POST /objections/new (2 MB PDF)"][1], bare95, False),
        )
        for name, value, base, judged in lines:
            ratio = value / base
            verdict = ("PASS" if ratio <= TARGET else "FAIL") if judged else "(info)"
            print(f"{name:<60} {ratio:6.1f}×  {verdict}")


if __name__ == "__main__":
    main()
