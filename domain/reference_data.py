"""Reference data kept in the back office: 国民经济行业分类, 统计用产品分类目录, 国家和地区
(CSV imports checked row by row, all or nothing, upserted by code), what uses a code (a code
in use is never deleted, only 停用), and how complete the product catalogue is.

The CLI importer (`flask zlcp import-categories`) and the back office's upload (a background
job with progress) both go through import_catalogue().
"""

import csv
import re
from pathlib import Path

from flask_babel import lazy_gettext as _l
from peewee import SQL, fn
from pypinyin import Style, lazy_pinyin

import jobs
from models import Country, Industry, Option, Product, ProductCategory, Unit, db

BATCH = 500

# The catalogue as published (统计用产品分类目录 2010, secondary sources): rows per level. The
# shipped file holds 大类 01–22 only (seed/data/SOURCES.md).
CATEGORY_LEVELS = {1: (_l("大类"), 95), 2: (_l("中类"), 814), 3: (_l("小类"), 2756), 4: (_l("细类"), 3485),
                   5: (_l("产品"), 28997)}


class Kind:
    """One importable catalogue: its model, CSV columns, and the check of a code."""

    def __init__(self, name, label, model, columns, pattern):
        self.name, self.label, self.model, self.columns, self.pattern = name, label, model, columns, pattern


KINDS = {
    "categories": Kind("categories", _l("统计用产品分类目录"), ProductCategory,
                       ("code", "name", "level", "parent_code"), r"(?:[0-9]{2}){1,5}"),
    "industries": Kind("industries", _l("国民经济行业分类"), Industry,
                       ("code", "name", "level", "parent_code"), r"[A-T]|[0-9]{2,4}"),
    "countries": Kind("countries", _l("国家和地区"), Country, ("code", "name_zh", "name_en"), r"[A-Z]{2}"),
}


def _category_initials(name):
    # seed.category_initials, here too (the domain does not import seed/)
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


def _expected_level(kind, code):
    if kind.name == "categories":
        return len(code) // 2
    if kind.name == "industries":
        return 1 if code.isalpha() else len(code)
    return None


def check_rows(kind, rows):
    """(values, errors): the rows as column values, and [(line, message)] for every bad row
    (line 1 is the header)."""
    errors, values, seen = [], [], {}
    missing = [c for c in kind.columns if c not in (rows[0].keys() if rows else kind.columns)]
    if missing:
        return [], [(1, str(_l("缺少列：%(columns)s", columns="、".join(missing))))]
    codes = {(r.get("code") or "").strip() for r in rows}
    for line, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        code, problems = row.get("code", ""), []
        if not re.fullmatch(kind.pattern, code):
            problems.append(str(_l("代码“%(code)s”格式不正确", code=code)))
        elif code in seen:
            problems.append(str(_l("代码%(code)s与第%(line)s行重复", code=code, line=seen[code])))
        seen.setdefault(code, line)
        name_field = "name_zh" if kind.name == "countries" else "name"
        limit = kind.model._meta.fields[name_field].max_length
        if not row.get(name_field):
            problems.append(str(_l("名称不能为空")))
        elif len(row[name_field]) > limit:
            problems.append(str(_l("名称不能超过%(n)s个字", n=limit)))
        value = {c: row.get(c, "") for c in kind.columns}
        if kind.name != "countries":
            level = row.get("level", "")
            if not level.isdigit() or (re.fullmatch(kind.pattern, code) and int(level) != _expected_level(kind, code)):
                problems.append(str(_l("层级“%(level)s”与代码不符", level=level)))
            parent = row.get("parent_code", "")
            if parent:
                if not code.startswith(parent) and not (kind.name == "industries" and len(code) == 2):
                    problems.append(str(_l("上级代码%(parent)s与代码不符", parent=parent)))
                elif parent not in codes and not kind.model.select().where(kind.model.code == parent).exists():
                    problems.append(str(_l("上级代码%(parent)s不存在", parent=parent)))
            elif level.isdigit() and int(level) != 1:
                problems.append(str(_l("缺少上级代码")))
            value.update(level=int(level) if level.isdigit() else 0, parent_code=parent or None)
            if kind.name == "categories":
                value["initials"] = _category_initials(row.get("name", ""))
        if problems:
            errors.append((line, "；".join(problems)))
        else:
            values.append(value)
    return values, errors


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def import_catalogue(path, kind_name, progress=None):
    """Import a catalogue CSV: every row checked first; any bad row → nothing is loaded and
    every bad row is reported by line. Otherwise rows are inserted or their names updated by
    code, in one transaction (a second import of the same file changes nothing).
    Returns {"imported", "added", "updated", "errors": [(line, message)]}."""
    kind = KINDS[kind_name]
    try:
        rows = read_rows(path)
    except (UnicodeDecodeError, csv.Error) as exc:
        return {"imported": 0, "added": 0, "updated": 0,
                "errors": [(0, str(_l("文件不是UTF-8编码的CSV：%(why)s", why=exc)))]}
    values, errors = check_rows(kind, rows)
    if errors or not values:
        return {"imported": 0, "added": 0, "updated": 0, "errors": errors or [(1, str(_l("文件中没有数据行")))]}
    model = kind.model
    before = dict(model.select(model.code, model.name_zh if kind.name == "countries" else model.name).tuples())
    changed = [v for v in values if v["code"] in before]
    added = len(values) - len(changed)
    updated = sum(1 for v in changed if before[v["code"]] != v.get("name", v.get("name_zh")))
    total = len(values)
    with db.database.atomic():
        for start in range(0, total, BATCH):
            chunk = values[start:start + BATCH]
            update = {model._meta.fields[c]: _excluded(model, c) for c in chunk[0] if c != "code"}
            model.insert_many(chunk).on_conflict(conflict_target=[model.code], update=update).execute()
            if progress:
                progress(min(start + BATCH, total), total)
    return {"imported": total, "added": added, "updated": updated, "errors": []}


