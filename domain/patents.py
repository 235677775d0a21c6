"""专利信息管理: the registry importer, 自动导入专利, 手动新增专利, the daily legal-status update.

Registry file format (CSV with a header row, UTF-8; or JSONL, one object a line):

    number,name,kind,patentees,application_date,grant_date,legal_status,expiry_date
    ZL202010566088.9,一种电池管理系统,发明,深圳示范智能科技有限公司;某某大学,2020-06-19,2021-08-03,有效,2040-06-19

- number: any accepted form (ZL/CN prefix, with or without the dot, old 9-character
  numbers); the check digit is verified.
- kind: 发明/实用新型/外观设计 (or invention/utility/design); empty → from the number.
- patentees: names separated by ";" (JSONL: a list or the same string).
- dates: YYYY-MM-DD or empty. legal_status: 有效/失效/届满/审中 (or valid/invalid/expired/pending).

Rows are upserted by number; a bad row is reported with its line number and the rest
goes in. Delta mode (the daily legal-status file) needs only number and legal_status
(expiry_date optional) and records every change of a patent some unit holds.
"""

import csv
import io
import json
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

import jobs
from infra import changes, storage, validators
from infra.validators import FormErrors
from models import (
    Patent,
    PatentHolder,
    PatentStatusChange,
    Product,
    ProductPatent,
    StoredFile,
    Unit,
    UnitNameHistory,
    UnitPatent,
    db,
    today_shanghai,
    utcnow,
)
from workflows import ProductStatus

KINDS = {"发明": "invention", "实用新型": "utility", "外观设计": "design",
         "invention": "invention", "utility": "utility", "design": "design"}
KIND_LABELS = {"invention": _l("发明"), "utility": _l("实用新型"), "design": _l("外观设计")}
# A patent's legal status (法律状态) in the register and the import files: a vocabulary of its
# own, not a workflow status ('pending' is 审中, 'expired' 届满), kept in Patent.legal_status.
STATUSES = {"有效": "valid", "失效": "invalid", "届满": "expired", "审中": "pending",
            "valid": "valid", "invalid": "invalid", "expired": "expired", "pending": "pending"}
STATUS_LABELS = {"valid": _l("有效"), "invalid": _l("失效"), "expired": _l("届满"), "pending": _l("审中")}
ACQUISITIONS = {"original": _l("原始取得"), "assigned": _l("受让"), "licensed": _l("被许可")}
ASSIGNMENT_KINDS = {"transfer": _l("转让"), "inheritance": _l("继承"), "gift": _l("受赠")}
BATCH = 1000


class RowError(ValueError):
    pass


