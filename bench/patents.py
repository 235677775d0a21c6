"""Patent registry import and 自动导入专利 at scale.

Generates N registry rows (default 1,000,000) as a CSV, imports them with the real
importer (`patents.import_file`: stream, validate check digits, stage, upsert, patentee index)
into a fresh database, and prints the time beside the floor measured in the same run: reading
and cleaning the same file, then a plain bulk load (COPY on PostgreSQL, executemany on SQLite)
of the patents and patentees into the same indexed tables of another fresh database. Then runs
自动导入专利 for a unit holding 2,000 of them and prints its time.

    .venv/bin/python bench/patents.py [--rows 1000000] [--database-url postgresql://…]
Targets: import ≤ 2.5× the floor and ≤ 40 s; auto-import ≤ 2 s.
"""

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OWNER = "基准测试科技有限公司"


def fresh_app(url_or_server, tmp, name):
    from app import create_app
    from cli import migrate_to_head, scratch_postgres
    from models import db

    drop = None
    if url_or_server.startswith("postgres"):
        url, drop = scratch_postgres(url_or_server, prefix=f"zlcp_bench_{name}")
    else:
        url = f"sqlite:///{tmp}/{name}.db"
    app = create_app({"DATABASE_URL": url, "JOBS_MODE": "sync", "DEVELOPMENT": True})
    with app.app_context(), db.database.connection_context():
        migrate_to_head()
    return app, drop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch databases)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="zlcp-bench-")
    os.environ["ZLCP_INSTANCE_PATH"] = tmp

    from seed.demo_patents import generate

    t = time.perf_counter()
    rows = generate(args.rows, seed=7, owners=[(OWNER, 2000, 5, 20)])
    path = Path(tmp) / "registry.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "name", "kind", "patentees", "application_date", "grant_date", "legal_status",
                    "expiry_date"])
        for r in rows:
            w.writerow([r["display_number"], r["name"], r["kind"], ";".join(r["patentees"]), r["application_date"],
                        r["grant_date"], r["legal_status"], r["expiry_date"]])
    print(f"generated {args.rows:,} rows in {time.perf_counter() - t:.1f} s")

    from models import Patent, PatentHolder, Unit, db
    from workflows import UnitStatus

    # The floor: read + clean every row, then a plain bulk load (COPY / executemany, ids given)
    # of the patents and their patentees into the same indexed tables of a fresh database.
    base_app, base_drop = fresh_app(args.database_url, tmp, "floor")
    with base_app.app_context(), db.database.connection_context():
        from domain.patents import clean_row, read_rows

        t = time.perf_counter()
        patents_, holders_ = [], []
        for k, (_line, row) in enumerate(read_rows(path), start=1):
            r = clean_row(row)
            patents_.append((k, r["number"], r["display_number"], r["name"], r["kind"],
                             json.dumps(r["patentees"], ensure_ascii=False), r["application_date"],
                             r["grant_date"], r["legal_status"], r["expiry_date"], "2026-01-01", "2026-01-01"))
            holders_.extend((k, name, "2026-01-01") for name in dict.fromkeys(r["patentees"]))
        cols = ("id", "number", "display_number", "name", "kind", "patentees", "application_date", "grant_date",
                "legal_status", "expiry_date", "created_at", "updated_at")
        with db.database.atomic():
            cursor = db.database.cursor()
            for table, columns, values in (("patent", cols, patents_),
                                           ("patentholder", ("patent_id", "name", "created_at"), holders_)):
                if args.database_url:
                    buf = io.StringIO()
                    csv.writer(buf, lineterminator="\n").writerows(values)
                    buf.seek(0)
                    cursor.copy_expert(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN WITH (FORMAT csv)', buf)
                else:
                    marks = ", ".join("?" * len(columns))
                    cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',
                                       [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)
                                        for row in values])
        raw = time.perf_counter() - t
        del patents_, holders_
    if base_drop:
        base_drop()

    app, drop = fresh_app(args.database_url, tmp, "importer")
    from domain.patents import auto_import, import_file

    with app.app_context(), db.database.connection_context():
        t = time.perf_counter()
        result = import_file(path)
        imported = time.perf_counter() - t
        assert result["imported"] == args.rows and not result["errors"], result["errors"][:3]
        assert Patent.select().count() == args.rows
        from domain.accounts import ensure_roles
        from infra.extensions import user_datastore

        ensure_roles()
        user = user_datastore.create_user(username="bench01", email="b@x.cn", phone="13900000001",
                                          password="x", roles=["unit"])
        unit = Unit.create(user=user, name=OWNER, status=UnitStatus.APPROVED)
        t = time.perf_counter()
        linked = auto_import(unit.id)
        auto = time.perf_counter() - t
        holders = PatentHolder.select().count()
    if drop:
        drop()
    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{kind}: {args.rows:,} rows, {holders:,} patentee entries")
    print(f"  floor: read + clean + bulk load {raw:8.1f} s")
    print(f"  importer                        {imported:8.1f} s   ratio {imported / raw:5.2f}× floor   "
          "targets ≤ 2.5× floor and ≤ 40 s")
    print(f"  自动导入专利 ({linked:,} linked)  {auto:8.2f} s   target ≤ 2 s")


if __name__ == "__main__":
    main()
