"""Patent registry import and 自动导入专利 at scale.

Generates N registry rows (default 1,000,000) as a CSV, imports them with the real
importer (`patents.import_file`: stream, validate check digits, load, patentee index) into a
fresh database, and prints the time beside the floor measured in the same run: reading and
cleaning the same file (read_rows + clean_row), then a plain bulk load of the patents and their
patentees — COPY on PostgreSQL, executemany on SQLite, 50,000 rows at a time in one transaction,
the database's default settings — into the same indexed tables (foreign key included) of
another fresh database. With --repeat N the floor and the importer take turns N times, each on
a fresh database, and min / median are printed (the ratio is of the medians). Then runs
自动导入专利 for a unit holding 2,000 of the imported patents and prints its time.

    .venv/bin/python bench/patents.py [--rows 1000000] [--repeat 3] [--database-url postgresql://…]
Targets: import ≤ 2.5× the floor and ≤ 40 s; auto-import ≤ 2 s.
"""

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OWNER = "基准测试科技有限公司"
CHUNK = 50_000
STAMP = "2026-01-01 00:00:00"
PATENT_COLUMNS = ("id", "number", "display_number", "name", "kind", "patentees", "application_date", "grant_date",
                  "legal_status", "expiry_date", "created_at", "updated_at")
HOLDER_COLUMNS = ("patent_id", "name", "created_at")


def fresh_app(url_or_server, tmp, name):
    from app import create_app
    from cli import migrate_to_head, scratch_postgres
    from models import db

    def drop():  # the SQLite file and its WAL
        for file in Path(tmp).glob(f"{name}.db*"):
            file.unlink()

    url = f"sqlite:///{tmp}/{name}.db"
    if url_or_server.startswith("postgres"):
        url, drop = scratch_postgres(url_or_server, prefix=f"zlcp_bench_{name}")
    app = create_app({"DATABASE_URL": url, "JOBS_MODE": "sync", "DEVELOPMENT": True})
    with app.app_context(), db.database.connection_context():
        migrate_to_head()
    return app, drop


def floor(path, postgres):
    """(seconds, of which loading) to read and clean every row, then bulk-load the patents (ids
    given) and their patentees as they come, CHUNK rows at a time, in one transaction."""
    from domain.patents import clean_row, read_rows
    from models import db

    def load(cursor, patents, holders):
        started = time.perf_counter()
        for table, columns, values in (("patent", PATENT_COLUMNS, patents), ("patentholder", HOLDER_COLUMNS, holders)):
            names = ", ".join(f'"{c}"' for c in columns)
            if postgres:
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(values)
                buf.seek(0)
                cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv)', buf)
            else:
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})',
                                   values)
        loading[0] += time.perf_counter() - started

    def iso(day):
        return day.isoformat() if day else None

    loading = [0.0]
    t = time.perf_counter()
    with db.database.atomic():
        cursor = db.database.cursor()
        patents, holders = [], []
        for k, (_line, row) in enumerate(read_rows(path), start=1):
            r = clean_row(row)
            patents.append((k, r["number"], r["display_number"], r["name"], r["kind"],
                            json.dumps(r["patentees"], ensure_ascii=False), iso(r["application_date"]),
                            iso(r["grant_date"]), r["legal_status"], iso(r["expiry_date"]), STAMP, STAMP))
            holders.extend((k, name, STAMP) for name in dict.fromkeys(r["patentees"]))
            if len(patents) >= CHUNK:
                load(cursor, patents, holders)
                patents, holders = [], []
        load(cursor, patents, holders)
        started = time.perf_counter()
    loading[0] += time.perf_counter() - started  # the commit
    return time.perf_counter() - t, loading[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="floor and importer runs, taking turns")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch databases)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="zlcp-bench-")
    os.environ["ZLCP_INSTANCE_PATH"] = tmp
    load_before = os.getloadavg()

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
    del rows
    print(f"generated {args.rows:,} rows in {time.perf_counter() - t:.1f} s")

    from domain.accounts import ensure_roles
    from domain.patents import auto_import, import_file
    from infra.extensions import user_datastore
    from models import Patent, PatentHolder, Unit, db
    from workflows import UnitStatus

    floors, loads, imports = [], [], []
    for run in range(args.repeat):
        floor_app, floor_drop = fresh_app(args.database_url, tmp, f"floor{run}")
        with floor_app.app_context(), db.database.connection_context():
            seconds, loading = floor(path, bool(args.database_url))
            floors.append(seconds)
            loads.append(loading)
        floor_drop()

        app, drop = fresh_app(args.database_url, tmp, f"importer{run}")
        with app.app_context(), db.database.connection_context():
            t = time.perf_counter()
            result = import_file(path)
            imports.append(time.perf_counter() - t)
            assert result["imported"] == args.rows and not result["errors"], result["errors"][:3]
            assert Patent.select().count() == args.rows
            if run == args.repeat - 1:
                ensure_roles()
                user = user_datastore.create_user(username="bench01", email="b@x.cn", phone="13900000001",
                                                  password="x", roles=["unit"])
                unit = Unit.create(user=user, name=OWNER, status=UnitStatus.APPROVED)
                t = time.perf_counter()
                linked = auto_import(unit.id)
                auto = time.perf_counter() - t
                holders = PatentHolder.select().count()
        drop()
        print(f"  run {run + 1}: floor {floors[-1]:.1f} s (loading {loads[-1]:.1f} s), importer {imports[-1]:.1f} s")
    shutil.rmtree(tmp, ignore_errors=True)

    kind = "PostgreSQL" if args.database_url else "SQLite"
    floor_median, import_median = statistics.median(floors), statistics.median(imports)
    print(f"{kind}: {args.rows:,} rows, {holders:,} patentee entries, {args.repeat} run(s), min / median; "
          f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"  floor: read + clean + bulk load {min(floors):6.1f} / {floor_median:5.1f} s   "
          f"(of which the bulk load and commit {statistics.median(loads):.1f} s)")
    print(f"  importer                        {min(imports):6.1f} / {import_median:5.1f} s   "
          f"ratio {import_median / floor_median:5.2f}× floor   targets ≤ 2.5× floor and ≤ 40 s")
    print(f"  自动导入专利 ({linked:,} linked)      {auto:8.2f} s   target ≤ 2 s")


if __name__ == "__main__":
    main()