def read_rows(path):
    """(line number, dict) for every data row of a CSV or JSONL file."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        fh.seek(0)
        if first.lstrip().startswith("{"):
            for line, text in enumerate(fh, start=1):
                if text.strip():
                    try:
                        yield line, json.loads(text)
                    except json.JSONDecodeError:
                        yield line, {"_error": "不是有效的JSON"}
        else:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                yield line, row


def _date(value, label):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RowError(f"{label}格式不正确（应为YYYY-MM-DD）：{value}") from exc


def clean_row(row, delta=False):
    if "_error" in row:
        raise RowError(row["_error"])
    try:
        number = validators.patent_number(str(row.get("number") or ""))
    except validators.ValidationError as exc:
        raise RowError(f"{exc.message}：{row.get('number')}") from exc
    status = STATUSES.get(str(row.get("legal_status") or "").strip())
    if status is None:
        raise RowError(f"法律状态不正确：{row.get('legal_status')}")
    if delta:
        return {"number": number.application_number, "legal_status": status,
                "expiry_date": _date(row.get("expiry_date"), "届满日")}
    name = str(row.get("name") or "").strip()
    if not name:
        raise RowError("缺少专利名称")
    kind_text = str(row.get("kind") or "").strip()
    kind = KINDS.get(kind_text) if kind_text else {"pct_invention": "invention",
                                                   "pct_utility": "utility"}.get(number.kind, number.kind)
    if kind is None:
        raise RowError(f"专利类型不正确：{kind_text}")
    holders = row.get("patentees") or ""
    holders = holders if isinstance(holders, list) else str(holders).replace("；", ";").split(";")
    holders = [h.strip() for h in holders if h and h.strip()]
    if not holders:
        raise RowError("缺少专利权人")
    return {
        "number": number.application_number, "display_number": number.display, "name": name[:300],
        "kind": kind, "patentees": holders, "legal_status": status,
        "application_date": _date(row.get("application_date"), "申请日"),
        "grant_date": _date(row.get("grant_date"), "授权公告日"),
        "expiry_date": _date(row.get("expiry_date"), "届满日"),
    }


def import_file(path, delta=False, progress=None, total=None):
    """Import a registry file; returns {'imported', 'changed', 'errors': [(line, msg)]}.

    A full file streams through clean_row() into the register in one transaction (bulk_load:
    straight into an empty one, else staged and upserted): a row that fails is reported by
    line and left out, the others go in whole, and importing the same file again changes
    nothing. A delta file (a day's legal statuses) goes in batches."""
    if not delta:
        errors = []
        counted = (lambda done, t: progress(done + len(errors), t)) if progress else None  # rows read
        result = {"imported": bulk_load(_clean_rows(read_rows(path), errors), counted, total), "changed": 0}
        if result["imported"]:
            changes.touch()  # product pages show patent names and legal statuses
        result["errors"] = errors
        return result
    errors, batch = [], []
    result = {"imported": 0, "changed": 0}
    done = 0
    for line, row in read_rows(path):
        done += 1
        try:
            batch.append(clean_row(row, delta=True))
        except RowError as exc:
            errors.append((line, str(exc)))
        if len(batch) >= BATCH:
            _flush(batch, result)
            batch = []
            if progress:
                progress(done, total)
    if batch:
        _flush(batch, result)
    if progress:
        progress(done, done)
    if result["changed"]:
        changes.touch()
    result["errors"] = errors
    return result


def _clean_rows(lines, errors):
    """(line, clean row) of every good row; a bad one goes to `errors` as (line, message)."""
    for line, row in lines:
        try:
            yield line, clean_row(row)
        except RowError as exc:
            errors.append((line, str(exc)))


def _flush(rows, result):
    with db.database.atomic():
        result["changed"] += _apply_statuses(rows)
    result["imported"] += len(rows)


STAGE_CHUNK = 50_000  # rows per executemany, or per part of the COPY stream (and per progress report)
PATENT_COLUMNS = ("number", "display_number", "name", "kind", "patentees", "application_date", "grant_date",
                  "legal_status", "expiry_date")
STAGE_COLUMNS = ("line", *PATENT_COLUMNS)
_json_list = json.JSONEncoder(ensure_ascii=False).encode  # the patentees as models.JSONField writes them
SQLITE_LOAD_CACHE_KIB = 262_144  # SQLite's page cache while loading (its default is 2 MiB)


def bulk_load(rows, progress=None, total=None):
    """Upsert clean registry rows ((line, row) pairs, or rows) into patent and patentholder;
    returns how many distinct numbers went in.

    Into an empty register the rows go straight into patent, whose indexes are built once
    after the load (_load_empty); otherwise they are staged and upserted (_load_staged). The
    patents are streamed to the database (COPY on PostgreSQL, executemany on SQLite), the
    patentee index is filled from their patentees in SQL; all in one transaction, so a failure
    leaves nothing half done. On PostgreSQL one import runs at a time; readers go on, except
    during a load into an empty register, whose tables stay locked until it commits. A number
    repeated in the input: the last row wins."""
    database = db.database
    postgres = database.param == "%s"
    feed = _Feed(rows, progress, total)
    with _sqlite_cache(postgres), database.atomic():
        if postgres:
            database.execute_sql('LOCK TABLE "patent" IN SHARE ROW EXCLUSIVE MODE')
        load = _load_staged if Patent.select().exists() else _load_empty
        loaded = load(feed, postgres, utcnow())
    if postgres and loaded >= STAGE_CHUNK:
        database.execute_sql('ANALYZE "patent"')
        database.execute_sql('ANALYZE "patentholder"')
    if progress:
        progress(feed.done, total)
    return loaded


@contextmanager
def _sqlite_cache(postgres):
    """On SQLite, a page cache big enough for the load and its index builds, then the old one."""
    if postgres:
        yield
        return
    old = db.database.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.database.execute_sql(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        db.database.execute_sql(f"PRAGMA cache_size = {int(old)}")


class _Feed:
    """The (line, row) pairs to load, counted; progress(rows so far, total) when the row after
    each STAGE_CHUNK is asked for, that is once they are written."""

    def __init__(self, rows, progress, total):
        self.rows, self.progress, self.total, self.done = rows, progress, total, 0

    def __iter__(self):
        for item in self.rows:
            if self.progress and self.done and not self.done % STAGE_CHUNK:
                self.progress(self.done, self.total)
            self.done += 1
            yield item if isinstance(item, tuple) else (self.done, item)


def _load_empty(feed, postgres, now):
    """Into an empty register: the rows straight into patent (the ids given here), then the
    patentee index from their patentees; the tables' indexes (and on PostgreSQL patentholder's
    foreign key) are dropped before and built once after. Of a repeated number the earlier
    rows are deleted before the unique index is built. Returns the number of patents loaded."""
    database = db.database
    foreign_keys = []
    if postgres:
        database.execute_sql("SET LOCAL maintenance_work_mem = '256MB'")  # index builds sort in memory
        foreign_keys = database.execute_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'patentholder'::regclass AND contype = 'f'").fetchall()
        for name, _definition in foreign_keys:
            database.execute_sql(f'ALTER TABLE "patentholder" DROP CONSTRAINT "{name}"')
    for model in (Patent, PatentHolder):
        model._schema.drop_indexes()
    first = database.execute_sql(
        "SELECT nextval(pg_get_serial_sequence('patent', 'id'))" if postgres
        else 'SELECT coalesce(max("id"), 0) + 1 FROM "patent"').fetchone()[0]
    stamp = now.isoformat(" ")
    written, repeated, twice = _write_patents(
        feed, postgres, "patent", ("id", *PATENT_COLUMNS, "created_at", "updated_at"), first, (stamp, stamp))
    removed = _drop_superseded("patent", "id") if repeated else 0
    Patent._schema.create_indexes()
    _insert_holders(postgres, 'x."id"', 'FROM "patent" x', twice, now)
    PatentHolder._schema.create_indexes()
    for name, definition in foreign_keys:  # checked in one pass over the table
        database.execute_sql(f'ALTER TABLE "patentholder" ADD CONSTRAINT "{name}" {definition}')
    if postgres and written:
        database.execute_sql("SELECT setval(pg_get_serial_sequence('patent', 'id'), %s)", (first + written - 1,))
    return written - removed


def _load_staged(feed, postgres, now):
    """Into a register that has patents: the rows into a temporary staging table, then the
    legal-status changes of patents some unit holds are recorded, one INSERT … SELECT … ON
    CONFLICT (number) upserts the patents (a row that differs in nothing is left as it is) and
    the patentees of new patents and of those whose patentees changed are (re)placed. Returns
    the number of patents loaded."""
    database = db.database
    p = database.param
    text, date_ = ("text", "date") if postgres else ("TEXT", "TEXT")
    database.execute_sql(
        f'CREATE TEMPORARY TABLE "zl_stage" ("line" integer, "number" {text}, "display_number" {text}, '
        f'"name" {text}, "kind" {text}, "patentees" {text}, "application_date" {date_}, "grant_date" {date_}, '
        f'"legal_status" {text}, "expiry_date" {date_})')
    written, repeated, twice = _write_patents(feed, postgres, "zl_stage", STAGE_COLUMNS)
    removed = _drop_superseded("zl_stage", "line") if repeated else 0
    database.execute_sql('CREATE INDEX "zl_stage_number" ON "zl_stage" ("number")')
    if postgres:  # the planner knows nothing of a temporary table until it is analysed
        database.execute_sql('ANALYZE "zl_stage"')
    database.execute_sql(
        'INSERT INTO "patentstatuschange" ("patent_id", "old_status", "new_status", "seen_by_products", '
        f'"created_at") SELECT pt."id", pt."legal_status", s."legal_status", {p}, {p} '
        'FROM "zl_stage" s JOIN "patent" pt ON pt."number" = s."number" '
        'WHERE pt."legal_status" <> s."legal_status" '
        'AND EXISTS (SELECT 1 FROM "unitpatent" u WHERE u."patent_id" = pt."id")', (False, now))
    database.execute_sql(  # the numbers whose patentees are to be (re)placed
        'CREATE TEMPORARY TABLE "zl_due" AS SELECT s."number", s."patentees" FROM "zl_stage" s '
        'LEFT JOIN "patent" pt ON pt."number" = s."number" WHERE pt."patentees" IS NULL '
        'OR pt."patentees" <> s."patentees"')
    if postgres:
        database.execute_sql('ANALYZE "zl_due"')  # as zl_stage
    database.execute_sql('DELETE FROM "patentholder" WHERE "patent_id" IN (SELECT pt."id" FROM "zl_due" d '
                         'JOIN "patent" pt ON pt."number" = d."number")')
    columns = ", ".join(f'"{c}"' for c in PATENT_COLUMNS)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in PATENT_COLUMNS[1:] + ("updated_at",))
    differs = " OR ".join(f'"patent"."{c}" {"IS DISTINCT FROM" if postgres else "IS NOT"} EXCLUDED."{c}"'
                          for c in PATENT_COLUMNS[1:])
    database.execute_sql(
        f'INSERT INTO "patent" ({columns}, "created_at", "updated_at") '
        f'SELECT {", ".join("s." + c for c in columns.split(", "))}, {p}, {p} FROM "zl_stage" s WHERE true '
        f'ON CONFLICT ("number") DO UPDATE SET {updates} WHERE {differs}', (now, now))
    if postgres and written >= STAGE_CHUNK:  # the planner has to know of the patents just added
        database.execute_sql('ANALYZE "patent"')
    _insert_holders(postgres, 'pt."id"', 'FROM "zl_due" x JOIN "patent" pt ON pt."number" = x."number"', twice, now)
    database.execute_sql('DROP TABLE "zl_due"')
    database.execute_sql('DROP TABLE "zl_stage"')
    return written - removed


def _write_patents(feed, postgres, table, columns, first_id=None, extra=()):
    """Write the patents of `feed` into `table`, STAGE_CHUNK rows at a time: one COPY … FROM
    STDIN on PostgreSQL, streamed so that the server stores some rows while the next are read
    and cleaned; executemany on SQLite. Each row is a tuple as soon as it is read (a cleaned
    dict kept longer would make the garbage collector walk the heap), keyed by its line or by
    an id counted from first_id, and followed by `extra`. Returns (rows written, whether a
    number may repeat, whether a row names a patentee twice)."""
    written, repeated, twice = 0, False, False

    def batches():
        nonlocal written, repeated, twice
        seen, batch = set(), []
        for line, row in feed:
            number, names = row["number"], row["patentees"]
            key = hash(number)  # a hash, not the text: a fraction of the memory
            repeated = repeated or key in seen
            seen.add(key)
            twice = twice or (len(names) > 1 and len(set(names)) < len(names))
            batch.append((line if first_id is None else first_id + written, number, row["display_number"],
                          row["name"], row["kind"], _json_list(names), _iso(row["application_date"]),
                          _iso(row["grant_date"]), row["legal_status"], _iso(row["expiry_date"]), *extra))
            written += 1
            if len(batch) >= STAGE_CHUNK:
                yield batch
                batch = []
        if batch:
            yield batch

    names = ", ".join(f'"{c}"' for c in columns)
    cursor = db.database.cursor()
    if postgres:
        stream = _CsvStream(batches())
        cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv)', stream)
        if stream.failed:
            raise stream.failed
    else:
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        for batch in batches():
            cursor.executemany(sql, batch)
    return written, repeated, twice