def _excluded(model, column):
    return SQL(f'EXCLUDED."{model._meta.fields[column].column_name}"')


def import_job(path, kind_name):
    """Background job (jobs.JOBS 'reference.import'): import with progress; the upload is
    removed afterwards."""
    try:
        result = import_catalogue(path, kind_name, progress=lambda done, total: jobs.progress(done, total))
    finally:
        Path(path).unlink(missing_ok=True)
    result["errors"] = [list(e) for e in result["errors"][:200]]
    return result


# ---------------------------------------------------------------- codes in use


def uses(model, code):
    """Why a code may not be deleted: [(what, how many)] of the rows that use it."""
    found = []
    if model is ProductCategory:
        found.append((_l("产品"), Product.select().where(Product.category == code).count()))
        found.append((_l("下级分类"), ProductCategory.select().where(ProductCategory.parent_code == code).count()))
    elif model is Industry:
        found.append((_l("产品"), Product.select().where(Product.industry == code).count()))
        found.append((_l("单位"), Unit.select().where(Unit.industry == code).count()))
        found.append((_l("下级行业"), Industry.select().where(Industry.parent_code == code).count()))
    elif model is Country:
        found.append((_l("产品出口地"), Product.select().where(
            fn.CAST(Product.export_countries, "TEXT").contains(f'"{code}"')).count()))
    return [(what, n) for what, n in found if n]


OPTION_USES = {
    "unit_type": ((Unit, "unit_type"),), "enterprise_type": ((Unit, "enterprise_type"),),
    "enterprise_size": ((Unit, "enterprise_size"),), "filing_purpose": ((Product, "purpose"),),
}


def option_uses(option):
    found = []
    for model, column in OPTION_USES.get(option.kind, ()):
        n = model.select().where(getattr(model, column) == option.code).count()
        if n:
            found.append((_l("单位") if model is Unit else _l("产品"), n))
    return found


def in_use_message(code, found):
    uses = "、".join(str(_l("%(what)s%(n)s条", what=what, n=n)) for what, n in found)
    return str(_l("代码%(code)s正在使用（%(uses)s），不能删除；不再使用时请停用。", code=code, uses=uses))


# ---------------------------------------------------------------- completeness


def category_completeness():
    """[(level, label, rows loaded, rows published, active rows)] of the 统计用产品分类目录."""
    loaded = dict(ProductCategory.select(ProductCategory.level, fn.COUNT(ProductCategory.code))
                  .group_by(ProductCategory.level).tuples())
    active = dict(ProductCategory.select(ProductCategory.level, fn.COUNT(ProductCategory.code))
                  .where(ProductCategory.active).group_by(ProductCategory.level).tuples())
    return [(level, label, loaded.get(level, 0), published, active.get(level, 0))
            for level, (label, published) in CATEGORY_LEVELS.items()]


def missing_divisions():
    """The 2-digit 大类 codes 01–97 the loaded catalogue does not have."""
    have = {c for (c,) in ProductCategory.select(ProductCategory.code).where(ProductCategory.level == 1).tuples()}
    return [f"{n:02d}" for n in range(1, 98) if f"{n:02d}" not in have]


def option_kinds():
    return sorted({o.kind for o in Option.select(Option.kind).distinct()})


def set_active(model, keys, active):
    """停用 / 启用 rows of a reference table (by primary key); returns how many changed."""
    pk = model._meta.primary_key
    keys = [pk.python_value(k) for k in keys]  # a code stays text, an id becomes a number
    return model.update(active=active).where(pk.in_(keys), model.active != active).execute()
