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

    A full file streams through clean_row() into a staging table and is upserted from there
    in one transaction (bulk_load): a row that fails is reported by line and left out, the
    others go in whole, and importing the same file again changes nothing. A delta file (a
    day's legal statuses) goes in batches."""
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


STAGE_CHUNK = 50_000  # rows staged per COPY / executemany (and per progress report)
STAGE_COLUMNS = ("line", "number", "display_number", "name", "kind", "patentees", "application_date",
                 "grant_date", "legal_status", "expiry_date")
PATENT_COLUMNS = STAGE_COLUMNS[1:]


def bulk_load(rows, progress=None, total=None):
    """Upsert clean registry rows ((line, row) pairs, or rows) into patent and patentholder;
    returns how many distinct numbers went in.

    The rows are copied into temporary staging tables (COPY on PostgreSQL, executemany on
    SQLite, STAGE_CHUNK at a time), then one INSERT … SELECT … ON CONFLICT (number) upserts
    the patents, legal-status changes of patents some unit holds are recorded, and the
    patentee index is rebuilt for the numbers loaded — all in one transaction, so a failure
    leaves nothing half done. A number repeated in the input: the last row wins. Into an
    empty register, the patentee index is built after the load instead of row by row."""
    database = db.database
    postgres = database.param == "%s"
    now = utcnow()
    with database.atomic():
        _create_stage(postgres)
        done, seen, repeated = 0, set(), False
        chunk, holders = [], []
        for item in rows:
            line, row = item if isinstance(item, tuple) else (done + 1, item)
            done += 1
            key = hash(row["number"])
            repeated = repeated or key in seen
            seen.add(key)
            chunk.append((line, row["number"], row["display_number"], row["name"], row["kind"],
                          json.dumps(row["patentees"], ensure_ascii=False), row["application_date"],
                          row["grant_date"], row["legal_status"], row["expiry_date"]))
            holders.extend((line, name) for name in dict.fromkeys(row["patentees"]))
            if len(chunk) >= STAGE_CHUNK:
                _stage(postgres, chunk, holders)
                chunk, holders = [], []
                if progress:
                    progress(done, total)
        _stage(postgres, chunk, holders)
        del seen
        if repeated:  # keep each number's last row
            database.execute_sql('DELETE FROM "zl_stage" WHERE "line" < (SELECT max(s2."line") FROM "zl_stage" s2 '
                                 'WHERE s2."number" = "zl_stage"."number")')
        loaded = _upsert_staged(postgres, now)
        database.execute_sql('DROP TABLE "zl_stage"')
        database.execute_sql('DROP TABLE "zl_stage_holder"')
    if postgres and loaded >= STAGE_CHUNK:
        database.execute_sql('ANALYZE "patent"')
        database.execute_sql('ANALYZE "patentholder"')
    if progress:
        progress(done, total)
    return loaded


def _create_stage(postgres):
    text, date_ = ("text", "date") if postgres else ("TEXT", "TEXT")
    db.database.execute_sql(
        f'CREATE TEMPORARY TABLE "zl_stage" ("line" integer, "number" {text}, "display_number" {text}, '
        f'"name" {text}, "kind" {text}, "patentees" {text}, "application_date" {date_}, "grant_date" {date_}, '
        f'"legal_status" {text}, "expiry_date" {date_})')
    db.database.execute_sql(f'CREATE TEMPORARY TABLE "zl_stage_holder" ("line" integer, "name" {text})')


def _stage(postgres, rows, holders):
    if not rows:
        return
    cursor = db.database.cursor()
    if postgres:
        for table, columns, values in (("zl_stage", STAGE_COLUMNS, rows),
                                       ("zl_stage_holder", ("line", "name"), holders)):
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(values)  # None: an empty field, NULL
            buf.seek(0)
            names = ", ".join(f'"{c}"' for c in columns)
            cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv)', buf)
    else:
        marks = ", ".join("?" * len(STAGE_COLUMNS))
        cursor.executemany(f'INSERT INTO "zl_stage" VALUES ({marks})',
                           [r[:6] + tuple(_iso(v) for v in r[6:8]) + (r[8], _iso(r[9])) for r in rows])
        cursor.executemany('INSERT INTO "zl_stage_holder" VALUES (?, ?)', holders)


def _upsert_staged(postgres, now):
    """patent and patentholder from the staging tables; returns the number of patents loaded."""
    database = db.database
    p = database.param
    database.execute_sql('CREATE INDEX "zl_stage_number" ON "zl_stage" ("number")')
    existing = database.execute_sql('SELECT count(*) FROM "zl_stage" s JOIN "patent" pt ON pt."number" = s."number"'
                                    ).fetchone()[0]
    if existing:
        database.execute_sql(
            'INSERT INTO "patentstatuschange" ("patent_id", "old_status", "new_status", "seen_by_products", '
            f'"created_at") SELECT pt."id", pt."legal_status", s."legal_status", {p}, {p} '
            'FROM "zl_stage" s JOIN "patent" pt ON pt."number" = s."number" '
            'WHERE pt."legal_status" <> s."legal_status" '
            'AND EXISTS (SELECT 1 FROM "unitpatent" u WHERE u."patent_id" = pt."id")', (False, now))
        database.execute_sql('DELETE FROM "patentholder" WHERE "patent_id" IN (SELECT pt."id" FROM "zl_stage" s '
                             'JOIN "patent" pt ON pt."number" = s."number")')
    columns = ", ".join(f'"{c}"' for c in PATENT_COLUMNS)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in PATENT_COLUMNS[1:] + ("updated_at",))
    cursor = database.execute_sql(
        f'INSERT INTO "patent" ({columns}, "created_at", "updated_at") '
        f'SELECT {", ".join("s." + c for c in columns.split(", "))}, {p}, {p} FROM "zl_stage" s WHERE true '
        f'ON CONFLICT ("number") DO UPDATE SET {updates}', (now, now))
    loaded = cursor.rowcount
    rebuild = not existing and not PatentHolder.select().exists()
    if rebuild:  # an empty register: build the patentee indexes once, after the rows are in
        PatentHolder._schema.drop_indexes()
    database.execute_sql(
        'INSERT INTO "patentholder" ("patent_id", "name", "created_at") '
        f'SELECT DISTINCT pt."id", h."name", {p} FROM "zl_stage_holder" h '
        'JOIN "zl_stage" s ON s."line" = h."line" JOIN "patent" pt ON pt."number" = s."number"', (now,))
    if rebuild:
        PatentHolder._schema.create_indexes()
    return loaded


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