class _CsvStream:
    """The file a COPY … FROM STDIN reads: the CSV text of each list of rows in turn. An error
    while one is prepared ends the stream; the caller raises it once the COPY is over (psycopg2
    would make it a database error)."""

    def __init__(self, batches):
        self.batches, self.failed = iter(batches), None

    def read(self, _size=-1):
        buf = io.StringIO()
        while not buf.tell() and not self.failed:
            try:
                batch = next(self.batches, None)
            except Exception as exc:  # noqa: BLE001 - raised again after the COPY
                self.failed = exc
                break
            if batch is None:
                break
            csv.writer(buf, lineterminator="\n").writerows(batch)  # None: an empty field, NULL
        return buf.getvalue()


def _drop_superseded(table, key):
    """Delete every row of `table` but the last (highest `key`) of each number; returns how many."""
    return db.database.execute_sql(
        f'DELETE FROM "{table}" WHERE "{key}" IN (SELECT "{key}" FROM (SELECT "{key}", row_number() OVER '
        f'(PARTITION BY "number" ORDER BY "{key}" DESC) AS "later" FROM "{table}") t WHERE "later" > 1)').rowcount


def _insert_holders(postgres, patent_id, source, distinct, now):
    """The patentholder rows of the patents in `source` (`FROM …` naming their ids `patent_id`
    and their JSON lists of patentees x."patentees"); distinct: a list may name someone twice."""
    names = ('jsonb_array_elements_text(x."patentees"::jsonb) AS j("value")' if postgres
             else 'json_each(x."patentees") AS j')
    db.database.execute_sql(
        f'INSERT INTO "patentholder" ("patent_id", "name", "created_at") '
        f'SELECT {"DISTINCT " if distinct else ""}{patent_id}, j."value", {db.database.param} '
        f'{source}, {names}', (now,))


def _upsert(rows):
    """Upsert a list of clean rows (the demo data's loader)."""
    bulk_load(rows)


def _iso(value):
    return value.isoformat() if value else None


def _record_changes(pairs):
    """PatentStatusChange rows for patents some unit holds whose status changes."""
    changed = [(p, new) for p, new in pairs if p.legal_status != new]
    if not changed:
        return 0
    held = set(UnitPatent.select(UnitPatent.patent).where(
        UnitPatent.patent.in_([p.id for p, _ in changed])).tuples())
    held = {pid for (pid,) in held}
    rows = [{"patent": p.id, "old_status": p.legal_status, "new_status": new}
            for p, new in changed if p.id in held]
    if rows:
        PatentStatusChange.insert_many(rows).execute()
    return len(changed)


def _apply_statuses(rows):
    numbers = {r["number"]: r for r in rows}
    existing = list(Patent.select(Patent.id, Patent.number, Patent.legal_status)
                    .where(Patent.number.in_(list(numbers))))
    changed = _record_changes([(p, numbers[p.number]["legal_status"]) for p in existing])
    now = utcnow()
    for p in existing:
        row = numbers[p.number]
        values = {"legal_status": row["legal_status"], "updated_at": now}
        if row["expiry_date"]:
            values["expiry_date"] = row["expiry_date"]
        if p.legal_status != row["legal_status"] or row["expiry_date"]:
            Patent.update(**values).where(Patent.id == p.id).execute()
    return changed


def import_job(path, delta=False):
    """Background job (jobs.JOBS 'patents.import'): import with progress."""
    total = sum(1 for _ in read_rows(path))
    result = import_file(path, delta=delta, total=total,
                         progress=lambda done, t: jobs.progress(done, t or total))
    result["errors"] = result["errors"][:200]
    return result


# ---------------------------------------------------------------- 自动导入专利


def auto_import(unit_id):
    """Link every registry patent whose patentees include the unit's current or any former
    name as 自有 / 原始取得. Idempotent: re-running adds only new ones. Returns the count."""
    unit = Unit.get_by_id(unit_id)
    names = unit.all_names()
    have = UnitPatent.select(UnitPatent.patent).where(UnitPatent.unit == unit)
    candidates = [pid for (pid,) in PatentHolder.select(fn.DISTINCT(PatentHolder.patent))
                  .where(PatentHolder.name.in_(names), PatentHolder.patent.not_in(have)).tuples()]
    total = len(candidates)
    for start in range(0, total, BATCH):
        chunk = candidates[start:start + BATCH]
        with db.database.atomic():
            UnitPatent.insert_many([{"unit": unit.id, "patent": pid, "source": "auto",
                                     "acquisition": "original"} for pid in chunk]).on_conflict_ignore().execute()
        jobs.progress(min(start + BATCH, total), total)
    jobs.progress(total, total)
    return total


# ---------------------------------------------------------------- 持有或被许可: the rule

# What a unit's claim to a patent rests on (manual §四: a unit adds the patents it holds —
# 原始取得, 受让 — or is licensed, 被许可). REGISTRY: the registry's patentees include the
# unit's current or a former name. UPLOAD: only the unit's upload says so (a 受让 not yet
# registered, with the transfer proof; a licence, with its contract from a licensor the
# registry names): it stands, flagged for the reviewer. NONE: it does not stand.
REGISTRY, UPLOAD, NONE = "registry", "upload", "none"
# Reasons meaning the patent has left the unit (the patent watch flags filed products on
# them); a missing upload or a licence not yet in force is not a transfer.
GONE = ("not_patentee", "licensor_not_patentee", "licence_ended")


@dataclass(frozen=True)
class ClaimProblem:
    code: str
    field: str  # the 手动新增专利 form field it is shown at
    message: object


@dataclass(frozen=True)
class Claim:
    basis: str
    problems: tuple = ()
    note: object = ""  # UPLOAD: what the reviewer has to check

    @property
    def stands(self):
        return self.basis != NONE

    @property
    def on_upload(self):
        """It stands on the unit's upload alone: the reviewer checks it."""
        return self.basis == UPLOAD

    @property
    def gone(self):
        return any(p.code in GONE for p in self.problems)

    @property
    def reason(self):
        return "；".join(str(p.message) for p in self.problems) or str(self.note)


def _name_key(name):
    """A name as compared with the registry's: full-width brackets and spaces do not matter."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def claim_basis(acquisition, patentees, unit_names, *, licensor="", licence_start=None, licence_end=None,
                proof=False, today=None):
    """On what the claim of a unit (its current and former names) to a registry patent (its
    patentees) rests, for a way of acquiring it (原始取得 / 受让 / 被许可) — the one rule of
    手动新增专利, the pre-review checks and the patent watch. Returns a Claim."""
    holders = {_name_key(p) for p in patentees or []}
    listed = "、".join(patentees or []) or "—"
    today = today or today_shanghai()
    if acquisition == "licensed":
        problems = []
        if _name_key(licensor) not in holders:
            problems.append(ClaimProblem("licensor_not_patentee", "licensor", _l(
                "许可人应为该专利的专利权人（专利库记载的专利权人：%(holders)s）", holders=listed)))
        if licence_start and licence_start > today:
            problems.append(ClaimProblem("licence_not_started", "licence_start", _l(
                "许可自%(day)s起生效，目前尚未生效", day=licence_start.isoformat())))
        if licence_end and licence_end < today:
            problems.append(ClaimProblem("licence_ended", "licence_end", _l(
                "许可已于%(day)s到期", day=licence_end.isoformat())))
        if not proof:
            problems.append(ClaimProblem("proof_missing", "proof_file", _l("请上传专利实施许可合同")))
        if problems:
            return Claim(NONE, tuple(problems))
        return Claim(UPLOAD, note=_l("许可人为专利权人，许可关系以单位上传的专利实施许可合同为据，请核验"))
    if holders & {_name_key(n) for n in unit_names}:
        return Claim(REGISTRY)
    if acquisition == "assigned" and proof:
        return Claim(UPLOAD, note=_l("专利库记载的专利权人（%(holders)s）尚不包括本单位，"
                                     "受让以单位上传的专利权转让证明为据，请核验", holders=listed))
    if acquisition == "assigned":
        return Claim(NONE, (ClaimProblem("not_patentee", "proof_file", _l(
            "专利库记载的专利权人（%(holders)s）不包括本单位的现用名或曾用名；"
            "受让尚未在专利登记簿登记的，请上传专利权转让证明", holders=listed)),))
    return Claim(NONE, (ClaimProblem("not_patentee", "acquisition", _l(
        "专利库记载的专利权人（%(holders)s）不包括本单位的现用名或曾用名，不能作为原始取得的专利；"
        "受让或被许可的专利请选择相应的获取方式", holders=listed)),))


def link_claim(link, patent, names, today=None):
    """claim_basis() of a patent in a unit's list (UnitPatent `link`, its Patent, the unit's names)."""
    return claim_basis(link.acquisition, patent.patentees, names, licensor=link.licensor,
                       licence_start=link.licence_start, licence_end=link.licence_end,
                       proof=link.proof_file_id is not None, today=today)


def unit_names(unit_ids):
    """{unit id: [current name, former names...]} of many units, in two queries."""
    ids = list(set(unit_ids))
    names = {uid: [] for uid in ids}
    if not ids:
        return names
    for uid, name in Unit.select(Unit.id, Unit.name).where(Unit.id.in_(ids)).tuples():
        names[uid].append(name)
    for uid, name in (UnitNameHistory.select(UnitNameHistory.unit, UnitNameHistory.name)
                      .where(UnitNameHistory.unit.in_(ids)).tuples()):
        names[uid].append(name)
    return {uid: [n for n in found if n] for uid, found in names.items()}


# ---------------------------------------------------------------- 手动新增专利

PROOF_LABELS = {"assigned": _l("专利权转让证明"), "licensed": _l("专利实施许可合同")}


def add_manual(unit, data, files=None):
    """手动新增专利; returns the UnitPatent or raises FormErrors with every problem. The claim
    must stand (claim_basis); the transfer proof / licence contract uploaded is stored even
    when another field is wrong, and handed back in FormErrors.uploads for the page to keep."""
    errors = {}
    patent = None
    try:
        number = validators.patent_number(data.get("number", ""))
    except validators.ValidationError as exc:
        errors["number"] = exc.message
    else:
        patent = Patent.get_or_none(Patent.number == number.application_number)
        if patent is None:
            errors["number"] = _l("专利库中没有该专利号，请核对")
        elif UnitPatent.select().where(UnitPatent.unit == unit, UnitPatent.patent == patent).exists():
            errors["number"] = _l("该专利已在本单位专利列表中")
    acquisition = data.get("acquisition", "")
    if acquisition not in ACQUISITIONS:
        errors["acquisition"] = _l("请选择专利权获取方式")
    values = {"assignment_kind": "", "licensor": "", "licence_start": None, "licence_end": None}
    if acquisition == "assigned":
        if data.get("assignment_kind") not in ASSIGNMENT_KINDS:
            errors["assignment_kind"] = _l("请选择受让方式（转让、继承、受赠）")
        values["assignment_kind"] = data.get("assignment_kind", "")
    if acquisition == "licensed":
        values["licensor"] = (data.get("licensor") or "").strip()
        if not values["licensor"]:
            errors["licensor"] = _l("请填写许可人")
        elif len(values["licensor"]) > UnitPatent.licensor.max_length:
            errors["licensor"] = _l("不能超过%(n)s个字", n=UnitPatent.licensor.max_length)
        for name, label in (("licence_start", _l("许可起始日")), ("licence_end", _l("许可截止日"))):
            try:
                values[name] = date.fromisoformat(data.get(name) or "")
            except ValueError:
                errors[name] = _l("请填写%(label)s", label=label)
        if values["licence_start"] and values["licence_end"] and values["licence_end"] < values["licence_start"]:
            errors["licence_end"] = _l("许可截止日不能早于许可起始日")
    uploads = {}
    if acquisition in PROOF_LABELS:
        uploads, upload_errors = storage.take_uploads(files or {}, data, unit.user, ("proof_file",))
        errors.update(upload_errors)
    if patent is not None and "number" not in errors and acquisition in ACQUISITIONS:
        claim = claim_basis(acquisition, patent.patentees, unit.all_names(), licensor=values["licensor"],
                            licence_start=values["licence_start"], licence_end=values["licence_end"],
                            proof="proof_file" in uploads)
        for problem in claim.problems:
            errors.setdefault(problem.field, problem.message)
    if errors:
        exc = FormErrors(errors)
        exc.uploads = uploads
        raise exc
    return UnitPatent.create(unit=unit, patent=patent, source="manual", acquisition=acquisition,
                             proof_file=uploads.get("proof_file"), **values)


def can_delete(link):
    """Manually added patents can be deleted until a submitted (non-draft) product uses them."""
    if link.source != "manual":
        return False
    used = (ProductPatent.select().join(Product)
            .where(ProductPatent.patent == link.patent_id, Product.unit == link.unit_id,
                   Product.status != ProductStatus.DRAFT))
    return not used.exists()


def delete_manual(link):
    """Delete a manually added patent of the unit's list; False when it may not be deleted."""
    if not can_delete(link):
        return False
    link.delete_instance()
    return True


# ---------------------------------------------------------------- 查询

FILTERS = ("number", "name", "kind", "holder", "acquisition", "status")


def search(unit, args):
    """The unit's patents filtered by 专利号, 专利名称, 专利类型, 权利人, 获取方式, 法律状态
    (with each one's Patent and uploaded proof joined)."""
    query = (UnitPatent.select(UnitPatent, Patent, StoredFile).join(Patent).switch(UnitPatent)
             .join(StoredFile, JOIN.LEFT_OUTER, on=(UnitPatent.proof_file == StoredFile.id))
             .where(UnitPatent.unit == unit))
    number = (args.get("number") or "").strip().upper().replace("ZL", "").replace("CN", "").replace(".", "")
    if number:
        query = query.where(Patent.number.contains(number))
    if args.get("name"):
        query = query.where(Patent.name.contains(args["name"].strip()))
    if args.get("kind") in KIND_LABELS:
        query = query.where(Patent.kind == args["kind"])
    if args.get("holder"):
        holders = PatentHolder.select(PatentHolder.patent).where(PatentHolder.name.contains(args["holder"].strip()))
        query = query.where(Patent.id.in_(holders))
    if args.get("acquisition") in ACQUISITIONS:
        query = query.where(UnitPatent.acquisition == args["acquisition"])
    if args.get("status") in STATUS_LABELS:
        query = query.where(Patent.legal_status == args["status"])
    return query.order_by(Patent.application_date.desc(nulls="LAST"), Patent.id)


def sync_status_inbox():
    """Daily job: apply every legal-status delta file waiting in PATENT_STATUS_INBOX, then
    move it to its processed/ folder. Idempotent: a processed file is not read again."""
    inbox = Path(current_app.config["PATENT_STATUS_INBOX"])
    if not inbox.is_absolute():
        inbox = Path(current_app.instance_path) / inbox
    done_dir = inbox / "processed"
    done_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for path in sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix in (".csv", ".jsonl")):
        result = import_file(path, delta=True)
        path.rename(done_dir / path.name)
        summary.append({"file": path.name, "changed": result["changed"], "errors": len(result["errors"])})
    return summary
